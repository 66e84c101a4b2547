"""The regression gate: committed thresholds and a committed per-question baseline.

`evals/thresholds.toml` holds metric minimums (`[min]`, over all questions), optional per-type minimums
(`[type.<name>]`), maximums for lower-is-better metrics (`[max]`) and a `margin`: the largest drop
below the baseline's aggregate that is still accepted (run-to-run noise of an index rebuild, not a
regression). `evals/baseline/<split>.jsonl` holds one line per question, `{"id", "type", "scores"}`,
written by `baocao eval --split test --write-baseline` from the system as it is.

Another eval set of the project (`evals/datasets/<name>.jsonl`, e.g. `corpus_dev`, questions over
reports nobody tuned for) has its own gate: a `[dataset.<name>]` table of the same file with its own
`margin`, `[dataset.<name>.min]`, `[dataset.<name>.max]` and `[dataset.<name>.type.<type>]`, and its
own baseline `evals/baseline/<name>.jsonl`. `dataset_name` tells which set a run is.

The baseline comparison is made on the questions both runs share, so that adding questions to the
dataset does not read as a regression; the thresholds apply to every question of the run. A question
*passes* when a gold report is in the top 5 (hit5_report == 1); the gate lists the questions that
passed in the baseline and fail now ("flipped"), and those that went the other way ("fixed"). Flips
alone do not fail the gate (a change may fix three questions and break one): the metrics decide.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.metrics import ANSWER_METRICS, RETRIEVAL_METRICS, aggregate
from evals.runner import read_jsonl, write_jsonl

EVALS_DIR = Path(__file__).resolve().parent
THRESHOLDS_FILE = EVALS_DIR / "thresholds.toml"
BASELINE_DIR = EVALS_DIR / "baseline"
DATASETS_DIR = EVALS_DIR / "datasets"

HIGHER_IS_BETTER = (*RETRIEVAL_METRICS, *ANSWER_METRICS, "abstention")
LOWER_IS_BETTER = ("unsupported_figures", "latency_p50_ms", "latency_p95_ms")
PASS_METRIC = "hit5_report"
# Scores that depend on the machine, not on the system's answers: kept out of the committed baseline.
VOLATILE_SCORES = ("latency_ms",)


@dataclass(frozen=True)
class Thresholds:
    minimum: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)
    by_type: dict[str, dict[str, float]] = field(default_factory=dict)
    margin: float = 0.0


def _number(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{path}: {key} must be a number, got {value!r}")
    return float(value)


def _metric_table(path: Path, table: Any, where: str, known: tuple[str, ...]) -> dict[str, float]:
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [{where}] must be a table")
    out = {}
    for key, value in table.items():
        if key not in known:
            raise ValueError(f"{path}: [{where}] unknown metric {key!r} (known: {', '.join(known)})")
        out[key] = _number(path, f"[{where}] {key}", value)
    return out


def load_thresholds(path: str | Path = THRESHOLDS_FILE, dataset: str | None = None) -> Thresholds:
    """Read thresholds.toml; an unknown key or a non-number is an error naming the file and the key.

    With `dataset`, the thresholds of `[dataset.<dataset>]` when the file has that table (another eval
    set of the project, see the module doc), else the top-level ones (the sample splits')."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: thresholds file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: {exc}") from None
    datasets = data.get("dataset", {})
    if not isinstance(datasets, dict) or not all(isinstance(t, dict) for t in datasets.values()):
        raise ValueError(f"{path}: [dataset] must hold one table per eval set, [dataset.<name>]")
    for name, table in datasets.items():  # every table is checked, whichever is used
        _thresholds_of(path, table, f"dataset.{name}.")
    if dataset is not None and dataset in datasets:
        return _thresholds_of(path, datasets[dataset], f"dataset.{dataset}.")
    return _thresholds_of(path, {k: v for k, v in data.items() if k != "dataset"}, "")


def _thresholds_of(path: Path, data: dict[str, Any], prefix: str) -> Thresholds:
    unknown = set(data) - {"margin", "min", "max", "type"}
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {sorted(f'{prefix}{k}' for k in unknown)} "
                         f"(known: margin, [min], [max], [type.<name>], [dataset.<name>])")
    margin = _number(path, f"{prefix}margin", data.get("margin", 0.0))
    if margin < 0:
        raise ValueError(f"{path}: {prefix}margin must not be negative, got {margin}")
    types = data.get("type", {})
    if not isinstance(types, dict):
        raise ValueError(f"{path}: [{prefix}type] must hold one table per type, [{prefix}type.<name>]")
    return Thresholds(
        minimum=_metric_table(path, data.get("min", {}), f"{prefix}min", HIGHER_IS_BETTER),
        maximum=_metric_table(path, data.get("max", {}), f"{prefix}max", LOWER_IS_BETTER),
        by_type={name: _metric_table(path, table, f"{prefix}type.{name}", HIGHER_IS_BETTER)
                 for name, table in types.items()},
        margin=margin,
    )


def dataset_name(paths: list[Path]) -> str | None:
    """The name of the project's eval set a run reads (`evals/datasets/<name>.jsonl`, one file), which
    selects its thresholds and baseline; None for any other file or for several files."""
    if len(paths) != 1:
        return None
    path = Path(paths[0]).resolve()
    return path.stem if path.parent == DATASETS_DIR.resolve() and path.suffix == ".jsonl" else None


# --- the baseline ----------------------------------------------------------------------------------

def baseline_path(split: str) -> Path:
    return BASELINE_DIR / f"{split}.jsonl"


