"""Reading a question once, into one value: the places, the periods, and what it asks for.

Leaders name the place and the period in almost every question ("Quy Nhơn … 6 tháng đầu năm 2024"),
and these two facts narrow the search more than any ranking can.
- Places are matched first against the localities (and provinces, then and now) of the indexed
  reports: diacritic- and case-insensitively, with one edit of slack on a name that looks like one
  ("Tinh An", the sample's own "Tỉnh An" for Tịnh An; "hài lòng" is not Hạ Long). Then against the
  national gazetteer (`ingest.gazetteer`): a real place that no report is about ("Cẩm Phả", "cam pha",
  "tỉnh Quảng Trị") is kept as unknown, so the answerer says the reports do not cover it instead of
  answering with another place's figures. So is a place named with its level that no gazetteer knows.
- Periods come from the same parser as ingest (`ingest.periods`), with or without diacritics and in
  words ("chín tháng", "quý I/2025", "cả năm 2024"); see `rag.evidence.AskedPeriod` for what each asks.
- What is asked: a figure (and the noun it counts, the unit: a rate, an amount of money), a list, a
  comparison, a series over periods, the latest report, a plan's target or a result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from ingest import ReportMetadata, fold, normalize_text, strip_diacritics
from ingest.gazetteer import LOCALITY_LEVELS, Gazetteer, PlaceMention
from ingest.dates import DateMention, find_dates
from ingest.document_form import ORGANISATION_TYPES, document_references
from ingest.function_words import FUNCTION_WORDS, stop_flags
from ingest.periods import CALENDAR_WORDS, PeriodMention, PeriodRole, find_periods
from rag.evidence import AskedPeriod, asked_periods, source_periods
from rag.figures import numbers_in

LEVELS = (*LOCALITY_LEVELS, "tỉnh")
_LEVEL_ALTERNATION = "|".join(sorted(LEVELS + ("tp.", "tp"), key=len, reverse=True))
# A level word then a capitalised name of one to four syllables: "thành phố Cẩm Phả", "xã Tịnh Hà".
_NAMED_PLACE = re.compile(
    rf"(?i:\b({_LEVEL_ALTERNATION}))\s+((?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){{0,3}})"
)
# The word of a level that stands just before a name ("phố" of "thành phố", "xã"), folded, and "tp".
_FOLDED_LEVEL_WORDS = {strip_diacritics(level).split()[-1] for level in LEVELS} | {"tp"}

# Words that ask for a figure, and those that ask for a list or a comparison.
_NUMERIC_CUES = ("bao nhieu", "ty le", "ngay nao", "bao gio", "khi nao", "so hieu",
                 "quyet dinh nao", "ke hoach nao", "phan tram")
_LIST_CUES = ("nhung ", "cac ", "nao", "gi")
_CROSS_CUES = ("so sanh", "nhung dia phuong", "dia phuong nao", "cac dia phuong")


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

    @cached_property
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
            for province in {meta.province, meta.current_province} - {""}:  # the province then and now
                places.append(("tỉnh", province, True))
            for level, name, is_province in places:
                entries.setdefault((fold(name), is_province), (name, level, set()))[2].add(meta.report_id)
        self.localities = [
            KnownLocality(name=name, level=level, report_ids=tuple(sorted(ids)), is_province=is_province)
            for (_, is_province), (name, level, ids) in entries.items()
        ]
        self._by_name: dict[str, list[int]] = {}
        for index, loc in enumerate(self.localities):
            self._by_name.setdefault(loc.folded, []).append(index)
        self._exact_names = set(self._by_name)
        self._name_sizes = sorted({len(name.split()) for name in self._by_name if name})
        # near-miss candidates by (words, characters) of the folded name: one edit changes the length by one at most
        self._by_shape: dict[tuple[int, int], list[int]] = {}
        for index, loc in enumerate(self.localities):
            if len(loc.folded) >= 6:
                self._by_shape.setdefault((len(loc.folded.split()), len(loc.folded)), []).append(index)
        self._word_counts = sorted({words for words, _ in self._by_shape})

    def find(self, text: str) -> list[KnownLocality]:
        """Known places named in `text`, exactly (after folding) or within one edit of a name.

        A near-miss must look like a name (capitalised, or after a level word such as "xã"), so that
        "hài lòng" is not taken for "Hạ Long".
        """
        words = fold(text).split()
        original = normalize_text(text).split()
        aligned = len(original) == len(words)
        named = {i for size in self._name_sizes for start in range(len(words) - size + 1)
                 for i in self._by_name.get(" ".join(words[start : start + size]), ())}
        exact = [self.localities[i] for i in sorted(named)]
        near: set[int] = set()
        for size in self._word_counts:
            for start in range(len(words) - size + 1):
                window = " ".join(words[start : start + size])
                if window in self._exact_names:  # "quang ninh" is a province, not a typo of "quang minh"
                    continue
                capitalised = aligned and original[start][:1].isupper()
                after_level = start > 0 and words[start - 1] in _FOLDED_LEVEL_WORDS
                if not (capitalised or after_level):
                    continue
                for length in (len(window) - 1, len(window), len(window) + 1):
                    near.update(i for i in self._by_shape.get((size, length), ())
                                if _edit_distance_at_most_one(window, self.localities[i].folded))
        return exact + [self.localities[i] for i in sorted(near) if self.localities[i] not in exact]

    def matches(self, name: str) -> bool:
        return bool(self.find(name))


def _split_level(locality: str, level: str) -> tuple[str, str]:
    if level and locality.lower().startswith(level.lower()):
        return level, locality[len(level):].strip()
    return level, locality


@dataclass(frozen=True)
class AnalyzedQuery:
    """What the question is about and what it asks for."""

    text: str
    folded: str
    localities: tuple[KnownLocality, ...] = ()
    unknown_places: tuple[str, ...] = ()
    periods: tuple[AskedPeriod, ...] = ()
    source_periods: tuple[AskedPeriod, ...] = ()  # "(theo báo cáo 6 tháng đầu năm 2024)": which report to read
    latest: bool = False  # "mới nhất", "gần đây nhất": the latest report of the place
    asks_series: bool = False  # "các tháng năm 2025", "từng quý": one answer per report, in time order
    asks_target: bool = False  # "mục tiêu", "chỉ tiêu", "phấn đấu": a plan's target is the answer
    asks_result: bool = False  # "kết quả", "đã … được": a plan's target is no answer
    asks_figure: bool = False
    asks_rate: bool = False
    asks_list: bool = False
    asks_comparison: bool = False
    measures: tuple[str, ...] = field(default=())
    asks_money: bool = False
    asks_date: bool = False  # "trước ngày nào", "khi nào", "từ ngày nào đến ngày nào": a day or a time answers
    asks_duration: bool = False  # "trong thời hạn bao lâu": a length of time answers
    organisations: tuple[str, ...] = ()  # "Sở Y tế": an agency the question is about, which evidence must name
    asks_signer: bool = False  # "Ai ký Kế hoạch 144/KH-UBND?": the document's signature block answers
    figures: tuple[str, ...] = ()
    # The question without what the fields above hold: its periods and dates, and references to a
    # document by number ("Kế hoạch 144/KH-UBND"). The words left say what the question is about, so
    # an answer's coverage of the question is measured on them.
    topic: str = ""

    @property
    def period(self) -> AskedPeriod | None:
        """The period asked about; None when the question names none, or several (a comparison)."""
        return self.periods[0] if len(self.periods) == 1 else None

    @property
    def years(self) -> tuple[int, ...]:
        """Every year the question's periods touch (for ranking and for the filters shown)."""
        return tuple(sorted({year for asked in self.periods for year in asked.years}))

    def periods_for(self, locality: KnownLocality) -> tuple[AskedPeriod, ...]:
        """The periods that go with one of several places: those written after its name and before
        the next place's ("Quy Nhơn 6 tháng đầu năm 2024, còn Bình Sơn năm 2023"); all of them when
        the question names one place, or writes its periods apart from any place."""
        named = sorted({_position(self.folded, loc.folded) for loc in self.localities if not loc.is_province})
        if len(named) < 2 or all(p.start < named[0] for p in self.periods):
            return self.periods
        here = _position(self.folded, locality.folded)
        following = [pos for pos in named if pos > here]
        end = following[0] if following else len(self.text) + 1
        return tuple(p for p in self.periods if here <= p.start < end)

    def for_report(self, report_id: str) -> AnalyzedQuery:
        """The question as it applies to one report: with the periods of the place the report is about,
        when the question gives each place its own ("Quy Nhơn 6 tháng đầu năm 2024, Bình Sơn năm 2023")."""
        place = next((loc for loc in self.localities if report_id in loc.report_ids and not loc.is_province), None)
        periods = self.periods_for(place) if place is not None else self.periods
        return self if periods == self.periods else replace(self, periods=periods)

    @property
    def report_ids(self) -> set[str]:
        """Reports of the places named (provinces excluded: a province holds many places)."""
        return {rid for loc in self.localities if not loc.is_province for rid in loc.report_ids}

    @property
    def place_count(self) -> int:
        return len({loc.folded for loc in self.localities if not loc.is_province})


