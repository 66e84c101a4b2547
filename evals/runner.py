"""Run an eval set through the system: one `ask` (or, until answering exists, `search`) per question.

`run_eval` loads nothing itself: the caller opens the index once (a `BaocaoService`) and hands it over,
so every question reuses the same embedding model and Chroma client. Each row it returns is what
`baocao eval --output` writes, one JSON line per question:

    {"id": ..., "type": ..., "gold": {answerable, reports, section, must_include},
     "output": <the full ask object, or a search object shaped like it>, "scores": <metrics.score_item>}

`gold` is there so that an output file can be read (and a report written) without the dataset beside it.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.dataset import EvalItem
from evals.metrics import ANSWER_METRICS, RETRIEVAL_METRICS, aggregate, score_item

EVALS_DIR = Path(__file__).resolve().parent
DATASETS_DIR = EVALS_DIR / "datasets"
SPLITS = ("dev", "test")


def split_paths(split: str) -> list[Path]:
    """The project's dataset file(s) of a split: "dev", "test" or "all" (dev then test)."""
    if split == "all":
        return [DATASETS_DIR / f"{name}.jsonl" for name in SPLITS]
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (choose dev, test or all)")
    return [DATASETS_DIR / f"{split}.jsonl"]


def _to_dict(obj: Any) -> dict[str, Any]:
    """An ask result as a plain dict, whatever the answering layer returns (dict, dataclass, pydantic)."""
    if isinstance(obj, dict):
        return obj
    for method in ("to_dict", "model_dump"):
        if callable(getattr(obj, method, None)):
            return getattr(obj, method)()
    raise TypeError(f"ask() returned {type(obj).__name__}, expected a dict or an object with to_dict()")


def ask_object(service: Any, question: str, k: int) -> dict[str, Any]:
    """`service.ask(question)` as a DESIGN.md ask dict; `k` is passed when ask() accepts it."""
    try:
        accepts_k = "k" in inspect.signature(service.ask).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        accepts_k = False
    result = service.ask(question, k=k) if accepts_k else service.ask(question)
    return _to_dict(result)


def search_object(service: Any, question: str, k: int) -> dict[str, Any]:
    """A search shaped like an ask object without the answer: question, retrieved, timings_ms."""
    start = time.perf_counter()
    results = service.search(question, k)
    elapsed = round((time.perf_counter() - start) * 1000, 1)
    retrieved = [r.to_retrieved_dict() for r in results]
    return {"question": question, "retrieved": retrieved, "timings_ms": {"retrieve": elapsed, "total": elapsed}}


def run_eval(service: Any, items: Iterable[EvalItem], k: int = 10, progress: bool = True) -> list[dict[str, Any]]:
    """Run every item through `service.ask` when the service has one, else `service.search(q, k)`,
    and score it with `evals.metrics.score_item`. A progress bar (questions done, ETA) goes to stderr."""
    items = list(items)
    use_ask = callable(getattr(service, "ask", None))
    rows = []
    for item in tqdm(items, desc="eval", unit="câu", disable=not progress, dynamic_ncols=True):
        output = ask_object(service, item.question, k) if use_ask else search_object(service, item.question, k)
        rows.append({
            "id": item.id,
            "type": item.type,
            "gold": {"answerable": item.answerable, "reports": list(item.reports), "section": item.section,
                     "must_include": list(item.must_include)},
            "output": output,
            "scores": score_item(output, item),
        })
    return rows


def aggregate_rows(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """`metrics.aggregate` over the rows' scores (works for run rows and baseline rows alike)."""
    return aggregate([row["scores"] for row in rows])


def write_jsonl(rows: Iterable[dict[str, Any]], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    rows = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from None
    return rows


# --- the table printed for people ------------------------------------------------------------------

METRIC_LABELS = {
    "hit1_report": "Hit@1", "hit5_report": "Hit@5", "mrr10_report": "MRR@10",
    "hit1_section": "Hit@1", "hit5_section": "Hit@5", "mrr10_section": "MRR@10",
    "fact_recall": "Facts", "all_facts": "AllFacts", "citation_support": "CitSup", "abstention": "Abstain",
    "unsupported_figures": "UnsupFig", "latency_p50_ms": "p50 ms", "latency_p95_ms": "p95 ms",
}
# Groups of columns: (group header, metrics); groups whose metrics are all None are left out.
TABLE_GROUPS = (
    ("báo cáo", RETRIEVAL_METRICS[:3]),
    ("báo cáo + mục", RETRIEVAL_METRICS[3:]),
    ("câu trả lời", (*ANSWER_METRICS, "abstention", "unsupported_figures")),
    ("thời gian", ("latency_p50_ms", "latency_p95_ms")),
)


def _cell(metric: str, value: Any) -> str:
    if value is None:
        return "-"
    if metric == "unsupported_figures":
        return str(value)
    if metric.startswith("latency"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def format_table(agg: dict[str, Any]) -> str:
    """Per-type table (plus the overall line) as plain aligned text; columns without values are left out."""
    summaries = list(agg["by_type"].items()) + [("TỔNG", agg["overall"])]
    has_answers = any(s.get(m) is not None for _, s in summaries for m in (*ANSWER_METRICS, "abstention"))

    def shown(metric: str) -> bool:
        if metric == "unsupported_figures":
            return has_answers
        return any(s.get(metric) is not None for _, s in summaries)

    groups = [(header, [m for m in metrics if shown(m)]) for header, metrics in TABLE_GROUPS]
    groups = [(header, ms) for header, ms in groups if ms]
    name_w = max(len("loại"), *(len(n) for n, _ in summaries))
    widths = {m: max(len(METRIC_LABELS.get(m, m)), 6) for _, ms in groups for m in ms}
    lead = f"{'':<{name_w}}  {'':>6}  {'':>6}"
    top = lead + "".join(
        " | " + header.center(sum(widths[m] for m in ms) + 2 * (len(ms) - 1)) for header, ms in groups)
    head = f"{'loại':<{name_w}}  {'số câu':>6}  {'có đáp':>6}" + "".join(
        " | " + "  ".join(f"{METRIC_LABELS.get(m, m):>{widths[m]}}" for m in ms) for _, ms in groups)
    lines = [top.rstrip(), head, "-" * len(head)]
    for name, s in summaries:
        if name == "TỔNG":
            lines.append("-" * len(head))
        lines.append(f"{name:<{name_w}}  {s['n']:>6}  {s['n_answerable']:>6}" + "".join(
            " | " + "  ".join(f"{_cell(m, s.get(m)):>{widths[m]}}" for m in ms) for _, ms in groups))
    return "\n".join(lines)
