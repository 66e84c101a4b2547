"""The precedent eval: topics with the reports that describe them, scored on `BaocaoService.precedents`.

A dataset line (evals/datasets/precedents.jsonl):
    {"id": "p-001", "topic": "Những địa phương nào đã xây dựng mô hình Dân vận khéo?",
     "reports": ["gold: reports that describe what was done on the topic"],
     "mentions": ["reports that name the topic only in passing"], "filters": {"levels": ["xã"]}, "note": "…"}
Gold was written by reading the reports (a section on the topic, or a paragraph saying what was done
and with what result), not from the finder's output.

Metrics per topic, averaged over topics:
- recall@10: share of the gold reports among the first 10 rows;
- precision@5: share of the first min(5, rows) rows that are gold (a passing mention counts as a miss;
  a topic with no row scores 0);
- order: share of (gold, mention) pairs, both listed (rows, then the reports the finder says only
  mention the topic), where the gold report comes first;
- recall@10 listed: recall over rows and mentions together (a gold report judged a mention still found).
recall@10 and precision@5 count only the rows, the reports the finder says describe the topic.
`baseline_rows` gives the plain retrieval order for comparison: one row per report in the order of its
best retrieved passage, every report the retrieval reaches (no judging of the passages).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.precedents import PrecedentFilters

DATASET = Path(__file__).resolve().parent / "datasets" / "precedents.jsonl"
# The targets, gated by tests/test_precedents.py.
MIN_RECALL_AT_10 = 0.9
MIN_PRECISION_AT_5 = 0.8


@dataclass(frozen=True)
class PrecedentItem:
    id: str
    topic: str
    reports: tuple[str, ...]
    mentions: tuple[str, ...] = ()
    filters: PrecedentFilters = PrecedentFilters()
    note: str = ""


def load_items(path: str | Path = DATASET) -> list[PrecedentItem]:
    """The dataset; a bad line raises ValueError naming the file, the line and the field."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: không phải JSON ({exc.msg})") from exc
        for key in ("id", "topic", "reports"):
            if not raw.get(key):
                raise ValueError(f"{where}: thiếu trường {key}")
        filters = raw.get("filters") or {}
        items.append(PrecedentItem(
            id=raw["id"], topic=raw["topic"], reports=tuple(raw["reports"]), mentions=tuple(raw.get("mentions", ())),
            filters=PrecedentFilters(levels=tuple(filters.get("levels", ())),
                                     provinces=tuple(filters.get("provinces", ())),
                                     years=tuple(filters.get("years", ())), period=filters.get("period", "")),
            note=raw.get("note", "")))
    return items