_ASKS_DATE = re.compile(r"\b(?:ngay nao|khi nao|bao gio|luc nao|thoi diem nao|may gio|hieu luc tu)\b")
_ASKS_DURATION = re.compile(r"\bbao lau\b")
# An agency named by its type and name: "Sở Y tế", "Cục Hải quan", "Bộ Công an". Only the bodies of
# the state apparatus whose names the law fixes (bộ, tổng cục, cục, chi cục, sở: `ORGANISATION_TYPES`);
# a centre, office or school is named in many ways ("Trung tâm hành chính công", "Trung tâm Phục vụ
# hành chính công") and cannot be held to one. Names are capitalised on their first word only.
_AGENCY_TYPES = [t for t in ORGANISATION_TYPES if t in ("bộ", "tổng cục", "cục", "chi cục", "sở")]
_AGENCY = re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in _AGENCY_TYPES) + r")\s+([^\W\d_][\w&]*)(?:\s+([^\W\d_]+))?",
                     re.IGNORECASE)


def organisations_named(text: str) -> tuple[str, ...]:
    """The agencies a question names, as "<type> <name's first word> [<its second word>]": "Sở Y tế",
    "Cục Hải quan"; the type and the name's first word are capitalised, the second word is not."""
    found = []
    for m in _AGENCY.finditer(text):
        kind, first, second = m.group(1), m.group(2), m.group(3)
        if not (kind[:1].isupper() and first[:1].isupper()):
            continue
        found.append(" ".join([kind, first, *([second] if second and second.islower() else [])]))
    return tuple(dict.fromkeys(found))


