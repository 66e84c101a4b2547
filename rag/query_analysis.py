"""Reading a question: which localities, years and period it is about, and what it asks for.

Leaders name the place and the period in almost every question ("Quy Nhơn … 6 tháng đầu năm 2024"),
and the corpus holds one report per place and period, so these two facts narrow the search more than
any ranking can. They are matched against the localities of the indexed reports:
- diacritic- and case-insensitively ("quy nhon" is "thành phố Quy Nhơn");
- with one edit of slack on the folded name, so a near-miss still matches ("Tinh An", and the
  sample report's own misspelling "Tỉnh An" for the commune of Tịnh An) while a different place
  ("Tịnh Hà", two edits away) does not;
- a place named with its level ("thành phố Cẩm Phả") that matches no report is kept as unknown, so
  the answerer can say the reports do not cover it instead of answering about another place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import ReportMetadata, normalize_text, strip_diacritics
from ingest.metadata import LOCALITY_LEVELS
from rag.figures import numbers_in

LEVELS = (*LOCALITY_LEVELS, "tỉnh")
_LEVEL_ALTERNATION = "|".join(sorted(LEVELS + ("tp.", "tp"), key=len, reverse=True))
# A level word then a capitalised name of one to four syllables: "thành phố Cẩm Phả", "xã Tịnh Hà".
_NAMED_PLACE = re.compile(
    rf"(?i:\b({_LEVEL_ALTERNATION}))\s+((?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){{0,3}})"
)
_FOLDED_LEVEL_WORDS = {"pho", "xa", "huyen", "phuong", "tran", "tinh", "quan", "tp"}
_YEAR = re.compile(r"(?<![\d.-])((?:19|20)\d{2})(?!\d)")
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})(?!\d)")
_DATE_WITH_YEAR = re.compile(r"(?<!\d)\d{1,2}/\d{1,2}/(?:19|20)\d{2}|(?<![\d/])\d{1,2}/(?:19|20)\d{2}(?!\d)")
_QUARTER = re.compile(r"\bquy\s+(i{1,3}|iv|[1-4])\b")
_HALF = re.compile(r"\b(?:6 thang|nua) (dau|cuoi)\b")
_QUARTER_NUMBERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# Words that ask for a figure, and those that ask for a list or a comparison.
_NUMERIC_CUES = ("bao nhieu", "may ", "ty le", "so may", "ngay nao", "bao gio", "khi nao", "so hieu",
                 "quyet dinh nao", "ke hoach nao", "phan tram")
_LIST_CUES = ("nhung ", "cac ", "nao", "gi")
_CROSS_CUES = ("so sanh", "nhung dia phuong", "dia phuong nao", "cac dia phuong")


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: the form in which user input and reports compare."""
    return " ".join(re.sub(r"[^\w/%,.-]+", " ", strip_diacritics(normalize_text(text))).split())


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


@dataclass(frozen=True)
class KnownLocality:
    """A place some indexed report is about: its name without the level, and those reports."""

    name: str
    level: str
    report_ids: tuple[str, ...]
    is_province: bool = False

    @property
    def folded(self) -> str:
        return fold(self.name)


class LocalityGazetteer:
    """The localities (and provinces) of the indexed reports, matched leniently in questions."""

    def __init__(self, reports: list[ReportMetadata]) -> None:
        entries: dict[tuple[str, bool], tuple[str, str, set[str]]] = {}
        for meta in reports:
            places = []
            if meta.locality:
                places.append((*_split_level(meta.locality, meta.locality_level), False))
            if meta.province:
                places.append(("tỉnh", meta.province, True))
            for level, name, is_province in places:
                entries.setdefault((fold(name), is_province), (name, level, set()))[2].add(meta.report_id)
        self.localities = [
            KnownLocality(name=name, level=level, report_ids=tuple(sorted(ids)), is_province=is_province)
            for (_, is_province), (name, level, ids) in entries.items()
        ]

    def find(self, text: str) -> list[KnownLocality]:
        """Known places named in `text`, exactly (after folding) or within one edit of a name.

        A near-miss must look like a name (capitalised, or after a level word such as "xã"), so that
        "hài lòng" is not taken for "Hạ Long".
        """
        words = fold(text).split()
        original = normalize_text(text).split()
        aligned = len(original) == len(words)
        exact = [loc for loc in self.localities if _contains_words(words, loc.folded.split())]
        found = list(exact)
        exact_names = {loc.folded for loc in self.localities}
        for loc in self.localities:
            if loc in found or len(loc.folded) < 6:
                continue
            size = len(loc.folded.split())
            for start in range(len(words) - size + 1):
                window = " ".join(words[start : start + size])
                if window in exact_names:  # "quang ninh" is a province, not a typo of "quang minh"
                    continue
                if not _edit_distance_at_most_one(window, loc.folded):
                    continue
                capitalised = aligned and original[start][:1].isupper()
                after_level = start > 0 and words[start - 1] in _FOLDED_LEVEL_WORDS
                if capitalised or after_level:
                    found.append(loc)
                    break
        return found

    def matches(self, name: str) -> bool:
        return bool(self.find(name))


def _split_level(locality: str, level: str) -> tuple[str, str]:
    if level and locality.lower().startswith(level.lower()):
        return level, locality[len(level):].strip()
    return level, locality


