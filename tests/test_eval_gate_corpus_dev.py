"""The corpus-dev eval sets, gated beside the sample split (issue 10, item 5b).

`evals/datasets/corpus_dev.jsonl` asks 160 questions about the twelve real documents of
data/corpus-dev, which nobody wrote rules for; `corpus_dev_holdout.jsonl` asks 60 more, written by
someone who saw neither the system nor its failures, and is kept out of rule tuning. Each has its gate
(`[dataset.<name>]` of evals/thresholds.toml, baseline evals/baseline/<name>.jsonl), so a change that
makes answers on unseen documents worse fails here even when the sample split does not move. Both run
on one index of data/corpus-dev, built once per session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.dataset import load_dataset
from evals.gate import (
    DATASETS_DIR,
    baseline_path,
    dataset_name,
    format_gate,
    gate,
    load_baseline,
    load_thresholds,
)
from evals.runner import aggregate_rows, format_table, run_eval

CORPUS_DEV = DATASETS_DIR / "corpus_dev.jsonl"
# Written by someone who read only the documents; no rule is tuned on it (evals/thresholds.toml).
HOLDOUT = DATASETS_DIR / "corpus_dev_holdout.jsonl"


@pytest.mark.parametrize("path", [CORPUS_DEV, HOLDOUT], ids=["corpus_dev", "holdout"])
def test_each_set_has_its_own_thresholds_and_baseline(path):
    name = dataset_name([path])
    assert name == path.stem
    assert load_thresholds(dataset=name) != load_thresholds()
    ids = {row["id"] for row in load_baseline(baseline_path(name))}
    assert ids == {item.id for item in load_dataset(path)}


def test_corpus_dev_has_its_own_thresholds_and_baseline():
    assert dataset_name([CORPUS_DEV]) == "corpus_dev"
    assert dataset_name([Path("/tmp/corpus_dev.jsonl")]) is None  # a user's file gets the default gate
    sample, corpus_dev = load_thresholds(), load_thresholds(dataset="corpus_dev")
    assert corpus_dev != sample
    assert "unsupported_figures" in corpus_dev.maximum
    assert {"all_facts", "abstention"} <= set(corpus_dev.minimum)
    ids = {row["id"] for row in load_baseline(baseline_path("corpus_dev"))}
    assert ids == {item.id for item in load_dataset(CORPUS_DEV)}


def test_dataset_tables_are_checked_like_the_top_level(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("[min]\nall_facts = 0.8\n[dataset.other.min]\nall_facts = 0.5\n", encoding="utf-8")
    assert load_thresholds(path, dataset="other").minimum == {"all_facts": 0.5}
    assert load_thresholds(path, dataset="unknown").minimum == {"all_facts": 0.8}
    path.write_text("[dataset.other.min]\nhit5 = 0.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"t\.toml.*\[dataset\.other\.min\] unknown metric 'hit5'"):
        load_thresholds(path)
    path.write_text("[dataset.other]\nmargins = 0.1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dataset\.other\.margins"):
        load_thresholds(path)


@pytest.mark.parametrize("path", [CORPUS_DEV, HOLDOUT], ids=["corpus_dev", "holdout"])
def test_corpus_dev_eval_passes_its_gate(corpus_dev_service, path):
    items = load_dataset(path)
    indexed = {r.report_id for r in corpus_dev_service.list_reports()}
    assert {rid for item in items for rid in item.reports} <= indexed
    rows = run_eval(corpus_dev_service, items, k=10, progress=False)
    result = gate(rows, load_thresholds(dataset=path.stem), load_baseline(baseline_path(path.stem)))
    assert result.passed, "\n" + format_table(aggregate_rows(rows)) + "\n" + format_gate(result)
