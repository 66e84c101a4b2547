"""The period a figure is about, as data: Vietnamese period expressions parsed into date ranges.

One parser serves a document's reporting period (its title and opening), the sentence-level
periods inside a report ("Tháng Sáu …" vs "Tính chung 6 tháng …") and the period a user asks
about ("9 thang dau nam 2024", typed without diacritics). Matching runs on the folded text
(`strip_diacritics`), with offsets mapped back to the text given.

Conventions (the metadata gold set is written with them):
- "N tháng đầu năm Y": N = 3 is quarter I, N = 6 the half year (Jan 1 .. Jun 30), N = 12 the year;
  any other N ("9 tháng", "chín tháng đầu năm", "7 tháng năm 2025") is `months_to_date`,
  Jan 1 .. the last day of month N, cumulative. "N tháng cuối năm": 3 is quarter IV, 6 the second
  half year (Jul 1 .. Dec 31), 12 the year, other N a `range` of the last N months.
  "12 tháng", "cả năm", "năm Y" are the year.
- cumulative is also True where the phrase says so ("tính chung", "lũy kế", "cộng dồn", "từ đầu
  năm … đến …"); the granularity stays what the span is ("Tính chung 6 tháng" is a cumulative
  half year).
- "quý I/2025", "quý I năm 2025", "Quý 2 năm 2024", "quý IV" are quarters; "tháng 11/2025",
  "tháng 11 năm 2025", "Tháng Sáu", "tháng Mười Một" are months (a month written as a word is
  capitalised or followed by its year: "mỗi tháng một lần" is not January).
- "giai đoạn 2021-2025", "nhiệm kỳ 2021-2026", "5 năm 2021-2025", "03 năm (từ 2021 - 2024)",
  "từ năm 2021 đến năm 2025" are `multi_year`, Jan 1 of the first .. Dec 31 of the last year.
- "từ ngày 01/10/2023 đến ngày 30/9/2024", "từ tháng 1 đến tháng 9 năm 2025", "từ quý I đến
  quý III", "từ năm 2023 đến tháng 10/2024" are `range` (cumulative when it says lũy kế/tính
  chung); "từ đầu năm đến hết tháng N" is the N months to date, cumulative.
- Numbers are digits (leading zeros too: "03 năm", "tháng 01"), Roman I–IV for quarters, or
  words (`ingest.numbers.NUMBER_WORDS`), with or without diacritics. Lunar month names (tháng
  Giêng, tháng Chạp) are not Gregorian months and are not read.
- A period without a year ("Tháng Sáu", "Tính chung 6 tháng", "quý I") takes the year of the
  period it is coordinated with ("tháng 6 và 6 tháng đầu năm 2024"), else `default_year`; with
  neither it is not returned. Open-ended spans ("từ năm 2021 đến nay", "từ năm 2025 trở đi") are
  not returned either: unknown stays unknown.
- Roles: a plan's horizon is TARGET ("đến năm 2030", "tầm nhìn 2045", "định hướng đến năm 2045",
  "phấn đấu/mục tiêu … năm Y", and "đến hết/cuối năm Y" or "vào năm Y" when Y is after
  `default_year`, the document's own year);
  COMPARISON is what a figure is compared with ("so với năm 2022", "so với cùng kỳ năm 2023",
  "so với tháng trước"): relative ones take the span of the nearest PERIOD mention before them,
  moved back. Everything else is PERIOD.
- Not periods at all: a year inside a date ("ngày 25/5/2021", "ngày 24 tháng 11 năm 2025") or
  a document number ("163/2024/QH15"), and a bare number that is a quantity ("2.015 hồ sơ",
  "2015 hộ"): a year needs "năm", a period word before it, "quý …/", "tháng …/" or a range.
- In text written with diacritics, a word of a period phrase must carry its own marks: "Quỹ 1"
  is not "quý 1" and "tháng sau" (next month) is not "tháng Sáu"; a phrase typed entirely
  without marks is read by its folded form.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from ingest.dates import DAY_DATE_PATTERNS, GAP, YEAR, fold_with_offsets
from ingest.normalize import has_diacritics, strip_diacritics
from ingest.numbers import NUMBER_WORDS, ORDINAL_NUMBER_WORDS


class Granularity(str, Enum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    MONTHS_TO_DATE = "months_to_date"
    YEAR = "year"
    MULTI_YEAR = "multi_year"
    RANGE = "range"


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _format_day(day: datetime.date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


@dataclass(frozen=True)
class Period:
    """A span of calendar days and how the source names it; `text` is kept but not compared."""

    start: datetime.date
    end: datetime.date
    granularity: Granularity
    cumulative: bool = False
    text: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"period starts after it ends: {self.start} > {self.end}")

    def to_metadata(self) -> dict:
        """Flat fields for report and chunk metadata (Chroma `where` filters compare them)."""
        return {
            "period_start": self.start.isoformat(),
            "period_end": self.end.isoformat(),
            "period_granularity": self.granularity.value,
            "period_cumulative": self.cumulative,
        }

    @classmethod
    def from_metadata(cls, metadata: dict) -> Period | None:
        """The inverse of `to_metadata`; None where the fields are missing or empty."""
        try:
            return cls(
                datetime.date.fromisoformat(metadata["period_start"]),
                datetime.date.fromisoformat(metadata["period_end"]),
                Granularity(metadata["period_granularity"]),
                bool(metadata.get("period_cumulative", False)),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def covers(self, other: Period) -> bool:
        """Whether `other`'s days all lie inside this period."""
        return self.start <= other.start and other.end <= self.end

    def same_span(self, other: Period) -> bool:
        return self.start == other.start and self.end == other.end

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.start.year, self.end.year + 1))

    def describe(self) -> str:
        """The period in the words an answer uses: "6 tháng đầu năm 2024", "quý I năm 2025"."""
        start, end, year = self.start, self.end, self.start.year
        kind = self.granularity
        if kind is Granularity.MONTH:
            return f"tháng {start.month} năm {year}"
        if kind is Granularity.QUARTER:
            return f"quý {_ROMAN[(start.month - 1) // 3 + 1]} năm {year}"
        if kind is Granularity.HALF_YEAR:
            return f"6 tháng {'đầu' if start.month == 1 else 'cuối'} năm {year}"
        if kind is Granularity.MONTHS_TO_DATE:
            return f"{end.month} tháng đầu năm {year}"
        if kind is Granularity.YEAR:
            return f"năm {year}"
        if kind is Granularity.MULTI_YEAR:
            return f"giai đoạn {start.year}-{end.year}"
        if start.day == 1 and end == _month_end(end.year, end.month):
            if start.year == end.year:
                return f"từ tháng {start.month} đến tháng {end.month} năm {end.year}"
            return f"từ tháng {start.month}/{start.year} đến tháng {end.month}/{end.year}"
        return f"từ {_format_day(start)} đến {_format_day(end)}"


