"""From raw paragraphs to a report's layout: preamble, sections, and the closing block.

Text converted from PDF or Word arrives with paragraphs cut at page breaks and with footnote bodies
dropped wherever the page ended; web pages converted to Markdown add hard line breaks inside
sentences, emphasis markers, the header and the signature laid out as tables, data tables flattened
to one cell per line and footnotes as "[1]". This module repairs all of it before the heading tree is
built, so that neither a sentence nor a footnote is cut in two, a footnote stays with the section
citing it, and a table stays a table (a TABLE block: one row a line, cells joined by " | ").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ingest.headings import LEGAL_CONTAINERS, Heading, detect_heading
from ingest.models import Block, BlockKind, Section, SectionPath
from ingest.document_form import (
    AUTHORITY_MARK,
    DISTRIBUTION_LINE,
    ISSUING_BODY_LINE,
    NATIONAL_MOTTO,
    PLACE_DATE_LINE,
    RECIPIENT_LINE,
    SO_HIEU_LINE,
    document_type_of_line,
    is_signature_line,
    starts_with_organisation,
)
from ingest.normalize import normalize_text

_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_FOOTNOTE_BODY = re.compile(r"^(?:⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾|([⁰¹²³⁴⁵⁶⁷⁸⁹]+))\s*(\S.*)$", re.DOTALL)
# A marker follows a word or punctuation; after a unit of length it is a power ("km²", "m³").
_FOOTNOTE_MARKER = re.compile(r"(?<![\s\d])(?<!\bm)(?<!km)(?<!cm)(?<!dm)(?<!mm)(?:⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾|([⁰¹²³⁴⁵⁶⁷⁸⁹]+))")
# Web pages write footnotes as "[1]" after the word and "[1] …" at the end of the page.
_BRACKET_FOOTNOTE_BODY = re.compile(r"^\[(\d{1,3})\]\s*(\S.*)$", re.DOTALL)
_BRACKET_FOOTNOTE_MARKER = re.compile(r"(?<=\S)\[(\d{1,3})\]")
_SENTENCE_END = re.compile(r"[.!?:;…]['\"”’»)*]*$")
_BULLET = re.compile(r"^[-+•–*]\s")
_DISTRIBUTION = DISTRIBUTION_LINE
# Rules drawn under the issuing body and the motto ("-------", "___"): layout, not text.
_DECORATION = re.compile(r"^[-_=~.·•*]{3,}$")
# A heading label alone on its line ("Điều 1.", "I.", "2.1.", "a)"): its title or text is on the next line.
_BARE_LABEL = re.compile(r"^(?:Điều\s+\d+[a-zđ]?|[IVXL]{1,6}|\d{1,2}(?:\.\d{1,2})*|[a-zđ])[.)]:?$")
# A flattened table (web page converted to Markdown): cells one per line between lines holding "|".
_CELL_SEPARATOR = "|"
# A Markdown pipe table row: "| a | b |", and its rule row "|---|:--:|".
_PIPE_ROW = re.compile(r"^\|.*\S.*\|$")
_ROW_NUMBER = re.compile(r"^(?:[IVXL]{1,6}|[A-ZĐ]|[a-zđ]|\d{1,3}(?:\.\d{1,2})*|[-+•])[.)]?$")
_PIPE_RULE = re.compile(r"^\|?(?:\s*:?-{2,}:?\s*\|)+\s*(?::?-{2,}:?\s*)?\|?$")


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
    blocks = [block for raw in raw_paragraphs for block in paragraph_blocks(raw)]
    blocks, footnotes = extract_footnotes(blocks)
    blocks = repair_page_breaks(blocks)
    blocks, closing = extract_closing(blocks)
    blocks = place_footnotes(blocks, footnotes)
    preamble, sections = build_sections(blocks)
    return ReportLayout(preamble=preamble, sections=sections, closing=closing)


def paragraph_blocks(raw: str) -> list[Block]:
    """One raw paragraph (a blank-line separated block of a text file, a Word paragraph, a PDF
    paragraph) as blocks: lines of running text rejoined, and a table kept as one TABLE block.

    A table that only lays out the header or the closing (issuing body beside the motto, "Nơi nhận"
    beside the signature) is not data: its cells become lines in reading order, so that the header
    and closing readers see the same lines whatever the layout.
    """
    text = normalize_text(raw)
    lines = [line for line in text.split("\n") if line]
    table_start, table_end, rows = _find_table(lines)
    if rows is None:
        cells = _layout_row_cells(text)
        if cells is not None:
            return [Block(line) for cell in cells for line in split_wrapped_lines(cell)]
        return [Block(line) for line in split_wrapped_lines(text)]
    blocks = [Block(line) for line in split_wrapped_lines("\n".join(lines[:table_start]))]
    if _is_layout_table(rows):
        blocks.extend(Block(line) for row in rows for cell in row for line in split_wrapped_lines(cell))
    else:
        blocks.append(Block(table_text(rows), BlockKind.TABLE))
    blocks.extend(Block(line) for line in split_wrapped_lines("\n".join(lines[table_end:])))
    return blocks


def table_text(rows: list[list[str]]) -> str:
    """One row a line, cells joined by " | ", each cell's wrapped lines rejoined."""
    return "\n".join(" | ".join(" ".join(split_wrapped_lines(cell)) for cell in row) for row in rows)


