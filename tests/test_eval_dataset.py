"""The eval dataset validator, on the project's real dev/test files and on planted bad records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.dataset import (
    EvalItem,
    check_dataset_requirements,
    load_dataset,
    type_counts,
    validate_dataset,
)

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "evals" / "datasets"
REPORTS = ROOT / "data" / "reports"
QUY_NHON = "000_3221774fd58b1c41"
REPORT_IDS = sorted(p.stem for p in REPORTS.glob("*.txt"))


@pytest.fixture(scope="module")
def dev() -> list[EvalItem]:
    return load_dataset(DATASETS / "dev.jsonl")


@pytest.fixture(scope="module")
def test_items() -> list[EvalItem]:
    return load_dataset(DATASETS / "test.jsonl")


def test_real_dataset_is_valid(dev, test_items):
    assert validate_dataset(dev + test_items, REPORTS) == []


def test_real_dataset_meets_issue_minimums(dev, test_items):
    assert len(REPORT_IDS) == 5
    assert check_dataset_requirements(dev + test_items, REPORT_IDS) == []


def test_real_split_is_disjoint_balanced_and_covers_drafts(dev, test_items):
    assert dev and test_items
    dev_ids, test_ids = {i.id for i in dev}, {i.id for i in test_items}
    assert not dev_ids & test_ids
    assert abs(len(dev) - len(test_items)) <= 0.1 * (len(dev) + len(test_items))
    draft_ids = {
        json.loads(line)["id"]
        for file in (DATASETS / "drafts").glob("*.jsonl")
        for line in file.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert dev_ids | test_ids == draft_ids
    dev_counts, test_counts = type_counts(dev), type_counts(test_items)
    assert set(dev_counts) == set(test_counts)
    for kind in dev_counts:
        assert abs(dev_counts[kind] - test_counts[kind]) <= 2, kind


def _record(**overrides) -> dict:
    record = {
        "id": "q-001",
        "question": "Quy Nhơn 6 tháng đầu năm 2024 tiếp nhận bao nhiêu vụ khiếu nại?",
        "answerable": True,
        "must_include": ["147"],
        "reports": [QUY_NHON],
        "section": "III.6",
        "type": "numeric",
        "note": "",
    }
    record.update(overrides)
    return record


def _write(path: Path, records: list) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_good_planted_record_passes(tmp_path):
    items = load_dataset(_write(tmp_path / "ok.jsonl", [_record()]))
    assert validate_dataset(items, REPORTS) == []


def test_duplicate_id(tmp_path):
    items = load_dataset(_write(tmp_path / "dup.jsonl", [_record(), _record()]))
    problems = validate_dataset(items, REPORTS)
    assert any("duplicate id" in p and "q-001" in p for p in problems), problems


def test_must_include_not_in_report(tmp_path):
    items = load_dataset(_write(tmp_path / "miss.jsonl", [_record(must_include=["147", "148 vụ khiếu nại"])]))
    problems = validate_dataset(items, REPORTS)
    assert len(problems) == 1 and "'148 vụ khiếu nại'" in problems[0], problems


def test_must_include_compared_after_nfc(tmp_path):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "khiếu nại")
    items = load_dataset(_write(tmp_path / "nfd.jsonl", [_record(must_include=[decomposed])]))
    assert validate_dataset(items, REPORTS) == []


def test_unknown_report(tmp_path):
    items = load_dataset(_write(tmp_path / "unk.jsonl", [_record(reports=["999_nope"])]))
    problems = validate_dataset(items, REPORTS)
    assert any("unknown report '999_nope'" in p for p in problems), problems


def test_unanswerable_with_gold(tmp_path):
    bad = _record(answerable=False, type="unanswerable")
    items = load_dataset(_write(tmp_path / "unans.jsonl", [bad]))
    problems = validate_dataset(items, REPORTS)
    assert any("unanswerable item has must_include" in p for p in problems), problems
    assert any("unanswerable item has gold reports" in p for p in problems), problems


def test_answerable_without_gold(tmp_path):
    items = load_dataset(_write(tmp_path / "nogold.jsonl", [_record(must_include=[], reports=[])]))
    problems = validate_dataset(items, REPORTS)
    assert any("without gold reports" in p for p in problems)
    assert any("without must_include" in p for p in problems)


def test_unknown_type_loads_but_is_flagged(tmp_path):
    items = load_dataset(_write(tmp_path / "new.jsonl", [_record(type="temporal")]))
    assert items[0].type == "temporal"
    assert any("unknown type 'temporal'" in p for p in validate_dataset(items, REPORTS))
    assert validate_dataset(items, REPORTS, known_types=None) == []


def test_malformed_json_line_names_file_and_line(tmp_path):
    path = _write(tmp_path / "broken.jsonl", [_record(), "", '{"id": "q-002", "question": "x",'])
    with pytest.raises(ValueError) as err:
        load_dataset(path)
    assert "broken.jsonl:3" in str(err.value)


def test_bad_field_names_line_and_field(tmp_path):
    path = _write(tmp_path / "field.jsonl", [_record(), _record(id="q-002", answerable="yes")])
    with pytest.raises(ValueError) as err:
        load_dataset(path)
    message = str(err.value)
    assert "field.jsonl:2" in message and "answerable" in message and "q-002" in message


def test_missing_field_is_named(tmp_path):
    record = _record()
    del record["must_include"]
    with pytest.raises(ValueError, match=r"missing\.jsonl:1.*must_include"):
        load_dataset(_write(tmp_path / "missing.jsonl", [record]))


def test_requirements_report_shortfalls():
    items = [EvalItem.model_validate(_record(id=f"q-{n}")) for n in range(3)]
    problems = check_dataset_requirements(items, REPORT_IDS)
    assert any("3 questions, need at least 200" in p for p in problems)
    assert any(QUY_NHON in p and "3 answerable" in p for p in problems)
    assert any("001_920123d9554d1714" in p and "0 answerable" in p for p in problems)
    for kind in ("unanswerable", "no_diacritics", "abbreviation", "cross_report", "list"):
        assert any(f"type {kind}:" in p for p in problems), kind


def test_split_script_repairs_asterisks_and_is_deterministic(tmp_path):
    from evals.split_dataset import main

    drafts = tmp_path / "drafts"
    drafts.mkdir()
    records = [_record(id=f"q-{n:03d}", must_include=["**147**"] if n == 0 else ["147"]) for n in range(5)]
    _write(drafts / "a.jsonl", records)
    out1, out2 = tmp_path / "one", tmp_path / "two"
    main(["--drafts", str(drafts), "--out", str(out1), "--reports", str(REPORTS)])
    main(["--drafts", str(drafts), "--out", str(out2), "--reports", str(REPORTS)])
    dev, test = load_dataset(out1 / "dev.jsonl"), load_dataset(out1 / "test.jsonl")
    assert [i.id for i in dev] == ["q-000", "q-002", "q-004"] and [i.id for i in test] == ["q-001", "q-003"]
    assert all(i.must_include == ["147"] for i in dev + test)
    for name in ("dev.jsonl", "test.jsonl"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes()
    first = (out1 / "dev.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert list(json.loads(first)) == ["id", "question", "answerable", "must_include", "reports", "section", "type", "note"]
