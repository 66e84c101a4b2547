"""The evidence policy every answerer applies: a figure answers only the place and period asked.

A wrong figure given to a leader with a confident citation is the worst failure of this product, and
the commonest way to give one is to answer with another period's figure ("9 tháng đầu năm 2024"
answered with the 6-month figure) or another kind of figure (a plan's target for a result). So the
extractive answerer chooses its sentences with this policy, and the LLM answerer's output is checked
against it before anyone sees it.

The period of a piece of evidence is what its sentence says ("Tính chung 6 tháng …", "Tháng Sáu …",
"Lũy kế từ ngày 15/12/2024 đến hết ngày 14/6/2025"; a year compared with, "so với cùng kỳ năm 2023",
is not), else the period of its report. It fits the asked period when:
- the question names a span with its granularity ("6 tháng đầu năm 2024", "quý I/2024", "cả năm 2024",
  "tháng 9/2025", "giai đoạn 2021-2025"): the evidence covers exactly that span;
- the question names only a year ("năm 2024"): the evidence lies within that year, and the answer
  says which part of it ("Theo báo cáo 6 tháng đầu năm 2024 …"), since "năm 2024" in a question
  anchors the time as often as it asks for a whole year ("cả năm 2024" asks for the whole year);
- the question names a span without its year ("6 tháng đầu năm"): the same months of any year.
Evidence whose period is unknown does not answer a question that names one.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.dates import find_dates
from ingest.normalize import strip_diacritics
from ingest.periods import Granularity, Period, PeriodMention, PeriodRole, find_periods
from rag.schema import Passage

# A question's period written without its year is parsed with this placeholder year.
YEARLESS = 1900
# Document types whose figures are targets or requirements, not results: a plan says what shall be
# reached, a directive what must be done ("đảm bảo cắt giảm tối thiểu 30% thời gian").
PLAN_TYPES = frozenset({"kế hoạch", "chương trình", "đề án", "dự án", "phương án", "chiến lược", "quy hoạch",
                        "chỉ thị"})


@dataclass(frozen=True)
class AskedPeriod:
    """The period a question asks about; `whole` when it asks for exactly that span, not only the year."""

    period: Period
    year_known: bool = True
    whole: bool = True
    target: bool = False  # "đến năm 2030": the question asks for a plan's target
    start: int = -1  # where the question names it (to tell which place it goes with), -1 when not written

    def describe(self) -> str:
        text = self.period.describe()
        if not self.year_known:
            text = re.sub(rf"\s*(?:năm\s+)?{YEARLESS}\b", "", text).strip()
        if self.period.granularity is Granularity.YEAR and self.whole:
            text = f"cả {text}"
        return text

    @property
    def years(self) -> tuple[int, ...]:
        return self.period.years if self.year_known else ()

    def fits(self, evidence: Period | None) -> bool:
        """Whether evidence about `evidence` answers for this period (see the module docstring)."""
        if evidence is None:
            return False
        asked = self.period
        if self.target:  # "đến năm 2030": a target for that year, or a plan spanning it
            return evidence.end.year == asked.end.year or evidence.covers(asked)
        if not self.year_known:  # the same months of any one year
            return evidence.start.year == evidence.end.year and (
                _month_day(asked.start), _month_day(asked.end)) == (_month_day(evidence.start), _month_day(evidence.end))
        if Granularity.RANGE in (asked.granularity, evidence.granularity):
            # "từ tháng 7 đến tháng 9/2023" and "Từ ngày 03/7/2023 đến ngày 29/9/2023": the same months
            first, last = (asked.start.year, asked.start.month), (asked.end.year, asked.end.month)
            e_first, e_last = (evidence.start.year, evidence.start.month), (evidence.end.year, evidence.end.month)
            return (first, last) == (e_first, e_last) if self.whole else first <= e_first and e_last <= last
        if self.whole:
            return asked.same_span(evidence)
        return asked.covers(evidence)


# "(theo) báo cáo 6 tháng đầu năm 2024": a period that names the source report, not the one asked about.
_SOURCE_BEFORE = re.compile(r"\bbao cao(?:\s+\S+){0,4}\s*$")


def asked_periods(question: str) -> tuple[AskedPeriod, ...]:
    """The periods a question asks about, in order ("So sánh … năm 2023 và năm 2024" asks two); the
    base of a change ("so với tháng trước", "so với cùng kỳ") is not one. A period that names the source ("theo báo cáo 6 tháng đầu năm 2024") is not one of them:
    see `source_periods`."""
    return tuple(asked for asked, source in _question_periods(question) if not source)


def source_periods(question: str) -> tuple[AskedPeriod, ...]:
    """The periods that name the report to read ("(báo cáo 6 tháng đầu năm 2024)")."""
    return tuple(asked for asked, source in _question_periods(question) if source)


def _question_periods(question: str) -> list[tuple[AskedPeriod, bool]]:
    folded = strip_diacritics(question).lower()
    found = []
    for mention in find_periods(question, default_year=YEARLESS):
        if mention.role is PeriodRole.COMPARISON:
            continue  # "tăng bao nhiêu so với tháng trước": the base of a change, not the period asked
        period = mention.period
        year_known = period.start.year != YEARLESS
        before = folded[max(0, mention.start - 40) : mention.start]
        written = folded[max(0, mention.start - 12) : mention.end]
        bare_year = period.granularity is Granularity.YEAR and not re.search(r"\b(ca|toan|suot)\s+nam\b", written)
        asked = AskedPeriod(period, year_known, whole=not bare_year, target=mention.role is PeriodRole.TARGET,
                            start=mention.start)
        found.append((asked, bool(_SOURCE_BEFORE.search(before))))
    return found


@dataclass(frozen=True)
class EvidencePeriod:
    """The period a sentence's figures are about, whether the sentence itself says it, and whether
    they are targets (a plan's, or "đến năm 2030 đạt …") rather than results."""

    period: Period | None
    stated: bool  # said by the sentence ("Tính chung 6 tháng …"), not only by the report
    target: bool = False

    def describe(self) -> str:
        return self.period.describe() if self.period else ""


@lru_cache(maxsize=65536)
def periods_in(text: str, default_year: int | None) -> tuple[PeriodMention, ...]:
    """`find_periods`, remembered: the answerer reads the same sentences for every question."""
    return tuple(find_periods(text, default_year))


def sentence_periods(sentence: str, passage: Passage) -> list[tuple[Period, bool]]:
    """The periods a sentence states for its figures, each with whether it is a target ("đến năm
    2030"); periods it compares with ("so với cùng kỳ năm 2023") are left out."""
    default_year = _report_year(passage)
    return [(m.period, m.role is PeriodRole.TARGET) for m in periods_in(sentence, default_year)
            if m.role is not PeriodRole.COMPARISON]


def evidence_period(sentence: str, passage: Passage, asked: AskedPeriod | None = None) -> EvidencePeriod:
    """The period of the figures of `sentence`: one the sentence states (the asked one when the
    sentence states several, "Tháng 6 … ; tính chung 6 tháng …"), else its report's.

    A date inside the month asked dates the sentence too ("ngày 02/11/2020"). Two readings keep a
    stated period honest. A period in parentheses that is not the one asked is an aside about one
    number ("… 300.267 nhân khẩu (tính đến tháng 12/2019)"), not the period of the sentence. And a
    report cannot hold results past its own end: "năm 2024" in a report of the first half of 2024
    means the year so far, so a stated period is cut at the report's end."""
    plan = is_plan(passage)
    stated = [(_until_report_end(p, passage, t), t) for p, t in sentence_periods(sentence, passage)]
    fitting = [(p, t) for p, t in stated if asked is not None and asked.fits(p)]
    if fitting:
        return EvidencePeriod(fitting[0][0], True, fitting[0][1] or plan)
    if asked is not None and _dated_within(sentence, asked):
        return EvidencePeriod(asked.period, True, plan)
    main = [(_until_report_end(p, passage, t), t) for p, t in sentence_periods(_without_asides(sentence), passage)]
    if main:
        return EvidencePeriod(main[0][0], True, main[0][1] or plan)
    report = passage.report_period
    issued = int(passage.date[:4]) if passage.date[:4].isdigit() else None
    ahead = issued is not None and asked is not None and asked.period.start.year >= issued
    if plan and asked is not None and asked.year_known and (report.covers(asked.period) if report else ahead):
        # a plan's sentence without a period sets targets for the plan's span (or its horizon, "đến
        # năm 2030", when the title gives no span): it speaks of the year asked, as a target
        return EvidencePeriod(asked.period, False, True)
    return EvidencePeriod(report, False, plan)


def _dated_within(sentence: str, asked: AskedPeriod) -> bool:
    """A dated event inside the month asked ("ngày 02/11/2020" for "tháng 11/2020"), or the year asked
    loosely ("năm 2023": "… ngày 24/04/2023"), dates the sentence; a date does not stand for a whole
    half-year or quarter."""
    if not asked.year_known or not (asked.period.granularity is Granularity.MONTH or not asked.whole):
        return False
    return any(d.date is not None and asked.period.start <= d.date <= asked.period.end for d in find_dates(sentence))


_ASIDE = re.compile(r"\([^()]*\)")


def _without_asides(sentence: str) -> str:
    """The sentence with parenthesised asides blanked (same length, so offsets still hold)."""
    return _ASIDE.sub(lambda m: " " * len(m.group()), sentence)


def _until_report_end(period: Period, passage: Passage, target: bool) -> Period:
    """A result period cut at the end of the report's own period; targets look ahead and are kept."""
    report = passage.report_period
    if target or report is None or is_plan(passage) or not (period.start <= report.end < period.end):
        return period
    return Period(period.start, report.end, report.granularity if period.start == report.start else Granularity.RANGE,
                  period.cumulative, period.text)


def fits(asked: AskedPeriod | None, evidence: EvidencePeriod, asks_result: bool = False) -> bool:
    """The evidence answers the question's period and kind: a target never answers for a result."""
    if asks_result and evidence.target:
        return False
    return asked is None or asked.fits(evidence.period)


def is_plan(passage: Passage) -> bool:
    """Figures of a plan are targets: "đạt 80%" in a Kế hoạch is what shall be reached."""
    return passage.document_type in PLAN_TYPES


def _report_year(passage: Passage) -> int | None:
    period = passage.report_period
    if period is not None:
        return period.end.year
    return int(passage.date[:4]) if passage.date[:4].isdigit() else None


def _month_day(day: datetime.date) -> tuple[int, int]:
    return day.month, day.day
