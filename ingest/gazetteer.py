"""Vietnamese administrative units from the field's own data: the 63 former provinces with their
districts and communes, the 34 provinces and 3,321 communes of the 1 July 2025 reorganisation, and
which former unit became which current one.

Why a gazetteer: reports name places with or without their level word ("thành phố Quy Nhơn",
"Quy Nhơn, ngày 17 tháng 6"), users type them without diacritics ("cam pha nam 2020"), and since
2025 the names in older reports (huyện Bình Sơn, thành phố Hạ Long) no longer exist as units. A
document keeps the name it was written with and gains the level, the province of the time and
the current province; a question can name a real place that no report covers, and the answerer
must be able to say so instead of answering with another place's figures.

The data source, chosen by measuring both candidates (`benchmarks/gazetteer_choice.py` prints the numbers):
- `vietnamadminunits` (PyPI, MIT) ships one SQLite file with both the 63-province table (63
  provinces, 696 districts, 10,035 communes, wards and towns) and the 34-province table (34
  provinces, 3,321 communes, wards and special zones), plus the commune-level mapping from the
  former units to the current ones. It covers everything asked (Quy Nhơn -> Bình Định, now Gia
  Lai; Hạ Long and Cẩm Phả -> Quảng Ninh; Bình Sơn -> Quảng Ngãi; xã Tịnh An; phường Quảng Minh).
- `vietnam-provinces` ships only the 2025 units (34 provinces, 3,321 communes, identical (commune, province)
  names in the comparison, one dash aside), nothing of the former units nor any mapping, so it
  adds nothing here and is not a dependency.
The package's own parser is not used: importing it loads 3.6 MB of JSON, compiles hundreds of
regexes and pulls geopy; it parses comma-separated addresses, not running text. We read its data
files directly (offline, no import of the package), which takes a fraction of the time.

"Ordinary word sequences" (so that "xã hội" is not xã Hội and "hài lòng" is not Hạ Long in text
typed without capitals or diacritics) come from the Vietnamese word list that `pyvi` ships
(`pyvi/models/words.txt`, ~31,000 entries, ~25,000 of several syllables), read as a file too.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.abbreviations import ABBREVIATIONS
from ingest.lexicon import compound_words, package_dir
from ingest.normalize import normalize_text, strip_diacritics

# The levels a unit below the province can have: the district level of the former system (thành
# phố, thị xã, huyện, quận), the commune level (phường, xã, thị trấn) and the 2025 special zone
# (đặc khu). Exactly the level words of the package data (a test holds the two together). Longer
# words first, so that an alternation tries "thị xã" before "xã".
LOCALITY_LEVELS: tuple[str, ...] = ("thành phố", "thị xã", "thị trấn", "đặc khu", "huyện", "quận", "phường", "xã")
# A province is a "tỉnh" or a centrally governed "thành phố".
PROVINCE_LEVELS: tuple[str, ...] = ("tỉnh", "thành phố")
# Every level word a unit can carry.
ADMIN_LEVELS: tuple[str, ...] = (*LOCALITY_LEVELS, "tỉnh")
# The official abbreviations of level words ("TP. Quy Nhơn", "TX Ba Đồn"), from the one glossary.
LEVEL_ABBREVIATIONS: dict[str, str] = {
    abbr.lower(): full for abbr, full in ABBREVIATIONS.items() if full in ADMIN_LEVELS
}

_DISTRICT_LEVELS = frozenset({"thành phố", "thị xã", "huyện", "quận"})
# How deep a level lies, from the province down (one table for ordering candidates and documents).
LEVEL_RANK = {"tỉnh": 0, "thành phố": 1, "thị xã": 2, "huyện": 2, "quận": 2, "đặc khu": 3,
               "phường": 3, "xã": 3, "thị trấn": 3}
_WORD = re.compile(r"\w+")
# What may separate the syllables of one name in running text: spaces, one line break (hard
# breaks of converted files), the hyphen of "Bà Rịa - Vũng Tàu", the apostrophe of "Ea H'Leo".
_NAME_GAP = re.compile(r"[ \t\u00a0]*(?:\n[ \t\u00a0]*)?(?:[-–'’][ \t\u00a0]*)?")
_SENTENCE_ENDS = frozenset(".!?:;\n|([\"“")
_MAX_LEVEL_WORDS = 2
_ROMAN = re.compile(r"[IVXLC]+")


@dataclass(frozen=True)
class AdminUnit:
    """One administrative unit, as it existed before or after 1 July 2025 (or both)."""

    name: str  # without level, with diacritics: "Quy Nhơn"
    level: str  # one of ADMIN_LEVELS
    province: str  # the province it belonged to ("Bình Định"); for a province, itself
    current_province: str  # after 1 July 2025 ("Gia Lai"); "" if unknown
    is_current: bool  # exists as a unit after 1 July 2025
    code: str = ""  # the statistics office code (of the former unit when it is one)
    district: str = ""  # full name of the former district of a commune: "thành phố Quảng Ngãi"
    # Full names of the 2025 units a former unit became (part of): "phường Quy Nhơn", ...
    current_units: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.level} {self.name}"

    @property
    def is_province(self) -> bool:
        """A province, not the district-level city of the same name ("thành phố Hà Tĩnh"): the
        statistics office numbers provinces with 2 digits, districts with 3, communes with 5."""
        return self.level in PROVINCE_LEVELS and len(self.code) == 2


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a text: the span, and every unit the name can be."""

    text: str
    start: int
    end: int
    units: tuple[AdminUnit, ...]  # several when ambiguous: many "xã Tân Hưng"
    level_written: str  # the level word present in the text, "" if none


