"""The precedent finder: which reports describe what was done on a topic, one row per report, best first.

Staff ask "những địa phương nào đã xây dựng mô hình Dân vận khéo?", "xã nào đã số hóa hồ sơ hộ tịch?".
The chat answers one fact from a few passages; a survey needs every report that dealt with the topic,
each once, with the passage that says how, and the reports that only name the topic in passing below
those that describe it.

How a report is judged (`ReportEvidence`), from the passages hybrid retrieval finds for the topic:
- The topic is read as BM25 tokens (folded syllables and syllable pairs, abbreviations expanded) once
  the question's frame is taken away ("những địa phương nào đã …", "… thế nào": `SURVEY_FRAME`). Each
  token weighs its rarity in the whole library (BM25's idf, from the lexical index), so that "khéo" in
  "dân vận khéo" counts for more than "dân vận", which every sample report repeats.
- `match(text)`: the share of the topic's weight a sentence or a heading holds. A sentence is *on
  the topic* when it holds at least `ON_TOPIC` (half) of that weight.
- A report is a row only when one of its sentences or headings is on the topic (dense retrieval alone
  brings near-topic reports that never name it). It *describes* the topic ("mô tả") when a heading of
  its retrieved passages is on the topic (the report gives the topic a section) or when at least
  `DESCRIBING_SENTENCES` sentences are (it says more than a line); otherwise it *mentions* it
  ("nhắc qua"), and ranks below every report that describes it.
  An on-topic sentence that states a quantity ("120 tổ", "77 mô hình", "99,5%": `states_quantity`)
  counts twice: it says what was done and with what result.
- Among the reports that describe the topic, accounts of work done (báo cáo) come before plans
  (kế hoạch, chương trình …: their text is what shall be done, rag/evidence.py `PLAN_TYPES`).
- The score, in [0, 1], is the mean of the best sentence's match, the best heading's match and the
  number of on-topic sentences (up to `DEPTH_CAP`) over that cap. Ties go to the retrieval order.
How well this separates the two is measured by `evals/precedents.py` (recall@10, precision@5 and the
share of describing reports ranked above those that mention the topic, against the plain retrieval
order).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ingest import fold, has_diacritics, normalize_text, strip_diacritics
from ingest.abbreviations import expand_abbreviations
from ingest.dates import find_dates
from ingest.gazetteer import ADMIN_LEVELS
from ingest.periods import Period, find_periods
from rag.evidence import PLAN_TYPES, AskedPeriod, asked_periods
from rag.extractive import passage_sentences
from rag.figures import numbers_in
from rag.query_analysis import LocalityGazetteer, reporting_years
from rag.retrievers import HybridRetriever, node_to_passage
from rag.schema import Passage
from vectorstore import ReportEmbedding, ReportIndex, StoredReport
from vectorstore.lexical_tokens import token_runs, with_pairs

ON_TOPIC = 0.5
DESCRIBING_SENTENCES = 2
DEPTH_CAP = 3
DESCRIBES, MENTIONS = "describes", "mentions"
KIND_LABELS = {DESCRIBES: "mô tả", MENTIONS: "nhắc qua"}

# The frame of a survey question, which says nothing of the topic (Vietnamese grammar): the place
# asked about ("những địa phương nào", "xã nào", "các nơi"), "how" ("thế nào", "ra sao", "bằng cách
# nào"), and function words (aspect and plural markers, prepositions, conjunctions). Folded.
_PLACE_NOUNS = ("dia phuong", "noi", "don vi", "co quan", *(strip_diacritics(level) for level in ADMIN_LEVELS))
_PLACE_ALTERNATION = "|".join(sorted(_PLACE_NOUNS, key=len, reverse=True))
SURVEY_FRAME = re.compile(
    rf"\b(?:(?:nhung|cac)\s+)?(?:{_PLACE_ALTERNATION})(?:\s*(?:,|va|hoac|hay)\s*(?:{_PLACE_ALTERNATION}))*\s+nao\b"
    rf"|\b(?:nhung|cac)\s+(?:dia phuong|noi|don vi|co quan)\b"
    r"|\b(?:nhu\s+)?the\s+nao\b|\bra\s+sao\b|\bbang\s+cach\s+nao\b|\blam\s+gi\b|\bo\s+dau\b|\bkhi\s+nao\b"
    r"|\bbao\s+nhieu\b|\bla\s+gi\b"
    # "từng tháng", "các quý", "hằng năm": a series asked for (the cue of rag/query_analysis.py `_SERIES`)
    r"|\b(?:cac|tung|hang|qua cac|moi)\s+(?:thang|quy|nam|ky)\b"
)
FUNCTION_WORDS = frozenset(
    "đã đang sẽ được bị có những các mọi nào gì không chưa rồi và hoặc với của về trong tại ở cho theo "
    "từ đến như là thì mà để".split())
# Typed without diacritics, the same words fold onto content words ("cơ sở", "ma túy", "đề án"), so
# their folded forms are used only for a topic typed without any mark.
FOLDED_FUNCTION_WORDS = frozenset(strip_diacritics(w) for w in FUNCTION_WORDS)


@dataclass(frozen=True)
class PrecedentFilters:
    """What staff narrow a survey by. `levels`: "xã", "phường", "huyện", "thành phố", "tỉnh" …;
    `provinces`: then or now ("Quảng Ngãi" finds reports written before and after the 2025 merger);
    `years`: the reporting period's years; `period`: a period in words ("6 tháng đầu năm 2024",
    "quý I/2025", "năm 2023"), which a report's own period must fit."""

    levels: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    period: str = ""
    report_ids: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.levels or self.provinces or self.years or self.period or self.report_ids)

    def to_dict(self) -> dict[str, Any]:
        return {"levels": list(self.levels), "provinces": list(self.provinces), "years": list(self.years),
                "period": self.period, "report_ids": list(self.report_ids)}


