"""Per-field accuracy of the parser's metadata against a gold set written by reading the documents.

`evals/datasets/metadata_gold.jsonl` holds one line per document (the five sample reports and the
twelve web-converted documents of `data/corpus-dev/`), every field filled in by a person. This module
parses each document with `ingest.parse_report`, compares field by field, and reports the accuracy per
field and per corpus, with every failure, so that a parser change is judged by what a careful reader
sees rather than by what the parser happened to produce before.

Strings are compared after NFC, case folding, collapsing whitespace and stripping a trailing ".", ";"
or ","; lists and booleans exactly. A document that fails to parse counts every field as wrong.

    .venv/bin/python -m evals.metadata_accuracy [--gold FILE] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ingest import ReportMetadata, parse_report

ROOT = Path(__file__).resolve().parent.parent
GOLD_FILE = ROOT / "evals" / "datasets" / "metadata_gold.jsonl"

# The folder a document lies in names its corpus: the sample reports and the web-converted dev set.
CORPORA = {"data/reports": "sample", "data/corpus-dev": "corpus-dev"}
OVERALL = "overall"

# Fields of a gold line that identify or annotate the document rather than being scored.
KEY_FIELDS = ("report_id", "file")
NOTE_FIELD = "notes"
STRING_FIELDS = (
    "document_type", "so_hieu", "issuer", "locality", "locality_level", "province", "current_province",
    "date", "period", "period_start", "period_end", "period_granularity", "title", "recipient", "signer",
    "signer_title",
)
SCORED_FIELDS = (*STRING_FIELDS, "period_cumulative", "years")
GRANULARITIES = ("month", "quarter", "half_year", "months_to_date", "year", "multi_year", "range")

_TRAILING_PUNCTUATION = ".;,"


@dataclass(frozen=True)
class GoldRecord:
    """One document's metadata as read by a person: `expected` maps each scored field to its value."""

    report_id: str
    file: str
    expected: dict[str, Any]
    notes: str = ""

    @property
    def corpus(self) -> str:
        folder = str(Path(self.file).parent)
        return CORPORA.get(folder, folder)

    @property
    def path(self) -> Path:
        return ROOT / self.file


@dataclass(frozen=True)
class FieldFailure:
    file: str
    field: str
    expected: Any
    got: Any


@dataclass
class AccuracyReport:
    """Correct/total per corpus and field, and every failure (a parse error is a failure per field)."""

    correct: dict[str, dict[str, int]] = field(default_factory=dict)
    total: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[FieldFailure] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def count(self, corpus: str, name: str, ok: bool) -> None:
        for group in (corpus, OVERALL):
            self.total.setdefault(group, {}).setdefault(name, 0)
            self.correct.setdefault(group, {}).setdefault(name, 0)
            self.total[group][name] += 1
            self.correct[group][name] += int(ok)

    def field_accuracy(self, corpus: str, name: str) -> float:
        total = self.total.get(corpus, {}).get(name, 0)
        return self.correct[corpus][name] / total if total else 0.0

    def accuracy(self, corpus: str) -> float:
        """Share of all (document, field) pairs of the corpus that are right."""
        total = sum(self.total.get(corpus, {}).values())
        return sum(self.correct.get(corpus, {}).values()) / total if total else 0.0

    @property
    def corpora(self) -> list[str]:
        """The corpora scored, known ones first in a fixed order, "overall" last."""
        known = [c for c in CORPORA.values() if c in self.total]
        others = sorted(c for c in self.total if c not in known and c != OVERALL)
        return [*known, *others, *([OVERALL] if OVERALL in self.total else [])]

    def to_json(self) -> dict[str, Any]:
        return {
            "accuracy": {c: round(self.accuracy(c), 4) for c in self.corpora},
            "fields": {
                c: {f: round(self.field_accuracy(c, f), 4) for f in SCORED_FIELDS if f in self.total[c]}
                for c in self.corpora
            },
            "documents": {c: _documents(self, c) for c in self.corpora},
            "errors": self.errors,
            "failures": [
                {"file": f.file, "field": f.field, "expected": f.expected, "got": f.got} for f in self.failures
            ],
        }


def _documents(report: AccuracyReport, corpus: str) -> int:
    totals = report.total.get(corpus, {})
    return max(totals.values()) if totals else 0


def normalize_value(value: str) -> str:
    """The form two strings are compared in: NFC, case folded, single spaces, no trailing ".;,"."""
    text = unicodedata.normalize("NFC", value).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.rstrip(_TRAILING_PUNCTUATION).rstrip()


def values_match(expected: Any, got: Any) -> bool:
    if isinstance(expected, str) and isinstance(got, str):
        return normalize_value(expected) == normalize_value(got)
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if isinstance(expected, list) and isinstance(got, (list, tuple)):
        return list(got) == expected
    return expected == got


def load_gold(path: Path = GOLD_FILE) -> list[GoldRecord]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        missing = [name for name in (*KEY_FIELDS, *SCORED_FIELDS) if name not in row]
        if missing:
            raise ValueError(f"{path}:{number}: missing fields {', '.join(missing)}")
        records.append(GoldRecord(
            report_id=row["report_id"], file=row["file"],
            expected={name: row[name] for name in SCORED_FIELDS}, notes=row.get(NOTE_FIELD, ""),
        ))
    return records


def score(
    gold: list[GoldRecord], parse: Callable[[Path], ReportMetadata] | None = None
) -> AccuracyReport:
    """Compare each gold record with the metadata `parse` returns (default: `parse_report(path).metadata`)."""
    parse = parse or (lambda path: parse_report(path).metadata)
    report = AccuracyReport()
    for record in gold:
        try:
            metadata: ReportMetadata | None = parse(record.path)
        except Exception as error:  # a document the parser cannot read scores zero, it does not stop the run
            report.errors[record.file] = f"{type(error).__name__}: {error}"
            metadata = None
        for name in SCORED_FIELDS:
            expected = record.expected[name]
            got = getattr(metadata, name, None) if metadata is not None else None
            ok = metadata is not None and values_match(expected, got)
            report.count(record.corpus, name, ok)
            if not ok:
                report.failures.append(FieldFailure(record.file, name, expected, got))
    return report


def format_report(report: AccuracyReport) -> str:
    corpora = report.corpora
    width = max(len(name) for name in SCORED_FIELDS)
    lines = [f"{'field':<{width}}  " + "  ".join(f"{c:>10}" for c in corpora)]
    for name in SCORED_FIELDS:
        cells = [
            f"{report.field_accuracy(c, name):>10.3f}" if name in report.total[c] else f"{'-':>10}" for c in corpora
        ]
        lines.append(f"{name:<{width}}  " + "  ".join(cells))
    lines.append(f"{'ALL FIELDS':<{width}}  " + "  ".join(f"{report.accuracy(c):>10.3f}" for c in corpora))
    lines.append(f"{'documents':<{width}}  " + "  ".join(f"{_documents(report, c):>10d}" for c in corpora))
    if report.errors:
        lines.append("")
        lines.append("Parse errors:")
        lines.extend(f"  {file}: {message}" for file, message in report.errors.items())
    lines.append("")
    lines.append(f"Failures ({len(report.failures)}):")
    for failure in report.failures:
        lines.append(
            f"  {failure.file}  {failure.field}: expected {json.dumps(failure.expected, ensure_ascii=False)}"
            f", got {json.dumps(failure.got, ensure_ascii=False)}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD_FILE, help="gold JSONL file")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = parser.parse_args(argv)
    report = score(load_gold(args.gold))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