def _accented_key(words: list[str] | tuple[str, ...]) -> str:
    return " ".join(_accented_word(w) for w in words)


@lru_cache(maxsize=65536)
def _accented_word(word: str) -> str:
    """One syllable in one tone-mark convention, lower case ("Hoà" -> "hòa")."""
    return normalize_text(unicodedata.normalize("NFC", word)).lower()


@lru_cache(maxsize=65536)
def _folded_word(word: str) -> str:
    return strip_diacritics(unicodedata.normalize("NFC", word))


def _folded_key(words: list[str] | tuple[str, ...]) -> str:
    return " ".join(_folded_word(w) for w in words)


def _is_accented(word: str) -> bool:
    return _folded_word(word) != word.lower()


@dataclass(frozen=True)
class _Token:
    raw: str
    start: int
    end: int
    accented: str
    folded: str


class Gazetteer:
    """Every unit, indexed by its name with and without diacritics; see `load_gazetteer`."""

    def __init__(self, units: list[AdminUnit], aliases: dict[str, list[AdminUnit]],
                 ordinary_words: frozenset[str]) -> None:
        self.units: tuple[AdminUnit, ...] = tuple(units)
        self._by_accented: dict[str, list[AdminUnit]] = defaultdict(list)
        self._by_folded: dict[str, list[AdminUnit]] = defaultdict(list)
        for unit in units:
            words = _WORD.findall(unit.name)
            self._by_accented[_accented_key(words)].append(unit)
            self._by_folded[_folded_key(words)].append(unit)
        for key in self._by_folded:
            self._by_folded[key].sort(key=_unit_order)
        for key in self._by_accented:
            self._by_accented[key].sort(key=_unit_order)
        self._aliases = {key: sorted(found, key=_unit_order) for key, found in aliases.items()}
        self._first_folded = frozenset(key.split(" ")[0] for key in self._by_folded)
        self._max_words = max(len(key.split(" ")) for key in self._by_folded)
        self._ordinary = ordinary_words
        self._provinces: dict[str, AdminUnit] = {}
        for unit in units:
            if unit.is_province:
                self._provinces.setdefault(_folded_key(_WORD.findall(unit.name)), unit)

    # -- lookup ---------------------------------------------------------------------------------
    def lookup(self, name: str, level: str = "", province: str = "") -> list[AdminUnit]:
        """The units called `name` ("Quy Nhơn", "thành phố Quy Nhơn", "TP. Quy Nhơn", "quy nhon").

        A level word in `name` or the `level` argument narrows the result; so does `province`
        (the former or the current one). Written diacritics are honoured when some unit matches
        them ("Hà Nam" is not "Hạ Nam"), and ignored otherwise (the misspelt "Tỉnh An" finds
        xã Tịnh An).
        """
        words = _WORD.findall(normalize_text(name))
        written_level, words = _split_level(words)
        wanted_level = _normalise_level(level) or written_level
        found = self._match(words)
        if not found and written_level:  # "Tỉnh An" (misspelt "Tịnh An"): the level word was part of the name
            found = self._match(_WORD.findall(normalize_text(name)))
            wanted_level = ""
        if wanted_level:
            found = [u for u in found if _level_fits(u, wanted_level)]
        if province:
            wanted = _folded_key(_WORD.findall(_strip_province_level(province)))
            found = [u for u in found if wanted in (_folded_key(_WORD.findall(u.province)),
                                                    _folded_key(_WORD.findall(u.current_province)))]
        return found

    def province(self, name: str) -> AdminUnit | None:
        """The province called `name` ("Bình Định", "tỉnh Gia Lai", "TP. HCM"), former or current."""
        found = [u for u in self.lookup(name) if u.is_province]
        return found[0] if found else None

    def current_provinces(self) -> list[AdminUnit]:
        """The 34 provinces of 1 July 2025."""
        return [u for u in self._provinces.values() if u.is_current]

    def _match(self, words: list[str]) -> list[AdminUnit]:
        if not words:
            return []
        if any(_is_accented(w) for w in words):
            exact = self._by_accented.get(_accented_key(words))
            if exact:
                return list(exact)
        folded = _folded_key(words)
        return list(self._by_folded.get(folded) or self._aliases.get(folded.replace(" ", ""), []))

    # -- find -----------------------------------------------------------------------------------
    def find(self, text: str) -> list[PlaceMention]:
        """The places `text` names, left to right, longest name first.

        With a level word ("huyện Bình Sơn", "TP. Quy Nhơn", "XÃ TỊNH AN") any unit of that level;
        without one, in text written with capitals and diacritics only a capitalised name ("Hạ
        Long", "Bình Sơn, ngày …"); in text typed in lower case or without diacritics (questions)
        only a name of two syllables or more that is not an ordinary word sequence and does not
        straddle one ("hài lòng", "hòa bình", "xã hội an toàn" name nothing).
        """
        tokens = [
            _Token(m.group(), m.start(), m.end(), _accented_word(m.group()), _folded_word(m.group()))
            for m in _WORD.finditer(text)
        ]
        cased = any(ch.isupper() for ch in text) and any(ch.islower() for ch in text)
        accented = any(t.accented != t.folded for t in tokens)
        proper_nouns = cased and accented  # the writer capitalises names: capitals can be trusted
        mentions: list[PlaceMention] = []
        i = 0
        while i < len(tokens):
            mention = self._level_mention(text, tokens, i, proper_nouns) or self._bare_mention(
                text, tokens, i, proper_nouns
            )
            if mention is None:
                i += 1
                continue
            mentions.append(mention[0])
            i = mention[1]
        return mentions

    def _level_mention(self, text: str, tokens: list[_Token], i: int,
                       proper_nouns: bool) -> tuple[PlaceMention, int] | None:
        level, after = _level_at(text, tokens, i)
        if not level:
            return None
        for n in range(min(self._max_words, len(tokens) - after), 0, -1):
            name = tokens[after:after + n]
            if not _joined(text, tokens, after, after + n):
                continue
            units = [u for u in self._span_units(name, proper_nouns) if _level_fits(u, level)]
            if not units:
                continue
            trust_caps = proper_nouns and _capitalised(name) and not _all_caps(tokens[i:after + n])
            if not trust_caps:
                if proper_nouns and not _all_caps(tokens[i:after + n]):
                    continue  # "xã hội" in a written text: a lower-case name is no name
                if self._straddles_word(tokens, i, after, after + n):
                    continue
            start, end = tokens[i].start, tokens[after + n - 1].end
            return PlaceMention(text[start:end], start, end, tuple(units), level), after + n
        return None

    def _bare_mention(self, text: str, tokens: list[_Token], i: int,
                      proper_nouns: bool) -> tuple[PlaceMention, int] | None:
        if tokens[i].folded not in self._first_folded and tokens[i].folded not in self._aliases:
            return None
        for n in range(min(self._max_words, len(tokens) - i), 0, -1):
            name = tokens[i:i + n]
            if not _joined(text, tokens, i, i + n):
                continue
            caps = _all_caps(name)
            if n == 1 and caps and name[0].folded in self._aliases:
                units = self._aliases[name[0].folded]  # "HCM", "HN": the package's aliases
                return PlaceMention(name[0].raw, name[0].start, name[0].end, tuple(units), ""), i + 1
            if any(not t.raw.isalpha() or _ROMAN.fullmatch(t.raw) for t in name):
                continue  # "phường 17", "phường I": a number is a name only after its level word
            units = self._span_units(name, proper_nouns)
            if n == 1:  # one syllable alone ("Thanh", "Tư", "Đông") is a name only for a province: "Huế"
                units = [u for u in units if u.is_province]
            if not units or self._is_ordinary(name):
                continue  # "Hòa Bình", "hài lòng", "Dân Chủ": ordinary words need a level word
            if proper_nouns and not caps:
                if not _capitalised(name):
                    continue
                if self._inside_proper_noun(text, tokens, i, i + n):
                    continue
            elif self._straddles_word(tokens, i, i, i + n):
                continue
            start, end = name[0].start, name[-1].end
            return PlaceMention(text[start:end], start, end, tuple(units), ""), i + n
        return None

    def _inside_proper_noun(self, text: str, tokens: list[_Token], first: int, end: int) -> bool:
        """Whether a capitalised name is part of something longer: a person ("Lê Trường Sơn"), a
        bay ("Vịnh Hạ Long"), or cuts a word ("Việt Nam Thành phố", "Bộ Tư pháp")."""
        if first > 0 and _joined(text, tokens, first - 1, first + 1):
            before = tokens[first - 1]
            if before.raw[0].isupper() and not before.raw.isupper() and not _sentence_initial(text, before.start):
                return True
            if self._is_ordinary(tokens[first - 1:first + 1]):
                return True
        if end < len(tokens) and _joined(text, tokens, end - 1, end + 1):
            after = tokens[end]
            if after.raw[0].islower() and self._is_ordinary(tokens[end - 1:end + 1]):
                return True
        return False

    def _span_units(self, name: list[_Token], accented_text: bool = False) -> list[AdminUnit]:
        """Units named by the tokens: by their written diacritics when the text has any ("Du" in
        accented text is not "Đu"), ignoring them in text typed without; a single token may be
        one of the package's province aliases ("TP. HCM")."""
        if accented_text or any(t.accented != t.folded for t in name):
            found = self._by_accented.get(" ".join(t.accented for t in name))
        else:
            found = self._by_folded.get(" ".join(t.folded for t in name))
        if not found and len(name) == 1:
            found = self._aliases.get(name[0].folded)
        return list(found or [])

    def _is_ordinary(self, words: list[_Token]) -> bool:
        accented = any(t.accented != t.folded for t in words)
        key = " ".join(t.accented if accented else t.folded for t in words)
        return key in self._ordinary

    def _straddles_word(self, tokens: list[_Token], first: int, name_start: int, name_end: int) -> bool:
        """Whether the span [first, name_end) cuts an ordinary word in two at either edge, or the
        level word and the name form one ("xã hội", "hội an toàn" in "xã hội an toàn")."""
        edges = []
        if first > 0:
            edges.append(tokens[first - 1:first + 1])
        if name_start > first and name_end - name_start == 1:  # level word + one-syllable name: "xã | hội"
            edges.append(tokens[name_start - 1:name_start + 1])
        if name_end < len(tokens):
            edges.append(tokens[name_end - 1:name_end + 1])
        return any(self._is_ordinary(pair) for pair in edges)