_ASKS_SIGNER = re.compile(r"\b(?:ai|nguoi) ky\b(?! ket)|\bky boi ai\b|\bdo ai ky\b")
_LATEST = re.compile(r"\b(moi nhat|gan day nhat|gan nhat|hien nay|moi day|hien tai)\b")
_SERIES = re.compile(r"\b(cac|tung|hang|qua cac|moi) (thang|quy|nam|ky)\b")
_TARGET = re.compile(r"\b(muc tieu|chi tieu|phan dau|dinh huong|du kien|ke hoach de ra|den nam \d{4})\b")
# What was achieved; "kết quả" alone names reports ("gửi báo cáo kết quả trước ngày nào") and asks nothing.
_RESULT = re.compile(r"\b(ket qua dat duoc|da dat|dat duoc|thuc hien duoc|da thuc hien|da tiep nhan|da giai quyet)\b")


def analyze_query(question: str, gazetteer: LocalityGazetteer, national: Gazetteer | None = None) -> AnalyzedQuery:
    """The question as one value; `national` (the national gazetteer) recognises real places that no
    indexed report is about, and the official short forms of those that are ("TP HCM", "TP. Hồ Chí Minh")."""
    text = normalize_text(question).strip()
    folded = fold(text)
    localities = list(gazetteer.find(text))
    mentions = national.find(text) if national is not None else []
    for mention in mentions:
        for unit in mention.units:  # "TP HCM" is the indexed "thành phố Hồ Chí Minh"
            for known in gazetteer.find(unit.name):
                if known not in localities and (not known.level or known.level == unit.level):
                    localities.append(known)
    localities = tuple(localities)
    periods = asked_periods(text)
    said_periods, dates = find_periods(text, 2000), find_dates(text)  # read once, for the figures and the topic
    return AnalyzedQuery(
        text=text, folded=folded, localities=localities,
        unknown_places=_unknown_places(text, gazetteer, mentions),
        periods=periods, source_periods=source_periods(text), latest=bool(_LATEST.search(folded)),
        asks_series=bool(_SERIES.search(folded)) or _spans_several(periods),
        asks_target=bool(_TARGET.search(folded)) or any(p.target for p in periods),
        asks_result=_asks_result(text, folded),
        asks_figure=_asks_figure(text, folded) or bool(_ASKS_DATE.search(folded) or _ASKS_DURATION.search(folded)),
        asks_list=_asks_list(folded),
        asks_rate=bool(re.search(r"\b(ty le|phan tram)\b", folded)),
        asks_comparison=any(cue in folded for cue in _CROSS_CUES) or len(
            {loc.folded for loc in localities if not loc.is_province}) > 1,
        measures=measures_asked(text),
        asks_money=bool(re.search(r"\b(kinh phi|bao nhieu tien|ngan sach|du no|nguon von|tong chi|tong thu)\b",
                                  folded)),
        asks_date=bool(_ASKS_DATE.search(folded)),
        asks_duration=bool(_ASKS_DURATION.search(folded)),
        asks_signer=bool(_ASKS_SIGNER.search(folded)),
        organisations=organisations_named(text),
        figures=tuple(sorted(_content_figures(text, said_periods, dates))),
        topic=_topic(text, said_periods, dates),
    )