class PeriodRole(str, Enum):
    PERIOD = "period"  # the time the figures are about
    TARGET = "target"  # a plan's horizon: "đến năm 2030", "định hướng đến năm 2045"
    COMPARISON = "comparison"  # "so với cùng kỳ năm 2023", "tăng 5% so với quý trước"


@dataclass(frozen=True)
class PeriodMention:
    period: Period
    role: PeriodRole
    start: int  # character offsets in the text given
    end: int


# --- spans ----------------------------------------------------------------------------------


def month_period(year: int, month: int, cumulative: bool = False) -> Period:
    return Period(datetime.date(year, month, 1), _month_end(year, month), Granularity.MONTH, cumulative)


def quarter_period(year: int, quarter: int, cumulative: bool = False) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(
        datetime.date(year, first, 1), _month_end(year, first + 2), Granularity.QUARTER, cumulative
    )


def year_period(year: int, cumulative: bool = False) -> Period:
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), Granularity.YEAR, cumulative)


def years_period(first: int, last: int) -> Period:
    if first == last:
        return year_period(first)
    return Period(datetime.date(first, 1, 1), datetime.date(last, 12, 31), Granularity.MULTI_YEAR)


def first_months(year: int, count: int, cumulative: bool = False) -> Period:
    """"N tháng đầu năm": quarter I, half year, year, or N months to date (always cumulative)."""
    if count == 3:
        return quarter_period(year, 1, cumulative)
    if count == 12:
        return year_period(year, cumulative)
    end = _month_end(year, count)
    if count == 6:
        return Period(datetime.date(year, 1, 1), end, Granularity.HALF_YEAR, cumulative)
    return Period(datetime.date(year, 1, 1), end, Granularity.MONTHS_TO_DATE, True)