def _unit_order(unit: AdminUnit) -> tuple[int, int, str]:
    return (LEVEL_RANK.get(unit.level, 9), 0 if unit.is_current else 1, unit.province)


def _normalise_level(level: str) -> str:
    """"Thành phố", "thanh pho", "TP." -> "thành phố"; "Tịnh" is no level (its diacritics differ)."""
    level = " ".join(_WORD.findall(normalize_text(level)))
    level = LEVEL_ABBREVIATIONS.get(level.lower(), level)
    words = level.split()
    accented = any(_is_accented(w) for w in words)
    key = _accented_key(words) if accented else _folded_key(words)
    for known in ADMIN_LEVELS:
        if key == (known if accented else strip_diacritics(known)):
            return known
    return ""


def _split_level(words: list[str]) -> tuple[str, list[str]]:
    """("thành", "phố", "Quy", "Nhơn") -> ("thành phố", ["Quy", "Nhơn"]); ("TP", "Quy", "Nhơn") too."""
    for size in (2, 1):
        if len(words) <= size:
            continue
        level = _normalise_level(" ".join(words[:size]))
        abbreviated = size == 1 and words[0].lower() in LEVEL_ABBREVIATIONS
        if level and (len(level.split()) == size or abbreviated):
            return level, words[size:]
    return "", words


