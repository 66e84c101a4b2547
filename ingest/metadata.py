"""Report metadata read off the report itself: header, title, first section and signature block.

Every field is taken from the text; when the text does not say, the field stays empty. A report
without a header (converted without its first page, say) still gets its locality and year from its
title and first section.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.models import ReportMetadata, Section
from ingest.structure import ClosingBlock

LOCALITY_LEVELS = ("thành phố", "thị xã", "thị trấn", "huyện", "quận", "phường", "xã")

_SO_HIEU = re.compile(r"^Số\s*:\s*(.*)$", re.IGNORECASE)
_PLACE_DATE = re.compile(
    r"^(?P<place>[^,]{2,40}),\s*ngày\s*(?P<day>\d{1,2})?\s*tháng\s*(?P<month>\d{1,2})?\s*năm\s*(?P<year>\d{4})",
    re.IGNORECASE,
)
_RECIPIENT = re.compile(r"^Kính\s+gửi\s*:\s*(.+)$", re.IGNORECASE)
_REPORT_WORD = re.compile(r"^BÁO\s+CÁO\.?$")
_NATIONAL_MOTTO = re.compile(r"^(CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*[-–]\s*Tự do)", re.IGNORECASE)
_NAME = r"[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,3}"
_LOCALITY = re.compile(rf"\b((?i:{'|'.join(LOCALITY_LEVELS)}))\s+({_NAME})")
_PROVINCE = re.compile(rf"\btỉnh\s+({_NAME})")  # lower-case "tỉnh": "Tỉnh An" is a commune's name
_CLOSING_SENTENCE = re.compile(r"^Trên đây là\b.*?\bcủa\s+(Ban [^.;]+?|UBND [^.;]+?|Ủy ban [^.;]+?)\s*[.;]")
_PERIODS = (
    re.compile(r"\b(\d{1,2}\s+tháng\s+(?:đầu|cuối)\s+năm\s+\d{4})", re.IGNORECASE),
    re.compile(r"\b(quý\s+(?:I{1,3}|IV|[1-4])\s+năm\s+\d{4})", re.IGNORECASE),
    re.compile(r"\b(\d{1,2}\s+năm\s+\d{4}\s*[-–]\s*\d{4})", re.IGNORECASE),
    re.compile(r"\b(năm\s+\d{4})", re.IGNORECASE),
)
_SPAN_IN_BODY = re.compile(r"\b(\d{1,2})\s+năm\s*\(?\s*từ\s+(?:năm\s+)?(\d{4})\s*[-–]\s*(\d{4})")
_SPAN_IN_TITLE = re.compile(r"\b(\d{1,2})\s+năm\s+thực hiện\b", re.IGNORECASE)
_PLAN_YEAR = re.compile(r"nhiệm vụ(?:\s+trọng tâm)?\s+năm\s+(\d{4})", re.IGNORECASE)
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")


@dataclass
class ReportHeader:
    """The header lines of the preamble, and the paragraphs after them (the report's introduction)."""

    so_hieu: str = ""
    place: str = ""
    date: str = ""
    title: str = ""
    recipient: str = ""
    introduction: list[str] = field(default_factory=list)


def read_header(preamble: list[str]) -> ReportHeader:
    header = ReportHeader()
    expecting_title = False
    for paragraph in preamble:
        if expecting_title:
            header.title = paragraph[:1].upper() + paragraph[1:]
            expecting_title = False
        elif match := _SO_HIEU.match(paragraph):
            header.so_hieu = _clean_so_hieu(match.group(1))
        elif match := _PLACE_DATE.match(paragraph):
            header.place = match.group("place").strip()
            header.date = _iso_date(*match.group("year", "month", "day"))
        elif _REPORT_WORD.match(paragraph):
            expecting_title = True
        elif match := _RECIPIENT.match(paragraph):
            header.recipient = match.group(1).strip().rstrip(".;,")
        elif _NATIONAL_MOTTO.match(paragraph) or (paragraph.isupper() and not header.title):
            continue  # issuing body in capitals, national motto
        else:
            header.introduction.append(paragraph)
    return header


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
    all_text = "\n".join(
        [header.title, *header.introduction]
        + [s.title for s in sections]
        + [b.text for s in sections for b in s.blocks]
    )
    locality_level, locality_name = _locality(header, first_section_text, all_text, closing)
    locality = f"{locality_level} {locality_name}".strip()
    period, years = _period(header.title, all_text)
    if not years and header.date:
        years = [int(header.date[:4])]
    signer, signer_title = _signer(closing)
    return ReportMetadata(
        report_id=report_id,
        file=file_name,
        so_hieu=header.so_hieu,
        issuer=_issuer(locality, closing, sections),
        locality=locality,
        locality_level=locality_level,
        province=_province([header.recipient, header.title, *header.introduction, first_section_text]),
        date=header.date,
        period=period,
        years=years,
        title=header.title,
        recipient=header.recipient,
        signer=signer,
        signer_title=signer_title,
        distribution=closing.distribution,
    )


def _locality(header: ReportHeader, first_section: str, all_text: str, closing: ClosingBlock) -> tuple[str, str]:
    """The level and name of the reporting locality.

    With a place line ("Quy Nhơn, ngày …") the name is known and the level is the one the text uses
    most often with that name. Without one, the most frequent locality of the title and first section.
    """
    signature = " ".join(closing.signature_lines).lower()
    if header.place:
        name = header.place
        levels = Counter(
            level.lower() for level, found in _LOCALITY.findall(all_text) if found.split()[: len(name.split())] == name.split()
        )
        for level in LOCALITY_LEVELS:  # the signature block names the level: "TM. ỦY BAN NHÂN DÂN PHƯỜNG"
            if f"nhân dân {level}" in signature:
                levels[level] += 100
        if levels:
            return levels.most_common(1)[0][0], name
        return "", name
    candidates = Counter(
        (level.lower(), name) for level, name in _LOCALITY.findall(f"{header.title}\n{first_section}")
    )
    if not candidates:
        return "", ""
    (level, name), _ = candidates.most_common(1)[0]
    return level, name


def _province(texts: list[str]) -> str:
    """The first province named in the header, the introduction or the first section."""
    for text in texts:
        if match := _PROVINCE.search(text):
            return match.group(1)
    return ""


def _issuer(locality: str, closing: ClosingBlock, sections: list[Section]) -> str:
    for line in closing.signature_lines:
        if re.match(r"^(TM\.|T/M)\s*(ỦY|UỶ) BAN NHÂN DÂN", line, re.IGNORECASE) and locality:
            return f"UBND {locality}"
    for section in reversed(sections):
        for block in section.blocks:
            if match := _CLOSING_SENTENCE.match(block.text):
                return match.group(1).strip()
    return ""


def _period(title: str, all_text: str) -> tuple[str, list[int]]:
    """The reporting period as the title writes it, and the years it covers."""
    years: list[int] = []
    period = ""
    if (span := _SPAN_IN_TITLE.search(title)) and (body_span := _SPAN_IN_BODY.search(all_text)):
        _, start, end = body_span.groups()
        period = f"{span.group(1)} năm {start}-{end}"
        years = list(range(int(start), int(end) + 1))
    else:
        for pattern in _PERIODS:
            if match := pattern.search(title):
                period = re.sub(r"\s+", " ", match.group(1))
                found = [int(y) for y in _YEAR.findall(period)]
                years = list(range(found[0], found[-1] + 1)) if found else []
                break
    for plan_year in _PLAN_YEAR.findall(title):
        if int(plan_year) not in years:
            years.append(int(plan_year))
    return period, sorted(years)


def _signer(closing: ClosingBlock) -> tuple[str, str]:
    roles = [line for line in closing.signature_lines if line.isupper()]
    names = [line for line in closing.signature_lines if not line.isupper() and len(line.split()) <= 6]
    return (names[-1] if names else ""), " / ".join(roles)
