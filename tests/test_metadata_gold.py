"""The metadata gold set (evals/datasets/metadata_gold.jsonl): well formed, and met by the parser.

The gold values were written by reading the documents, not by running the parser. The first tests
check the file itself (every field, the right types, real ISO dates, a period that is all or nothing);
the last ones hold the parser to the targets of issue 9: every field right on the five sample
reports, at least 95 % of the fields right on the web-converted corpus-dev documents.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from evals.metadata_accuracy import (
    GOLD_FILE, GRANULARITIES, KEY_FIELDS, NOTE_FIELD, ROOT, SCORED_FIELDS, STRING_FIELDS, format_report,
    load_gold, normalize_value, score, values_match,
)

ROWS = [json.loads(line) for line in GOLD_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
ALL_FIELDS = {*KEY_FIELDS, *SCORED_FIELDS, NOTE_FIELD}
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
SAMPLE_TARGET = 1.0
CORPUS_DEV_TARGET = 0.95


def _iso_day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _row_id(row: dict) -> str:
    return row["report_id"]


def test_gold_covers_both_corpora_once():
    files = [row["file"] for row in ROWS]
    expected = sorted(
        str(path.relative_to(ROOT))
        for pattern in ("data/reports/*.txt", "data/corpus-dev/*.md")
        for path in ROOT.glob(pattern)
    )
    assert sorted(files) == expected


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_gold_line_has_every_field_with_its_type(row):
    assert set(row) == ALL_FIELDS
    assert (ROOT / row["file"]).is_file()
    assert Path(row["file"]).stem == row["report_id"]
    for name in (*STRING_FIELDS, NOTE_FIELD):
        assert isinstance(row[name], str), name
        assert row[name] == row[name].strip() and "  " not in row[name], name
    assert isinstance(row["period_cumulative"], bool)
    assert isinstance(row["years"], list) and all(type(y) is int for y in row["years"])
    assert row["years"] == sorted(set(row["years"]))
    assert row["document_type"] == row["document_type"].lower() and row["document_type"]


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_gold_dates_are_iso(row):
    if row["date"]:
        assert PARTIAL_DATE.match(row["date"]), row["date"]
        parts = [int(p) for p in row["date"].split("-")]
        dt.date(parts[0], *(parts[1:] + [1] * (3 - len(parts))))  # raises on a month 13 or a 31 June
    for name in ("period_start", "period_end"):
        if row[name]:
            _iso_day(row[name])


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_gold_period_is_all_or_nothing(row):
    """A period has a span and a granularity from the vocabulary; no period means every field empty,
    and then the years are the year of the date (or none when the date is unknown too)."""
    if row["period"]:
        assert row["period_granularity"] in GRANULARITIES
        start, end = _iso_day(row["period_start"]), _iso_day(row["period_end"])
        assert start <= end
        assert set(range(start.year, end.year + 1)) <= set(row["years"])
    else:
        assert (row["period_start"], row["period_end"], row["period_granularity"]) == ("", "", "")
        assert row["period_cumulative"] is False
        assert row["years"] == ([int(row["date"][:4])] if row["date"] else [])


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_gold_locality_is_level_and_name(row):
    if row["locality"]:
        assert row["locality_level"] and row["locality"].startswith(row["locality_level"] + " ")
    else:
        assert row["locality_level"] == ""
    if row["current_province"] == "" and row["locality"]:
        assert row[NOTE_FIELD], "an unknown province is explained in the notes"


def test_gold_locality_levels_are_the_countrys_unit_types():
    """The levels are the unit types of the national gazetteer (provinces, districts, communes)."""
    pytest.importorskip("vietnamadminunits")
    from importlib.resources import files

    legacy = json.loads((files("vietnamadminunits") / "data" / "parser_legacy.json").read_text(encoding="utf-8"))
    types = {p["province"].removesuffix(p["provinceShort"]).strip().lower() for p in legacy["DICT_PROVINCE"].values()}
    types |= {d["districtType"].lower() for ds in legacy["DICT_PROVINCE_DISTRICT"].values() for d in ds.values()}
    types |= {
        w["wardType"].lower()
        for ds in legacy["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"].values() for ws in ds.values() for w in ws.values()
        if isinstance(w["wardType"], str)  # a few wards carry NaN for their type
    }
    assert {row["locality_level"] for row in ROWS if row["locality_level"]} <= types


def test_gold_current_provinces_are_the_2025_provinces():
    from ingest.gazetteer import load_gazetteer  # the 2025 units of vietnamadminunits' data

    names = {province.name for province in load_gazetteer().current_provinces()}
    assert len(names) == 34
    assert {row["current_province"] for row in ROWS if row["current_province"]} <= names


def test_comparison_folds_case_space_and_trailing_punctuation():
    assert normalize_value("  Sở Nội vụ.\n") == normalize_value("sở  nội vụ")
    assert values_match("TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH", "tm. ủy ban nhân dân /  chủ tịch;")
    assert not values_match("Bình Định", "Gia Lai")
    assert values_match([2024], [2024]) and not values_match([2024], [2024, 2025])
    assert not values_match(False, 0) and values_match(True, True)


def test_a_document_that_fails_to_parse_scores_zero_and_is_listed():
    gold = load_gold()[:1]

    def broken(path):
        raise ValueError("không đọc được")

    report = score(gold, parse=broken)
    assert report.accuracy("sample") == 0.0
    assert len(report.failures) == len(SCORED_FIELDS)
    assert "không đọc được" in format_report(report)


@pytest.fixture(scope="module")
def accuracy():
    return score(load_gold())


def test_sample_metadata_is_all_right(accuracy):
    assert accuracy.accuracy("sample") >= SAMPLE_TARGET, format_report(accuracy)


def test_corpus_dev_metadata_is_mostly_right(accuracy):
    assert accuracy.accuracy("corpus-dev") >= CORPUS_DEV_TARGET, format_report(accuracy)