@dataclass(frozen=True)
class PrecedentRow:
    """One report that dealt with the topic: where, when, the passage and the sentence that says how."""

    report_id: str
    title: str
    document_type: str
    locality: str
    locality_level: str
    province: str
    period: str
    date: str
    section: str
    section_title: str
    passage: str
    quote: str
    score: float
    kind: str = DESCRIBES  # "describes" or "mentions" (see the module docstring)
    chunk_id: str = ""
    sentences_on_topic: int = 0

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def citation(self) -> str:
        """"Báo cáo … (thành phố Quy Nhơn, 2024-06-17), mục III.3": how a memo cites the row."""
        where = ", ".join(part for part in (self.locality, self.date) if part)
        section = f"mục {self.section}" if self.section else "phần mở đầu"
        return f"{self.title or self.report_id} ({where}), {section}" if where else f"{self.title}, {section}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PrecedentResult:
    """The DESIGN.md `precedents` object, with notices for the user and timings."""

    query: str
    filters: PrecedentFilters
    rows: list[PrecedentRow] = field(default_factory=list)  # reports that describe the topic, best first
    mentions: list[PrecedentRow] = field(default_factory=list)  # reports that name it in passing, below them
    topic: str = ""  # the query with its survey frame taken away: what was searched for
    notices: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "topic": self.topic, "filters": self.filters.to_dict(),
                "rows": [row.to_dict() for row in self.rows], "mentions": [row.to_dict() for row in self.mentions],
                "notices": list(self.notices),
                "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()}}


# --- the topic ----------------------------------------------------------------------------------------