def _find_table(lines: list[str]) -> tuple[int, int, list[list[str]] | None]:
    """Where a table sits among a paragraph's lines, and its rows of cells (each cell's text with
    its line breaks); (0, 0, None) when the paragraph holds no table."""
    separators = [i for i, line in enumerate(lines) if line == _CELL_SEPARATOR]
    if len(separators) >= 2:
        start, end = separators[0], separators[-1] + 1
        rows = _flattened_rows(lines[start:end])
        return (start, end, rows) if rows else (0, 0, None)
    pipe_rows = [i for i, line in enumerate(lines) if _PIPE_ROW.match(line) and line.count("|") >= 2]
    if len(pipe_rows) >= 2 and pipe_rows == list(range(pipe_rows[0], pipe_rows[-1] + 1)):
        start, end = pipe_rows[0], pipe_rows[-1] + 1
        rows = [
            [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
            for line in lines[start:end] if not _PIPE_RULE.match(line)
        ]
        # "<br>" is a line break inside a cell (Markdown's, and the .docx reader's); an empty cell is
        # kept so that figures stay under their column.
        rows = [[re.sub(r"<br\s*/?>", "\n", cell.replace("\\|", "|")).strip() for cell in row] for row in rows]
        return start, end, [row for row in rows if any(row)]
    return 0, 0, None


def _flattened_rows(lines: list[str]) -> list[list[str]]:
    """"|" / cell / "|" / cell / "|" / "|" / cell …: one separator between the cells of a row, two
    between rows, and an empty cell shows as one more separator. So two separators end a row when
    it is already as wide as the widest row so far or when the next cell opens a row (a number of
    order: "1", "I", "a", "1.2", "-"); otherwise they hold an empty cell, which is kept so that
    figures stay under their column. Three or more always end a row."""
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    run = 0
    for line in lines:
        if line == _CELL_SEPARATOR:
            if cell:
                row.append("\n".join(cell))
                cell = []
            run += 1
            continue
        if run >= 2 and row:
            width = max((len(r) for r in rows), default=0)
            if run >= 3 or len(row) >= width or _ROW_NUMBER.match(line):
                rows.append(row)
                row = []
            else:
                row.extend([""] * (run - 1))
        run = 0
        cell.append(line)
    if cell:
        row.append("\n".join(cell))
    if row:
        rows.append(row)
    return rows


def _is_layout_cell(cell: str) -> bool:
    first = cell.split("\n", 1)[0].strip()
    return bool(
        NATIONAL_MOTTO.match(first)
        or SO_HIEU_LINE.match(first)
        or PLACE_DATE_LINE.match(" ".join(cell.split()))
        or DISTRIBUTION_LINE.match(first)
        or is_signature_line(first)
        or ISSUING_BODY_LINE.match(first)
    )


def _is_layout_table(rows: list[list[str]]) -> bool:
    return len(rows) <= 3 and any(_is_layout_cell(cell) for row in rows for cell in row)


def _layout_row_cells(text: str) -> list[str] | None:
    """A Word table row flattened to "cell | cell" (readers.read_docx) that lays out the header or
    the closing, as its cells; None for any other paragraph."""
    if " | " not in text or text.startswith("|"):
        return None
    cells = [cell.strip() for cell in text.split(" | ")]
    return cells if any(_is_layout_cell(cell) for cell in cells) else None


def split_wrapped_lines(paragraph: str) -> list[str]:
    """Join lines wrapped inside one paragraph; keep apart lines that are items or headings of their own.

    A line stays separate when it is a bullet or a heading, when the line before it ends a sentence,
    or when it starts a field of the header or the closing. Capitals continue capitals (a title or an
    issuing body wrapped over lines) unless a new signature role, document type or organisation
    starts; a line in capitals is followed by a line of its own when that one is not in capitals
    (the motto's second line, the signer's name). Rules of dashes are dropped.
    """
    result: list[str] = []
    for line in paragraph.split("\n"):
        line = line.strip()
        if not line or _DECORATION.match(line):
            continue
        if result and not _starts_new_line(result[-1], line):
            result[-1] = f"{result[-1]} {line}"
        else:
            result.append(line)
    return result


def _is_capitals(line: str) -> bool:
    return not any(ch.islower() for ch in line)


def _starts_new_line(previous: str, line: str) -> bool:
    if _BARE_LABEL.match(previous):
        return False
    if _BULLET.match(line) and (_SENTENCE_END.search(previous) or not _continues_after_dash(line)):
        return True
    if (
        DISTRIBUTION_LINE.match(line)
        or SO_HIEU_LINE.match(line)
        or RECIPIENT_LINE.match(line)
        or NATIONAL_MOTTO.match(line)
        or NATIONAL_MOTTO.match(previous)
        or (document_type_of_line(line) and not detect_heading(previous))
        or document_type_of_line(previous)
    ):
        return True
    if detect_heading(line):
        return True
    if line[:1].islower():
        return False  # nothing starts in lower case but the rest of a sentence
    if _SENTENCE_END.search(previous):
        return True
    if _is_capitals(previous) and any(ch.isalpha() for ch in previous):
        if not _is_capitals(line):  # the signer's name, or a title written in small letters
            return is_signature_line(previous) or not _is_capitals(line.split()[0])
        return bool(
            (is_signature_line(line) and not AUTHORITY_MARK.fullmatch(previous))
            or (starts_with_organisation(previous) and starts_with_organisation(line))
        )
    return bool(is_signature_line(line) and line.isupper())


def _continues_after_dash(line: str) -> bool:
    """"kinh tế" / "- xã hội của tỉnh": a dash wrapped to the start of a line inside a sentence, not a
    bullet (a bullet after a line that does not end its sentence opens with a capital)."""
    rest = line[2:].lstrip()
    return rest[:1].islower() or rest[:1].isdigit()


def extract_footnotes(blocks: list[Block]) -> tuple[list[Block], dict[str, str]]:
    """Take footnote bodies out of the running text, keyed by their marker ("¹", "[1]").

    Superscript bodies ("¹ …", "⁽¹⁾ …") are footnotes wherever they stand; a bracketed body
    ("[1] …") only when the text cites "[1]" somewhere, so a numbered reference list stays text.
    """
    cited = {f"[{m.group(1)}]" for b in blocks for m in _BRACKET_FOOTNOTE_MARKER.finditer(b.text)}
    kept: list[Block] = []
    footnotes: dict[str, str] = {}
    for block in blocks:
        key = _footnote_key(block) if block.kind is BlockKind.TEXT else None
        if key is not None and key not in footnotes and (not key.startswith("[") or key in cited):
            footnotes[key] = block.text
            continue
        kept.append(block)
    return kept, footnotes


def _footnote_key(block: Block) -> str | None:
    if match := _FOOTNOTE_BODY.match(block.text):
        return str(int((match.group(1) or match.group(2)).translate(_SUPERSCRIPT_DIGITS)))
    if match := _BRACKET_FOOTNOTE_BODY.match(block.text):
        return f"[{int(match.group(1))}]"
    return None


def _marker_keys(text: str) -> list[str]:
    keys = [str(int((m.group(1) or m.group(2)).translate(_SUPERSCRIPT_DIGITS))) for m in _FOOTNOTE_MARKER.finditer(text)]
    keys.extend(f"[{int(m.group(1))}]" for m in _BRACKET_FOOTNOTE_MARKER.finditer(text))
    return keys


def repair_page_breaks(blocks: list[Block]) -> list[Block]:
    """Join a paragraph cut at a page break to its continuation.

    "…; công" + "tác phối hợp…" -> "…; công tác phối hợp…": the first part ends without sentence
    punctuation and the second starts in lower case. A heading is never appended to anything, but a
    long numbered paragraph (heading and content at once) can itself be cut and is joined. Tables
    and footnotes are never joined.
    """
    result: list[Block] = []
    for block in blocks:
        if (
            result
            and block.kind is BlockKind.TEXT
            and result[-1].kind is BlockKind.TEXT
            and _is_continuation(result[-1].text, block.text)
        ):
            result[-1] = Block(f"{result[-1].text} {block.text}")
        else:
            result.append(block)
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


def extract_closing(blocks: list[Block]) -> tuple[list[Block], ClosingBlock]:
    """Remove "Nơi nhận" with its list and the signature block; what follows them is kept (an
    appendix, or the plan that a decision promulgates).

    The signature block is capitals (authority, position) and ends with the signer's name; notes in
    brackets ("(Đã ký)") stay in it. Outside a distribution list it can only start once the body has
    (a heading, or a paragraph of running text) and with an authority mark ("TM.", "KT." …), so that
    neither the header's issuing body nor a decision's "CHỦ TỊCH ỦY BAN NHÂN DÂN …" is taken for it.
    """
    closing = ClosingBlock()
    kept: list[Block] = []
    state = "body"  # body -> distribution -> signature -> body
    in_body = False
    for block in blocks:
        if block.kind is not BlockKind.TEXT:
            state = "body"
            kept.append(block)
            continue
        paragraph = block.text
        heading = detect_heading(paragraph)
        in_body = in_body or heading is not None or len(paragraph) >= 80
        if state != "body" and (
            (heading is not None and heading.kind in ("appendix", "part", "roman")) or document_type_of_line(paragraph)
        ):
            state = "body"
        if state == "body" and _DISTRIBUTION.match(paragraph):
            state = "distribution"
            rest = _DISTRIBUTION.sub("", paragraph).strip(" :")
            if rest:
                closing.distribution.append(rest.lstrip("-+ ").strip())
            continue
        if state == "body" and in_body and AUTHORITY_MARK.match(paragraph) and _is_capitals(paragraph):
            state = "signature"
        if state == "distribution":
            if _BULLET.match(paragraph):
                closing.distribution.append(paragraph[2:].strip())
                continue
            state = "signature"
        if state == "signature":
            if _is_capitals(paragraph) and len(paragraph) < 80 or _is_note(paragraph):
                closing.signature_lines.append(paragraph)
                continue
            if _is_name(paragraph):
                closing.signature_lines.append(paragraph)
                state = "body"
                continue
            state = "body"
        kept.append(block)
    return kept, closing


def _is_note(line: str) -> bool:
    return line.startswith("(") and line.endswith(")") and len(line) < 40


def _is_name(line: str) -> bool:
    """A person's name: a few capitalised words, no digits, no sentence punctuation."""
    words = line.split()
    return (
        0 < len(words) <= 6
        and not any(ch.isdigit() for ch in line)
        and not _SENTENCE_END.search(line)
        and all(word[:1].isupper() for word in words)
    )


def place_footnotes(blocks: list[Block], footnotes: dict[str, str]) -> list[Block]:
    """Put each footnote body right after the block that carries its marker ("²", "[2]").

    A footnote whose marker is nowhere in the text goes to the end, so nothing is lost.
    """
    placed: list[Block] = []
    remaining = dict(footnotes)
    for block in blocks:
        placed.append(block)
        for key in _marker_keys(block.text):
            if key in remaining:
                placed.append(Block(remaining.pop(key), BlockKind.FOOTNOTE))
    placed.extend(Block(text, BlockKind.FOOTNOTE) for text in remaining.values())
    return placed


def build_sections(blocks: list[Block]) -> tuple[list[str], list[Section]]:
    """The heading tree, flattened in reading order; text before the first heading is the preamble.

    Each section keeps its heading as written and its depth, so that the chunker can rebuild the tree
    and pack small siblings under their parent's lead-in.
    """
    preamble: list[str] = []
    sections: list[Section] = []
    open_headings: list[Heading] = []
    awaiting_part_title = False
    for block in blocks:
        heading = detect_heading(block.text) if block.kind is BlockKind.TEXT else None
        if heading is None:
            if awaiting_part_title and block.text.isupper():
                # "Phần thứ nhất" / "ĐÁNH GIÁ KẾT QUẢ …" (or "Chương I" / "QUY ĐỊNH CHUNG") on two lines
                sections[-1].title = block.text
                sections[-1].heading = f"{sections[-1].heading} {block.text}"
                open_headings[-1] = replace(open_headings[-1], title=block.text)  # for `enclosing` below it
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
        sections.append(Section(path=_path_of(open_headings), title=heading.title, heading=block.text.strip(),
                                depth=len(open_headings), enclosing=_enclosing_of(open_headings)))
        if heading.body:
            sections[-1].blocks.append(Block(heading.body))
        awaiting_part_title = heading.has_title_line
    _give_empty_leaves_their_title(sections)
    return preamble, sections


def _give_empty_leaves_their_title(sections: list[Section]) -> None:
    """A numbered item with no text under it ("3. Tiếp tục kiện toàn …") is content in itself."""
    for i, section in enumerate(sections):
        following = sections[i + 1] if i + 1 < len(sections) else None
        has_children = following is not None and following.depth > section.depth
        if not section.blocks and not has_children and section.title:
            section.blocks.append(Block(section.title))


def _path_of(open_headings: list[Heading]) -> SectionPath:
    """Arabic numbers are written in full ("2.1" under "2."), so only the innermost one is kept.

    An "Điều" restarts the path (article numbers are unique in a legal document): điểm d of khoản 2 of
    Điều 150 is "Điều 150.2.d", whatever Phần, Chương or Mục encloses it (those go to `enclosing`).
    """
    start = max((i for i, h in enumerate(open_headings) if h.kind == "article"), default=0)
    headings = open_headings[start:]
    parts: list[str] = []
    innermost_arabic = max((i for i, h in enumerate(headings) if h.kind == "arabic"), default=-1)
    for i, heading in enumerate(headings):
        if heading.kind == "arabic" and i != innermost_arabic:
            continue
        parts.extend(heading.label.split(".") if heading.kind != "article" else [heading.label])
    return SectionPath(tuple(parts))


def _enclosing_of(open_headings: list[Heading]) -> tuple[str, ...]:
    """Labels of the legal levels around a section inside an article that its path leaves out:
    Phần, Chương and Mục, and the Điều itself for its khoản and điểm. Empty outside articles."""
    article = max((i for i, h in enumerate(open_headings) if h.kind == "article"), default=-1)
    if article < 0:
        return ()
    labels = []
    for i, heading in enumerate(open_headings[:-1]):
        if heading.kind in LEGAL_CONTAINERS or i == article:
            title = heading.title
            labels.append(f"{heading.label} — {title}" if title else heading.label)
    return tuple(labels)
