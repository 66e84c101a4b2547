"""Recognising the headings of Vietnamese administrative reports and legal documents.

Report levels, from the outermost: "Phần thứ nhất" (part), "I." … "V." and "PHỤ LỤC" (Roman /
appendix), "1.", "2.1", "2.1.", "2.4.1." (Arabic, as deep as written), "a)" / "a." (letter).
Legal levels (Luật ban hành văn bản quy phạm pháp luật: Phần, Chương, Mục, Điều, khoản, điểm):
"Phần thứ nhất" / "Phần I", "Chương I" / "Chương 1", "Mục 1", "Điều 150." / "Điều 150:", then the
khoản "1." and the điểm "a)" that reports use too. Bullets "-" and "+" are list items, not headings.

A heading's `rank` is its nesting depth: it closes every open heading of the same or a deeper rank.
The legal ranks lie between the Roman numerals and the Arabic numbers, so a report's headings nest
exactly as before and an "Điều" holds its khoản and điểm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ORDINALS = {
    "nhất": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7,
    "tám": 8, "chín": 9, "mười": 10,
}
_ROMAN_NUMERAL = re.compile(r"^(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$", re.IGNORECASE)
_PART = re.compile(r"^phần\s+(?:thứ\s+)?([^\s.:]+)[.:]?(?:\s*[:.\-–]\s*|\s+)?(.*)$", re.IGNORECASE)
_APPENDIX = re.compile(r"^(PHỤ LỤC|Phụ lục)\b[\s.:]*(.*)$")
_ROMAN = re.compile(r"^(X{0,3}(?:IX|IV|V?I{0,3}))\.\s+(\S.*)$")
# "1. Title" needs the dot; "2.1 Title" and "2.1. Title" do not. Components of 1-2 digits keep
# "2.000 hộ" and "1.119,12 km²" (numbers with thousands dots) from being read as headings.
_ARABIC = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?\s+(\S.*)$|^(\d{1,2})\.\s+(\S.*)$")
_LETTER = re.compile(r"^([a-zđ])[).]\s+(\S.*)$")
_TITLE_START = re.compile(r"^[\"“«(*]?[A-ZĐÀ-Ỹ\u00c0-\u1ef9]")
# Legal headings. "Điều 150." / "Điều 150:" need the punctuation after the number, so running text
# that starts with "Điều 5 của Luật …" stays text; "Chương"/"Mục" need a numeral and a short line.
_CHAPTER = re.compile(r"^(chương)\s+([IVXLC]+|\d{1,3})\b[.:]?\s*(.*)$", re.IGNORECASE)
_LEGAL_SECTION = re.compile(r"^(mục)\s+([IVXLC]+|\d{1,3})\b[.:]?\s*(.*)$", re.IGNORECASE)
_ARTICLE = re.compile(r"^(điều)\s+(\d{1,4}[a-zđ]?)\s*[.:]\s*(.*)$", re.IGNORECASE)
# Emphasis that web-converted text leaves around a heading ("**Điều 1.**", "**Điều 1. **Ban hành …").
_EMPHASIS = re.compile(r"\*+|_{2,}")
# An enumeration item: a bullet, a letter ("a)", "đ.") or a number ("1.", "2)") opening a line.
ENUMERATION_ITEM = re.compile(r"^(?:[-+•–*]\s|[a-zđ][).]\s|\d{1,2}[.)]\s)")

TITLE_MAX_CHARS = 160
LEGAL_TITLE_MAX_CHARS = 200

# Ranks. Gaps leave room for the legal levels; report headings keep their relative order.
RANK_PART = 0
RANK_TOP = 10  # Roman numerals, appendices, chapters
RANK_LEGAL_SECTION = 11
RANK_ARTICLE = 12
RANK_ARABIC = 20  # plus one per dot: "2.1" is 21
RANK_LETTER = 40

LEGAL_CONTAINERS = ("part", "chapter", "legal_section")


@dataclass(frozen=True)
class Heading:
    kind: str  # "part" | "appendix" | "roman" | "arabic" | "letter" | "chapter" | "legal_section" | "article"
    label: str  # path component: "P1", "PL", "III", "2.1", "b", "Chương II", "Mục 1", "Điều 150"
    title: str
    rank: int  # nesting depth: a heading closes every open heading of the same or a deeper rank
    body: str = ""  # the rest of a numbered paragraph that is both a heading and content

    @property
    def has_title_line(self) -> bool:
        """"Phần thứ nhất" / "Chương I" / "Mục 2" alone on a line: the title is the next (capitalised) line."""
        return self.kind in ("part", "chapter", "legal_section") and not self.title


def is_enumeration_item(line: str) -> bool:
    """True when a line opens with a list marker: "- ", "+ ", "a) ", "đ. ", "1. ", "2) "."""
    return bool(ENUMERATION_ITEM.match(line))


def roman_value(numeral: str) -> int | None:
    """"XVI" -> 16; None when `numeral` is not a Roman numeral."""
    if not _ROMAN_NUMERAL.match(numeral):
        return None
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    digits = [values[c] for c in numeral.upper()]
    return sum(-d if i + 1 < len(digits) and d < digits[i + 1] else d for i, d in enumerate(digits))


def detect_heading(paragraph: str) -> Heading | None:
    """The heading a paragraph opens with, or None for running text."""
    text = paragraph.strip()
    if not text:
        return None
    if match := _PART.match(text):
        number = _part_number(match.group(1))
        if number is not None and len(text) < 120:
            return Heading("part", f"P{number}", match.group(2).strip(), rank=RANK_PART)
    if match := _APPENDIX.match(text):
        if len(text) < 200:
            return Heading("appendix", "PL", text, rank=RANK_TOP)
    if (match := _ROMAN.match(text)) and match.group(1):
        return _numbered("roman", match.group(1), match.group(2), rank=RANK_TOP)
    if match := _ARABIC.match(text):
        number = match.group(1) or match.group(3)
        rest = match.group(2) or match.group(4)
        if _TITLE_START.match(rest):
            return _numbered("arabic", number, rest, rank=RANK_ARABIC + number.count(".") + 1)
    if match := _LETTER.match(text):
        if _TITLE_START.match(match.group(2)):
            return _numbered("letter", match.group(1), match.group(2), rank=RANK_LETTER)
    return _legal_heading(text)


def _part_number(word: str) -> int | None:
    """"nhất"/"hai"… (ordinal words), "I"/"II"… (Roman) or "1"/"2"… as the number of a Phần."""
    if word.isdigit():
        return int(word)
    if word.isupper() or word.lower() in ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii"):
        return _ORDINALS.get(word.lower()) or roman_value(word)
    return _ORDINALS.get(word.lower())


def _legal_heading(text: str) -> Heading | None:
    """Chương, Mục and Điều, as printed or with the emphasis markers of a web page around them."""
    plain = _EMPHASIS.sub("", text).strip() if "*" in text or "__" in text else text
    if match := _ARTICLE.match(plain):
        label = f"Điều {match.group(2)}"
        rest = match.group(3).strip()
        if not rest:
            return Heading("article", label, "", rank=RANK_ARTICLE)
        return _numbered("article", label, rest, rank=RANK_ARTICLE, title_max=LEGAL_TITLE_MAX_CHARS)
    for pattern, kind, word, rank in ((_CHAPTER, "chapter", "Chương", RANK_TOP),
                                      (_LEGAL_SECTION, "legal_section", "Mục", RANK_LEGAL_SECTION)):
        match = pattern.match(plain)
        if not match or len(plain) > 160:
            continue
        numeral = match.group(2)
        if not numeral.isdigit() and (not numeral.isupper() or roman_value(numeral) is None):
            continue
        title = match.group(3).strip(" .:-–")
        if title and not _TITLE_START.match(title):  # "Mục tiêu …", "Chương trình …" never get here
            continue
        return Heading(kind, f"{word} {numeral.upper()}", title, rank=rank)
    return None


def _numbered(kind: str, label: str, rest: str, rank: int, title_max: int = TITLE_MAX_CHARS) -> Heading:
    """A numbered paragraph is a heading; when it runs on past a title, the rest is also content."""
    rest = rest.strip()
    if len(rest) <= title_max:
        return Heading(kind, label, rest.rstrip(" .:"), rank)
    cut = _title_cut(rest, title_max)
    return Heading(kind, label, rest[:cut].rstrip(" .:;,"), rank, body=rest)


def _title_cut(text: str, title_max: int = TITLE_MAX_CHARS) -> int:
    """End of the first sentence or clause within `title_max`, else the last word boundary."""
    for mark in (". ", ": ", "; "):
        index = text.find(mark, 20, title_max)
        if index > 0:
            return index
    space = text.rfind(" ", 0, title_max)
    return space if space > 0 else title_max