def survey_topic(query: str) -> str:
    """The query without its survey frame: "Những địa phương nào đã xây dựng mô hình Dân vận khéo?" ->
    "xây dựng mô hình Dân vận khéo". Spans are found on the folded text (same length) and cut from the
    written one, so the topic keeps its diacritics for the embedding."""
    text = normalize_text(query).strip()
    folded = strip_diacritics(text).lower()
    if len(folded) != len(text):  # a character whose folded form differs in length: leave the text whole
        return " ".join(text.rstrip("?.!").split())
    # the frame, and the periods: a period is a filter (or, for a figure, the evidence policy's business)
    spans = [(m.start(), m.end()) for m in SURVEY_FRAME.finditer(folded)]
    spans += [(m.start, m.end) for m in find_periods(text)]
    for start, end in sorted(spans, reverse=True):  # a comma where words left: no pair spans the gap
        text = text[:start] + "," + " " * (end - start - 1) + text[end:]
    text = re.sub(r"\s*,(?:\s*,)*", ",", " ".join(text.split())).replace(",", ", ").strip(" ,")
    words = text.rstrip("?.!").split()
    function_words = FUNCTION_WORDS if has_diacritics(text) else FOLDED_FUNCTION_WORDS
    while words and words[0].lower() in function_words:
        words.pop(0)
    while words and words[-1].lower().strip("?.!,") in function_words:
        words.pop()
    return " ".join(words).strip(" ?.!,")


def topic_parts(topic: str) -> list[list[str]]:
    """The topic's parts, as BM25 tokens (syllables, then pairs): the runs that function words and
    punctuation separate ("chuyển đổi số | nông nghiệp", "tập huấn | bồi dưỡng nghiệp vụ công tác dân vận | cán bộ")."""
    expanded = expand_abbreviations(topic)
    marked = has_diacritics(expanded)
    function_words = FUNCTION_WORDS if marked else FOLDED_FUNCTION_WORDS
    runs: list[list[str]] = []
    for run in token_runs(expanded, folded=False):
        current: list[str] = []
        for token in run:
            if token in function_words:
                if current:
                    runs.append(current)
                current = []
            else:
                current.append(strip_diacritics(token))
        if current:
            runs.append(current)
    return [list(dict.fromkeys(with_pairs([run]))) for run in runs]


def topic_tokens(topic: str) -> list[str]:
    """Every token of the topic's parts, once: syllables first, then pairs."""
    parts = topic_parts(topic)
    singles = [t for part in parts for t in part if "_" not in t]
    pairs = [t for part in parts for t in part if "_" in t]
    return list(dict.fromkeys(singles + pairs))


def text_tokens(text: str) -> frozenset[str]:
    return frozenset(with_pairs(token_runs(expand_abbreviations(text))))


@dataclass(frozen=True)
class TopicWeights:
    """Each topic token's weight: its BM25 idf in the library (a token no chunk holds weighs most)."""

    weights: dict[str, float]

    @classmethod
    def of(cls, tokens: Sequence[str], frequencies: dict[str, int], total: int) -> TopicWeights:
        n = max(total, 1)
        return cls({t: math.log1p((n - frequencies.get(t, 0) + 0.5) / (frequencies.get(t, 0) + 0.5)) for t in tokens})

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    def match(self, tokens: frozenset[str]) -> float:
        """Share of the topic's weight that `tokens` hold, in [0, 1]."""
        total = self.total
        return sum(w for t, w in self.weights.items() if t in tokens) / total if total else 0.0


# --- judging one report -------------------------------------------------------------------------------

@dataclass
class ReportEvidence:
    """What the retrieved passages of one report show about the topic.

    The sentence a row quotes is the one that best says what was done: on the topic, then inside a
    section whose heading is on the topic, then holding a figure (a count, a rate, a date: what a
    description of work done has and a passing mention lacks), then the closest match, then the
    earliest retrieved."""

    report_id: str
    first_rank: int
    best: float = 0.0
    best_sentence: str = ""
    best_passage: Passage | None = None
    best_key: tuple = ()
    heading: float = 0.0
    heading_passage: Passage | None = None
    on_topic: set[str] = field(default_factory=set)
    with_quantity: set[str] = field(default_factory=set)  # on-topic sentences that state a quantity

    @property
    def relevant(self) -> bool:
        return self.best >= ON_TOPIC or self.heading >= ON_TOPIC

    @property
    def kind(self) -> str:
        said = len(self.on_topic) + len(self.on_topic & self.with_quantity)  # a sentence with a result counts twice
        return DESCRIBES if self.heading >= ON_TOPIC or said >= DESCRIBING_SENTENCES else MENTIONS

    @property
    def score(self) -> float:
        return (self.best + self.heading + min(len(self.on_topic), DEPTH_CAP) / DEPTH_CAP) / 3

    def read(self, passage: Passage, weights: TopicWeights, rank: int) -> None:
        titles = [passage.section_title, *(title for _, _, title in passage.subsections)]
        section_on_topic = False
        for title in titles:
            value = weights.match(text_tokens(title)) if title else 0.0
            section_on_topic = section_on_topic or value >= ON_TOPIC
            if value > self.heading:
                self.heading, self.heading_passage = value, passage
        for sentence in passage_sentences(passage.text):
            value = weights.match(text_tokens(sentence))
            if value >= ON_TOPIC:
                key_text = " ".join(sentence.split())
                self.on_topic.add(key_text)
                if states_quantity(sentence):
                    self.with_quantity.add(key_text)
            self.best = max(self.best, value)
            key = (value >= ON_TOPIC, section_on_topic, bool(numbers_in(sentence)), round(value, 6), -rank)
            if not self.best_key or key > self.best_key:
                self.best_key, self.best_sentence, self.best_passage = key, sentence.strip(), passage


