"""From raw paragraphs to a report's layout: preamble, sections, and the closing block.

Text converted from PDF or Word arrives with paragraphs cut at page breaks and with footnote bodies
dropped wherever the page ended. This module repairs both before the heading tree is built, so that
neither a sentence nor a footnote is cut in two and a footnote stays with the section citing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.headings import Heading, detect_heading
from ingest.models import Block, BlockKind, Section, SectionPath
from ingest.normalize import normalize_text

_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_FOOTNOTE_BODY = re.compile(r"^(?:⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾|([⁰¹²³⁴⁵⁶⁷⁸⁹]+))\s*(\S.*)$", re.DOTALL)
# A marker follows a word or punctuation; after a unit of length it is a power ("km²", "m³").
_FOOTNOTE_MARKER = re.compile(r"(?<![\s\d])(?<!\bm)(?<!km)(?<!cm)(?<!dm)(?<!mm)(?:⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾|([⁰¹²³⁴⁵⁶⁷⁸⁹]+))")
_SENTENCE_END = re.compile(r"[.!?:;…]['\"”’»)*]*$")
_BULLET = re.compile(r"^[-+•–]\s")
_DISTRIBUTION = re.compile(r"^Nơi nhận\s*:?", re.IGNORECASE)
_SIGNATURE_ROLE = re.compile(
    r"^(?:TM\.|T/M|KT\.|TL\.|TUQ\.|Q\.|CHỦ TỊCH|PHÓ CHỦ TỊCH|ỦY BAN NHÂN DÂN|CHÁNH VĂN PHÒNG|TRƯỞNG|BÍ THƯ)"
)


@dataclass
class ClosingBlock:
    """The distribution list ("Nơi nhận") and the signature block: metadata, not answers."""

    distribution: list[str] = field(default_factory=list)
    signature_lines: list[str] = field(default_factory=list)


@dataclass
class ReportLayout:
    preamble: list[str]
    sections: list[Section]
    closing: ClosingBlock


def layout_report(raw_paragraphs: list[str]) -> ReportLayout:
    """Normalise, repair and structure the paragraphs of one report."""
    paragraphs = [line for raw in raw_paragraphs for line in split_wrapped_lines(normalize_text(raw))]
    paragraphs, footnotes = extract_footnotes(paragraphs)
    paragraphs = repair_page_breaks(paragraphs)
    paragraphs, closing = extract_closing(paragraphs)
    blocks = place_footnotes(paragraphs, footnotes)
    preamble, sections = build_sections(blocks)
    return ReportLayout(preamble=preamble, sections=sections, closing=closing)


def split_wrapped_lines(paragraph: str) -> list[str]:
    """Join lines wrapped inside one paragraph; keep apart lines that are items or headings of their own.

    A line stays separate when it is a bullet or a heading, when the line before it ends a sentence,
    or when the line before it is all capitals (titles and signature roles: "TM. ỦY BAN NHÂN DÂN").
    """
    result: list[str] = []
    for line in paragraph.split("\n"):
        if not line:
            continue
        if result and not _starts_new_line(result[-1], line):
            result[-1] = f"{result[-1]} {line}"
        else:
            result.append(line)
    return result


def _starts_new_line(previous: str, line: str) -> bool:
    return bool(
        _BULLET.match(line)
        or detect_heading(line)
        or _SENTENCE_END.search(previous)
        or (previous.isupper() and len(previous) < 120)
        or _DISTRIBUTION.match(line)
        or _SIGNATURE_ROLE.match(line)
    )


def extract_footnotes(paragraphs: list[str]) -> tuple[list[str], dict[int, str]]:
    """Take footnote bodies ("¹ …", "⁽¹⁾ …") out of the running text, keyed by their number."""
    kept: list[str] = []
    footnotes: dict[int, str] = {}
    for paragraph in paragraphs:
        match = _FOOTNOTE_BODY.match(paragraph)
        if match:
            number = int((match.group(1) or match.group(2)).translate(_SUPERSCRIPT_DIGITS))
            if number not in footnotes:
                footnotes[number] = paragraph
                continue
        kept.append(paragraph)
    return kept, footnotes


def repair_page_breaks(paragraphs: list[str]) -> list[str]:
    """Join a paragraph cut at a page break to its continuation.

    "…; công" + "tác phối hợp…" -> "…; công tác phối hợp…": the first part ends without sentence
    punctuation and the second starts in lower case. A heading is never appended to anything, but a
    long numbered paragraph (heading and content at once) can itself be cut and is joined.
    """
    result: list[str] = []
    for paragraph in paragraphs:
        if result and _is_continuation(result[-1], paragraph):
            result[-1] = f"{result[-1]} {paragraph}"
        else:
            result.append(paragraph)
    return result


def _is_continuation(previous: str, paragraph: str) -> bool:
    """A cut sentence: the next part starts in lower case, or with a number after a lower-case word
    ("… Quyết định số" + "1142/QĐ-UBND …")."""
    starts_mid_sentence = paragraph[:1].islower() or (paragraph[:1].isdigit() and previous[-1:].islower())
    return (
        starts_mid_sentence
        and not _SENTENCE_END.search(previous)
        and not previous.isupper()
        and detect_heading(paragraph) is None
    )


def extract_closing(paragraphs: list[str]) -> tuple[list[str], ClosingBlock]:
    """Remove "Nơi nhận" with its list and the signature block; an appendix after them is kept."""
    closing = ClosingBlock()
    kept: list[str] = []
    state = "body"  # body -> distribution -> signature -> body (an appendix may follow)
    # The header's issuing body ("ỦY BAN NHÂN DÂN / XÃ HÒA BÌNH") looks like a signature: a
    # signature block can only start once the body has (a heading, or a paragraph of running text).
    in_body = False
    for paragraph in paragraphs:
        heading = detect_heading(paragraph)
        in_body = in_body or heading is not None or len(paragraph) >= 80
        if state != "body" and heading is not None and heading.kind in ("appendix", "part", "roman"):
            state = "body"
        if state == "body" and _DISTRIBUTION.match(paragraph):
            state = "distribution"
            rest = _DISTRIBUTION.sub("", paragraph).strip(" :")
            if rest:
                closing.distribution.append(rest.lstrip("-+ ").strip())
            continue
        if state == "body" and in_body and _SIGNATURE_ROLE.match(paragraph) and paragraph.isupper():
            state = "signature"
        if state == "distribution":
            if _BULLET.match(paragraph):
                closing.distribution.append(paragraph[2:].strip())
                continue
            state = "signature"
        if state == "signature":
            if len(paragraph) < 80:
                closing.signature_lines.append(paragraph)
                continue
            state = "body"
        kept.append(paragraph)
    return kept, closing


def place_footnotes(paragraphs: list[str], footnotes: dict[int, str]) -> list[Block]:
    """Put each footnote body right after the paragraph that carries its marker.

    A footnote whose marker is nowhere in the text goes to the end, so nothing is lost.
    """
    blocks: list[Block] = []
    remaining = dict(footnotes)
    for paragraph in paragraphs:
        blocks.append(Block(paragraph))
        for match in _FOOTNOTE_MARKER.finditer(paragraph):
            number = int((match.group(1) or match.group(2)).translate(_SUPERSCRIPT_DIGITS))
            if number in remaining:
                blocks.append(Block(remaining.pop(number), BlockKind.FOOTNOTE))
    blocks.extend(Block(text, BlockKind.FOOTNOTE) for text in remaining.values())
    return blocks


def build_sections(blocks: list[Block]) -> tuple[list[str], list[Section]]:
    """The heading tree, flattened in reading order; text before the first heading is the preamble."""
    preamble: list[str] = []
    sections: list[Section] = []
    open_headings: list[Heading] = []
    awaiting_part_title = False
    for block in blocks:
        heading = detect_heading(block.text) if block.kind is BlockKind.TEXT else None
        if heading is None:
            if awaiting_part_title and block.text.isupper():
                sections[-1].title = block.text  # "Phần thứ nhất" / "ĐÁNH GIÁ KẾT QUẢ …" on two lines
                awaiting_part_title = False
                continue
            awaiting_part_title = False
            if sections:
                sections[-1].blocks.append(block)
            else:
                preamble.append(block.text)
            continue
        while open_headings and open_headings[-1].rank >= heading.rank:
            open_headings.pop()
        open_headings.append(heading)
        sections.append(Section(path=_path_of(open_headings), title=heading.title))
        if heading.body:
            sections[-1].blocks.append(Block(heading.body))
        awaiting_part_title = heading.has_title_line
    _give_empty_leaves_their_title(sections)
    return preamble, sections


def _give_empty_leaves_their_title(sections: list[Section]) -> None:
    """A numbered item with no text under it ("3. Tiếp tục kiện toàn …") is content in itself."""
    for i, section in enumerate(sections):
        following = sections[i + 1].path if i + 1 < len(sections) else None
        has_children = following is not None and following != section.path and following.is_within(section.path)
        if not section.blocks and not has_children:
            section.blocks.append(Block(section.title))


def _path_of(open_headings: list[Heading]) -> SectionPath:
    """Arabic numbers are written in full ("2.1" under "2."), so only the innermost one is kept."""
    parts: list[str] = []
    innermost_arabic = max(
        (i for i, h in enumerate(open_headings) if h.kind == "arabic"), default=-1
    )
    for i, heading in enumerate(open_headings):
        if heading.kind == "arabic" and i != innermost_arabic:
            continue
        parts.extend(heading.label.split("."))
    return SectionPath(tuple(parts))
