"""Merge the hand-written drafts into `dev.jsonl` and `test.jsonl`: `python -m evals.split_dataset`.

The split must be reproducible (anyone can regenerate it and get the same files) and balanced (dev is
for tuning, test for reporting, so both must look alike). Rule: group the items into strata by
(type, first gold report) -- unanswerable items have no gold report, so they are grouped by the draft
file they come from instead, which spreads each writer's unanswerable questions over both halves --
sort the strata by key and each stratum by id, and alternate dev/test within a stratum, starting with
dev in odd-numbered strata and with test in even-numbered ones, so that the extra item of odd-sized
strata falls on alternate sides.

Records are written exactly as drafted, keys in the DESIGN.md order. The only repair applied is the
one a writer's markdown habit causes: a `must_include` string with asterisks ("**Camera an ninh**")
loses them when the rest occurs verbatim in a gold report. Each repair is printed.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections import defaultdict
from pathlib import Path

from evals.dataset import EvalItem, check_dataset_requirements, type_counts, validate_dataset

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "evals" / "datasets"
REPORTS = ROOT / "data" / "reports"
KEY_ORDER = ("id", "question", "answerable", "must_include", "reports", "section", "type", "note")


def read_drafts(drafts_dir: Path) -> list[tuple[str, dict]]:
    """(draft file stem, record) for every line of every `*.jsonl` draft, in file and line order."""
    records = []
    for file in sorted(drafts_dir.glob("*.jsonl")):
        for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    records.append((file.stem, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{file}:{lineno}: invalid JSON: {exc.msg}") from None
    return records


def repair(record: dict, reports_dir: Path) -> list[str]:
    """Drop markdown asterisks from must_include strings where that makes them verbatim; say what changed."""
    notes = []
    gold = []
    for report_id in record.get("reports", []):
        file = reports_dir / f"{report_id}.txt"
        if file.is_file():
            gold.append(unicodedata.normalize("NFC", file.read_text(encoding="utf-8")))
    fixed = []
    for fact in record.get("must_include", []):
        if "*" in fact:
            plain = fact.replace("*", "").strip()
            if plain and any(unicodedata.normalize("NFC", plain) in text for text in gold):
                notes.append(f"{record['id']}: must_include {fact!r} -> {plain!r}")
                fact = plain
        fixed.append(fact)
    record["must_include"] = fixed
    return notes


def stratum_key(source: str, record: dict) -> tuple[str, str]:
    reports = record.get("reports") or []
    return (record["type"], reports[0] if reports else f"draft:{source}")


def split(records: list[tuple[str, dict]]) -> tuple[list[dict], list[dict]]:
    """Deterministic stratified alternation (see the module docstring)."""
    strata: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for source, record in records:
        strata[stratum_key(source, record)].append(record)
    dev, test = [], []
    for number, key in enumerate(sorted(strata), 1):
        first, second = (dev, test) if number % 2 == 1 else (test, dev)
        for index, record in enumerate(sorted(strata[key], key=lambda r: r["id"])):
            (first if index % 2 == 0 else second).append(record)
    return sorted(dev, key=lambda r: r["id"]), sorted(test, key=lambda r: r["id"])


def ordered(record: dict) -> dict:
    """The record with DESIGN.md keys first, in schema order; any extra key kept after them."""
    out = {key: record[key] for key in KEY_ORDER if key in record}
    out.update({key: value for key, value in record.items() if key not in out})
    return out


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(ordered(record), ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=Path, default=DATASETS / "drafts")
    parser.add_argument("--out", type=Path, default=DATASETS)
    parser.add_argument("--reports", type=Path, default=REPORTS)
    args = parser.parse_args(argv)

    records = read_drafts(args.drafts)
    for _, record in records:
        for note in repair(record, args.reports):
            print("fixed", note)
    dev, test = split(records)

    items = [EvalItem.model_validate(r) for r in dev + test]
    problems = validate_dataset(items, args.reports)
    problems += check_dataset_requirements(items, [p.stem for p in sorted(args.reports.glob("*.txt"))])
    for problem in problems:
        print("problem", problem)

    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out / "dev.jsonl", dev)
    write_jsonl(args.out / "test.jsonl", test)
    for name, part in (("dev", dev), ("test", test)):
        counts = type_counts(EvalItem.model_validate(r) for r in part)
        print(f"{name}: {len(part)} questions {counts}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