# A document number ("Kế hoạch số 47/KH-UBND", "28/2018/QĐ-TTg") is a reference, not a quantity.
_DOCUMENT_NUMBER = re.compile(r"\b\d+(?:/\d+)*/[A-ZĐ]")
_QUANTITY = re.compile(r"(\d[\d.,]*)\s*(%|[^\W\d_]{2,})")


def states_quantity(sentence: str) -> bool:
    """Whether a sentence states a quantity of something ("120 tổ", "77 mô hình", "đạt 99,5%"): what an
    account of work done carries and a passing mention lacks. Dates, periods and document numbers are
    not quantities."""
    text = _DOCUMENT_NUMBER.sub(" ", sentence)
    spans = [(m.start, m.end) for m in find_periods(text)] + [(d.start, d.end) for d in find_dates(text)]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " * (end - start) + text[end:]
    return bool(_QUANTITY.search(text))


def order_rows(evidence: Iterable[ReportEvidence], plans: set[str] = frozenset()) -> list[ReportEvidence]:
    """Reports that describe the topic first, then those that mention it; by score, then retrieval.
    Among those that describe it, an account of what was done (a báo cáo) comes before a plan's
    intentions (`plans`: report ids of the plan types of rag/evidence.py), which still follow."""
    return sorted((e for e in evidence if e.relevant),
                  key=lambda e: (e.kind != DESCRIBES, e.report_id in plans, -round(e.score, 6), e.first_rank))


# --- filters ------------------------------------------------------------------------------------------

def reports_in_scope(filters: PrecedentFilters, reports: Sequence[StoredReport]) -> set[str] | None:
    """Report ids the filters allow; None without filters. Raises ValueError (Vietnamese) on a level
    or a period it cannot read."""
    if filters.is_empty():
        return None
    allowed = {r.report_id for r in reports}
    if filters.report_ids:
        allowed &= set(filters.report_ids)
    if filters.levels:
        known = {fold(level) for level in ADMIN_LEVELS}
        wanted = {fold(level) for level in filters.levels}
        unknown = sorted(wanted - known)
        if unknown:
            raise ValueError(f"cấp không hợp lệ: {', '.join(unknown)} (dùng: {', '.join(ADMIN_LEVELS)})")
        allowed &= {r.report_id for r in reports if fold(r.metadata.locality_level) in wanted}
    if filters.provinces:
        gazetteer = LocalityGazetteer([r.metadata for r in reports])
        named = {rid for name in filters.provinces for loc in gazetteer.find(name) if loc.is_province
                 for rid in loc.report_ids}
        allowed &= named
    if filters.years:
        allowed &= {r.report_id for r in reports if set(reporting_years(r.metadata)) & set(filters.years)}
    if filters.period:
        asked = asked_periods(filters.period)
        if not asked:
            raise ValueError(f"không đọc được kỳ báo cáo “{filters.period}” (ví dụ: “6 tháng đầu năm 2024”, "
                             "“quý I/2025”, “năm 2023”)")
        allowed &= {r.report_id for r in reports if _fits_period(asked[0], r)}
    return allowed


