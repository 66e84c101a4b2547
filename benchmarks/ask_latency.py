"""Latency of `ask` on an index, in a warm process, and the share of each stage.

    python benchmarks/ask_latency.py --db data/index [--split dev] [--repeat 2]

Every question of the eval split is asked once to warm the process (model loaded, caches filled), then
`--repeat` more times while the stages are timed by wrapping the functions that do them:
- query embedding: `embedding.get_query_embedding`
- Chroma: `store.query` (the nearest-neighbour search)
- BM25: `store.lexical.search`
- answer composition: `ExtractiveAnswerer.answer`
- the rest of `ask` (query analysis, fusion, building the answer object) is "other".
The query is embedded on a thread of its own while report selection and BM25 run
(`rag.retrievers.QueryVectors`), so the stages overlap: their times may add up to more than the wall
time of the asks, and "other" (wall time less the stages) is then what was not hidden.
Prints p50/p95 of the whole `ask` (wall, and the process's CPU time: the machine may be shared), the load
average, and each stage's share of the summed time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict
from pathlib import Path

from evals.dataset import load_dataset
from rag import BaocaoService, BaocaoSettings

ROOT = Path(__file__).resolve().parent.parent


def timed(stages: dict[str, float], name: str, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            stages[name] += time.perf_counter() - start
    return wrapper


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "index")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    service = BaocaoService(BaocaoSettings(db=args.db))
    questions = [item.question for item in load_dataset(ROOT / "evals" / "datasets" / f"{args.split}.jsonl")]
    for question in questions:  # warm-up
        service.ask(question)

    stages: dict[str, float] = defaultdict(float)
    embedding, store, extractive = service.embedding, service.store, service.extractive
    object.__setattr__(embedding, "get_query_embedding",
                       timed(stages, "query embedding", embedding.get_query_embedding))
    store.query = timed(stages, "Chroma", store.query)
    if store.lexical is not None:
        store.lexical.search = timed(stages, "BM25", store.lexical.search)
    extractive.answer = timed(stages, "answer composition", extractive.answer)

    totals, cpu = [], []
    load_before = os.getloadavg()
    for _ in range(args.repeat):
        for question in questions:
            start, cpu_start = time.perf_counter(), time.process_time()
            service.ask(question)
            totals.append(time.perf_counter() - start)
            cpu.append(time.process_time() - cpu_start)
    stages["other"] = sum(totals) - sum(stages.values())

    print(f"{len(totals)} asks ({len(questions)} questions of {args.split} x {args.repeat}), index {args.db}")
    print(f"ask latency: p50 {percentile(totals, 0.5) * 1000:.0f} ms, p95 {percentile(totals, 0.95) * 1000:.0f} ms, "
          f"mean {statistics.mean(totals) * 1000:.0f} ms; CPU time p50 {percentile(cpu, 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(cpu, 0.95) * 1000:.0f} ms; load average {load_before[0]:.2f} -> {os.getloadavg()[0]:.2f}")
    for name, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"  {name:20} {seconds / sum(totals) * 100:5.1f}%  ({seconds / len(totals) * 1000:.1f} ms per ask)")


if __name__ == "__main__":
    main()