def last_months(year: int, count: int, cumulative: bool = False) -> Period:
    """"N tháng cuối năm": quarter IV, second half year, year, or a range of the last N months."""
    if count == 3:
        return quarter_period(year, 4, cumulative)
    if count == 12:
        return year_period(year, cumulative)
    start = datetime.date(year, 13 - count, 1)
    kind = Granularity.HALF_YEAR if count == 6 else Granularity.RANGE
    return Period(start, datetime.date(year, 12, 31), kind, cumulative)


def _shift_months(period: Period, months: int) -> Period | None:
    """The same kind of span `months` earlier (negative) or later; month ends stay month ends."""

    def move(day: datetime.date, to_month_end: bool) -> datetime.date:
        index = day.year * 12 + day.month - 1 + months
        year, month = divmod(index, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return datetime.date(year, month + 1, last if to_month_end else min(day.day, last))

    end_of_month = period.end == _month_end(period.end.year, period.end.month)
    try:
        return dataclasses.replace(
            period, start=move(period.start, False), end=move(period.end, end_of_month)
        )
    except ValueError:
        return None


# --- vocabulary -----------------------------------------------------------------------------

# The calendar's own words: a question's period is read from them, so they are no topic term.
CALENDAR_WORDS: tuple[str, ...] = ("ngày", "tháng", "quý", "năm", "đầu", "cuối")

# The words period phrases are made of, written as the language writes them. A word of a matched
# phrase that carries marks must be one of these (folded forms collide: quý/quỹ, sáu/sau, từ/tư).
_PHRASE_WORDS = (
    "tháng quý năm đầu cuối cả giai đoạn nhiệm kỳ kì thời học niên khóa khoá độ từ đến tới hết "
    "ngày tính chung lũy luỹ kế cộng dồn cùng trước ngoái và hoặc tầm nhìn trở đi nay hiện"
).split()
_FORMS: dict[str, set[str]] = {}
for _word in [*_PHRASE_WORDS, *(w for key in ORDINAL_NUMBER_WORDS for w in key.split())]:
    _FORMS.setdefault(strip_diacritics(_word), set()).add(_word)


def _alternation(words: dict[str, int]) -> str:
    folded = sorted({strip_diacritics(word) for word in words}, key=len, reverse=True)
    return "|".join(GAP.join(re.escape(part) for part in word.split()) for word in folded)


def _word_value(folded_words: str, vocabulary: dict[str, int]) -> int | None:
    key = " ".join(folded_words.split())
    for word, value in vocabulary.items():
        if strip_diacritics(word) == key:
            return value
    return None


_S = r"[\s*]+"  # a gap between words: spaces, line breaks, stray emphasis markers
_O = GAP  # an optional gap
_DIGIT_MONTH = r"(?:1[0-2]|0?[1-9])(?!\d)"
_MONTH = rf"(?:{_DIGIT_MONTH}|(?:{_alternation(ORDINAL_NUMBER_WORDS)})(?!\w))"
_COUNT = rf"(?:\d{{1,2}}(?![\d.,]\d)|(?:{_alternation(NUMBER_WORDS)})(?!\w))"
_ROMAN_OR_DIGIT = r"(?:iv|iii|ii|i|[1-4])(?!\w)"
_QUARTER_WORDS = {w: v for w, v in ORDINAL_NUMBER_WORDS.items() if v <= 4}
_QUARTER = rf"(?:{_ROMAN_OR_DIGIT}|(?:{_alternation(_QUARTER_WORDS)})(?!\w))"
_TO = rf"(?:den|toi){_S}(?:het{_S}|cuoi{_S})?"


def _year_tail(name: str) -> str:
    """A year after a month or quarter: "/2025", "-2025", " năm 2025", " 2025"."""
    return rf"(?:{_O}[/\-–]{_O}|{_S}nam{_S}|{_S})(?P<{name}>{YEAR})"


_ANY_YEAR_TAIL = rf"(?:{_O}[/\-–]{_O}|{_S}nam{_S}|{_S}){YEAR}"


def _date(tag: str) -> str:
    """A day, numeric or spelled out, whose year may be left to the other end of a range."""
    return (
        rf"(?:(?:ngay{_O})?(?P<dn{tag}>\d{{1,2}}){_O}(?P<s{tag}>[/.\-]){_O}(?P<mn{tag}>{_DIGIT_MONTH})"
        rf"(?:{_O}(?P=s{tag}){_O}(?P<yn{tag}>{YEAR}))?"
        rf"|ngay{_O}(?P<ds{tag}>\d{{1,2}}){_S}thang{_S}(?P<ms{tag}>{_DIGIT_MONTH})"
        rf"(?:{_S}nam{_S}(?P<ys{tag}>{YEAR}))?)"
    )


def _date_parts(match: re.Match[str], tag: str) -> tuple[int | None, int, int]:
    form = "n" if match.group(f"dn{tag}") else "s"
    year = match.group(f"y{form}{tag}")
    return (
        int(year) if year else None,
        int(match.group(f"m{form}{tag}")),
        int(match.group(f"d{form}{tag}")),
    )


# --- candidates -----------------------------------------------------------------------------


@dataclass
class _Candidate:
    """A phrase found in the folded text, before selection, years and roles are settled."""

    start: int
    end: int
    make: Callable[[int | None], Period | None] | None = None  # given the year it takes
    own_year: bool = True  # False: the year comes from a coordinated phrase or the default
    relative: str = ""  # "same_period", "month", "quarter", "year": moved back from an anchor
    relative_year: int | None = None
    role: PeriodRole | None = None  # forced by the phrase itself ("tầm nhìn 2045")
    blocker: bool = False  # a date or number: nothing inside it is a period


def _candidate(match: re.Match[str], make, year: str | None, **extra) -> _Candidate:
    if year:
        fixed = int(year)
        return _Candidate(match.start(), match.end(), lambda _year: make(fixed), True, **extra)
    return _Candidate(match.start(), match.end(), make, False, **extra)


_CUMULATIVE_BEFORE = re.compile(
    rf"(?:tinh{_S}chung|luy{_S}ke|cong{_S}don|tu{_S}dau{_S}nam)(?:{_O}[:,])?(?:{_S}(?:trong|ca))?{_O}$"
)


def _cumulative_before(folded: str, start: int) -> bool:
    return bool(_CUMULATIVE_BEFORE.search(folded[max(0, start - 40) : start]))


def _date_range(match: re.Match[str], folded: str) -> _Candidate | None:
    year1, month1, day1 = _date_parts(match, "1")
    year2, month2, day2 = _date_parts(match, "2")

    def make(year: int | None) -> Period | None:
        last_year = year2 or year
        if last_year is None:
            return None
        first_year = year1 or (last_year if (month1, day1) <= (month2, day2) else last_year - 1)
        try:
            start = datetime.date(first_year, month1, day1)
            end = datetime.date(last_year, month2, day2)
        except ValueError:
            return None
        return Period(start, end, Granularity.RANGE) if start <= end else None

    return _candidate(match, make, str(year2) if year2 else None)


def _day_span(match: re.Match[str], folded: str) -> _Candidate | None:
    """"ngày 24-26/11/2020": days of one month."""
    year, month = int(match.group("y")), int(match.group("m"))
    try:
        start = datetime.date(year, month, int(match.group("d1")))
        end = datetime.date(year, month, int(match.group("d2")))
    except ValueError:
        return None
    if start >= end:
        return None
    return _candidate(match, lambda _y: Period(start, end, Granularity.RANGE), str(year))


def _month_range(match: re.Match[str], folded: str) -> _Candidate | None:
    month1 = _month_value(match.group("m1"))
    month2 = _month_value(match.group("m2"))
    year1, year2 = match.group("y1"), match.group("y2")

    def make(year: int | None) -> Period | None:
        last = int(year2) if year2 else year
        if last is None or month1 is None or month2 is None:
            return None
        first = int(year1) if year1 else (last if month1 <= month2 else last - 1)
        start, end = datetime.date(first, month1, 1), _month_end(last, month2)
        return Period(start, end, Granularity.RANGE) if start < end else None

    return _candidate(match, make, year2)


def _quarter_range(match: re.Match[str], folded: str) -> _Candidate | None:
    first, last = _quarter_value(match.group("q1")), _quarter_value(match.group("q2"))
    year1, year2 = match.group("y1"), match.group("y2")

    def make(year: int | None) -> Period | None:
        end_year = int(year2) if year2 else year
        if end_year is None or first is None or last is None:
            return None
        start_year = int(year1) if year1 else (end_year if first <= last else end_year - 1)
        start = quarter_period(start_year, first).start
        end = quarter_period(end_year, last).end
        return Period(start, end, Granularity.RANGE) if start < end else None

    return _candidate(match, make, year2)


def _year_to_date(match: re.Match[str], folded: str) -> _Candidate | None:
    """"từ đầu năm (Y) đến (hết) tháng N / ngày D": Jan 1 .. that end, cumulative."""
    if match.group("m"):
        month = _month_value(match.group("m"))
        if month is None:
            return None
        year = match.group("y1") or match.group("y2")
        return _candidate(match, lambda y: None if y is None else first_months(y, month, True), year)
    date_year, month, day = _date_parts(match, "2")

    def make(y: int | None) -> Period | None:
        if y is None:
            return None
        try:
            end = datetime.date(y, month, day)
        except ValueError:
            return None
        return Period(datetime.date(y, 1, 1), end, Granularity.RANGE, True)

    return _candidate(match, make, match.group("y1") or (str(date_year) if date_year else None))


def _year_range(match: re.Match[str], folded: str) -> _Candidate | None:
    first, last = int(match.group("y1")), int(match.group("y2"))
    if not first <= last <= first + 30:
        return None
    return _candidate(match, lambda _y: years_period(first, last), str(first))


def _year_to_month(match: re.Match[str], folded: str) -> _Candidate | None:
    first, last, month = int(match.group("y1")), int(match.group("y2")), _month_value(match.group("m"))
    if month is None or last < first:
        return None
    period = Period(datetime.date(first, 1, 1), _month_end(last, month), Granularity.RANGE)
    return _candidate(match, lambda _y: period, str(first))


def _months_of_year(match: re.Match[str], folded: str) -> _Candidate | None:
    count = _count_value(match.group("n"))
    if count is None or not 1 <= count <= 12:
        return None
    edge = match.group("edge")
    if not (edge or match.group("nam") or match.group("y") or _cumulative_before(folded, match.start())):
        return None  # a bare "6 tháng" is a duration ("thời hạn 6 tháng"), not a period
    build = last_months if edge == "cuoi" else first_months
    return _candidate(match, lambda y: None if y is None else build(y, count), match.group("y"))


def _whole_year(match: re.Match[str], folded: str) -> _Candidate | None:
    return _candidate(match, lambda y: None if y is None else year_period(y), match.group("y"))


def _vision(match: re.Match[str], folded: str) -> _Candidate | None:
    return _candidate(match, lambda y: year_period(y), match.group("y"), role=PeriodRole.TARGET)


def _quarter_list(match: re.Match[str], folded: str) -> list[_Candidate]:
    return _list_items(match, _quarter_value, quarter_period, _ROMAN_OR_DIGIT)


def _month_list(match: re.Match[str], folded: str) -> list[_Candidate]:
    return _list_items(match, _month_value, month_period, _DIGIT_MONTH)


def _list_items(match, value_of, build, item_pattern: str) -> list[_Candidate]:
    """"quý III, IV năm 2024": one mention per item, all of the list's year."""
    values = [(match.start(), match.end("first"), value_of(match.group("first")))]
    more_start = match.start("more")
    for item in re.finditer(item_pattern, match.group("more")):
        values.append((more_start + item.start(), more_start + item.end(), value_of(item.group())))
    year = match.group("y")
    fixed = int(year) if year else None
    found = []
    for index, (start, end, value) in enumerate(values):
        if value is None:
            return []
        if index == len(values) - 1:
            end = match.end()  # the last item carries the list's year
        found.append(
            _Candidate(
                start, end,
                (lambda y, v=value: None if (fixed or y) is None else build(fixed or y, v)),
                year is not None,
            )
        )
    return found


def _relative(match: re.Match[str], folded: str) -> _Candidate | None:
    group = "rel" if "rel" in match.groupdict() else 0
    start, end = match.span(group)
    unit = match.groupdict().get("unit")
    year = match.groupdict().get("y")
    return _Candidate(
        start, end, None, True,
        relative=unit or "same_period",
        relative_year=int(year) if year else None,
        role=PeriodRole.COMPARISON,
    )


def _count_value(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else _word_value(raw, NUMBER_WORDS)


def _month_value(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else _word_value(raw, ORDINAL_NUMBER_WORDS)


def _quarter_value(raw: str) -> int | None:
    roman = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
    if raw in roman:
        return roman[raw]
    return int(raw) if raw.isdigit() else _word_value(raw, _QUARTER_WORDS)


_LIST_SEP = rf"(?:{_O},{_O}|{_S}va{_S})"
_RULES: list[tuple[re.Pattern[str], Callable]] = [
    (re.compile(rf"(?<!\w)tu{_S}{_date('1')}{_S}{_TO}{_date('2')}"), _date_range),
    (
        re.compile(
            rf"(?<!\w)(?:tu{_S})?ngay{_O}(?P<d1>\d{{1,2}}){_O}[-–]{_O}(?P<d2>\d{{1,2}}){_O}/{_O}"
            rf"(?P<m>{_DIGIT_MONTH}){_O}/{_O}(?P<y>{YEAR})"
        ),
        _day_span,
    ),
    (
        re.compile(
            rf"(?<!\w)tu{_S}thang{_S}(?P<m1>{_MONTH})(?:{_year_tail('y1')})?{_S}{_TO}"
            rf"thang{_S}(?P<m2>{_MONTH})(?:{_year_tail('y2')})?"
        ),
        _month_range,
    ),
    (
        re.compile(
            rf"(?<!\w)tu{_S}quy{_S}(?P<q1>{_QUARTER})(?:{_year_tail('y1')})?{_S}{_TO}"
            rf"quy{_S}(?P<q2>{_QUARTER})(?:{_year_tail('y2')})?"
        ),
        _quarter_range,
    ),
    (
        re.compile(
            rf"(?<!\w)tu{_S}dau{_S}nam(?:{_S}(?P<y1>{YEAR}))?{_S}{_TO}"
            rf"(?:thang{_S}(?P<m>{_MONTH})(?:{_year_tail('y2')})?|{_date('2')})"
        ),
        _year_to_date,
    ),
    (
        re.compile(
            rf"(?<!\w)tu{_S}(?:nam{_S})?(?P<y1>{YEAR}){_S}{_TO}(?:nam{_S})?(?P<y2>{YEAR})"
        ),
        _year_range,
    ),
    (
        re.compile(
            rf"(?<!\w)(?:giai{_S}doan|nhiem{_S}k[yi]|thoi{_S}k[yi]|nam{_S}hoc|nien{_S}(?:khoa|do)"
            rf"|(?:{_COUNT}{_S})?nam|tu)(?:[\s*(]*tu)?(?:{_S}nam)?[\s*(]*"
            rf"(?P<y1>{YEAR}){_O}[-–—]{_O}(?P<y2>{YEAR})"
        ),
        _year_range,
    ),
    (
        re.compile(
            rf"(?<!\w)tu{_S}(?:nam{_S})?(?P<y1>{YEAR}){_S}{_TO}thang{_S}(?P<m>{_DIGIT_MONTH})"
            rf"(?:{_O}[/\-]{_O}|{_S}nam{_S})(?P<y2>{YEAR})"
        ),
        _year_to_month,
    ),
    (
        re.compile(
            rf"(?<![\w.,/])(?P<n>{_COUNT}){_S}thang(?:{_S}(?P<edge>dau|cuoi))?(?P<nam>{_S}nam)?"
            rf"(?:(?:{_O}[/\-]{_O}|{_S})(?P<y>{YEAR}))?(?!\w)"
        ),
        _months_of_year,
    ),
    (re.compile(rf"(?<!\w)(?:ca{_S})?nam{_S}(?P<y>{YEAR})"), _whole_year),
    (re.compile(rf"(?<!\w)ca{_S}nam(?!\w)(?!{_S}(?:hoc|{YEAR}))"), _whole_year),
    (
        re.compile(rf"(?<!\w)tam{_S}nhin{_S}(?:(?:den|toi){_S})?(?:nam{_S})?(?P<y>{YEAR})"),
        _vision,
    ),
    (
        re.compile(
            rf"(?<!\w)quy{_S}(?P<first>{_QUARTER})(?P<more>(?:{_LIST_SEP}{_ROMAN_OR_DIGIT})*)"
            rf"(?:{_year_tail('y')})?"
        ),
        _quarter_list,
    ),
    (
        re.compile(
            rf"(?<!\w)thang{_S}(?P<first>{_MONTH})"
            rf"(?P<more>(?:{_LIST_SEP}{_DIGIT_MONTH}(?!{_O}[/.\-]\d))*)(?:{_year_tail('y')})?"
        ),
        _month_list,
    ),
    (
        re.compile(
            rf"(?<!\w)cung{_S}k[yi](?:{_S}nam{_S}(?:(?P<y>{YEAR})|truoc|ngoai))?(?!\w)"
        ),
        _relative,
    ),
    (
        re.compile(rf"(?<!\w)so{_S}voi{_S}(?P<rel>(?P<unit>thang|quy|nam){_S}(?:truoc|ngoai))(?!\w)"),
        _relative,
    ),
]

_BLOCKERS: list[re.Pattern[str]] = [
    *DAY_DATE_PATTERNS,
    re.compile(rf"(?<!\w)ngay{_O}\d{{1,2}}{_O}(?:thang{_O}\d{{1,2}}|/{_O}\d{{1,2}})"),
    # open-ended spans: their end is "now" or never
    re.compile(
        rf"(?<!\w)tu{_S}(?:dau{_S}nam|nam{_S}{YEAR}|{YEAR})(?:{_S}{YEAR})?{_S}(?:den|toi){_S}"
        rf"(?:nay|hien{_S}nay)(?!\w)"
    ),
    re.compile(rf"(?<!\w)tu{_S}(?:nam{_S})?{YEAR}{_S}tro{_S}(?:di|ve{_S}sau)(?!\w)"),
    # "từ năm 2017, …", "từ tháng 6/2024 …": a start without an end ("since"); a range that does
    # give its end starts at the same place and is longer, so it wins
    re.compile(
        rf"(?<!\w)tu{_S}(?:nam{_S}{YEAR}|thang{_S}{_MONTH}(?:{_ANY_YEAR_TAIL})?"
        rf"|quy{_S}{_QUARTER}(?:{_ANY_YEAR_TAIL})?)"
    ),
    # document numbers: "163/2024/QH15", "200/2023/NĐ-CP"
    re.compile(rf"(?<![\w/])\w+{_O}/{_O}{YEAR}{_O}/{_O}\w"),
]


def _written_as_expected(phrase: str) -> bool:
    """Whether each word of a matched phrase is the period word its folded form stands for."""
    phrase = unicodedata.normalize("NFC", phrase)
    typed_plain = not has_diacritics(phrase)
    for word in re.findall(r"[^\W\d_]+", phrase):
        key = strip_diacritics(word)
        forms = _FORMS.get(key)
        if not forms:
            continue
        lower = word.lower()
        if lower == key:  # written without marks
            if key not in forms and not typed_plain:
                return False
        elif lower not in forms:
            return False
    return True


def _month_word_ok(match: re.Match[str], folded: str, original: str, offsets: list[int]) -> bool:
    """A month written as a word is capitalised or followed by its year ("mỗi tháng một lần" is
    not January); "năm" is May only as "Năm" (or "NĂM" followed by "năm Y"), else it is the year's."""
    word_start, word_end = match.span("first")
    if match.group("first")[0].isdigit():
        return True
    word = original[offsets[word_start] : offsets[word_end - 1] + 1]
    if strip_diacritics(word) != "nam":
        return word[:1].isupper() or match.group("y") is not None
    if word.isupper():
        return match.group("y") is not None and "nam" in folded[word_end : match.start("y")]
    return word[:1].isupper()


# --- the parser -----------------------------------------------------------------------------


def _candidates(text: str, folded: str, offsets: list[int]) -> list[_Candidate]:
    found: list[_Candidate] = []
    for pattern in _BLOCKERS:
        found.extend(_Candidate(m.start(), m.end(), blocker=True) for m in pattern.finditer(folded))
    for pattern, handle in _RULES:
        for match in pattern.finditer(folded):
            if not _written_as_expected(text[offsets[match.start()] : offsets[match.end() - 1] + 1]):
                continue
            if handle is _month_list and not _month_word_ok(match, folded, text, offsets):
                continue
            result = handle(match, folded)
            if result is None:
                continue
            found.extend(result if isinstance(result, list) else [result])
    return found


def _select(candidates: list[_Candidate]) -> list[_Candidate]:
    """Non-overlapping candidates, the earliest first and among those the longest."""
    chosen: list[_Candidate] = []
    taken_until = -1
    for candidate in sorted(candidates, key=lambda c: (c.start, -(c.end - c.start), c.blocker is False)):
        if candidate.start >= taken_until:
            chosen.append(candidate)
            taken_until = candidate.end
    return [c for c in chosen if not c.blocker]


_CONNECTOR = re.compile(r"^[\s*,;]*(?:va|hoac|den|-|–)?[\s*,;]*$")
_SENTENCE_END = re.compile(r"[.;!?](?=\s)|\n\s*\n")
_COMPARISON_BEFORE = re.compile(rf"(?:so{_S}voi(?:{_S}[a-z]+){{0,3}}|cung{_S}k[yi]){_O}$")
_TARGET_WORDS_BEFORE = re.compile(
    rf"(?:tam{_S}nhin|dinh{_S}huong|phan{_S}dau|muc{_S}tieu)"
    rf"(?:[\s*,:]+(?:den|toi|het|cuoi|trong|vao))*{_S}$"
)
_UNTIL_BEFORE = re.compile(rf"(?:^|[^\w])(?P<pre>[a-z]+{_S})?(?:den|toi){_S}(?P<edge>(?:het|cuoi){_S})?$")
_AT_BEFORE = re.compile(rf"(?<!\w)vao{_S}$")


def _role(candidate: _Candidate, period: Period, folded: str, default_year: int | None) -> PeriodRole:
    if candidate.role is not None:
        return candidate.role
    before = folded[max(0, candidate.start - 80) : candidate.start]
    boundaries = list(_SENTENCE_END.finditer(before))
    if boundaries:
        before = before[boundaries[-1].end() :]
    if _COMPARISON_BEFORE.search(before):
        return PeriodRole.COMPARISON
    if period.granularity in (Granularity.YEAR, Granularity.MULTI_YEAR):
        if _TARGET_WORDS_BEFORE.search(before):
            return PeriodRole.TARGET
        until = _UNTIL_BEFORE.search(before)
        if until and (until.group("pre") or "").strip() not in ("tinh", "ke", "don"):
            if not until.group("edge"):
                return PeriodRole.TARGET  # "đến năm 2030"
            if default_year is not None and period.start.year > default_year:
                return PeriodRole.TARGET  # "đến hết năm 2030" in a document of 2025
        if _AT_BEFORE.search(before) and default_year is not None and period.start.year > default_year:
            return PeriodRole.TARGET  # "đạt 50% vào năm 2030" in a document of 2025
    return PeriodRole.PERIOD


def _moved_back(anchor: Period, unit: str, year: int | None) -> Period | None:
    if unit == "same_period":
        back = -12 * (anchor.end.year - year) if year is not None else -12
        return _shift_months(anchor, back) if back else None
    if unit == "year":
        return _shift_months(anchor, -12)
    if unit == "quarter" and anchor.granularity is Granularity.QUARTER:
        return _shift_months(anchor, -3)
    if unit == "month" and anchor.granularity is Granularity.MONTH:
        return _shift_months(anchor, -1)
    return None


_UNITS = {"thang": "month", "quy": "quarter", "nam": "year", "same_period": "same_period"}


def find_periods(text: str, default_year: int | None = None) -> list[PeriodMention]:
    """Every period mentioned in `text`, in order, with its role; see the module's conventions."""
    folded, offsets = fold_with_offsets(text)
    chosen = _select(_candidates(text, folded, offsets))
    # Years: a phrase without one takes the year of the phrase it is coordinated with, else the default.
    years: list[int | None] = [None] * len(chosen)
    periods: list[Period | None] = [None] * len(chosen)
    for index in range(len(chosen) - 1, -1, -1):
        candidate = chosen[index]
        if candidate.make is None:
            continue
        year = None
        if not candidate.own_year:
            year = default_year
            if index + 1 < len(chosen) and periods[index + 1] is not None:
                between = folded[candidate.end : chosen[index + 1].start]
                if _CONNECTOR.match(between):
                    year = periods[index + 1].start.year
        periods[index] = candidate.make(year)
    mentions: list[PeriodMention] = []
    anchor: Period | None = None
    for candidate, period in zip(chosen, periods):
        if candidate.relative:
            period = anchor and _moved_back(anchor, _UNITS[candidate.relative], candidate.relative_year)
            if period is None:
                continue
            role = PeriodRole.COMPARISON
        else:
            if period is None:
                continue
            role = _role(candidate, period, folded, default_year)
            if not period.cumulative and _cumulative_before(folded, candidate.start):
                period = dataclasses.replace(period, cumulative=True)
        start, end = offsets[candidate.start], offsets[candidate.end - 1] + 1
        written = " ".join(text[start:end].replace("*", " ").split())
        period = dataclasses.replace(period, text=written)
        if role is PeriodRole.PERIOD:
            anchor = period
        mentions.append(PeriodMention(period, role, start, end))
    return mentions


def parse_period(text: str, default_year: int | None = None) -> Period | None:
    """The first period the figures of `text` are about (its first PERIOD-role mention)."""
    for mention in find_periods(text, default_year):
        if mention.role is PeriodRole.PERIOD:
            return mention.period
    return None
