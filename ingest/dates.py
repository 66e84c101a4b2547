"""Dates as Vietnamese documents write them, found in running text with their offsets.

Three shapes occur: numeric "17/6/2024" or "03/02/2024" (day/month/year, the day first), the
spelled-out header form "ngày 17 tháng 6 năm 2024" (line breaks may fall anywhere inside it in
converted files: "ngày 24\\ntháng 11 năm 2025"; a form left blank for the signer keeps what is
filled in: "ngày   tháng 3 năm 2024" is the partial date "2024-03"), and a month of a year "tháng
12/2019". Matching runs on the folded text (no diacritics, lower case) so that text typed without
diacritics ("ngay 17 thang 6 nam 2024") is read too; offsets always refer to the text given.

The period parser (`ingest.periods`) builds on these: a year inside a date is never a period.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from ingest.normalize import strip_diacritics


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """`text` folded like `strip_diacritics`, and for each folded character its offset in `text`.

    Folding character by character keeps a map back to the original even when the input carries
    combining marks (NFD) or a character that lower-cases to two; the list has one extra entry,
    `len(text)`, so that the end of a match maps too.
    """
    folded_text = strip_diacritics(text)
    if len(folded_text) == len(text) and all(len(strip_diacritics(c)) == 1 for c in set(text)):
        return folded_text, list(range(len(text) + 1))  # one character for one: the common case
    folded: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        for piece in strip_diacritics(char):
            folded.append(piece)
            offsets.append(index)
    offsets.append(len(text))
    return "".join(folded), offsets


def written_date(iso_date: str) -> str:
    """An ISO date as Vietnamese text writes it: "2024-06-17" -> "17/6/2024", "2024-03" -> "3/2024",
    "2024" -> "2024", "" -> ""."""
    parts = (iso_date or "").split("-")
    try:
        numbers = [int(p) for p in parts if p]
    except ValueError:
        return iso_date
    if len(numbers) == 3:
        return f"{numbers[2]}/{numbers[1]}/{numbers[0]}"
    if len(numbers) == 2:
        return f"{numbers[1]}/{numbers[0]}"
    return iso_date


def iso(year: int, month: int | None = None, day: int | None = None) -> str:
    """ISO 8601, as precise as what is known: "2024", "2024-03", "2024-03-05"."""
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


@dataclass(frozen=True)
class DateMention:
    """A date written in a text; month and day are None where the text leaves them out."""

    year: int
    month: int | None
    day: int | None
    start: int
    end: int
    text: str

    @property
    def iso(self) -> str:
        return iso(self.year, self.month, self.day)

    @property
    def date(self) -> datetime.date | None:
        """The calendar day, when the text gives all three parts."""
        if self.month is None or self.day is None:
            return None
        return datetime.date(self.year, self.month, self.day)


# A year of the documents' era; neither part of a longer number nor of a thousands group ("2.015").
YEAR = r"(?:19|20)\d{2}(?![\d]|[.,]\d)"
_GAP = r"[\s*]*"  # spaces, line breaks and stray emphasis markers of converted files

_NUMERIC = re.compile(
    rf"(?<![\d/.\-])(?P<d>\d{{1,2}}){_GAP}(?P<sep>[/.\-]){_GAP}(?P<m>\d{{1,2}}){_GAP}(?P=sep)"
    rf"{_GAP}(?P<y>{YEAR})(?![/\-]\w)"
)
_SPELLED = re.compile(
    rf"\bngay{_GAP}(?P<d>\d{{1,2}})?{_GAP}thang{_GAP}(?P<m>\d{{1,2}})?{_GAP}nam{_GAP}(?P<y>{YEAR})"
)
_MONTH_OF_YEAR = re.compile(
    rf"(?<!\w)thang{_GAP}(?P<m>\d{{1,2}}){_GAP}/{_GAP}(?P<y>{YEAR})(?![/\-]\w)"
)


# The shapes that name a day (or are the header's date line, even with the day left blank): a
# year or month inside them is part of a date, never a period of its own.
DAY_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (_SPELLED, _NUMERIC)
GAP = _GAP


def _valid(year: int, month: int | None, day: int | None) -> bool:
    if month is None:
        return day is None
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def find_dates(text: str) -> list[DateMention]:
    """Every date in `text`, in order; where shapes overlap the longer, earlier one wins."""
    folded, offsets = fold_with_offsets(text)
    found: list[tuple[int, int, int, int | None, int | None]] = []
    for pattern in (_SPELLED, _NUMERIC, _MONTH_OF_YEAR):
        for match in pattern.finditer(folded):
            groups = match.groupdict()
            year = int(groups["y"])
            month = int(groups["m"]) if groups.get("m") else None
            day = int(groups["d"]) if groups.get("d") else None
            if day is not None and month is None:
                day = None  # "ngày 5 tháng   năm 2024": a day without its month says nothing
            if _valid(year, month, day):
                found.append((match.start(), match.end(), year, month, day))
    found.sort(key=lambda item: (item[0], -item[1]))
    mentions: list[DateMention] = []
    taken_until = -1
    for start, end, year, month, day in found:
        if start < taken_until:
            continue
        taken_until = end
        begin, finish = offsets[start], offsets[end - 1] + 1
        mentions.append(DateMention(year, month, day, begin, finish, text[begin:finish]))
    return mentions


# --- when, without a year ---------------------------------------------------------------------

# Deadlines that recur name a day without its year ("trước ngày 15 tháng 12 hằng năm", "trước ngày
# 20/11", "ngày 16 hằng tháng") or a time of day ("trước 19h00", "17 giờ"); matched on folded text.
_DAY_WITHOUT_YEAR = re.compile(
    rf"\bngay{_GAP}\d{{1,2}}(?!\d)|(?<![\d/.\-])\d{{1,2}}{_GAP}/{_GAP}\d{{1,2}}(?![\d/])"
    rf"|\b\d{{1,2}}{_GAP}(?:h|gio){_GAP}\d{{0,2}}(?!\w)"
)
# The units a duration is counted in ("10 ngày làm việc", "48 giờ", "03 tháng").
TIME_UNITS: tuple[str, ...] = ("phút", "giờ", "ngày", "tuần", "tháng", "quý", "năm")
_DURATION = re.compile(rf"(?<![\d/.,])\d+{_GAP}(?:{'|'.join(strip_diacritics(u) for u in TIME_UNITS)})(?!\w)")


def names_a_day(text: str) -> bool:
    """Whether `text` names a day or a time: a full date, or a day or time of day without its year."""
    return bool(find_dates(text)) or bool(_DAY_WITHOUT_YEAR.search(strip_diacritics(text)))


def names_a_duration(text: str) -> bool:
    """Whether `text` gives a length of time: a number of minutes, hours, days, weeks, months or years."""
    return bool(_DURATION.search(strip_diacritics(text)))
