"""Recognising the headings of Vietnamese administrative reports.

Levels, from the outermost: "Phần thứ nhất" (part), "I." … "V." and "PHỤ LỤC" (Roman / appendix),
"1.", "2.1", "2.1.", "2.4.1." (Arabic, as deep as written), "a)" / "a." (letter). Bullets "-" and "+"
are list items, not headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ORDINALS = {
    "nhất": 1, "một": 1, "i": 1, "hai": 2, "ii": 2, "ba": 3, "iii": 3, "tư": 4, "bốn": 4, "iv": 4,
    "năm": 5, "v": 5, "sáu": 6, "vi": 6, "bảy": 7, "vii": 7, "tám": 8, "viii": 8,
}
_PART = re.compile(r"^phần\s+(?:thứ\s+)?([^\s.:]+)[.:]?(?:\s*[:.\-–]\s*|\s+)?(.*)$", re.IGNORECASE)
_APPENDIX = re.compile(r"^(PHỤ LỤC|Phụ lục)\b[\s.:]*(.*)$")
_ROMAN = re.compile(r"^(X{0,3}(?:IX|IV|V?I{0,3}))\.\s+(\S.*)$")
# "1. Title" needs the dot; "2.1 Title" and "2.1. Title" do not. Components of 1-2 digits keep
# "2.000 hộ" and "1.119,12 km²" (numbers with thousands dots) from being read as headings.
_ARABIC = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?\s+(\S.*)$|^(\d{1,2})\.\s+(\S.*)$")
_LETTER = re.compile(r"^([a-zđ])[).]\s+(\S.*)$")
_TITLE_START = re.compile(r"^[\"“«(*]?[A-ZĐÀ-Ỹ\u00c0-\u1ef9]")

TITLE_MAX_CHARS = 160


@dataclass(frozen=True)
class Heading:
    kind: str  # "part" | "appendix" | "roman" | "arabic" | "letter"
    label: str  # path component: "P1", "PL", "III", "2.1", "b"
    title: str
    rank: int  # nesting depth: a heading closes every open heading of the same or a deeper rank
    body: str = ""  # the rest of a numbered paragraph that is both a heading and content

    @property
    def has_title_line(self) -> bool:
        return self.kind == "part" and not self.title


def detect_heading(paragraph: str) -> Heading | None:
    """The heading a paragraph opens with, or None for running text."""
    text = paragraph.strip()
    if not text:
        return None
    if match := _PART.match(text):
        number = _ORDINALS.get(match.group(1).lower())
        if number is not None and len(text) < 120:
            return Heading("part", f"P{number}", match.group(2).strip(), rank=0)
    if match := _APPENDIX.match(text):
        if len(text) < 200:
            return Heading("appendix", "PL", text, rank=1)
    if (match := _ROMAN.match(text)) and match.group(1):
        return _numbered("roman", match.group(1), match.group(2), rank=1)
    if match := _ARABIC.match(text):
        number = match.group(1) or match.group(3)
        rest = match.group(2) or match.group(4)
        if _TITLE_START.match(rest):
            return _numbered("arabic", number, rest, rank=1 + number.count(".") + 1)
    if match := _LETTER.match(text):
        if _TITLE_START.match(match.group(2)):
            return _numbered("letter", match.group(1), match.group(2), rank=20)
    return None


def _numbered(kind: str, label: str, rest: str, rank: int) -> Heading:
    """A numbered paragraph is a heading; when it runs on past a title, the rest is also content."""
    rest = rest.strip()
    if len(rest) <= TITLE_MAX_CHARS:
        return Heading(kind, label, rest.rstrip(" .:"), rank)
    cut = _title_cut(rest)
    return Heading(kind, label, rest[:cut].rstrip(" .:;,"), rank, body=rest)


def _title_cut(text: str) -> int:
    """End of the first sentence or clause within TITLE_MAX_CHARS, else the last word boundary."""
    for mark in (". ", ": ", "; "):
        index = text.find(mark, 20, TITLE_MAX_CHARS)
        if index > 0:
            return index
    space = text.rfind(" ", 0, TITLE_MAX_CHARS)
    return space if space > 0 else TITLE_MAX_CHARS
