"""Report metadata read off the report itself: header, title, first section and signature block.

Every field is taken from the text; when the text does not say, the field stays empty. A report
without a header (converted without its first page, say) still gets its locality and year from its
title and first section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.document_form import (
    NATIONAL_MOTTO,
    PLACE_DATE_LINE,
    RECIPIENT_LINE,
    SO_HIEU_LINE,
    document_type_of_code,
    document_type_of_line,
    document_type_of_title,
    starts_with_organisation,
)
from ingest.document_period import document_period
from ingest.document_place import locate_document
from ingest.gazetteer import LOCALITY_LEVELS, load_gazetteer
from ingest.models import ReportMetadata, Section
from ingest.structure import ClosingBlock

_CLOSING_SENTENCE = re.compile(r"^Trên đây là\b.*?\bcủa\s+(Ban [^.;]+?|UBND [^.;]+?|Ủy ban [^.;]+?)\s*[.;]")


@dataclass
class ReportHeader:
    """The header lines of the preamble, and the paragraphs after them (the report's introduction)."""

    so_hieu: str = ""
    place: str = ""
    date: str = ""
    title: str = ""
    recipient: str = ""
    document_type: str = ""
    issuing_body: list[str] = field(default_factory=list)  # the header's capitals before the type word
    subject_line: bool = False  # the title is a "V/v …" line: the form of a công văn
    introduction: list[str] = field(default_factory=list)


def read_header(preamble: list[str]) -> ReportHeader:
    """Header fields from the lines before the first heading, whatever their layout was.

    The header is read until its title (or a paragraph of running text): what follows is the
    introduction, so nothing of the body (a place and date, a second title block such as the plan a
    decision promulgates) is taken for the header. A page without the national header (a web page
    opening with its title and a publication date) is read from those two lines.
    """
    header = ReportHeader()
    expecting_title = False
    reading = True
    for index, paragraph in enumerate(preamble):
        if not reading:
            header.introduction.append(paragraph)
        elif expecting_title:
            header.title = _as_title(paragraph)
            expecting_title = False
        elif match := SO_HIEU_LINE.match(paragraph):
            header.so_hieu = _clean_so_hieu(match.group(1))
        elif match := PLACE_DATE_LINE.match(paragraph):
            header.place = match.group("place").strip()
            header.date = _iso_date(*match.group("year", "month", "day"))
        elif (document_type := document_type_of_line(paragraph)) and not header.title:
            header.document_type = document_type
            expecting_title = True
        elif match := RECIPIENT_LINE.match(paragraph):
            header.recipient = match.group(1).strip().rstrip(".;,")
        elif NATIONAL_MOTTO.match(paragraph):
            continue
        elif _SUBJECT_LINE.match(paragraph) and not header.title:
            header.title, header.subject_line = paragraph, True
        elif paragraph.isupper() and not header.title and not header.document_type:
            header.issuing_body.append(paragraph)
        elif not header.title and not header.document_type and (date := _publication_date(preamble, index + 1)):
            header.document_type, title = document_type_of_title(paragraph)
            header.title = _as_title(title or paragraph)
        elif not header.date and _publication_date(preamble, index):
            header.date = _publication_date(preamble, index)
        else:
            header.introduction.append(paragraph)
            # Running text, or anything after the title, ends the header.
            reading = not header.title and not header.document_type and len(paragraph) < 120
    return header


_SUBJECT_LINE = re.compile(r"^V/v\b", re.IGNORECASE)
# A publication date on a line of its own: "06/11/2025", "Ngày đăng: 06/11/2025 10:15", "Thứ năm, 06/11/2025".
_DATE_LINE = re.compile(
    r"^(?:[^\d,]{0,25},?\s*)?(?:ngày\s*)?(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s*[-|,]?\s*\d{1,2}:\d{2}(?::\d{2})?)?$",
    re.IGNORECASE,
)
_WORDED_DATE_LINE = re.compile(r"^(?:[^\d,]{0,25},?\s*)?ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})\.?$", re.IGNORECASE)


def _publication_date(preamble: list[str], index: int) -> str:
    """The ISO date when preamble[index] is a date line and nothing else, else ""."""
    if index >= len(preamble) or len(preamble[index]) > 60:
        return ""
    match = _DATE_LINE.match(preamble[index]) or _WORDED_DATE_LINE.match(preamble[index])
    if not match:
        return ""
    day, month, year = (int(g) for g in match.groups())
    return f"{year}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def _as_title(text: str) -> str:
    return text[:1].upper() + text[1:]


def issuer_of_header(issuing_body: list[str]) -> str:
    """The issuing body as staff write it: "UBND tỉnh Bắc Ninh", "Sở Nội vụ tỉnh Quảng Ninh".

    The header names the body in capitals, under its parent when it has one ("UBND TỈNH QUẢNG NINH" /
    "SỞ NỘI VỤ"): the issuer is the last body, with the parent's place when its own name has none.
    Capitals are brought to the written convention of Nghị định 30/2020 (Phụ lục II): the type of the
    body and the first word of each field capitalised ("Sở Khoa học và Công nghệ"), a place's name
    capitalised word by word ("tỉnh Bà Rịa - Vũng Tàu").
    """
    if not issuing_body:
        return ""
    own = _written_body(issuing_body[-1])
    if not _place_part(own)[1] and len(issuing_body) > 1:
        level, name = _place_part(_written_body(issuing_body[-2]))
        if name:
            own = f"{own} {level} {name}"
    return own


_ISSUER_LEVELS = ("tỉnh", "đặc khu", *LOCALITY_LEVELS)
_LEVEL_WORD = re.compile(rf"(?:^|\s)({'|'.join(_ISSUER_LEVELS)})\s+(\S.*)$", re.IGNORECASE)


def _place_part(body: str) -> tuple[str, str]:
    """("tỉnh", "Quảng Ninh") from "UBND tỉnh Quảng Ninh"; ("", "") when the body names no place."""
    match = _LEVEL_WORD.search(body)
    return (match.group(1).lower(), match.group(2)) if match else ("", "")


def _written_body(line: str) -> str:
    line = " ".join(line.split())
    if not line.isupper():
        return re.sub(r"^(?:Ủy|Uỷ) ban nhân dân\b", "UBND", line, flags=re.IGNORECASE)
    match = _LEVEL_WORD.search(line)
    body, place = (line[: match.start()], f"{match.group(1).lower()} {_name_case(match.group(2))}") if match else (line, "")
    organisation = starts_with_organisation(body)
    if organisation == "ủy ban nhân dân":
        written = "UBND"
    elif organisation:
        written = _field_case(body)
    else:
        written = _name_case(body) if body.strip() else ""
    return " ".join(part for part in (written, place) if part)


def _name_case(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split())


def _field_case(text: str) -> str:
    """"SỞ KHOA HỌC VÀ CÔNG NGHỆ" -> "Sở Khoa học và Công nghệ": the type word and the first word of
    each field (after the type, after "và" and after a comma) capitalised, the rest in lower case."""
    organisation = starts_with_organisation(text)
    type_words = len(organisation.split())
    words = text.lower().split()
    written: list[str] = []
    capitalise_next = True
    for i, word in enumerate(words):
        starts_field = i < type_words and i == 0 or i == type_words or capitalise_next
        written.append(word[:1].upper() + word[1:] if starts_field else word)
        capitalise_next = word == "và" or word.endswith(",")
        if word == "và":
            written[-1] = "và"
    return " ".join(written)


def _iso_date(year: str, month: str | None, day: str | None) -> str:
    """ISO date; a form left blank ("ngày   tháng 3 năm 2024") stays partial: "2024-03"."""
    if month and day:
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return f"{year}-{int(month):02d}" if month else year


def _clean_so_hieu(value: str) -> str:
    """"290 /BC-UBND" -> "290/BC-UBND"; a blank form "/BC-UBND" means the number is unknown."""
    value = re.sub(r"\s*/\s*", "/", value.strip()).rstrip(".")
    return value if re.match(r"^\d", value) else ""


def extract_metadata(
    report_id: str,
    file_name: str,
    header: ReportHeader,
    sections: list[Section],
    closing: ClosingBlock,
) -> ReportMetadata:
    first_section = next((s for s in sections if s.blocks), None)
    first_section_text = " ".join(b.text for b in first_section.blocks) if first_section else ""
    header_issuer = issuer_of_header(header.issuing_body)
    period, years = document_period(header.title, [*header.introduction, first_section_text], header.date)
    era = header.date or (str(period.end) if period else "")
    place = locate_document(
        load_gazetteer(),
        issuer=header_issuer or _closing_issuer(sections),
        place_line=header.place,
        signature_lines=closing.signature_lines,
        title=header.title,
        first_section=first_section_text,
        context=[header.recipient, header.title, *header.introduction[:3], first_section_text],
        era=era,
    )
    if not years and header.date:
        years = [int(header.date[:4])]
    signer, signer_title = _signer(closing)
    return ReportMetadata(
        report_id=report_id,
        file=file_name,
        so_hieu=header.so_hieu,
        issuer=header_issuer or _issuer(place.locality, closing, sections),
        locality=place.locality,
        locality_level=place.level,
        province=place.province,
        current_province=place.current_province,
        date=header.date,
        period=" ".join(period.text.split()) if period else "",
        **(period.to_metadata() if period else {}),
        years=years,
        document_type=document_type_of(header),
        title=header.title,
        recipient=header.recipient,
        signer=signer,
        signer_title=signer_title,
        distribution=closing.distribution,
    )


def document_type_of(header: ReportHeader) -> str:
    """The type word of the header; else the type coded in the số hiệu ("KH" -> "kế hoạch"); a "V/v"
    subject line without either is the form of a công văn."""
    if header.document_type:
        return header.document_type
    if coded := document_type_of_code(header.so_hieu):
        return coded
    return "công văn" if header.subject_line else ""


def _issuer(locality: str, closing: ClosingBlock, sections: list[Section]) -> str:
    """Without a header: a People's Committee that signs is "UBND <locality>"; otherwise the body the
    closing sentence names ("Trên đây là báo cáo … của Ban Thường vụ Thành ủy Hạ Long.")."""
    for line in closing.signature_lines:
        if re.match(r"^(TM\.|T/M)\s*(ỦY|UỶ) BAN NHÂN DÂN", line, re.IGNORECASE) and locality:
            return f"UBND {locality}"
    return _closing_issuer(sections)


def _closing_issuer(sections: list[Section]) -> str:
    for section in reversed(sections):
        for block in section.blocks:
            if match := _CLOSING_SENTENCE.match(block.text):
                return match.group(1).strip()
    return ""


def _signer(closing: ClosingBlock) -> tuple[str, str]:
    """The signer's name (the last line that is not capitals nor a bracketed note) and the roles."""
    roles = [line for line in closing.signature_lines if line.isupper()]
    names = [
        line for line in closing.signature_lines
        if not line.isupper() and len(line.split()) <= 6 and not line.startswith("(")
    ]
    return (names[-1] if names else ""), " / ".join(roles)
