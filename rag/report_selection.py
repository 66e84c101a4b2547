"""Which of a place's reports a question is about, when the place has several.

A province publishes a report every month; a commune one a quarter. Several reports then share a
place and differ only by period, and the period asked decides between them before any ranking:
- a period asked ("9 tháng đầu năm 2025") selects the reports that cover exactly that span, or that end
  when it ends (September's monthly report carries "Tính chung 9 tháng …"); when none does, all the
  place's reports stay, so the answerer can say what exists instead;
- "mới nhất", "gần đây nhất", "hiện nay" select each place's latest report;
- a series ("các tháng năm 2025", "từ quý I đến quý III") selects the reports whose period lies within
  the span asked, to be answered one per report in time order.
"""

from __future__ import annotations

from collections.abc import Iterable

from ingest import ReportMetadata
from ingest.periods import Period
from rag.evidence import AskedPeriod


def report_period(meta: ReportMetadata) -> Period | None:
    return Period.from_metadata(meta.model_dump())


def reports_for_period(asked: AskedPeriod, reports: Iterable[ReportMetadata]) -> set[str]:
    """The reports whose period answers `asked` (see the module docstring); empty when none does.

    A report whose period is unknown stays beside those chosen: nothing says it is of another period,
    and the evidence policy still reads the period of each of its sentences. A target asked ("đến năm
    2030") is a plan's horizon, not a reporting period, so it chooses no report.
    """
    reports = list(reports)
    if asked.target:
        return set()
    chosen = set()
    for meta in reports:
        period = report_period(meta)
        if period is None:
            continue
        if asked.fits(period) or (asked.year_known and period.end == asked.period.end) or (
                asked.year_known and period.covers(asked.period) and period.granularity != asked.period.granularity):
            chosen.add(meta.report_id)
    if chosen:
        chosen |= {meta.report_id for meta in reports if report_period(meta) is None}
    return chosen


def latest_reports(reports: Iterable[ReportMetadata]) -> set[str]:
    """Each place's report with the latest period (or date, when periods are unknown)."""
    best: dict[str, tuple[str, str]] = {}
    for meta in reports:
        when = meta.period_end or meta.date
        place = meta.locality or meta.report_id
        if when and (place not in best or when > best[place][0]):
            best[place] = (when, meta.report_id)
    return {report_id for _, report_id in best.values()}


def series_reports(asked: AskedPeriod | None, reports: Iterable[ReportMetadata]) -> list[str]:
    """The reports of a series in time order; within the span asked when one is."""
    dated = []
    for meta in reports:
        period = report_period(meta)
        if period is None:
            continue
        if asked is not None and asked.year_known and not asked.period.covers(period):
            continue
        dated.append((period.start, period.end, meta.report_id))
    return [report_id for _, _, report_id in sorted(dated)]