def baseline_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The committed form of run rows: id, type and scores, without outputs or machine timings."""
    return [{"id": row["id"], "type": row["type"],
             "scores": {k: v for k, v in row["scores"].items() if k not in VOLATILE_SCORES}} for row in rows]


def write_baseline(rows: list[dict[str, Any]], path: str | Path) -> Path:
    return write_jsonl(baseline_rows(rows), path)


def load_baseline(path: str | Path) -> list[dict[str, Any]]:
    rows = read_jsonl(path)
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not isinstance(row.get("scores"), dict):
            raise ValueError(f"{path}: record {number}: a baseline line needs an 'id' and a 'scores' object")
    return rows


# --- the gate --------------------------------------------------------------------------------------

@dataclass
class GateResult:
    passed: bool
    failures: list[str]
    """One line per failed check, for people (Vietnamese)."""
    flipped: list[dict[str, Any]]
    """Questions that passed (gold report in top 5) in the baseline and fail now."""
    fixed: list[dict[str, Any]]
    """Questions that failed in the baseline and pass now."""
    compared: int = 0
    """Questions present in both the run and the baseline."""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "failures": self.failures, "flipped": self.flipped, "fixed": self.fixed,
                "compared": self.compared, "notes": self.notes}


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _question(row: dict[str, Any]) -> str:
    return (row.get("output") or {}).get("question", "")


def _passes(scores: dict[str, Any]) -> bool | None:
    value = scores.get(PASS_METRIC)
    return None if value is None else bool(value)


def gate(rows: list[dict[str, Any]], thresholds: Thresholds, baseline: list[dict[str, Any]] | None = None) -> GateResult:
    """Check a run (rows of `run_eval`, or any rows with "id", "type", "scores") against the thresholds
    and, when given, the baseline rows. See the module doc for the rules."""
    failures: list[str] = []
    notes: list[str] = []
    current = aggregate([row["scores"] for row in rows])
    overall = current["overall"]

    for metric, minimum in thresholds.minimum.items():
        value = overall.get(metric)
        if value is None:
            notes.append(f"{metric}: không có giá trị trong lần chạy này, bỏ qua ngưỡng {minimum:.3f}")
        elif value < minimum:
            failures.append(f"{metric} = {value:.3f} dưới ngưỡng {minimum:.3f}")
    for metric, maximum in thresholds.maximum.items():
        value = overall.get(metric)
        if value is not None and value > maximum:
            failures.append(f"{metric} = {_fmt(value)} vượt mức tối đa {maximum:g}")
    for kind, table in thresholds.by_type.items():
        summary = current["by_type"].get(kind)
        if summary is None:
            notes.append(f"loại {kind}: không có câu hỏi nào trong lần chạy này")
            continue
        for metric, minimum in table.items():
            value = summary.get(metric)
            if value is not None and value < minimum:
                failures.append(f"loại {kind}: {metric} = {value:.3f} dưới ngưỡng {minimum:.3f}")

    flipped: list[dict[str, Any]] = []
    fixed: list[dict[str, Any]] = []
    compared = 0
    if baseline is not None:
        before = {row["id"]: row for row in baseline}
        shared = [row for row in rows if row["id"] in before]
        compared = len(shared)
        missing = len(before) - compared
        new = len(rows) - compared
        if not shared:
            notes.append("baseline không có câu hỏi nào chung với lần chạy này: bỏ qua so sánh với baseline")
        else:
            if missing or new:
                notes.append(f"so sánh với baseline trên {compared} câu chung ({new} câu mới, "
                             f"{missing} câu của baseline không có trong lần chạy này)")
            now = aggregate([row["scores"] for row in shared])["overall"]
            then = aggregate([before[row["id"]]["scores"] for row in shared])["overall"]
            for metric in HIGHER_IS_BETTER:
                if now.get(metric) is None or then.get(metric) is None:
                    continue
                if now[metric] < then[metric] - thresholds.margin - 1e-9:
                    failures.append(f"{metric} = {now[metric]:.3f} thấp hơn baseline {then[metric]:.3f} "
                                    f"quá biên cho phép {thresholds.margin:.3f}")
            for row in shared:
                was, now_pass = _passes(before[row["id"]]["scores"]), _passes(row["scores"])
                if was is None or now_pass is None or was == now_pass:
                    continue
                entry = {"id": row["id"], "type": row["type"], "question": _question(row),
                         "report_rank_before": before[row["id"]]["scores"].get("report_rank"),
                         "report_rank_now": row["scores"].get("report_rank")}
                (flipped if was else fixed).append(entry)
    return GateResult(passed=not failures, failures=failures, flipped=flipped, fixed=fixed, compared=compared,
                      notes=notes)


def format_gate(result: GateResult) -> str:
    """The gate's verdict for people: why it failed and which questions flipped."""
    lines = ["Cổng kiểm tra: ĐẠT" if result.passed else "Cổng kiểm tra: KHÔNG ĐẠT"]
    lines += [f"  - {failure}" for failure in result.failures]
    lines += [f"  (ghi chú) {note}" for note in result.notes]

    def rank(value: Any) -> str:
        return "không có" if value is None else str(value)

    if result.flipped:
        lines.append(f"Câu hỏi từ đạt thành trượt so với baseline ({len(result.flipped)}):")
        for e in result.flipped:
            lines.append(f"  {e['id']} [{e['type']}] hạng báo cáo đúng {rank(e['report_rank_before'])} -> "
                         f"{rank(e['report_rank_now'])}: {e['question']}")
    if result.fixed:
        lines.append(f"Câu hỏi từ trượt thành đạt so với baseline ({len(result.fixed)}): "
                     + ", ".join(e["id"] for e in result.fixed))
    return "\n".join(lines)
