"""Eval datasets: the JSON Lines schema of DESIGN.md, loading with clear errors, and validation.

The dataset is the product's definition of "correct", so a mistake in it silently moves every metric.
`load_dataset` refuses malformed records (naming file, line and field) and `validate_dataset` checks
what the schema alone cannot: unique ids, every `must_include` string copied verbatim from a gold
report, unanswerable items without gold. `check_dataset_requirements` holds the minimums of issue 3.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError, field_validator

KNOWN_TYPES = (
    "numeric",
    "entity",
    "list",
    "cross_report",
    "no_diacritics",
    "abbreviation",
    "paraphrase",
    "period",
    "unanswerable",
)

# File suffixes a gold report may have, in lookup order: the sample reports are .txt, corpus-dev is .md.
REPORT_SUFFIXES = (".txt", ".md")

# Minimums from issue 3, over the whole set (dev + test).
MIN_QUESTIONS = 200
MIN_ANSWERABLE_PER_REPORT = 30
MIN_PER_TYPE = {"unanswerable": 25, "no_diacritics": 15, "abbreviation": 10, "cross_report": 15, "list": 15}


class EvalItem(BaseModel):
    """One question of an eval set (DESIGN.md "An eval dataset is JSON Lines").

    `type` is a plain string: DESIGN.md says more types may be added, and `baocao eval` must accept any
    file in this schema, so an unknown type loads; `validate_dataset` flags it for the project's own set.
    Unknown extra keys are ignored for the same reason.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    question: str
    answerable: StrictBool
    must_include: list[str]
    reports: list[str]
    section: str = ""
    type: str
    note: str = ""

    @field_validator("id", "question", "type")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def load_dataset(path: str | Path) -> list[EvalItem]:
    """Read a JSON Lines eval set; blank lines are skipped.

    Raises ValueError naming the file, the 1-based line number and the offending field, because a
    dataset is written by hand and the writer needs to find the bad line without a debugger.
    """
    path = Path(path)
    items: list[EvalItem] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{lineno}: expected a JSON object, got {type(record).__name__}")
            try:
                items.append(EvalItem.model_validate(record))
            except ValidationError as exc:
                err = exc.errors()[0]
                field = ".".join(str(part) for part in err["loc"]) or "<record>"
                qid = record.get("id", "?")
                raise ValueError(f"{path}:{lineno}: id {qid!r}: field {field!r}: {err['msg']}") from None
    return items


def type_counts(items: Iterable[EvalItem]) -> dict[str, int]:
    """Questions per type, most frequent first (ties by name), for reports and requirement checks."""
    counts = Counter(item.type for item in items)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def validate_dataset(
    items: Iterable[EvalItem],
    reports_dir: str | Path,
    known_types: Iterable[str] | None = KNOWN_TYPES,
) -> list[str]:
    """Return human-readable problems (empty when the set is sound).

    Gold strings are compared after NFC on both sides: the corpus and a writer's editor may use
    different Unicode forms for the same Vietnamese letter, which is not a dataset error. Report text
    is `reports_dir/<report_id>.txt`, or `.md` for the web-converted documents of data/corpus-dev (a
    report's id is its file name without extension). Pass `known_types=None` to accept any type.
    """
    reports_dir = Path(reports_dir)
    known = set(known_types) if known_types is not None else None
    texts: dict[str, str | None] = {}

    def report_text(report_id: str) -> str | None:
        if report_id not in texts:
            files = [reports_dir / f"{report_id}{suffix}" for suffix in REPORT_SUFFIXES]
            file = next((f for f in files if f.is_file()), None)
            texts[report_id] = _nfc(file.read_text(encoding="utf-8")) if file else None
        return texts[report_id]

    problems: list[str] = []
    seen: Counter[str] = Counter()
    for item in items:
        seen[item.id] += 1
        where = f"{item.id}:"
        if known is not None and item.type not in known:
            problems.append(f"{where} unknown type {item.type!r} (known: {', '.join(sorted(known))})")
        if item.type == "unanswerable" and item.answerable:
            problems.append(f"{where} type 'unanswerable' but answerable is true")
        if not item.answerable:
            if item.must_include:
                problems.append(f"{where} unanswerable item has must_include {item.must_include}")
            if item.reports:
                problems.append(f"{where} unanswerable item has gold reports {item.reports}")
            continue
        if not item.reports:
            problems.append(f"{where} answerable item without gold reports")
        if not item.must_include:
            problems.append(f"{where} answerable item without must_include")
        if item.type == "cross_report" and len(set(item.reports)) < 2:
            problems.append(f"{where} cross_report item needs two or more gold reports, has {item.reports}")
        gold = []
        for report_id in item.reports:
            text = report_text(report_id)
            if text is None:
                tried = " or ".join(str(reports_dir / (report_id + suffix)) for suffix in REPORT_SUFFIXES)
                problems.append(f"{where} unknown report {report_id!r} (no {tried})")
            else:
                gold.append(text)
        for fact in item.must_include:
            if not fact.strip():
                problems.append(f"{where} empty must_include string")
            elif gold and not any(_nfc(fact) in text for text in gold):
                problems.append(f"{where} must_include {fact!r} does not occur verbatim in {item.reports}")
    for qid, count in seen.items():
        if count > 1:
            problems.append(f"{qid}: duplicate id ({count} items)")
    return problems


def check_dataset_requirements(
    items: Iterable[EvalItem], report_ids: Iterable[str] | None = None
) -> list[str]:
    """Problems where the whole set (dev + test) misses the minimums of issue 3.

    An item counts toward every report its `reports` list contains, so a cross_report question counts
    for each of its reports. `report_ids` defaults to every report some item names; pass the corpus ids
    so that a report with no question at all is reported too.
    """
    items = list(items)
    problems: list[str] = []
    if len(items) < MIN_QUESTIONS:
        problems.append(f"{len(items)} questions, need at least {MIN_QUESTIONS}")
    per_report: Counter[str] = Counter()
    for item in items:
        if item.answerable:
            per_report.update(set(item.reports))
    ids = sorted(set(report_ids) if report_ids is not None else set(per_report))
    for report_id in ids:
        if per_report[report_id] < MIN_ANSWERABLE_PER_REPORT:
            problems.append(
                f"report {report_id}: {per_report[report_id]} answerable questions, "
                f"need at least {MIN_ANSWERABLE_PER_REPORT}"
            )
    counts = type_counts(items)
    for kind, minimum in MIN_PER_TYPE.items():
        if counts.get(kind, 0) < minimum:
            problems.append(f"type {kind}: {counts.get(kind, 0)} questions, need at least {minimum}")
    return problems