def _contains_words(words: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(words[i : i + n] == needle for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class AnalyzedQuery:
    """What the question is about and what it asks for."""

    text: str
    folded: str
    localities: tuple[KnownLocality, ...] = ()
    unknown_places: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    half: str = ""
    quarter: int = 0
    asks_figure: bool = False
    asks_rate: bool = False
    asks_list: bool = False
    asks_comparison: bool = False
    measures: tuple[str, ...] = field(default=())
    asks_money: bool = False
    figures: tuple[str, ...] = ()

    @property
    def report_ids(self) -> set[str]:
        """Reports of the places named (provinces excluded: a province holds many places)."""
        return {rid for loc in self.localities if not loc.is_province for rid in loc.report_ids}

    @property
    def place_count(self) -> int:
        return len({loc.folded for loc in self.localities if not loc.is_province})


def analyze_query(question: str, gazetteer: LocalityGazetteer) -> AnalyzedQuery:
    text = normalize_text(question).strip()
    folded = fold(text)
    localities = tuple(gazetteer.find(text))
    unknown = tuple(
        f"{m.group(1)} {name}" for m in _NAMED_PLACE.finditer(text)
        if (name := _capitalised_prefix(m.group(2))) and not gazetteer.matches(name) and not _is_generic_name(name)
    )
    return AnalyzedQuery(
        text=text, folded=folded, localities=localities, unknown_places=unknown,
        years=years_in(text), half=_half(folded), quarter=_quarter(folded),
        asks_figure=any(cue in folded + " " for cue in _NUMERIC_CUES) or folded.startswith("so sanh"),
        asks_list=_asks_list(folded),
        asks_rate=bool(re.search(r"\b(ty le|phan tram)\b", folded)),
        asks_comparison=any(cue in folded for cue in _CROSS_CUES) or len(
            {loc.folded for loc in localities if not loc.is_province}) > 1,
        measures=measures_asked(text),
        asks_money=bool(re.search(r"\b(kinh phi|bao nhieu tien|ngan sach|du no|nguon von|tong chi|tong thu)\b",
                                  folded)),
        figures=tuple(sorted(_content_figures(text))),
    )


def years_in(text: str) -> tuple[int, ...]:
    """Years a text is about: "năm 2020", "2021-2024" (every year of the range), "quý I/2024".

    Years inside full dates ("17/6/2024") are left out: a date says when, not which period.
    """
    text = _DATE_WITH_YEAR.sub(lambda m: " " if m.group().count("/") == 2 else m.group().split("/")[1], text)
    years: set[int] = set()
    for start, end in _YEAR_RANGE.findall(text):
        if int(start) <= int(end) <= int(start) + 20:
            years.update(range(int(start), int(end) + 1))
    years.update(int(y) for y in _YEAR.findall(text))
    return tuple(sorted(years))


def reporting_years(meta: ReportMetadata) -> tuple[int, ...]:
    """The years a report's figures are for: those of its reporting period ("năm 2020"), not the
    years it plans for ("nhiệm vụ trọng tâm năm 2021"), which `meta.years` also lists."""
    return years_in(meta.period) or tuple(meta.years)


def _half(folded: str) -> str:
    match = _HALF.search(folded)
    return match.group(1) if match else ""


def quarter_of(text: str) -> int:
    """The quarter a text names ("quý I", "Quý 2 năm 2024"), 0 when none."""
    return _quarter(fold(text))


def _quarter(folded: str) -> int:
    match = _QUARTER.search(folded.replace("/", " "))
    return _QUARTER_NUMBERS.get(match.group(1), 0) if match else 0


def _asks_list(folded: str) -> bool:
    return bool(re.search(r"\b(nhung|cac)\b.*\b(nao|gi)\b|\bla gi\b|\bgom nhung\b", folded))


def _capitalised_prefix(name: str) -> str:
    words = []
    for word in name.split():
        if not word[:1].isupper():
            break
        words.append(word)
    return " ".join(words)


_GENERIC = {"ủy", "ban", "nhân", "dân", "đảng", "trung", "ương", "việt", "nam"}


def _is_generic_name(name: str) -> bool:
    return all(word.lower() in _GENERIC for word in name.split())


# The unit a figure question asks for: "bao nhiêu vụ khiếu nại" -> "vu khieu nai".
_MEASURE = re.compile(r"\b(?:bao nhieu|may)\s+((?:[a-z]+\s?){1,3})")
def _content_figures(text: str) -> set[str]:
    """Figures a question quotes ("25 dịch vụ công"), years and dates left out."""
    text = _DATE_WITH_YEAR.sub(" ", text)
    return {value for _, value in numbers_in(text) if not re.fullmatch(r"(19|20)\d{2}", value)}


_NOT_MEASURE = {"va", "trong", "tai", "cua", "o", "nam", "la", "thi", "den", "tu", "duoc", "da", "con",
                "phan", "tien", "nguoi"}


def measures_asked(text: str) -> tuple[str, ...]:
    """The measure words after "bao nhiêu"/"mấy", as the user wrote them: "vụ khiếu", "hộ nghèo",
    "thanh vien" (typed without diacritics).

    Only the first one or two syllables are kept; function words and punctuation end the measure:
    "bao nhiêu vụ khiếu nại trong…" gives "vụ khiếu".
    """
    measures = []
    marked = normalize_text(text).lower()
    segments = re.split(r"[()\[\],;:?!.\"“”']", marked)
    for segment in segments:
        plain = strip_diacritics(segment)  # same length as `segment`: marks are dropped, not letters
        for match in _MEASURE.finditer(plain):
            words = []
            for word, original in zip(match.group(1).split(), segment[match.start(1):match.end(1)].split()):
                if word in _NOT_MEASURE:
                    break
                words.append(original)
            if words:
                measures.append(" ".join(words[:2]))
    return tuple(measures)
