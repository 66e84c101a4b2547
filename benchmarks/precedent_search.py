"""Precedent search latency (issue 14): every topic of evals/datasets/precedents.jsonl, on an index.

    .venv/bin/python benchmarks/precedent_search.py --db /tmp/prec-index             # sample + corpus-dev
    .venv/bin/python benchmarks/precedent_search.py --db /tmp/scale/idx10k --repeat 2  # a cloned index

Opens a `BaocaoService` as the CLI does, runs each topic once to warm up, then `--repeat` times, and
prints one JSON line: chunks in the index, p50/p95/mean of the whole search and of its stages
(idf weights, hybrid retrieval, judging the passages), in milliseconds, and rows per topic.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    from evals.precedents import load_items
    from rag import BaocaoService, BaocaoSettings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    service = BaocaoService(BaocaoSettings(db=args.db))
    started = time.perf_counter()
    service.store.wait_for_lexical()
    open_s = time.perf_counter() - started
    items = load_items()
    for item in items:  # warm-up: model loaded, caches filled
        service.precedents(item.topic, item.filters, args.k)
    stages: dict[str, list[float]] = {}
    rows = []
    for _ in range(args.repeat):
        for item in items:
            result = service.precedents(item.topic, item.filters, args.k)
            rows.append(len(result.rows) + len(result.mentions))
            for stage, ms in result.timings_ms.items():
                stages.setdefault(stage, []).append(ms)
    summary = {stage: {"p50": round(_percentile(v, 0.5), 1), "p95": round(_percentile(v, 0.95), 1),
                       "mean": round(statistics.mean(v), 1)} for stage, v in stages.items()}
    print(json.dumps({"db": str(args.db), "chunks": service.store.chunk_count(), "reports": len(service.list_reports()),
                      "topics": len(items), "repeat": args.repeat, "open_s": round(open_s, 1), "ms": summary,
                      "rows_mean": round(statistics.mean(rows), 1)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
