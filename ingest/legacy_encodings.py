"""Vietnamese text in the pre-Unicode encodings: TCVN3 (ABC, `.VnTime` fonts) and VNI (`VNI-Times`).

Before Unicode, Vietnamese offices typed with fonts whose glyphs sit on the code points of Western
letters: in TCVN3 the byte 0xB8 draws "á", so "Báo cáo" is stored as "B¸o c¸o"; VNI writes a base
letter followed by a mark, "Báo cáo" as "Baùo caùo". Word keeps those characters (the Windows-1252
reading of the bytes) with the font's name on each run, and a .txt saved from such a document holds
the bytes themselves. Both are converted here to Unicode.

The tables are generated from the alphabet (12 vowels x 6 tones, plus đ) and each encoding's layout.
TCVN3 (TCVN 5712:1993, the VN3 set the `.Vn*` fonts use) has lower-case toned letters only: capital
headings were typed with the `…H` fonts (`.VnTimeH`), which draw the same codes as capitals, so the
font says when to upper-case. A .txt file has no font: a word whose other letters are capitals (or
that stands among capital words) is a capital word.

Detection of a .txt file's encoding (`decode_legacy_text`). A wrong guess must never turn a good
file into mojibake, so Unicode text is recognised first and never converted: a text holding
Vietnamese letters beyond Latin-1 (ơ, ư, đ, ạ …) is Unicode. Otherwise each candidate decoding
(TCVN3, VNI, Windows-1258) is scored by the share of its words with Vietnamese letters that are
Vietnamese syllables (the ~7,200 syllables of pyvi's word list, the gazetteer's source too); one is
chosen only when it reads as Vietnamese and clearly better than the others. When unsure, the caller
refuses the file with the reason, as before. False positives are measured on the Unicode corpora by
tests/test_real_world_files.py and benchmarks/ocr_accuracy.py --encodings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# The alphabet: vowels and, for each, its five toned forms in the order huyền, hỏi, ngã, sắc, nặng.
_TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def toned(vowel: str, tone: int) -> str:
    """`vowel` with tone 0 (none) .. 5 (huyền, hỏi, ngã, sắc, nặng), precomposed."""
    return vowel if tone == 0 else unicodedata.normalize("NFC", vowel + _TONES[tone - 1])


# --- TCVN3 -------------------------------------------------------------------------------------------

# VN3 codes of the toned lower-case vowels, vowel by vowel, in _TONES order (checked against glibc's
# TCVN5712-1 codec by the tests: VN1 adds capitals in the gaps, the `.Vn*` fonts do not have them).
_TCVN3_TONED = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9), "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB), "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6), "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4), "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE), "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9), "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_BASE = dict(zip(range(0xA1, 0xAF), "ĂÂÊÔƠƯĐăâêôơưđ"))


@lru_cache(maxsize=1)
def tcvn3_table() -> dict[str, str]:
    """Character (the Latin-1 reading of a TCVN3 byte) -> Unicode letter."""
    table = {chr(code): letter for code, letter in _TCVN3_BASE.items()}
    for vowel, codes in _TCVN3_TONED.items():
        for tone, code in enumerate(codes, start=1):
            table[chr(code)] = toned(vowel, tone)
    return table


# --- VNI ----------------------------------------------------------------------------------------------

# VNI marks after a base letter (lower case; the capital forms are the same letters upper-cased).
_VNI_TONE_MARKS = ("ø", "û", "õ", "ù", "ï")  # huyền, hỏi, ngã, sắc, nặng
_VNI_HAT_TONES = ("à", "å", "ã", "á", "ä")  # after a/e/o: â ê ô with a tone ("aá" = ấ)
_VNI_BREVE_TONES = ("è", "ú", "ü", "é", "ë")  # after a: ă with a tone ("aé" = ắ)
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ"}  # one character for ơ, ư, đ
_VNI_I = ("ì", "æ", "ó", "í", "ò")  # i with a tone is one character
_VNI_Y_NANG = "î"  # ỵ


@lru_cache(maxsize=1)
def vni_table() -> dict[str, str]:
    """VNI sequence (one or two characters, as Windows-1252 reads the bytes) -> Unicode letter."""
    table: dict[str, str] = {}

    def add(sequence: str, letter: str) -> None:
        table[sequence] = letter
        table[sequence.upper()] = letter.upper()
        table.setdefault(sequence[0].upper() + sequence[1:], letter.upper())  # "OÂng" or "Oâng"

    for single, letter in _VNI_SINGLE.items():
        add(single, letter)
    for tone, mark in enumerate(_VNI_I, start=1):
        add(mark, toned("i", tone))
    add(_VNI_Y_NANG, toned("y", 5))
    for base in "aeouy":
        for tone, mark in enumerate(_VNI_TONE_MARKS, start=1):
            if not (base == "y" and tone == 5):
                add(base + mark, toned(base, tone))
    for base, hatted in (("a", "â"), ("e", "ê"), ("o", "ô")):
        add(base + "â", hatted)
        for tone, mark in enumerate(_VNI_HAT_TONES, start=1):
            add(base + mark, toned(hatted, tone))
    add("aê", "ă")
    for tone, mark in enumerate(_VNI_BREVE_TONES, start=1):
        add("a" + mark, toned("ă", tone))
    for horn, letter in (("ô", "ơ"), ("ö", "ư")):
        for tone, mark in enumerate(_VNI_TONE_MARKS, start=1):
            add(horn + mark, toned(letter, tone))
    return table


# --- decoding ----------------------------------------------------------------------------------------

_WORD = re.compile(r"\S+")


def decode_tcvn3(text: str, capitals: bool = False) -> str:
    """TCVN3 characters (as Word stores a `.VnTime` run) -> Unicode; `capitals` for the `…H` fonts."""
    table = tcvn3_table()
    decoded = "".join(table.get(ch, ch) for ch in text)
    return decoded.upper() if capitals else decoded


def decode_vni(text: str) -> str:
    """VNI characters (as Word stores a `VNI-Times` run) -> Unicode: longest sequence first."""
    table = vni_table()
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
            continue
        out.append(table.get(text[i], text[i]))
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


def font_encoding(font_name: str | None) -> str | None:
    """"tcvn3", "tcvn3-capitals" or "vni" for a legacy Vietnamese font name, else None.

    TCVN3 fonts are named ".VnTime", ".VnArial", ".VnTimeH" (capitals: the name ends in "H");
    VNI fonts "VNI-Times", "VNI-Helve", "VNI Times".
    """
    if not font_name:
        return None
    name = font_name.strip()
    if name.lower().startswith(".vn"):
        return "tcvn3-capitals" if name.endswith("H") else "tcvn3"
    if re.match(r"(?i)^vni[-\s]", name):
        return "vni"
    return None


def decode_run(text: str, encoding: str | None) -> str:
    """One run of a Word document in the encoding its font says (see `font_encoding`)."""
    if encoding == "tcvn3":
        return decode_tcvn3(text)
    if encoding == "tcvn3-capitals":
        return decode_tcvn3(text, capitals=True)
    if encoding == "vni":
        return decode_vni(text)
    return text


def restore_capital_words(text: str) -> str:
    """Upper-case the words that a TCVN3 .txt could only store in lower case ("B¸O" -> "BÁO").

    A word is a capital word when it has no lower-case ASCII letter and at least two capitals, or
    one capital with both neighbouring words capital words ("VÒ" between "BÁO" and "VIỆC")."""
    lines = []
    for line in text.split("\n"):
        words = line.split(" ")
        capital = [_capital_word(word) for word in words]
        for i, word in enumerate(words):
            if capital[i] is True or (capital[i] is None and 0 < i < len(words) - 1
                                      and capital[i - 1] is True and capital[i + 1] is True):
                words[i] = word.upper()
        lines.append(" ".join(words))
    return "\n".join(lines)


def _capital_word(word: str) -> bool | None:
    """True: a capital word; None: one capital and the rest toned letters (undecided); False: not."""
    letters = [ch for ch in word if ch.isalpha()]
    if not letters or any(ch.islower() and ch.isascii() for ch in letters):
        return False
    upper = sum(ch.isupper() for ch in letters)
    lower = [ch for ch in letters if ch.islower()]
    if any(strip_tone(ch) in "ăâêôơưđ" and strip_tone(ch) == ch for ch in lower):
        return False  # an untoned lower-case letter of its own: written in lower case
    if upper >= 2:
        return True
    return None if upper == 1 and lower else upper >= 1


def strip_tone(letter: str) -> str:
    decomposed = unicodedata.normalize("NFD", letter)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))


def encode_tcvn3(text: str) -> str:
    """Unicode -> TCVN3 characters, as a `.VnTime` document holds them (capitals with a tone become
    the lower-case code: VN3 has none; the `…H` fonts draw them as capitals). For fixtures and tests."""
    inverse = {letter: code for code, letter in tcvn3_table().items()}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        out.append(inverse.get(ch) or inverse.get(ch.lower(), ch) if not ch.isascii() else ch)
    return "".join(out)


def encode_vni(text: str) -> str:
    """Unicode -> VNI characters, as a `VNI-Times` document holds them. For fixtures and tests."""
    inverse: dict[str, str] = {}
    for sequence, letter in vni_table().items():
        if sequence == sequence.lower() or sequence == sequence.upper():
            inverse.setdefault(letter, sequence)
    return "".join(inverse.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


# --- detection in .txt ---------------------------------------------------------------------------------

_BEYOND_LATIN1 = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9]")
_LATIN1_LETTERS = re.compile("[\u00c0-\u00ff]")
MIN_WORDS = 20
"""Fewer words with accented letters than this are too few to tell an encoding from noise."""
MIN_SYLLABLE_SHARE = 0.9
MIN_MARGIN = 0.25


@dataclass(frozen=True)
class EncodingGuess:
    """What `decode_legacy_text` found: the encoding and text, or None and why not."""

    encoding: str | None  # "unicode", "tcvn3", "vni", "cp1258", or None when unsure
    text: str | None
    reason: str = ""
    scores: tuple[tuple[str, float], ...] = ()


def decode_legacy_text(data: bytes) -> EncodingGuess:
    """A text file's content as Unicode, from UTF-8 or one of the legacy encodings, or None when unsure.

    UTF-8 text with Vietnamese letters beyond Latin-1 is Unicode and returned unchanged. UTF-8 text
    without them may be a legacy text that was saved as UTF-8 (the characters of "B¸o c¸o"), and
    bytes that are not UTF-8 may be the legacy bytes themselves: both are scored.
    """
    try:
        text: str | None = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is not None and (_BEYOND_LATIN1.search(text) or not _LATIN1_LETTERS.search(text)):
        return EncodingGuess("unicode", text)
    candidates: dict[str, str] = {}
    if text is not None:
        candidates["tcvn3"] = restore_capital_words(decode_tcvn3(text))
        candidates["vni"] = decode_vni(text)
        candidates["unicode"] = text
    else:
        latin = windows_characters(data)
        candidates["tcvn3"] = restore_capital_words(decode_tcvn3(latin))
        candidates["vni"] = decode_vni(latin)
        candidates["cp1258"] = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    scored = sorted(((name, *syllable_share(value)) for name, value in candidates.items()),
                    key=lambda item: item[1], reverse=True)
    scores = tuple((name, round(share, 3)) for name, share, _ in scored)
    best, share, words = scored[0]
    runner_up = scored[1][1] if len(scored) > 1 else 0.0
    if words < MIN_WORDS:
        return EncodingGuess(None, None, "quá ít chữ có dấu để nhận ra bảng mã", scores)
    if share < MIN_SYLLABLE_SHARE or share - runner_up < MIN_MARGIN:
        return EncodingGuess(None, None, "không nhận ra chắc chắn bảng mã (TCVN3, VNI hay Windows-1258)", scores)
    return EncodingGuess(best, candidates[best], scores=scores)


def windows_characters(data: bytes) -> str:
    """Bytes as Windows shows them (cp1252), the five bytes cp1252 leaves undefined as Latin-1: the
    characters a legacy font's document holds (quotes typed in a `.VnTime` font are cp1252's)."""
    return "".join(data[i:i + 1].decode("cp1252", errors="strict") if data[i] not in _CP1252_UNDEFINED
                   else chr(data[i]) for i in range(len(data)))


_CP1252_UNDEFINED = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))


def syllable_share(text: str) -> tuple[float, int]:
    """Share of the words with non-ASCII letters that are Vietnamese syllables, and how many there were."""
    from ingest.normalize import normalize_text

    inventory = vietnamese_syllables()
    words = [w.strip(".,;:!?()[]\"'“”‘’…-–/%*") for w in _WORD.findall(text)]
    accented = [w for w in words if w and not w.isascii()]
    if not accented:
        return 0.0, 0
    good = sum(1 for w in accented if normalize_text(w.lower()) in inventory)
    return good / len(accented), len(accented)


@lru_cache(maxsize=1)
def vietnamese_syllables() -> frozenset[str]:
    """Every syllable of pyvi's Vietnamese word list, lower case, in the project's tone convention."""
    import importlib.util
    from pathlib import Path

    from ingest.normalize import normalize_text

    spec = importlib.util.find_spec("pyvi")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the legacy-encoding detector needs the package 'pyvi' (pip install pyvi)")
    words = Path(next(iter(spec.submodule_search_locations)), "models", "words.txt").read_text(encoding="utf-8")
    syllables = {normalize_text(s.lower()) for s in words.split()}
    return frozenset(s for s in syllables if s.isalpha())
