"""The types that leave the ingest layer: a parsed report, its metadata, its sections and its chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, Field


class BlockKind(str, Enum):
    TEXT = "text"
    FOOTNOTE = "footnote"
    TABLE = "table"  # one row a line, cells joined by " | "


@dataclass(frozen=True)
class Block:
    """One paragraph of running text, or one footnote body placed after the paragraph citing it."""

    text: str
    kind: BlockKind = BlockKind.TEXT


@dataclass(frozen=True)
class SectionPath:
    """Where a passage sits, as staff cite it: "III.6", "P1.I.2.3", "III.4.b", "PL.3".

    Parts are heading labels from the outermost in: "P1"/"P2" for "Phần thứ nhất/hai", Roman numerals,
    the Arabic number as written ("2.1" under "III." gives "III.2.1"), a letter for "a)", "PL" for an
    appendix. The empty path is the preamble before the first heading.
    """

    parts: tuple[str, ...] = ()

    def __str__(self) -> str:
        return ".".join(self.parts)

    @classmethod
    def parse(cls, text: str) -> SectionPath:
        return cls(tuple(p for p in text.split(".") if p))

    def is_within(self, other: SectionPath) -> bool:
        """True when this path equals `other` or lies inside it ("III.6.a" is within "III.6")."""
        return self.parts[: len(other.parts)] == other.parts


@dataclass
class Section:
    """A heading and the blocks before the next heading (its subsections are separate sections).

    `heading` is the heading paragraph as written ("a) Có tổ chức;"), shown when the section is packed
    into a chunk with its siblings; `depth` its nesting level (1 for a top-level heading, 0 outside the
    heading tree: the preamble), from which the chunker rebuilds the tree; `enclosing` the labels of the
    enclosing legal levels that the path leaves out ("Chương XVI — …", "Điều 150 — …").
    """

    path: SectionPath
    title: str
    blocks: list[Block] = field(default_factory=list)
    heading: str = ""
    depth: int = 0
    enclosing: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """"III.6 — Kết quả thực hiện công tác giải quyết đơn thư…"."""
        if not self.path.parts:
            return self.title
        return f"{self.path} — {self.title}" if self.title else str(self.path)


class ReportMetadata(BaseModel):
    """What a report says about itself. Unknown fields are "" or [], never guessed."""

    report_id: str
    file: str = ""
    so_hieu: str = Field("", description='Document number, e.g. "290/BC-UBND"; "" when the form is blank')
    issuer: str = ""
    locality: str = Field("", description='With its level, as written: "thành phố Quy Nhơn"')
    locality_level: str = ""
    province: str = Field("", description="The province the locality belonged to when the document was written")
    current_province: str = Field("", description="The province after the 1 July 2025 reorganisation")
    date: str = Field("", description='ISO date of issue, possibly partial ("2024-03"), or ""')
    period: str = Field("", description='Reporting period as written: "6 tháng đầu năm 2024"')
    period_start: str = Field("", description='ISO first day of the period, "" when unknown')
    period_end: str = Field("", description='ISO last day of the period, "" when unknown')
    period_granularity: str = Field(
        "", description="month, quarter, half_year, months_to_date, year, multi_year, range; \"\" when unknown"
    )
    period_cumulative: bool = Field(False, description='Figures accumulated since a start ("lũy kế", "9 tháng")')
    years: list[int] = Field(default_factory=list)
    document_type: str = Field("", description='"báo cáo", "kế hoạch", "quyết định", "chỉ thị" …, lower case')
    title: str = ""
    recipient: str = ""
    signer: str = ""
    signer_title: str = ""
    distribution: list[str] = Field(default_factory=list, description='The "Nơi nhận" list')
    ocr: bool = Field(False, description="Some of the text was recognised from scanned pages (OCR)")
    source_encoding: str = Field("", description='Legacy encoding converted on reading: "tcvn3", "vni"; "" for Unicode')


@dataclass
class Report:
    """A parsed report: metadata, sections in reading order, and the hash identifying its content."""

    metadata: ReportMetadata
    sections: list[Section]
    content_hash: str
    source: Path

    @property
    def report_id(self) -> str:
        return self.metadata.report_id

    def section(self, path: str) -> Section:
        for section in self.sections:
            if str(section.path) == path:
                return section
        raise KeyError(f"{self.report_id} has no section {path!r}")


@dataclass(frozen=True)
class Chunk:
    """A passage that fits the embedding model.

    `section` is the section whose text (or lead-in) opens the chunk. Small sibling sections are packed
    together under their parent's lead-in, so `subsections` lists each section that starts inside
    `text`: (character offset in `text`, section path, title); from an offset on, text belongs to the
    last entry at or before it, and before the first entry to `section`.
    """

    chunk_id: str
    report_id: str
    section: SectionPath
    section_title: str
    text: str
    ordinal: int
    context: str = ""  # "thành phố Quy Nhơn · 6 tháng đầu năm 2024 · III.6 — …", prepended when embedding
    subsections: tuple[tuple[int, str, str], ...] = ()
    ocr: bool = False  # the report's text came (at least partly) from OCR of a scan

    def section_at(self, offset: int) -> tuple[str, str]:
        """(path, title) of the section the character at `offset` of `text` belongs to."""
        path, title = str(self.section), self.section_title
        for start, sub_path, sub_title in self.subsections:
            if start > offset:
                break
            path, title = sub_path, sub_title
        return path, title

    @property
    def embedding_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text
