"""Several reports of one place, and one name at two levels, through `BaocaoService.ask`.

No real file of the project is a monthly series of one province, or two places that share a name
at different levels, so these run on hand-written fixtures (tests/fixtures/, each marked as such in
its first line; see tests/fixtures/README.md). What they hold (issue 10, items 2 and 5c):
- the asked month selects that month's report, a cumulative span ("bình quân 9 tháng") the report
  that ends with it, "mới nhất" the latest report;
- a series ("các tháng năm 2025", "từ tháng 7 đến tháng 9") is answered one line per report, in
  time order;
- a follow-up that changes the period replaces it, and a period no report covers is refused with
  what exists instead;
- "thành phố Tam Kỳ" and "xã Tam Kỳ" are told apart by their level word.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
JULY, AUGUST, SEPTEMBER = "sonla-bc-2025-07", "sonla-bc-2025-08", "sonla-bc-2025-09"
CITY, COMMUNE = "tamky-thanhpho-cchc-2024", "tamky-xa-cchc-2024"
# The month-on-month CPI change of each monthly report, and the year-to-date average of September's.
CPI_MONTH = {JULY: "0,21%", AUGUST: "0,34%", SEPTEMBER: "0,42%"}
CPI_9_MONTHS = "3,27%"


@pytest.fixture(scope="module")
def fixture_service(tmp_path_factory):
    """The five fixture reports in one index (a few chunks each: seconds to build)."""
    from rag import BaocaoService, BaocaoSettings

    folder = tmp_path_factory.mktemp("fixture-reports")
    for path in FIXTURES.rglob("*.txt"):
        shutil.copy(path, folder)
    service = BaocaoService(BaocaoSettings(db=tmp_path_factory.mktemp("fixture-index")))
    summary = service.ingest([folder], show_progress=False)
    assert not summary.failed, summary.failed
    return service


def cited_reports(answer) -> set[str]:
    return {c.report_id for c in answer.citations}


def describe(answer) -> str:
    """What a failing assertion shows: the whole answer, so the answerer can be fixed from the log."""
    return f"\nquestion: {answer.question}\nresolved: {answer.resolved_question}\nabstained: {answer.abstained}" \
           f"\nanswer: {answer.answer}\ncited: {sorted(cited_reports(answer))}"


def test_fixtures_are_marked_and_read_as_reports(fixture_service):
    for path in FIXTURES.rglob("*.txt"):
        assert path.read_text(encoding="utf-8").startswith("TỆP KIỂM THỬ (test fixture)"), path
    reports = {r.report_id: r.metadata for r in fixture_service.list_reports()}
    assert {reports[rid].period for rid in (JULY, AUGUST, SEPTEMBER)} == {
        "tháng 7 năm 2025", "tháng 8 năm 2025", "tháng 9 năm 2025"}
    assert {reports[rid].locality for rid in (JULY, AUGUST, SEPTEMBER)} == {"tỉnh Sơn La"}
    assert (reports[CITY].locality, reports[COMMUNE].locality) == ("thành phố Tam Kỳ", "xã Tam Kỳ")


def test_a_month_is_answered_from_that_months_report(fixture_service):
    answer = fixture_service.ask("CPI tháng 8/2025 của tỉnh Sơn La tăng bao nhiêu so với tháng trước?")
    assert not answer.abstained, describe(answer)
    assert CPI_MONTH[AUGUST] in answer.answer, describe(answer)
    assert cited_reports(answer) == {AUGUST}, describe(answer)


def test_a_cumulative_span_is_answered_from_the_report_that_ends_it(fixture_service):
    answer = fixture_service.ask("CPI bình quân 9 tháng năm 2025 của tỉnh Sơn La tăng bao nhiêu?")
    assert not answer.abstained, describe(answer)
    assert CPI_9_MONTHS in answer.answer, describe(answer)
    assert "3,12%" not in answer.answer and "3,18%" not in answer.answer, describe(answer)
    assert cited_reports(answer) == {SEPTEMBER}, describe(answer)


def test_latest_uses_the_latest_report(fixture_service):
    answer = fixture_service.ask("Theo báo cáo mới nhất, CPI của tỉnh Sơn La tăng bao nhiêu so với tháng trước?")
    assert not answer.abstained, describe(answer)
    assert CPI_MONTH[SEPTEMBER] in answer.answer, describe(answer)
    assert cited_reports(answer) == {SEPTEMBER}, describe(answer)


@pytest.mark.parametrize("question", [
    "CPI các tháng năm 2025 của tỉnh Sơn La tăng bao nhiêu so với tháng trước?",
    # a span covered by several reports of the place is a series too
    "CPI của tỉnh Sơn La từ tháng 7 đến tháng 9 năm 2025 tăng bao nhiêu so với tháng trước?",
])
def test_a_series_is_answered_per_report_in_time_order(fixture_service, question):
    answer = fixture_service.ask(question)
    assert not answer.abstained, describe(answer)
    lines = [line for line in answer.answer.splitlines() if line.strip()]
    # one line per report, each with its own month's figure, July first
    found = [next((rid for rid, cpi in CPI_MONTH.items() if cpi in line), None) for line in lines]
    assert [rid for rid in found if rid] == [JULY, AUGUST, SEPTEMBER], describe(answer)
    assert cited_reports(answer) == {JULY, AUGUST, SEPTEMBER}, describe(answer)


def test_a_follow_up_replaces_the_period_and_refuses_with_what_exists(fixture_service):
    first = fixture_service.ask("CPI bình quân 9 tháng năm 2025 của tỉnh Sơn La tăng bao nhiêu?")
    follow = fixture_service.ask("còn 6 tháng đầu năm thì sao?", history=[first])
    resolved = follow.resolved_question
    assert "6 tháng đầu năm 2025" in resolved and "9 tháng" not in resolved, describe(follow)
    # no report holds a 6-month figure: refused, saying so, with what exists instead and its citation
    assert follow.abstained, describe(follow)
    assert "6 tháng đầu năm 2025" in follow.answer, describe(follow)
    assert follow.citations, describe(follow)


@pytest.mark.parametrize("question, report_id, figure, other", [
    ("Thành phố Tam Kỳ năm 2024 tiếp nhận bao nhiêu hồ sơ thủ tục hành chính?", CITY, "18.640", "1.236"),
    ("Xã Tam Kỳ năm 2024 tiếp nhận bao nhiêu hồ sơ thủ tục hành chính?", COMMUNE, "1.236", "18.640"),
    ("xa tam ky nam 2024 tiep nhan bao nhieu ho so thu tuc hanh chinh?", COMMUNE, "1.236", "18.640"),
    ("Tỷ lệ hồ sơ trực tuyến toàn trình của thành phố Tam Kỳ năm 2024 là bao nhiêu?", CITY, "72,5%", "48,6%"),
])
def test_same_name_places_are_told_apart_by_level(fixture_service, question, report_id, figure, other):
    answer = fixture_service.ask(question)
    assert not answer.abstained, describe(answer)
    assert figure in answer.answer and other not in answer.answer, describe(answer)
    assert cited_reports(answer) == {report_id}, describe(answer)
