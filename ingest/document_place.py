"""Where a document is from: its locality, level, province then and province now.

The locality of a document is the body that issued it, so it is read from what the document says
about itself, in this order of trust:
1. the issuing body of the header or the issuer ("UBND TỈNH BẮC NINH", "Ban Thường vụ Thành ủy Hạ Long");
2. the place of the date line ("Quy Nhơn, ngày 17 tháng 6 năm 2024"), with the level the signature
   block gives ("TM. ỦY BAN NHÂN DÂN PHƯỜNG") or, failing that, the level the text most often writes
   before that name;
3. a unit named with its level in the title (a web page without header).
Never from a place the body mentions (the first section of a province's report names its communes), and never from words that only look like
one ("xã hội"): every candidate must be a real unit of the national gazetteer (`ingest.gazetteer`).

The name is kept as written (the sample writes "Tỉnh An" for Tịnh An); the gazetteer adds the level,
the province of the time and the province after the 1 July 2025 reorganisation. A name several units
carry is settled by the provinces the document names (its recipient, title and opening) and by its
era (a unit abolished in 2025 for an older document, a current one for a newer); when it stays
ambiguous the province is left empty rather than guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.gazetteer import LEVEL_RANK, LOCALITY_LEVELS, AdminUnit, Gazetteer, PlaceMention
from ingest.normalize import fold

# The reorganisation of provinces and the abolition of districts took effect on this day.
REORGANISATION_DATE = "2025-07-01"


@dataclass(frozen=True)
class DocumentPlace:
    locality: str = ""  # "thành phố Quy Nhơn", as written, level in lower case
    level: str = ""
    province: str = ""  # at the time of writing
    current_province: str = ""  # after 1 July 2025

    @classmethod
    def of(cls, name: str, level: str, units: Sequence[AdminUnit]) -> DocumentPlace:
        unit = units[0] if len(units) == 1 else None
        province = unit.province if unit else _shared(u.province for u in units)
        current = unit.current_province if unit else _shared(u.current_province for u in units)
        if level in ("tỉnh", "thành phố") and any(u.is_province for u in units):
            province = province or name
        return cls(f"{level} {name}".strip(), level, province, current)


def locate_document(
    gazetteer: Gazetteer,
    *,
    issuer: str = "",
    place_line: str = "",
    signature_lines: Sequence[str] = (),
    title: str = "",
    first_section: str = "",
    context: Sequence[str] = (),
    era: str = "",
) -> DocumentPlace:
    """The document's place; see the module docstring. `first_section` only tells which level the text
    writes before the place line's name. `context` holds the texts whose province
    names settle an ambiguous unit (recipient, title, introduction); `era` is the document's ISO date
    or year, "" when unknown."""
    provinces = _provinces_named(gazetteer, context)
    for mention in reversed(gazetteer.find(_readable(issuer))):  # the body's own place comes last
        if mention.units:
            level = mention.level_written or _level_of_issuer(issuer, mention)
            return _settle(mention.text, level, mention.units, provinces, era)
    if place_line:
        level = _signature_level(signature_lines) or _written_level(place_line, [title, first_section])
        units = gazetteer.lookup(place_line, level)
        if units:
            return _settle(place_line, level, units, provinces, era)
        if level:
            return DocumentPlace(f"{level} {place_line}", level)
    mentions = [m for m in gazetteer.find(title) if m.level_written and m.units]
    if mentions:
        counts = Counter(_key(m) for m in mentions)
        best = max(mentions, key=lambda m: (counts[_key(m)], LEVEL_RANK.get(m.level_written.lower(), 3)))
        return _settle(best.text, best.level_written, best.units, provinces, era)
    return DocumentPlace()


def _settle(written: str, level: str, units: Sequence[AdminUnit], provinces: set[str], era: str) -> DocumentPlace:
    name = _name_without_level(written, level)
    level = level.lower()
    fitting = [u for u in units if not level or u.level == level] or list(units)
    if len(fitting) > 1 and provinces:
        named = [u for u in fitting if fold(u.province) in provinces or fold(u.current_province) in provinces]
        fitting = named or fitting
    if len(fitting) > 1 and era:
        of_era = [u for u in fitting if _of_era(u, era)]
        fitting = of_era or fitting
    return DocumentPlace.of(name, level or fitting[0].level, fitting)


def _of_era(unit: AdminUnit, era: str) -> bool:
    """Whether the unit existed when the document was written: after the reorganisation only current
    units did; before it, every unit but the communes and wards the reorganisation created (a current
    commune without a former district)."""
    if era >= REORGANISATION_DATE:
        return unit.is_current
    return not (unit.is_current and unit.level in ("phường", "xã", "thị trấn", "đặc khu") and not unit.district)


def _provinces_named(gazetteer: Gazetteer, texts: Iterable[str]) -> set[str]:
    found = set()
    for text in texts:
        for mention in gazetteer.find(text):
            if mention.level_written in ("tỉnh", "thành phố"):
                found.update(fold(u.name) for u in mention.units if u.is_province)
    return found


_SIGNATURE_LEVEL = re.compile(rf"NHÂN DÂN\s+({'|'.join(LOCALITY_LEVELS)})\b", re.IGNORECASE)


def _signature_level(lines: Sequence[str]) -> str:
    """"TM. ỦY BAN NHÂN DÂN PHƯỜNG" names the level of the body that signs."""
    for line in lines:
        if match := _SIGNATURE_LEVEL.search(line):
            return match.group(1).lower()
    return ""


def _written_level(name: str, texts: Sequence[str]) -> str:
    """The level the text most often writes right before `name` ("thành phố Quy Nhơn")."""
    levels: Counter[str] = Counter()
    folded_name = fold(name)
    for text in texts:
        folded = fold(text)
        for level in sorted(LOCALITY_LEVELS, key=len, reverse=True):
            levels[level] += len(re.findall(rf"(?<!\w){re.escape(fold(level))}\s+{re.escape(folded_name)}(?!\w)", folded))
    # "thị xã X" also counts as "xã X" above: keep the longer level when both are counted.
    for long_level in ("thị xã", "thị trấn"):
        short = long_level.split()[-1]
        if levels[long_level]:
            levels[short] -= levels[long_level]
    level, count = max(levels.items(), key=lambda item: item[1], default=("", 0))
    return level if count > 0 else ""


def _level_of_issuer(issuer: str, mention: PlaceMention) -> str:
    """A party committee names its level in its own name: "Thành ủy" (city), "Huyện ủy", "Tỉnh ủy"."""
    before = fold(issuer[: mention.start])
    for word, level in (("thanh uy", "thành phố"), ("huyen uy", "huyện"), ("tinh uy", "tỉnh"),
                        ("thi uy", "thị xã"), ("quan uy", "quận"), ("dang uy xa", "xã"), ("dang uy phuong", "phường")):
        if before.rstrip().endswith(word):
            return level
    levels = {u.level for u in mention.units}
    return levels.pop() if len(levels) == 1 else ""


def _readable(text: str) -> str:
    """Capitals of a header ("UBND TỈNH BẮC NINH") as a name is written, so names are found in it."""
    if not text or not text.isupper():
        return text
    return " ".join(word.capitalize() for word in text.lower().split())


def _name_without_level(written: str, level: str) -> str:
    text = " ".join(written.split())
    if level and fold(text).startswith(fold(level) + " "):
        text = text[len(level):].strip()
    return text if not text.isupper() else " ".join(w.capitalize() for w in text.lower().split())


def _key(mention: PlaceMention) -> str:
    return fold(mention.text)


def _shared(values: Iterable[str]) -> str:
    distinct = {v for v in values if v}
    return distinct.pop() if len(distinct) == 1 else ""


