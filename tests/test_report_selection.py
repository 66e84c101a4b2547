"""Which of a place's reports a question's period selects (rag.report_selection)."""

from __future__ import annotations

from ingest import ReportMetadata
from rag.evidence import asked_periods
from rag.report_selection import reports_for_period


def _report(report_id: str, start: str = "", end: str = "", granularity: str = "") -> ReportMetadata:
    return ReportMetadata(report_id=report_id, locality="tỉnh Đồng Nai", locality_level="tỉnh",
                          period_start=start, period_end=end, period_granularity=granularity)


def _asked(text: str):
    (asked,) = asked_periods(text)
    return asked


MONTHS = [_report(f"m{m}", f"2025-{m:02d}-01", f"2025-{m:02d}-{end}", "month") for m, end in ((7, 31), (8, 31), (9, 30))]


def test_the_asked_month_selects_its_report():
    assert reports_for_period(_asked("tháng 8 năm 2025"), MONTHS) == {"m8"}


def test_a_report_of_unknown_period_stays_beside_the_chosen_one():
    undated = _report("plan")
    assert reports_for_period(_asked("tháng 8 năm 2025"), [*MONTHS, undated]) == {"m8", "plan"}


def test_a_target_year_is_a_horizon_and_selects_no_report():
    """"đến năm 2030" asks for a target; one plan of 2026-2030 must not hide the place's other plans."""
    plans = [_report("kt-so", "2026-01-01", "2030-12-31", "multi_year"), _report("ma-tuy")]
    assert reports_for_period(_asked("Chỉ tiêu đến năm 2030 là bao nhiêu?"), plans) == set()


def test_nothing_fitting_selects_nothing():
    assert reports_for_period(_asked("quý I năm 2024"), MONTHS) == set()