def _strip_province_level(name: str) -> str:
    return " ".join(_split_level(_WORD.findall(normalize_text(name)))[1])


def _level_fits(unit: AdminUnit, level: str) -> bool:
    return unit.level == level


_LEVEL_FOLDED = {tuple(strip_diacritics(level).split()): level for level in ADMIN_LEVELS}


def _level_at(text: str, tokens: list[_Token], i: int) -> tuple[str, int]:
    """The level word starting at token i and the index of the name's first token, or ("", i)."""
    for size in range(_MAX_LEVEL_WORDS, 0, -1):
        words = tokens[i:i + size]
        if len(words) < size or i + size >= len(tokens) or not _joined(text, tokens, i, i + size + 1):
            continue
        accented = any(t.accented != t.folded for t in words)
        level = _LEVEL_FOLDED.get(tuple(t.folded for t in words))
        if level and accented and " ".join(t.accented for t in words) != level:
            level = None  # "Tịnh" is not "tỉnh" when diacritics are written
        if level:
            return level, i + size
    abbreviation = LEVEL_ABBREVIATIONS.get(tokens[i].raw.lower())
    if abbreviation and i + 1 < len(tokens):  # "TP. Quy Nhơn", "TP.HCM", "TX Ba Đồn", "tp quy nhon"
        if re.fullmatch(r"\.?[ \t\u00a0]*", text[tokens[i].end:tokens[i + 1].start]):
            return abbreviation, i + 1
    return "", i