def _topic(text: str, mentions: list[PeriodMention], dates: list[DateMention]) -> str:
    spans = [(m.start, m.end) for m in mentions if m.role is not PeriodRole.COMPARISON]
    spans += [(d.start, d.end) for d in dates] + document_references(text)
    return " ".join(_blank(text, spans).split())


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span replaced by a space."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def _asks_result(text: str, folded: str) -> bool:
    """"đã triệt phá bao nhiêu", "cắt giảm được bao nhiêu", "kết quả đạt được": what was done. Typed
    without diacritics, "da … duoc" reads the same."""
    marked = normalize_text(text).lower()
    if re.search(r"(?<!\w)đã(?!\w)|(?<!\w)được bao nhiêu(?!\w)", marked) or _RESULT.search(folded):
        return True
    return not has_marks(marked) and bool(re.search(r"\bda\b.*\bduoc\b|\bduoc bao nhieu\b", folded))


def _asks_figure(text: str, folded: str) -> bool:
    """"bao nhiêu", "mấy" (typed with its marks, "mấy" is not "máy"), a rate, a date, a number."""
    if folded.startswith("so sanh") or any(cue in folded + " " for cue in _NUMERIC_CUES):
        return True
    marked = normalize_text(text).lower()
    return bool(re.search(r"(?<!\w)mấy(?!\w)", marked)) or (
        not has_marks(marked) and bool(re.search(r"(?<!\w)may\s+(?!bay|tinh|moc|in\b)", folded)))