def recall_at(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    gold = set(gold)
    return len(gold & set(ranked[:k])) / len(gold) if gold else 1.0


def precision_at(ranked: Sequence[str], gold: Iterable[str], k: int = 5) -> float:
    top = list(ranked[:k])
    return sum(r in set(gold) for r in top) / len(top) if top else 0.0


def order_pairs(ranked: Sequence[str], gold: Iterable[str], mentions: Iterable[str]) -> tuple[int, int]:
    """(pairs where the gold report ranks above the mention, pairs with both in the rows)."""
    position = {rid: i for i, rid in enumerate(ranked)}
    pairs = [(position[g], position[m]) for g in gold for m in mentions if g in position and m in position]
    return sum(g < m for g, m in pairs), len(pairs)


@dataclass
class PrecedentScores:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: PrecedentItem, ranked: Sequence[str], mentioned: Sequence[str] = (),
            ms: float = 0.0) -> dict[str, Any]:
        listing = [*ranked, *mentioned]
        right, pairs = order_pairs(listing, item.reports, item.mentions)
        row = {"id": item.id, "topic": item.topic, "ranked": list(ranked), "mentioned": list(mentioned),
               "gold": list(item.reports), "recall10": recall_at(ranked, item.reports),
               "recall10_listed": recall_at(listing, item.reports), "precision5": precision_at(ranked, item.reports),
               "order_right": right, "order_pairs": pairs, "ms": round(ms, 1)}
        self.rows.append(row)
        return row

    def summary(self) -> dict[str, Any]:
        n = len(self.rows) or 1
        pairs = sum(r["order_pairs"] for r in self.rows)
        times = sorted(r["ms"] for r in self.rows)
        return {"topics": len(self.rows), "recall10": round(sum(r["recall10"] for r in self.rows) / n, 4),
                "precision5": round(sum(r["precision5"] for r in self.rows) / n, 4),
                "recall10_listed": round(sum(r["recall10_listed"] for r in self.rows) / n, 4),
                "order": round(sum(r["order_right"] for r in self.rows) / pairs, 4) if pairs else None,
                "order_pairs": pairs, "median_ms": times[len(times) // 2] if times else None}


Search = Callable[[PrecedentItem], tuple[list[str], list[str], float]]


def run(search: Search, items: Sequence[PrecedentItem]) -> PrecedentScores:
    """`search(item)` -> (report ids that describe the topic, best first; those that mention it; ms)."""
    scores = PrecedentScores()
    for item in items:
        ranked, mentioned, ms = search(item)
        scores.add(item, ranked, mentioned, ms)
    return scores


def finder_search(service) -> Search:
    def search(item: PrecedentItem) -> tuple[list[str], list[str], float]:
        result = service.precedents(item.topic, item.filters, k=10)
        return ([row.report_id for row in result.rows], [row.report_id for row in result.mentions],
                result.timings_ms.get("total", 0.0))
    return search


def baseline_search(service) -> Search:
    """Plain hybrid retrieval of the topic, one row per report in order of its best passage."""
    from rag.precedents import PrecedentFinder, reports_in_scope, survey_topic
    from rag.retrievers import HybridRetriever

    def search(item: PrecedentItem) -> tuple[list[str], list[str], float]:
        reports = service.catalog().reports
        scope = reports_in_scope(item.filters, reports)
        retriever = HybridRetriever(service.store, service.embedding, k=PrecedentFinder(
            service.store, service.embedding, reports).candidates, report_ids=scope)
        ranked: list[str] = []
        for node in retriever.retrieve(survey_topic(item.topic)):
            rid = str(node.node.metadata.get("report_id"))
            if rid not in ranked:
                ranked.append(rid)
        return ranked[:10], [], 0.0
    return search


def format_summary(name: str, summary: dict[str, Any]) -> str:
    order = "n/a" if summary["order"] is None else f"{summary['order']:.3f} ({summary['order_pairs']} cặp)"
    return (f"{name}: {summary['topics']} chủ đề, recall@10 {summary['recall10']:.3f}, precision@5 "
            f"{summary['precision5']:.3f}, recall@10 kể cả nhắc qua {summary['recall10_listed']:.3f}, "
            f"mô tả xếp trên nhắc qua {order}")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m evals.precedents --db DIR [--dataset F] [--output F]`: the finder and the plain
    retrieval order on the dataset; exit 1 below the targets."""
    import argparse

    from rag import BaocaoService, BaocaoSettings

    parser = argparse.ArgumentParser(prog="python -m evals.precedents", description=main.__doc__)
    parser.add_argument("--db", type=Path, required=True, help="chỉ mục đã nạp data/reports và data/corpus-dev")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--output", type=Path, help="ghi kết quả từng chủ đề (JSON Lines)")
    args = parser.parse_args(argv)
    service = BaocaoService(BaocaoSettings(db=args.db))
    items = load_items(args.dataset)
    finder = run(finder_search(service), items)
    baseline = run(baseline_search(service), items)
    print(format_summary("tìm tiền lệ", finder.summary()))
    print(format_summary("thứ tự truy hồi (đối chứng)", baseline.summary()))
    for row in finder.rows:
        if row["recall10"] < 1 or row["precision5"] < 1:
            print(f"  {row['id']} R@10 {row['recall10']:.2f} P@5 {row['precision5']:.2f}  {row['topic']}\n"
                  f"      xếp: {row['ranked']} nhắc qua: {row['mentioned']}\n      đúng: {row['gold']}")
    if args.output:
        with args.output.open("w", encoding="utf-8") as handle:
            for row in finder.rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = finder.summary()
    return 0 if summary["recall10"] >= MIN_RECALL_AT_10 and summary["precision5"] >= MIN_PRECISION_AT_5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