def _joined(text: str, tokens: list[_Token], first: int, end: int) -> bool:
    """Whether tokens[first:end] follow each other with only a name's separators between them."""
    return all(_NAME_GAP.fullmatch(text[tokens[k].end:tokens[k + 1].start]) for k in range(first, end - 1))


def _capitalised(words: list[_Token]) -> bool:
    return all(t.raw[0].isupper() or t.raw[0].isdigit() for t in words)


def _all_caps(words: list[_Token]) -> bool:
    """"XÃ TỊNH AN", "UBND TỈNH": capitals that say nothing about names."""
    letters = [t.raw for t in words if not t.raw.isdigit()]
    return bool(letters) and all(w.isupper() for w in letters) and any(len(w) > 1 for w in letters)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 40):start].rstrip(" \t*_#>-+•")
    return not before or before[-1] in _SENTENCE_ENDS


# -- loading ----------------------------------------------------------------------------------------
@lru_cache(maxsize=32768)
def _split_full_name(full: str) -> tuple[str, str]:
    """"Thành phố Quy Nhơn" -> ("thành phố", "Quy Nhơn"); "Thị Xã Việt Yên" -> ("thị xã", "Việt Yên")."""
    full = normalize_text(full)
    lowered = full.lower()
    for level in sorted(ADMIN_LEVELS, key=len, reverse=True):
        if lowered.startswith(level + " "):
            return level, full[len(level) + 1:].strip()
    return "", full


