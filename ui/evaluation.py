"""The evaluation tab: run the project's eval set through the service (or show the last run), with the
metrics per question type and the questions that failed. For the people who maintain a deployment.

It reuses `evals` (dataset loading, the runner, the metrics); the last run is kept beside the index
(`<db>/eval/last-run.jsonl` and `last-run.json`) so that a page opened later shows it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from evals.dataset import EvalItem, load_dataset
from evals.metrics import contains_fact
from evals.runner import aggregate_rows, read_jsonl, run_eval, split_paths, write_jsonl
from rag.service import BaocaoService

SPLIT_CHOICES = [("Bộ kiểm tra (test)", "test"), ("Bộ phát triển (dev)", "dev"), ("Cả hai bộ", "all")]
TYPE_LABELS = {
    "numeric": "số liệu", "entity": "tên, đối tượng", "list": "liệt kê", "cross_report": "nhiều báo cáo",
    "no_diacritics": "gõ không dấu", "abbreviation": "viết tắt", "paraphrase": "diễn đạt khác",
    "unanswerable": "không có trong báo cáo",
}
METRIC_COLUMNS = [
    ("hit1_report", "Đúng báo cáo ở vị trí 1"),
    ("hit5_report", "Đúng báo cáo trong 5 đoạn đầu"),
    ("hit5_section", "Đúng mục trong 5 đoạn đầu"),
    ("fact_recall", "Có đủ dữ kiện"),
    ("citation_support", "Dữ kiện có trích dẫn đúng"),
    ("abstention", "Từ chối đúng lúc"),
]
METRICS_HEADERS = ["Loại câu hỏi", "Số câu", "Có đáp án", *(label for _, label in METRIC_COLUMNS),
                   "Số liệu không có nguồn", "Thời gian trả lời (trung vị, ms)"]
FAILURE_HEADERS = ["Mã", "Loại", "Câu hỏi", "Vì sao chưa đạt", "Câu trả lời của hệ thống"]


def _percent(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.1f}%".replace(".", ",")


def type_label(kind: str) -> str:
    return TYPE_LABELS.get(kind, kind)


def metrics_table(agg: dict[str, Any]) -> list[list]:
    rows = []
    summaries = [(type_label(t), s) for t, s in agg["by_type"].items()] + [("TỔNG", agg["overall"])]
    for name, s in summaries:
        latency = s.get("latency_p50_ms")
        rows.append([name, s["n"], s["n_answerable"], *(_percent(s.get(m)) for m, _ in METRIC_COLUMNS),
                     s.get("unsupported_figures", 0), "–" if latency is None else round(latency)])
    return rows


def failure_reasons(row: dict[str, Any]) -> list[str]:
    """Why one question did not pass, in words; [] when it passed."""
    scores, gold, output = row["scores"], row.get("gold", {}), row.get("output", {})
    reasons = []
    abstained = bool(output.get("abstained"))
    if scores.get("abstention") == 0.0:
        reasons.append("từ chối dù báo cáo có thông tin" if gold.get("answerable")
                       else "trả lời dù báo cáo không có thông tin")
    if gold.get("answerable"):
        if scores.get("hit5_report") == 0.0:
            reasons.append("báo cáo đúng không nằm trong 5 đoạn tìm được đầu tiên")
        if not abstained and "answer" in output:
            missing = [f for f in gold.get("must_include", []) if not contains_fact(output.get("answer", ""), f)]
            if missing:
                reasons.append("thiếu dữ kiện: " + ", ".join(f"“{m}”" for m in missing))
    if scores.get("unsupported_figures"):
        reasons.append("số liệu không có trong trích dẫn: " + ", ".join(scores["unsupported_figures"]))
    return reasons


def failures_table(rows: Sequence[dict[str, Any]]) -> list[list]:
    out = []
    for row in rows:
        reasons = failure_reasons(row)
        if reasons:
            output = row.get("output", {})
            answer = output.get("answer", "")
            out.append([row["id"], type_label(row["type"]), output.get("question", ""), "; ".join(reasons),
                        answer if len(answer) <= 300 else answer[:300] + "…"])
    return out


class Evaluation:
    def __init__(self, service: BaocaoService, results_dir: Path | None = None) -> None:
        self.service = service
        self.results_dir = results_dir or Path(service.settings.db) / "eval"
        self._running = threading.Lock()

    @property
    def rows_file(self) -> Path:
        return self.results_dir / "last-run.jsonl"

    @property
    def meta_file(self) -> Path:
        return self.results_dir / "last-run.json"

    def last_run(self) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        if not (self.rows_file.is_file() and self.meta_file.is_file()):
            return None
        try:
            return json.loads(self.meta_file.read_text(encoding="utf-8")), read_jsonl(self.rows_file)
        except (OSError, ValueError):
            return None

    @staticmethod
    def describe(meta: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
        failed = sum(1 for r in rows if failure_reasons(r))
        text = (f"Lần chạy lúc {meta.get('finished_at', '?')}: bộ “{meta.get('label', meta.get('split', '?'))}”, "
                f"{len(rows)} câu hỏi, {len(rows) - failed} đạt, {failed} chưa đạt; "
                f"mất {meta.get('seconds', 0):.0f} giây trên {meta.get('reports', '?')} báo cáo.")
        missing = meta.get("missing_reports") or []
        if missing:
            text += (f" Lưu ý: chỉ mục thiếu {len(missing)} báo cáo mà bộ câu hỏi cần ({', '.join(missing[:5])}), "
                     "nên các câu hỏi về chúng không thể đạt.")
        return text

    def items_for(self, split: str) -> list[EvalItem]:
        items: list[EvalItem] = []
        for path in split_paths(split):
            items += load_dataset(path)
        return items

    def run(self, items: Sequence[EvalItem], label: str, k: int = 10) -> Iterator[tuple[int, int, list | None]]:
        """Run the questions one by one; yields (done, total, None) then (total, total, rows) at the end.
        Raises RuntimeError when another run is in progress."""
        if not self._running.acquire(blocking=False):
            raise RuntimeError("Đang có một lượt đánh giá khác chạy; hãy đợi nó xong.")
        try:
            started = time.monotonic()
            rows: list[dict[str, Any]] = []
            for done, item in enumerate(items):
                yield done, len(items), None
                rows += run_eval(self.service, [item], k=k, progress=False)
            indexed = {r.report_id for r in self.service.list_reports()}
            missing = sorted({rid for item in items for rid in item.reports} - indexed)
            meta = {"split": label, "label": label, "finished_at": time.strftime("%d/%m/%Y %H:%M"),
                    "seconds": time.monotonic() - started, "reports": len(indexed), "k": k,
                    "missing_reports": missing}
            write_jsonl(rows, self.rows_file)
            self.meta_file.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            yield len(items), len(items), rows
        finally:
            self._running.release()

    @staticmethod
    def summary(rows: Sequence[dict[str, Any]]) -> list[list]:
        return metrics_table(aggregate_rows(rows))