def _fits_period(asked: AskedPeriod, report: StoredReport) -> bool:
    return asked.fits(Period.from_metadata(report.metadata.model_dump()))


# --- the search ---------------------------------------------------------------------------------------

class PrecedentFinder:
    """One precedent search over the report index (the service composes it: `BaocaoService.precedents`)."""

    def __init__(self, store: ReportIndex, embedding: ReportEmbedding, reports: Sequence[StoredReport],
                 candidates: int = 120) -> None:
        self.store = store
        self.embedding = embedding
        self.reports = {r.report_id: r for r in reports}
        self.candidates = candidates

    def weights(self, topic: str) -> TopicWeights:
        tokens = topic_tokens(topic)
        lexical = getattr(self.store, "lexical", None)
        if lexical is None or not hasattr(lexical, "document_frequencies"):
            return TopicWeights({t: 1.0 for t in tokens})
        frequencies, total = lexical.document_frequencies(tokens)
        return TopicWeights.of(tokens, frequencies, total)

    def search(self, query: str, filters: PrecedentFilters | None = None, k: int = 10) -> PrecedentResult:
        filters = filters or PrecedentFilters()
        started = clock = time.perf_counter()
        timings: dict[str, float] = {}

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = (now - clock) * 1000
            clock = now

        topic = survey_topic(query)
        result = PrecedentResult(query=query, filters=filters, topic=topic)
        scope = reports_in_scope(filters, list(self.reports.values()))
        if scope is not None and not scope:
            result.notices.append("Không có báo cáo nào khớp với bộ lọc đã chọn.")
        if not topic or (scope is not None and not scope):
            timings["total"] = (time.perf_counter() - started) * 1000
            result.timings_ms = timings
            return result
        weights = self.weights(topic)
        lap("weights")
        retriever = HybridRetriever(self.store, self.embedding, k=max(self.candidates, 8 * k),
                                    candidates=max(self.candidates, 8 * k), report_ids=scope)
        nodes = retriever.retrieve(topic)
        lap("retrieve")
        by_report: dict[str, ReportEvidence] = {}
        for rank, node in enumerate(nodes):
            passage = node_to_passage(node)
            evidence = by_report.setdefault(passage.report_id, ReportEvidence(passage.report_id, rank))
            evidence.read(passage, weights, rank)
        plans = {rid for rid, r in self.reports.items() if r.metadata.document_type in PLAN_TYPES}
        ranked = order_rows(by_report.values(), plans)
        result.rows = [self._row(e) for e in ranked if e.kind == DESCRIBES][:k]
        result.mentions = [self._row(e) for e in ranked if e.kind == MENTIONS][: max(0, k - len(result.rows))]
        lap("rank")
        timings["total"] = (time.perf_counter() - started) * 1000
        result.timings_ms = timings
        notice = getattr(self.store, "lexical_notice", "")
        if notice:
            result.notices.append(notice)
        return result

    def _row(self, evidence: ReportEvidence) -> PrecedentRow:
        use_heading = evidence.best < ON_TOPIC and evidence.heading_passage is not None
        passage = evidence.heading_passage if use_heading else evidence.best_passage
        assert passage is not None
        quote = evidence.best_sentence if not use_heading else (passage_sentences(passage.text) or [""])[0]
        section, section_title = passage.section_of(quote)
        stored = self.reports.get(evidence.report_id)
        meta = stored.metadata if stored else None
        period = passage.report_period
        return PrecedentRow(
            report_id=evidence.report_id, title=meta.title if meta else passage.title,
            document_type=(meta.document_type if meta else passage.document_type) or "",
            locality=meta.locality if meta else passage.locality, locality_level=meta.locality_level if meta else "",
            province=meta.province if meta else passage.province,
            period=period.describe() if period else (meta.period if meta else passage.period),
            date=meta.date if meta else passage.date, section=section, section_title=section_title,
            passage=passage.text, quote=quote, score=round(evidence.score, 4), kind=evidence.kind,
            chunk_id=passage.chunk_id, sentences_on_topic=len(evidence.on_topic),
        )