def _load_units(data_dir: Path) -> tuple[list[AdminUnit], dict[str, list[AdminUnit]]]:
    with sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True) as db:
        legacy = db.execute(
            "SELECT province, provinceCode, provinceKey, provinceAlias, district, districtCode, districtKey,"
            " ward, wardCode, wardKey FROM admin_units_legacy"
        ).fetchall()
        current = db.execute(
            "SELECT province, provinceCode, provinceKey, provinceAlias, ward, wardCode, wardKey FROM admin_units"
        ).fetchall()
    mapping = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))

    new_province_of_old: dict[str, str] = {
        old: new for new, olds in mapping["DICT_PROVINCE"].items() for old in olds
    }
    new_provinces: dict[str, tuple[str, str, str]] = {}  # key -> (level, name, code)
    new_wards: dict[tuple[str, str], tuple[str, str, str]] = {}  # (province key, ward key) -> (level, name, code)
    aliases_by_key: dict[str, list[str]] = {}
    for province, p_code, p_key, p_alias, ward, w_code, w_key in current:
        level, name = _split_full_name(province)
        new_provinces[p_key] = (level, name, p_code)
        aliases_by_key[p_key] = json.loads(p_alias) if p_alias else []
        if ward:
            w_level, w_name = _split_full_name(ward)
            new_wards[(p_key, w_key)] = (w_level, w_name, w_code)

    successors: dict[str, list[str]] = defaultdict(list)  # "old_province_district_ward" -> new ward keys
    for new_p, wards in mapping["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_w, olds in wards.items():
            for old in olds:
                successors[old].append(new_w)
    for new_p, divided in mapping["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in divided.items():
            successors[old].extend(part["newWardKey"] for part in parts)

    units: list[AdminUnit] = []
    aliases: dict[str, list[AdminUnit]] = defaultdict(list)
    current_names = {(lvl, name) for lvl, name, _ in new_provinces.values()}
    seen_provinces: dict[str, AdminUnit] = {}
    districts: dict[tuple[str, str], dict] = {}
    continued_wards: set[tuple[str, str]] = set()

    def new_unit_name(p_key: str, w_key: str) -> str:
        level, name, _ = new_wards.get((p_key, w_key), ("", "", ""))
        return f"{level} {name}" if name else ""

    for province, p_code, p_key, p_alias, district, d_code, d_key, ward, w_code, w_key in legacy:
        new_p = new_province_of_old.get(p_key, "")
        current_province = new_provinces[new_p][1] if new_p in new_provinces else ""
        p_level, p_name = _split_full_name(province)
        if p_key not in seen_provinces:
            unit = AdminUnit(p_name, p_level, p_name, current_province, (p_level, p_name) in current_names, p_code,
                             current_units=() if (p_level, p_name) in current_names or not current_province
                             else (f"{new_provinces[new_p][0]} {current_province}",))
            seen_provinces[p_key] = unit
            for alias in json.loads(p_alias) if p_alias else []:
                aliases[alias].append(unit)
        d_level, d_name = _split_full_name(district)
        entry = districts.setdefault((p_key, d_key), {
            "level": d_level, "name": d_name, "province": p_name, "current": current_province,
            "code": d_code, "new": [], "p_new": new_p,
        })
        if not ward:  # island districts without communes became special zones
            zone = next(((p, w) for (p, w), (lvl, name, _) in new_wards.items()
                         if p == new_p and lvl == "đặc khu" and name == d_name), None)
            if zone:
                entry["new"].append(new_unit_name(*zone))
                continued_wards.add(zone)
            continue
        w_level, w_name = _split_full_name(ward)
        new_keys = successors.get(f"{p_key}_{d_key}_{w_key}", [])
        new_names = tuple(dict.fromkeys(n for n in (new_unit_name(new_p, k) for k in new_keys) if n))
        entry["new"].extend(new_names)
        continues = w_key in new_keys and new_wards.get((new_p, w_key), ("", "", ""))[:2] == (w_level, w_name)
        if continues:
            continued_wards.add((new_p, w_key))
        units.append(AdminUnit(w_name, w_level, p_name, current_province, continues, w_code,
                               district=f"{d_level} {d_name}", current_units=new_names))

    units.extend(seen_provinces.values())
    for entry in districts.values():
        units.append(AdminUnit(entry["name"], entry["level"], entry["province"], entry["current"], False,
                               entry["code"], current_units=tuple(dict.fromkeys(entry["new"]))))
    old_province_names = {(u.level, u.name) for u in seen_provinces.values()}
    for p_key, (level, name, code) in new_provinces.items():
        if (level, name) not in old_province_names:
            unit = AdminUnit(name, level, name, name, True, code)
            units.append(unit)
            for alias in aliases_by_key.get(p_key, []):
                aliases[alias].append(unit)
    for (p_key, w_key), (level, name, code) in new_wards.items():
        if (p_key, w_key) not in continued_wards:
            province_name = new_provinces[p_key][1]
            units.append(AdminUnit(name, level, province_name, province_name, True, code))
    return units, aliases


def _load_ordinary_words() -> frozenset[str]:
    """Dictionary entries of two syllables or more (`ingest.lexicon`), with and without diacritics."""
    words: set[str] = set()
    for entry in compound_words():
        syllables = entry.split()
        words.add(_accented_key(syllables))
        words.add(_folded_key(syllables))
    return frozenset(words)


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The gazetteer, built once per process from the installed packages' data files (offline)."""
    units, aliases = _load_units(package_dir("vietnamadminunits") / "data")
    ordinary = _load_ordinary_words()
    return Gazetteer(units, aliases, ordinary)
