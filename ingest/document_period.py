"""The period a document is about, read from its title and opening.

The title says it ("… 6 tháng đầu năm 2024", "… GIAI ĐOẠN 2026 - 2030", "… quý I năm 2024"); the first
period the title names is the reporting period, and later ones are what the document plans for
("năm 2020, nhiệm vụ trọng tâm năm 2021"); a period inside the quoted name of another document
("Kết quả thực hiện Kế hoạch … “… giai đoạn 2022-2026” năm 2024") is that document's, not this one's,
unless the title names no other (a plan carrying out “Chương trình … giai đoạn 2025 - 2035” spans it). A title that names only a duration ("Sơ kết 03 năm thực
hiện Chỉ thị …") is completed from the opening, with the first span of that length it gives ("03 năm
(từ 2021 - 2024)"). A plan's horizon ("đến năm 2030") is a target, not a period, and "cuối năm 2025" names no bounds:
a document with nothing else has no period, and unknown stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ingest.normalize import strip_diacritics
from ingest.periods import Granularity, Period, PeriodRole, find_periods

# "Sơ kết 03 năm thực hiện …": a duration in years written without its years, which the opening anchors.
_YEARS_DURATION = re.compile(r"(?<!\w)(\d{1,2})\s+nam\b(?!\s*(?:19|20)\d{2})")


# "nhiệm vụ trọng tâm cuối năm 2025": the end of a year, without its bounds, is no reporting period.
_VAGUE_EDGE = re.compile(r"(?<!\w)(?<!phan )(?:dau|cuoi|giua)\s+$")


# The name of another document quoted in the title (“… giai đoạn 2022-2026”) carries its own period.
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def document_period(title: str, opening: Sequence[str] = (), date: str = "") -> tuple[Period | None, list[int]]:
    """The reporting period and the years the document is about (the period's, then the years the
    title plans for); `date` (ISO, possibly partial) gives the year of a period written without one."""
    default_year = int(date[:4]) if date[:4].isdigit() else None
    folded_title = strip_diacritics(title).lower()
    quoted = [match.span() for match in _QUOTED.finditer(title)]
    mentions = [m for m in find_periods(title, default_year)
                if m.role is PeriodRole.PERIOD and not _VAGUE_EDGE.search(folded_title[: m.start])]
    outside = [m for m in mentions if not any(start <= m.start < end for start, end in quoted)]
    mentions = outside or mentions
    period = mentions[0].period if mentions else None
    if period is None:
        period = _anchored_duration(title, opening, default_year)
    years: list[int] = list(period.years) if period else []
    for later in mentions[1:]:
        years += [y for y in later.period.years if y not in years]
    return period, sorted(years)


def _anchored_duration(title: str, opening: Sequence[str], default_year: int | None) -> Period | None:
    match = _YEARS_DURATION.search(strip_diacritics(title).lower())
    if not match:
        return None
    length = int(match.group(1))
    for paragraph in opening:
        for mention in find_periods(paragraph, default_year):
            period = mention.period
            if mention.role is PeriodRole.PERIOD and period.granularity is Granularity.MULTI_YEAR \
                    and length in (len(period.years) - 1, len(period.years)):  # "03 năm (2021 - 2024)"
                # written as the title's duration over the opening's years: "03 năm 2021-2024"
                duration = re.search(r"\d{1,2}\s+năm", title, re.IGNORECASE)
                label = duration.group() if duration else f"{length} năm"
                return replace(period, text=f"{label} {period.years[0]}-{period.years[-1]}")
    return None
