"""The corpus-dev eval set (issue 10, item 5b): questions over data/corpus-dev that no rule was tuned on.

The set is only useful if it stays sound as documents or the validator change, so it is validated
against the documents themselves (.md files) and held to the minimums the issue asks for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.dataset import EvalItem, load_dataset, type_counts, validate_dataset

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DEV = ROOT / "data" / "corpus-dev"
DATASET = ROOT / "evals" / "datasets" / "corpus_dev.jsonl"


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    return load_dataset(DATASET)


def test_corpus_dev_set_is_valid_against_the_md_documents(items):
    assert validate_dataset(items, CORPUS_DEV) == []


def test_corpus_dev_set_meets_issue_minimums(items):
    counts = type_counts(items)
    assert len(items) >= 90
    assert counts.get("unanswerable", 0) >= 15
    for kind in ("numeric", "list", "period", "entity", "no_diacritics", "abbreviation", "cross_report"):
        assert counts.get(kind, 0) >= 1, kind


def test_corpus_dev_set_covers_every_document(items):
    documents = {path.stem for path in CORPUS_DEV.glob("*.md")}
    covered = {report for item in items for report in item.reports}
    assert len(documents) == 12
    assert covered == documents


def test_ids_follow_the_corpus_dev_prefix(items):
    assert all(item.id.startswith("cd-") for item in items)
