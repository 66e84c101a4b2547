"""Unicode and whitespace normalisation of Vietnamese text.

Reports reach us from Word, PDF and plain text made on many machines, so the same word arrives
in several byte forms: precomposed or combining diacritics (NFC vs NFD) and two tone-mark
conventions ("hoà"/"hòa", "thuỷ"/"thủy"). Everything downstream (search, citations, the
evaluation's verbatim checks) compares strings, so every text is brought to one form here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng (NFD)

# In an open syllable ending in "oa", "oe" or "uy" the tone mark sits on the first vowel in the
# convention most of the corpus (and most users) write: "hòa", "khỏe", "thủy", "ủy". "qu" is a
# consonant cluster, so "quý" keeps its mark on "y"; a following letter (final consonant or a
# third vowel, as in "hoàng", "khuya") means the syllable is not open and is left alone.
_OLD_STYLE_TONE = re.compile(
    rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONE_MARKS}])(?![^\W\d_]|[\u0300-\u036f])"
)

# A tone mark on the glide before a vowel with a hat, breve or horn ("lụât", "thụât") belongs on
# that vowel ("luật", "thuật"): converted text from old fonts often misplaces it.
_MISPLACED_TONE = re.compile(rf"([uUoOiIyY])([{_TONE_MARKS}])([aAeEoOuU][\u0302\u0306\u031b])")

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Markdown emphasis around a phrase (reports exported to .md or pasted from Word carry it).
_EMPHASIS = re.compile(r"(\*{1,3}|_{2})(?=\S)(.+?)(?<=\S)\1")
# Web pages converted to Markdown leave emphasis markers that pair across lines or around spaces
# ("**ỦY BAN NHÂN DÂN\n**", "*1.1. *Quán triệt", "** **"): every run of asterisks is a marker
# except a list bullet at the start of a line ("* item"), a multiplication sign between spaces
# ("b/a * 100%") and the note mark "(*)".
_ASTERISKS = re.compile(r"\*+")


def _tone_fix_candidates() -> re.Pattern[str]:
    """What the two tone fixes above could change, as it looks in NFC text: a plain "o"/"u" before a
    vowel carrying a tone mark, or a vowel carrying a tone mark before a vowel with a hat, breve or
    horn. Text in NFC without either is left as it is by the NFD round trip, so it can be skipped.

    A letter followed by a combining mark (one with no precomposed form stays apart in NFC) counts as
    a candidate whatever the mark, which keeps the test a superset of the two fixes."""
    decomposed = [(chr(code), unicodedata.normalize("NFD", chr(code))) for code in range(0x41, 0x1F00)]

    def letters(test) -> str:
        return "".join(char for char, parts in decomposed if test(parts))

    def based(bases: str) -> str:
        return f"[{letters(lambda p: p[0] in bases)}][\u0300-\u036f]"

    toned_second = letters(lambda p: len(p) > 1 and p[0] in "aAeEyY" and p[1] in _TONE_MARKS)
    toned_glide = letters(lambda p: len(p) > 1 and p[0] in "uUoOiIyY" and p[1] in _TONE_MARKS)
    hatted = letters(lambda p: len(p) > 1 and p[0] in "aAeEoOuU" and p[1] in "\u0302\u0306\u031b")
    return re.compile(f"(?<![qQ])[oOuU](?:[{toned_second}](?![^\\W\\d_]|[\u0300-\u036f])|{based('aAeEyY')})"
                      f"|(?:[{toned_glide}]|{based('uUoOiIyY')})(?:[{hatted}]|{based('aAeEoOuU')})")


_TONE_FIX_CANDIDATE = _tone_fix_candidates()
_ODD_SPACE = re.compile(r"[^\S \n]")  # whitespace other than a space or a line break


def _untidy_space(text: str) -> bool:
    """Whether the line tidying of `normalize_text` could change `text`: a run of spaces, another
    space character, or a space at the start or end of a line."""
    return ("  " in text or " \n" in text or "\n " in text or text[:1] == " " or text[-1:] == " "
            or _ODD_SPACE.search(text) is not None)


def normalize_text(text: str) -> str:
    """NFC, one tone-mark convention, no invisible characters, single spaces, no emphasis marks.

    Line breaks are kept: paragraph structure is decided later. Each step runs only when a cheap
    test says it could change the text: most text reaching here (chunks being indexed, passages
    being answered from) is already normalised, and this runs on every one of them.
    """
    if not unicodedata.is_normalized("NFC", text) or _TONE_FIX_CANDIDATE.search(text):
        text = unicodedata.normalize("NFD", text)
        text = _MISPLACED_TONE.sub(r"\1\3\2", text)
        text = _OLD_STYLE_TONE.sub(r"\1\3\2", text)
        text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "*" in text or "__" in text:
        text = _EMPHASIS.sub(r"\2", text)
        text = _ASTERISKS.sub(_drop_emphasis_marker, text)
    if _untidy_space(text):
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return text


def _drop_emphasis_marker(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else "\n"
    after = text[end] if end < len(text) else "\n"
    if match.group() == "*":
        if before == "(" and after == ")":
            return "*"
        rest = text[end:].lstrip(" \t")
        if before.isspace() and after in " \t" and rest[:1] not in ("", "*", "\n"):
            return "*"
    return ""


class _MarkFreeTable(dict):
    """A `str.translate` table, filled on first sight of each character: a letter maps to itself
    without its marks (its NFD decomposition less the combining characters), a combining mark to
    nothing, đ/Đ to d/D. The same result as decomposing the whole text, character by character, which
    is what makes it exact (canonical reordering only moves marks that are dropped anyway)."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        if unicodedata.combining(char):
            value = None
        else:
            value = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
            value = {"đ": "d", "Đ": "D"}.get(value, value)
        self[code] = value
        return value


_MARK_FREE = _MarkFreeTable()


def remove_marks(text: str) -> str:
    """Diacritics removed, case kept: "Hội đồng" -> "Hoi dong", "HĐND" -> "HDND".

    Abbreviations are matched this way, where case tells "HĐND" from a word. The most called text
    primitive (every question, every chunk tokenised), hence a cached translation table.
    """
    return text.translate(_MARK_FREE)


def strip_diacritics(text: str) -> str:
    """"Quy Nhơn tiếp nhận" -> "quy nhon tiep nhan": how users type without a Vietnamese keyboard."""
    return remove_marks(text.lower())


# Punctuation that belongs to a figure or a code ("2.015", "99,5%", "30/2020/NĐ-CP") and stays in
# the folded form; every other non-word character is a word boundary there.
_FOLD_BOUNDARY = re.compile(r"[^\w/%,.-]+")


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """The one form in which user input and report text are compared: `normalize_text`, lower case,
    no diacritics, punctuation other than that of figures and codes turned into spaces, single spaces.

    "Quy Nhơn (Bình Định)" -> "quy nhon binh dinh"; "99,5%" stays "99,5%". Cached: answering folds the
    same sentences and names question after question.
    """
    return " ".join(_FOLD_BOUNDARY.sub(" ", strip_diacritics(normalize_text(text))).split())


def casefold_text(text: str) -> str:
    """`normalize_text`, case folded, single spaces, diacritics kept: the equality a reader accepts
    between a written fact and an answer ("Hoà Bình" = "hòa bình", but "hộ" is not "hồ")."""
    return " ".join(normalize_text(text).casefold().split())


def has_diacritics(text: str) -> bool:
    """Whether `text` was typed with Vietnamese diacritics (so it can be matched with them)."""
    return strip_diacritics(text) != text.lower()
