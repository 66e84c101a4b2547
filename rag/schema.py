"""The types that cross the query side: filters, retrieved passages, citations, answers.

They are the Python form of the DESIGN.md `ask` JSON contract; `Answer.to_dict()` is that JSON. The
CLI, the Gradio app and the evaluation all consume these, so they stay small and plain.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.ocr import OCR_NOTE
from ingest.periods import Period

ABSTENTION_MESSAGE = "Không tìm thấy thông tin này trong các báo cáo đã nạp."


@dataclass(frozen=True)
class QueryFilters:
    """Restrictions a user sets explicitly (CLI flags, app filters). Empty means no restriction.

    `localities` are matched against report localities diacritic- and case-insensitively, so
    "quy nhon" selects "thành phố Quy Nhơn".
    """

    report_ids: tuple[str, ...] = ()
    localities: tuple[str, ...] = ()
    years: tuple[int, ...] = ()

    def is_empty(self) -> bool:
        return not (self.report_ids or self.localities or self.years)

    def to_dict(self) -> dict[str, list]:
        return {"report_ids": list(self.report_ids), "localities": list(self.localities),
                "years": list(self.years)}


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk with the report metadata a citation needs."""

    chunk_id: str
    report_id: str
    section: str
    section_title: str
    text: str
    score: float
    title: str = ""
    locality: str = ""
    date: str = ""
    period: str = ""
    context: str = ""
    years: tuple[int, ...] = ()
    # Sections starting inside the chunk (it packs small sibling sections): (offset in text, path, title).
    subsections: tuple[tuple[int, str, str], ...] = ()
    # The report's period (ISO days, granularity) and kind ("báo cáo", "kế hoạch" …), for the evidence policy.
    period_start: str = ""
    period_end: str = ""
    period_granularity: str = ""
    period_cumulative: bool = False
    document_type: str = ""
    ocr: bool = False  # the chunk's text was recognised from a scan (OCR)
    province: str = ""

    @property
    def report_period(self) -> Period | None:
        """The period the report is about, None when unknown."""
        return Period.from_metadata({"period_start": self.period_start, "period_end": self.period_end,
                                     "period_granularity": self.period_granularity,
                                     "period_cumulative": self.period_cumulative})

    @property
    def sections(self) -> list[str]:
        """Every section the passage holds text of: its own, then each that starts inside it."""
        paths = [self.section]
        paths += [path for _, path, _ in self.subsections if path not in paths]
        return paths

    def section_of(self, quote: str) -> tuple[str, str]:
        """(path, title) of the section holding the start of `quote`; the passage's own when not found."""
        offset = self.text.find(quote[:80].strip()) if quote else -1
        if offset < 0:
            return self.section, self.section_title
        path, title = self.section, self.section_title
        for start, sub_path, sub_title in self.subsections:
            if start > offset:
                break
            path, title = sub_path, sub_title
        return path, title

    def title_of(self, path: str) -> str:
        """The title of section `path` when this passage holds its start (or is inside it), else ""."""
        if path == self.section:
            return self.section_title
        return next((title for _, sub_path, title in self.subsections if sub_path == path), "")

    def to_retrieved_dict(self) -> dict[str, Any]:
        return {"report_id": self.report_id, "section": self.section, "sections": self.sections,
                "chunk_id": self.chunk_id, "score": round(self.score, 4)}

    def to_search_dict(self) -> dict[str, Any]:
        return {"report_id": self.report_id, "section": self.section, "section_title": self.section_title,
                "sections": self.sections, "chunk_id": self.chunk_id, "text": self.text, "score": round(self.score, 4)}


@dataclass(frozen=True)
class Citation:
    """What an [n] marker points to: the report, its section, and the exact supporting sentence(s)."""

    n: int
    report_id: str
    title: str
    locality: str
    date: str
    section: str
    section_title: str
    quote: str
    text: str
    score: float
    chunk_id: str = ""
    # "văn bản nhận dạng từ ảnh quét" when the passage was recognised from a scan (a figure may be misread).
    source_note: str = ""
    period: str = ""  # the report's period in words ("6 tháng đầu năm 2024"), as the answer names it

    @classmethod
    def from_passage(cls, n: int, passage: Passage, quote: str) -> Citation:
        """The citation names the section of the quoted sentence, which in a packed chunk may be one of
        the small sections packed under the chunk's own."""
        section, section_title = passage.section_of(quote)
        return cls(n=n, report_id=passage.report_id, title=passage.title, locality=passage.locality,
                   date=passage.date, section=section, section_title=section_title,
                   quote=quote, text=passage.text, score=round(passage.score, 4), chunk_id=passage.chunk_id,
                   period=passage.report_period.describe() if passage.report_period else passage.period,
                   source_note=OCR_NOTE if passage.ocr else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """An answer to one question: the DESIGN.md `ask` object plus what the app shows around it.

    - `answerer`: "extractive", "llm", or "llm-repaired" (an LLM answer with sentences dropped by
      the verifier).
    - `notices`: Vietnamese messages for the user (LLM unreachable, sentences dropped, filter relaxed…).
    - `resolved_question`: the question after follow-up resolution ("còn năm 2020 thì sao?" becomes a
      full question); equal to `question` when there was nothing to resolve.
    - `filters`: the filters actually applied (explicit ones and those read from the question).
    """

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    answerer: str = "extractive"
    notices: list[str] = field(default_factory=list)
    resolved_question: str = ""
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [p.to_retrieved_dict() for p in self.retrieved],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "answerer": self.answerer,
            "notices": list(self.notices),
            "resolved_question": self.resolved_question or self.question,
            "filters": self.filters,
        }

    def to_plain_text(self) -> str:
        """The answer with its sources, for pasting into a document."""
        lines = [self.answer]
        if self.citations:
            lines += ["", "Nguồn:"]
            for c in self.citations:
                where = ", ".join(part for part in (c.locality, c.date) if part)
                section = f"mục {c.section}" if c.section else "phần mở đầu"
                note = f" ({c.source_note})" if c.source_note else ""
                lines.append(f"[{c.n}] {c.title} ({where}), {section}: “{c.quote}”{note}")
        return "\n".join(lines)


@dataclass(frozen=True)
class AnswerProgress:
    """One step of a streamed answer: the text so far, and the final `Answer` on the last step.

    The final answer may differ from the streamed text: verification can drop sentences or replace
    the whole LLM answer with the extractive one, and the UI then shows the final text.
    """

    text: str
    answer: Answer | None = None


@dataclass
class DraftAnswer:
    """What an answerer produces before the service adds the question, retrieval and timings."""

    text: str
    citations: list[Citation]
    abstained: bool
    answerer: str = "extractive"
    notices: list[str] = field(default_factory=list)
