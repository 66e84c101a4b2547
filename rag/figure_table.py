"""A figure compared across places or periods: one row per report, each row under the evidence policy.

"số đơn thư tiếp nhận của các địa phương năm 2024", "tỷ lệ hồ sơ trực tuyến của các nơi": the reports
that deal with the topic (the precedent finder) are each asked the question alone, through the same
answering path as the chat (`BaocaoService.ask` with the report as filter). So a row holds a figure
only when that report has one of the kind and period asked (rag/evidence.py); otherwise the row says
that it has none ("Không có số liệu …", with what the report holds instead when the answerer found
another period), instead of showing another figure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.dates import find_dates
from ingest.function_words import FUNCTION_WORDS
from ingest.periods import CALENDAR_WORDS, find_periods
from rag.figures import MARKER, NUMBER
from rag.precedents import PrecedentFilters, PrecedentRow
from rag.schema import Answer

NO_FIGURE = "Không có số liệu"
# A unit is the words right after the figure, up to punctuation or a function word, at most three.
_UNIT = re.compile(r"\s*(%|[^\W\d_]+(?:\s+[^\W\d_]+){0,2})")
# ("so" of "so với" and the verbs of change close it too: "tăng 5% so với", "đạt 80 điểm").
_UNIT_STOP = FUNCTION_WORDS | frozenset(CALENDAR_WORDS) | {"so", "đạt", "tăng", "giảm"}


@dataclass(frozen=True)
class FigureRow:
    report_id: str
    title: str
    locality: str
    province: str
    document_type: str
    report_period: str
    found: bool
    value: str  # as written ("147", "99,5%"), "" when the report has no figure of the kind asked
    unit: str
    period: str  # the period the figure is for, as the answer names it
    answer: str  # the answer for this report alone (the refusal and its reason when not found)
    quote: str
    section: str
    section_title: str
    citation: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FigureTable:
    query: str
    filters: PrecedentFilters
    rows: list[FigureRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "filters": self.filters.to_dict(), "rows": [r.to_dict() for r in self.rows],
                "notices": list(self.notices)}


def first_figure(text: str) -> tuple[str, str]:
    """(figure as written, unit) of the first quantity in an answer, dates and periods left out:
    "Theo báo cáo 6 tháng đầu năm 2024 …, Thành phố đã tiếp nhận 147 vụ khiếu nại [1]" -> ("147", "vụ khiếu nại")."""
    text = MARKER.sub(" ", text)
    taken = [(m.start, m.end) for m in find_periods(text)] + [(d.start, d.end) for d in find_dates(text)]
    for match in NUMBER.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        unit_match = _UNIT.match(text, match.end())
        words = []
        if unit_match:
            if unit_match.group(1) == "%":
                return match.group() + "%", "%"
            for word in unit_match.group(1).split():
                if word.lower() in _UNIT_STOP:
                    break
                words.append(word)
        return match.group(), " ".join(words)
    return "", ""


def figure_rows(question: str, rows: Sequence[PrecedentRow], answer_for: Callable[[str], Answer]) -> list[FigureRow]:
    """One FigureRow per report of `rows` (precedent rows, best first), from `answer_for(report_id)`."""
    out = []
    for row in rows:
        answer = answer_for(row.report_id)
        citation = answer.citations[0] if answer.citations and not answer.abstained else None
        value, unit = first_figure(answer.answer) if citation else ("", "")
        found = bool(citation and value)
        text = answer.answer if found or answer.abstained else f"{NO_FIGURE} trong báo cáo này. {answer.answer}"
        out.append(FigureRow(
            report_id=row.report_id, title=row.title, locality=row.locality, province=row.province,
            document_type=row.document_type, report_period=row.period, found=found, value=value, unit=unit,
            period=(citation.period if citation else "") if found else "", answer=text,
            quote=citation.quote if citation else "", section=citation.section if citation else "",
            section_title=citation.section_title if citation else "",
            citation=(f"{row.title} ({row.locality}), mục {citation.section or '(mở đầu)'}" if citation else "")))
    return out