def has_marks(text: str) -> bool:
    return strip_diacritics(text) != text


def _spans_several(periods: tuple[AskedPeriod, ...]) -> bool:
    """"từ quý I đến quý III năm 2025": a span of several periods of one kind."""
    return any(asked.period.granularity.value == "range" and asked.period.start.month != asked.period.end.month
               and (asked.period.end - asked.period.start).days > 95 for asked in periods)


def _unknown_places(text: str, gazetteer: LocalityGazetteer, mentions: list[PlaceMention]) -> tuple[str, ...]:
    """Places the question names that no indexed report is about: real ones among the national
    gazetteer's `mentions` ("Cẩm Phả", typed "cam pha" too), and names given with a level word that no gazetteer
    knows ("xã Hòa Lạc Đông")."""
    unknown: list[str] = []
    for mention in mentions:
        if gazetteer.matches(mention.text) or any(gazetteer.matches(unit.name) for unit in mention.units):
            continue
        units = [u for u in mention.units if not mention.level_written or u.level == mention.level_written.lower()]
        unit = (units or list(mention.units) or [None])[0]
        if unit is None:
            continue
        name = mention.text if mention.level_written else f"{unit.level} {unit.name}" if len(
            {u.full_name for u in mention.units}) == 1 else unit.name
        unknown.append(" ".join(name.split()))
    for m in _NAMED_PLACE.finditer(text):
        if any(m.start() < mention.end and mention.start < m.end() for mention in mentions):
            continue  # the national gazetteer has read this name already ("TP HCM" is a real place)
        name = _capitalised_prefix(m.group(2))
        if name and not gazetteer.matches(name) and not _is_generic_name(name):
            phrase = f"{m.group(1)} {name}"
            if not any(fold(name) in fold(known) for known in unknown):
                unknown.append(phrase)
    return tuple(unknown)


def _position(folded: str, name: str) -> int:
    found = folded.find(name)
    return found if found >= 0 else len(folded)


def years_in(text: str) -> tuple[int, ...]:
    """Years a text is about: those of the periods it names ("năm 2020", "2021-2024", "quý I/2024"),
    by the one period parser; a date ("17/6/2024") or a quantity ("2.015 hồ sơ") names no year."""
    return tuple(sorted({year for m in find_periods(text) if m.role is not PeriodRole.COMPARISON
                         for year in m.period.years}))


def reporting_years(meta: ReportMetadata) -> tuple[int, ...]:
    """The years a report's figures are for: those of its reporting period ("năm 2020"), not the
    years it plans for ("nhiệm vụ trọng tâm năm 2021"), which `meta.years` also lists."""
    if meta.period_start and meta.period_end:
        return tuple(range(int(meta.period_start[:4]), int(meta.period_end[:4]) + 1))
    return years_in(meta.period) or tuple(meta.years)


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
def _content_figures(text: str, mentions: list[PeriodMention], dates: list[DateMention]) -> set[str]:
    """Figures a question quotes ("25 dịch vụ công"); periods and dates, by their parsers, left out."""
    spans = [(m.start, m.end) for m in mentions] + [(d.start, d.end) for d in dates]
    return {value for _, value in numbers_in(_blank(text, spans))}


# Words that end a measure ("bao nhiêu vụ khiếu nại trong …"): the function words and the calendar's;
# and the nouns of what other fields ask ("phần trăm" a rate, "tiền" money, "người" anyone).
_NOT_MEASURE = FUNCTION_WORDS | frozenset(CALENDAR_WORDS) | {"phần", "tiền", "người"}


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
            originals = segment[match.start(1):match.end(1)].split()
            for original, stop in zip(originals, stop_flags(originals, _NOT_MEASURE)):
                if stop:
                    break
                words.append(original)
            if words:
                measures.append(" ".join(words[:2]))
    return tuple(measures)
