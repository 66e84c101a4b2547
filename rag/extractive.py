"""Extractive answers: the report's own sentences that answer the question, with [n] markers.

The default answerer uses no language model, so it cannot invent a figure: every sentence of the
answer is copied from a retrieved passage and cites it. What it has to get right is *which* sentences,
and *when to say nothing*:
- Sentences of the top passages are scored by how much of the question they cover (syllables and
  syllable pairs, weighted by rarity among the candidates, abbreviations expanded), with a bonus for a
  figure when the question asks for one, and for the unit asked for right after the figure ("bao
  nhiêu vụ khiếu nại" -> "147 vụ khiếu nại").
- It abstains when no sentence covers enough of the question, when a figure is asked and none is
  found, when the question is about a place no report covers, or when it is about a year or period
  the reports do not cover (a 2024 figure is not an answer about 2020). The thresholds are
  calibrated on the `dev` eval split, where both kinds of error are counted.
- A question about several places (or "which localities …") is answered per report.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from ingest import fold, has_diacritics, normalize_text, split_sentences, strip_diacritics
from ingest.abbreviations import ABBREVIATIONS, expand_abbreviations
from ingest.dates import find_dates, names_a_day, names_a_duration
from ingest.function_words import FUNCTION_WORDS, stop_flags
from ingest.lexicon import is_compound, is_compound_folded
from ingest.numbers import NUMBER_WORDS
from ingest.periods import CALENDAR_WORDS
from rag.figures import numbers_in, values_in
from rag.evidence import EvidencePeriod, evidence_period, fits, periods_in
from rag.query_analysis import LEVELS, AnalyzedQuery
from rag.schema import ABSTENTION_MESSAGE, Citation, DraftAnswer, Passage

# Words that shape a question but say nothing about its topic: the function words, the calendar's
# words and the number words (the period and figures are read from them), and "báo cáo", the corpus's
# own kind of document (compared as `ingest.function_words.stop_flags` says).
STOP_WORDS_MARKED = FUNCTION_WORDS | {w for phrase in (*CALENDAR_WORDS, *NUMBER_WORDS, "báo cáo") for w in phrase.split()}


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage; `position` is its index among the passage's sentences."""

    sentence: str
    passage: Passage
    rank: int
    position: int
    key: str
    terms: frozenset[str]
    marked_terms: frozenset[str]

    @classmethod
    def of(cls, sentence: str, passage: Passage, rank: int, position: int) -> Candidate:
        """A list item's terms include those of the headings it stands under in the passage: under
        "1. Tên thủ tục hành chính: Cấp giấy phép …", the item "- Thời gian thực hiện: 05 ngày" is
        about that procedure though it does not name it. (A full sentence names its own subject.)"""
        context = " ".join(enclosing_titles(sentence, passage)) if _LIST_ITEM.match(sentence) else ""
        return cls(sentence, passage, rank, position, fold(sentence), *_sentence_terms(sentence, context))


@dataclass(frozen=True)
class Scored:
    """A candidate's score, with the checks `_select` needs computed once."""

    candidate: Candidate
    score: float
    coverage: float
    covered: frozenset[str]
    answers_figure: bool = False
    counts_noun: bool = False
    evidence: EvidencePeriod = EvidencePeriod(None, False)
    period_fits: bool = True  # the evidence policy (rag.evidence): the asked period, and a result for a result
    names_agencies: bool = True  # its passage names the agencies the question asks about ("Sở Y tế")


def passage_sentences(text: str) -> list[str]:
    """The sentences of a passage, line by line (a line break always ends a sentence)."""
    return [sentence for line in text.split("\n") for sentence in split_sentences(line)]


@lru_cache(maxsize=8192)
def _sentence_terms(sentence: str, context: str) -> tuple[frozenset[str], frozenset[str]]:
    """(folded, marked) terms of a sentence and its headings; cached, as the same sentences come back."""
    return (frozenset(terms_of(sentence) | terms_of(context)),
            frozenset(terms_of(sentence, keep_marks=True) | terms_of(context, keep_marks=True)))


def enclosing_titles(sentence: str, passage: Passage) -> list[str]:
    """The titles of the sections holding `sentence` that the passage shows, innermost first; a title
    the sentence itself repeats (a list item is its own section) is left out."""
    path, _ = passage.section_of(sentence)
    key = fold(sentence)
    titles = []
    while path:
        title = passage.title_of(path)
        if title and fold(title) not in key:
            titles.append(title)
        path = path.rsplit(".", 1)[0] if "." in path else ""
    return titles


def terms_of(text: str, ignore: set[str] = frozenset(), keep_marks: bool = False) -> set[str]:
    """Syllables and adjacent syllable pairs of `text`, stop words and `ignore` (both folded) left out.

    With `keep_marks` the terms keep their diacritics: a question typed with them is matched exactly,
    so "hộ nghèo" does not match "hồ sơ" as their folded forms ("ho") would.
    """
    expanded = normalize_text(expand_abbreviations(text)).lower()
    words = [w for w in re.findall(r"\w+", expanded) if not w.isdigit()]
    keys = [strip_diacritics(w) for w in words]
    skip = [k in ignore or stop for k, stop in zip(keys, stop_flags(words, STOP_WORDS_MARKED))]
    if not keep_marks:
        words = keys
    unigrams = {w for w, k, drop in zip(words, keys, skip) if not drop and len(k) > 1}
    bigrams = {f"{a}_{b}" for a, b, drop_a, drop_b in zip(words, words[1:], skip, skip[1:])
               if not drop_a and not drop_b}
    return unigrams | bigrams


class ExtractiveAnswerer:
    """Answers with sentences copied from the passages; see the module docstring."""

    def __init__(self, min_coverage: float = 0.25, max_sentences: int = 3, max_list_sentences: int = 5,
                 corpus_mentions: Callable[[str], bool] | None = None,
                 next_passage: Callable[[Passage], Passage | None] | None = None) -> None:
        """`corpus_mentions(name)` tells whether any report mentions a place; `next_passage(p)` gives
        the chunk after `p` in its report, where an enumeration cut by a chunk boundary goes on."""
        self.min_coverage = min_coverage
        self.max_sentences = max_sentences
        self.max_list_sentences = max_list_sentences
        self.corpus_mentions = corpus_mentions
        self.next_passage = next_passage

    # --- entry point ----------------------------------------------------------------------------

    def precheck(self, query: AnalyzedQuery, passages: list[Passage]) -> DraftAnswer | None:
        """An abstention that needs no reading of the passages (any answerer applies it first):
        the question is about a place no report mentions, or nothing was retrieved."""
        unknown = [p for p in query.unknown_places if not self._mentioned(p)]
        if unknown:
            return abstain(f"Các báo cáo đã nạp không có thông tin về {', '.join(unknown)}.")
        if not passages:
            return abstain()
        return None

    def answer(self, query: AnalyzedQuery, passages: list[Passage]) -> DraftAnswer:
        refusal = self.precheck(query, passages)
        if refusal is not None:
            return refusal
        candidates = self._candidates(passages)
        ignore = self._ignored_terms(query)
        marked = has_diacritics(query.text)
        idf = self._idf(candidates, marked)
        q_terms = {t for t in terms_of(query.topic or query.text, ignore, keep_marks=marked)
                   if "_" not in t or t in idf or _is_word(t, marked)}
        if not q_terms:
            return abstain()
        scored = sorted((self._score(c, q_terms, idf, query, marked) for c in candidates), key=lambda s: -s.score)
        if (query.asks_comparison or query.asks_series) and len({p.report_id for p in passages}) > 1:
            return self._per_report(query, scored, passages)
        chosen = self._select(query, scored)
        if not chosen:
            return self._what_exists_instead(query, scored) or abstain()
        # A place no report is about, but that some report mentions ("huyện Tuy Phước" in a Quy Nhơn
        # report): only a passage about that place may answer.
        for place in query.unknown_places:
            if fold(place_name(place)) not in fold(chosen[0].candidate.passage.text):
                return abstain(f"Các báo cáo đã nạp không có báo cáo của {place}.")
        if query.asks_comparison and len(query.periods) > 1 and query.place_count <= 1:  # each period compared
            missing = [p for p in query.periods if not any(p.fits(s.evidence.period) for s in chosen)]
            if missing:
                return abstain(f"Các báo cáo đã nạp không có số liệu {', '.join(p.describe() for p in missing)} "
                               "để so sánh.")
        return compose([chosen], query=query)

    def _what_exists_instead(self, query: AnalyzedQuery, scored: list[Scored]) -> DraftAnswer | None:
        """An abstention that says what the reports do hold, with its citation, when the only evidence is
        for another period or is a target: "Các báo cáo không có số liệu 9 tháng đầu năm 2024; báo cáo 6
        tháng đầu năm 2024 của thành phố Quy Nhơn có số liệu …: … [1]". None when nothing answers even so."""
        if not (query.periods or query.asks_result):
            return None
        near = [s for s in scored if s.answers_figure and s.counts_noun and not s.period_fits]
        if not near or near[0].coverage < self.min_coverage or query.unknown_places:
            return None
        best = near[0]
        passage = best.candidate.passage
        asked = "; ".join(p.describe() for p in query.periods)
        if query.asks_result and best.evidence.target and (
                query.period is None or query.period.fits(best.evidence.period)):
            missing = f"Các báo cáo đã nạp không có kết quả thực hiện{f' {asked}' if asked else ''} cho câu hỏi này"
            holds = f"{document_label(passage)} đặt chỉ tiêu"
        else:
            missing = f"Các báo cáo đã nạp không có số liệu {asked} cho câu hỏi này"
            held = best.evidence.describe() or "kỳ không xác định"
            holds = f"{document_label(passage)} có số liệu {held}"
        text = f"{missing}; {holds}: {clause_holding(query, best.candidate.sentence).rstrip(' .;')} [1]."
        # (the clause is trimmed without the asked period: it is the other period's figure that is shown)
        citation = Citation.from_passage(1, passage, best.candidate.sentence)
        return DraftAnswer(text=text, citations=[citation], abstained=True)

    # --- candidates and scores ---------------------------------------------------------------------

    def _mentioned(self, place: str) -> bool:
        return bool(self.corpus_mentions and self.corpus_mentions(place_name(place)))

    @staticmethod
    def _candidates(passages: list[Passage]) -> list[Candidate]:
        seen: set[str] = set()
        out = []
        for rank, passage in enumerate(passages):
            for position, sentence in enumerate(passage_sentences(passage.text)):
                key = fold(sentence)
                if len(key) < 12 or (passage.chunk_id, key) in seen:
                    continue
                seen.add((passage.chunk_id, key))  # chunks overlap: the same sentence may occur twice
                out.append(Candidate.of(sentence, passage, rank, position))
        return out

    @staticmethod
    def _ignored_terms(query: AnalyzedQuery) -> set[str]:
        """The places named and their level words, with the abbreviations of both ("TP", "UBND"):
        retrieval already restricted the reports to the place."""
        ignore = {"tp", "ubnd"}
        for loc in query.localities:
            ignore.update(loc.folded.split())
            ignore.update(strip_diacritics(loc.level).split()[-1:])
        return ignore

    @staticmethod
    def _idf(candidates: list[Candidate], marked: bool) -> dict[str, float]:
        df = Counter(term for c in candidates for term in (c.marked_terms if marked else c.terms))
        n = len(candidates) + 1
        return {term: math.log(1 + n / (1 + count)) for term, count in df.items()}

    def _score(self, c: Candidate, q_terms: set[str], idf: dict[str, float], query: AnalyzedQuery,
               marked: bool) -> Scored:
        default = math.log(1 + len(idf) + 1)
        weight = {t: idf.get(t, default) * (1.5 if "_" in t else 1.0) for t in q_terms}
        covered = q_terms & (c.marked_terms if marked else c.terms)
        coverage = sum(weight[t] for t in covered) / sum(weight.values())
        score = coverage - 0.01 * c.rank
        has_figure = _answers_figure(query, c.sentence)
        counts = {measure: _counts(measure, c.sentence) for measure in query.measures}
        if query.figures and set(query.figures) & values_in(c.sentence):
            score += 0.2
        evidence = evidence_period(c.sentence, c.passage, query.period)
        period_fits = fits_query(query, evidence)
        if query.periods and period_fits and evidence.stated:
            score += 0.1
        if query.asks_figure:
            score += 0.08 if has_figure else -0.15
            if has_figure and any(counts.values()):
                score += 0.12
        counted = _counted_measures(query)
        return Scored(c, score, coverage, frozenset(covered), answers_figure=not query.asks_figure or has_figure,
                      counts_noun=not counted or any(counts[m] for m in counted), evidence=evidence,
                      period_fits=period_fits, names_agencies=_names_agencies(query, c))

    # --- selection ---------------------------------------------------------------------------------

    def _select(self, query: AnalyzedQuery, scored: list[Scored], report_id: str | None = None) -> list[Scored]:
        pool = [s for s in scored if report_id is None or s.candidate.passage.report_id == report_id]
        pool = [s for s in pool if s.names_agencies]  # "Sở Y tế" asked: another agency's sentence is no answer
        answering = [s for s in pool if s.answers_figure and s.counts_noun and s.period_fits]
        if not answering and not any(s.counts_noun for s in pool if s.answers_figure and _counted_measures(query)):
            # No passage counts the noun at all ("mấy thành viên" where the report writes "06 người"):
            # the noun does not decide; a figure of the asked period still must.
            answering = [s for s in pool if s.answers_figure and s.period_fits and s.coverage >= 2 * self.min_coverage]
        if not answering or answering[0].coverage < self.min_coverage:
            return []
        best = answering[0]
        limit = self.max_list_sentences if query.asks_list else self.max_sentences
        chosen = [best]
        covered = set(best.covered)
        for s in pool[1:]:
            if len(chosen) >= limit:
                break
            if any(s.candidate.key == c.candidate.key for c in chosen):
                continue
            gain = s.covered - covered
            adjacent = any(_follows(s.candidate, c.candidate) for c in chosen)
            close = s.score >= (0.5 if adjacent else 0.6 if query.asks_list else 0.8) * best.score
            same_place = s.candidate.passage.report_id == best.candidate.passage.report_id
            # an adjacent sentence that answers as well as the best (sibling items "Thời gian theo quy
            # định: 07 ngày", "Thời gian thực hiện: 05 ngày") is shown beside it rather than silently dropped
            rival = adjacent and s.answers_figure and s.counts_noun and s.score >= 0.9 * best.score
            if close and same_place and s.period_fits and (gain or query.asks_list or rival):
                chosen.append(s)
                covered |= s.covered
        chosen += self._enumeration(chosen, pool, limit)
        return chosen

    def _enumeration(self, chosen: list[Scored], pool: list[Scored], limit: int) -> list[Scored]:
        """The items after a sentence that announces a list ("…, gồm:", "cụ thể:")."""
        extra: list[Scored] = []
        by_place = {(s.candidate.passage.chunk_id, s.candidate.position): s for s in pool}
        for head in list(chosen):
            if not _INTRODUCES_LIST.search(head.candidate.sentence):
                continue
            previous, position = head, head.candidate.position
            passage = head.candidate.passage
            while len(chosen) + len(extra) < limit + 3:
                position += 1
                item = by_place.get((passage.chunk_id, position))
                if item is None and _LIST_GOES_ON.search(previous.candidate.sentence):
                    item, passage, position = self._continuation(previous, passage, position)
                if item is None:
                    break
                if any(item.candidate.key == c.candidate.key for c in chosen + extra):
                    previous = item
                    continue
                if not (_LIST_GOES_ON.search(previous.candidate.sentence) or _LIST_ITEM.match(item.candidate.sentence)):
                    break
                extra.append(item)
                previous = item
        return extra

    def _continuation(self, previous: Scored, passage: Passage, position: int) -> tuple[Scored | None, Passage, int]:
        """The next sentence of an enumeration that runs past the end of `passage`."""
        rank = previous.candidate.rank
        sentences = passage_sentences(passage.text)
        if position < len(sentences):  # a passage that was not retrieved: read on in it
            return Scored(Candidate.of(sentences[position], passage, rank, position), 0.0, 0.0, frozenset()), \
                passage, position
        if self.next_passage is None:
            return None, passage, position
        following = self.next_passage(passage)
        if following is None:
            return None, passage, position
        for index, sentence in enumerate(passage_sentences(following.text)):
            if fold(sentence) == previous.candidate.key:  # the one-sentence overlap between chunks
                continue
            return Scored(Candidate.of(sentence, following, rank, index), 0.0, 0.0, frozenset()), following, index
        return None, passage, position

    def _per_report(self, query: AnalyzedQuery, scored: list[Scored], passages: list[Passage]) -> DraftAnswer:
        """One group of sentences per report, in the order the places are named (else by rank)."""
        order = []
        named = sorted(query.localities, key=lambda loc: _position(query.folded, loc.folded))
        for loc in named:
            order += [rid for rid in loc.report_ids if rid not in order and not loc.is_province]
        for p in passages:
            if p.report_id not in order and (not query.report_ids or p.report_id in query.report_ids):
                order.append(p.report_id)
        groups, missing = [], []
        for report_id in order:
            own = query.for_report(report_id)
            if own is not query:  # this place's own period ("Quy Nhơn 6 tháng đầu năm 2024, Bình Sơn …")
                rescored = [replace(s, period_fits=fits_query(own, s.evidence))
                            for s in scored if s.candidate.passage.report_id == report_id]
                chosen = self._select(query, rescored, report_id)
            else:
                chosen = self._select(query, scored, report_id)
            if chosen:
                groups.append(chosen[:2])
            elif report_id in query.report_ids:
                missing.append(report_id)
        if not groups:
            return abstain()
        names = {rid: f"{loc.level} {loc.name}".strip() for loc in query.localities for rid in loc.report_ids}
        names.update({p.report_id: p.locality for p in passages if p.locality})
        notes = [f"{names.get(rid) or rid}: không tìm thấy thông tin này trong báo cáo." for rid in missing]
        return compose(groups, per_report=True, trailing=notes, query=query)


_LEVEL_PREFIX = re.compile(rf"^(?:{'|'.join(sorted(LEVELS + ('tp.', 'tp'), key=len, reverse=True))})\s+", re.IGNORECASE)


def place_name(place: str) -> str:
    """"Thành phố Cẩm Phả" -> "Cẩm Phả"."""
    return _LEVEL_PREFIX.sub("", place).strip()


# "COVID-19", "ISO 9001": a number that is part of a name is not a figure.
_NAME_NUMBER = re.compile(r"\b[A-ZĐ]{2,}[- ]?\d+|\(\w?\d+\)")


_DURATION = re.compile(r"\b\d+\s+tháng\s+(?:đầu|cuối)\b|\bquý\s+(?:[IV]+|\d)\b", re.IGNORECASE)
_MONEY = re.compile(r"\b(?:đồng|triệu|tỷ|nghìn|USD|VNĐ|đ)\b|\d(?:USD|đ)\b", re.IGNORECASE)
# A sentence that opens an enumeration ("…, gồm:", "cụ thể: (i1) …;"), and one after which it goes on.
_INTRODUCES_LIST = re.compile(r"(?::|\bgồm|\bsau)\s*$|:.*;\s*$")
_LIST_GOES_ON = re.compile(r"[:;]\s*$|\bgồm\s*$")
_LIST_ITEM = re.compile(r"\s*(?:[-+•–]|\(?[a-zđ0-9]{1,2}\)|\d{1,2}\.)\s")


def quantities_in(sentence: str) -> list[tuple[str, str]]:
    """(as written, value) of every figure that is neither a period nor a date ("năm 2024", "quý
    I/2025", "ngày 17/6/2024"), a duration ("6 tháng") or a number inside a name ("COVID-19"). A number
    is a year only where the period and date parsers read one: "2.015 hồ sơ" is a figure."""
    return list(_quantities(sentence))


@lru_cache(maxsize=8192)
def _quantities(sentence: str) -> tuple[tuple[str, str], ...]:
    # cached: the same sentences come back question after question, and each is parsed for periods and dates
    cleaned = _NAME_NUMBER.sub(" ", sentence)
    spans = [(m.start, m.end) for m in periods_in(cleaned, 2000)] + [(d.start, d.end) for d in find_dates(cleaned)]
    for start, end in sorted(spans, reverse=True):
        cleaned = cleaned[:start] + " " + cleaned[end:]
    return tuple(numbers_in(_DURATION.sub(" ", cleaned)))


def _has_figure(sentence: str) -> bool:
    return bool(quantities_in(sentence))


def _answers_figure(query: AnalyzedQuery, sentence: str) -> bool:
    """The sentence holds a figure, of the kind asked (`of_kind_asked`)."""
    if not (query.asks_date or query.asks_duration) and not _has_figure(sentence):
        return False
    return of_kind_asked(query, sentence)


def of_kind_asked(query: AnalyzedQuery, sentence: str) -> bool:
    """The sentence gives what kind of figure the question asks: a day for "ngày nào", a length of
    time for "bao lâu", a percentage for a rate, an amount for money (any figure when no kind is asked)."""
    if query.asks_date or query.asks_duration:
        return (query.asks_date and names_a_day(sentence)) or (query.asks_duration and names_a_duration(sentence))
    if query.asks_rate and "%" not in sentence and "phần trăm" not in sentence.lower():
        return False
    if query.asks_money and not _MONEY.search(sentence):
        return False
    return True


def _counts(measure: str, sentence: str) -> bool:
    """A figure counts the noun asked for: "147 vụ", "10.285 hộ vay", or "Số doanh nghiệp đã ký
    kết …: 834/885". A measure typed with diacritics is matched with them ("hộ" is not "hồ"). The
    noun is not matched inside another word of the dictionary (`ingest.lexicon`): "nghĩa vụ", "dịch
    vụ" are no "vụ", "đơn vị" is no "đơn" (unless the question asked for that word)."""
    first, *others = measure.split()
    expanded = ABBREVIATIONS.get(first.upper()) or ABBREVIATIONS.get(first)
    if expanded and expanded.lower() != first.lower():  # "bao nhiêu TTHC": "283 thủ tục hành chính" or "283 TTHC"
        if _counts(" ".join([expanded.lower(), *others]), sentence):
            return True
    keep_marks = strip_diacritics(measure) != measure
    compound = is_compound if keep_marks else is_compound_folded
    text = normalize_text(sentence).lower()
    if not keep_marks:
        text = strip_diacritics(text)
    head, *rest = measure.lower().split()
    for match in re.finditer(rf"(?<!\w)(?<!\w-){re.escape(head)}(?!\w)", text):
        before = text[:match.start()].split()
        after = text[match.end():].split()
        next_word = after[0].strip(",.;:()") if after else ""
        if before and compound(before[-1].strip(",.;:()"), head):
            continue
        if next_word and compound(head, next_word) and not (rest and next_word == rest[0]):
            continue
        if before and re.fullmatch(r"\d[\d.,/%]*", before[-1]):
            return True  # "147 vụ"
        if re.match(r"(?:\s+[^\s:;]+){0,12}\s*:\s*\d", text[match.end():]):
            return True  # "Số doanh nghiệp đã ký kết …: 834/885"
    return False


def _counted_measures(query: AnalyzedQuery) -> list[str]:
    """The nouns a figure question counts ("bao nhiêu vụ", "mấy mô hình"): the answer must count
    them. Any noun: a rate or an amount of money is checked by its kind instead."""
    if not query.asks_figure or query.asks_rate or query.asks_money:
        return []
    return list(query.measures)


def _is_word(pair: str, marked: bool) -> bool:
    """Whether a syllable pair of the question is a dictionary word. A pair that is not, and that no
    passage holds ("mục tiêu xuất khẩu" gives "tiêu_xuất"), spans two words: it is no term of the
    question, and counting it would only lower every sentence's coverage."""
    first, second = pair.split("_", 1)
    return is_compound(first, second) if marked else is_compound_folded(first, second)


def _names_agencies(query: AnalyzedQuery, c: Candidate) -> bool:
    """Every agency the question names is named in the sentence's passage (its text, context line or
    section title), in either form of an abbreviation ("Sở KH&CN", "Sở Khoa học và Công nghệ"): as with
    places, only a passage about the agency may answer for it."""
    if not query.organisations:
        return True
    text = _passage_words(c.passage)
    return all(any(fold(form) in text for form in (agency, expand_abbreviations(agency).split("(")[-1].rstrip(")")))
               for agency in query.organisations)


@lru_cache(maxsize=256)
def _passage_words(passage: Passage) -> str:
    return fold(expand_abbreviations(" ".join([passage.context, passage.section_title, passage.text])))


def _follows(a: Candidate, b: Candidate) -> bool:
    return a.passage.chunk_id == b.passage.chunk_id and abs(a.position - b.position) == 1


def fits_query(query: AnalyzedQuery, evidence: EvidencePeriod) -> bool:
    """The evidence policy for this question: one asked period, or any of several (a comparison of
    years answered per report); a result asked is never answered by a target."""
    if len(query.periods) > 1:
        return any(fits(asked, evidence, query.asks_result) for asked in query.periods)
    return fits(query.period, evidence, query.asks_result)


def document_label(passage: Passage) -> str:
    """"báo cáo 6 tháng đầu năm 2024 của thành phố Quy Nhơn", "kế hoạch giai đoạn 2026-2030 của tỉnh Bắc Ninh"."""
    kind = passage.document_type or "báo cáo"
    period = passage.report_period
    label = f"{kind} {period.describe()}" if period else kind
    return f"{label} của {passage.locality}" if passage.locality else label


# A figure answer longer than this many words is trimmed to the clauses holding the figures asked.
CLAUSE_WORDS = 30


def clause_holding(query: AnalyzedQuery, sentence: str, passage: Passage | None = None) -> str:
    """The clauses (";"-separated) of a long sentence that hold the quantities asked for, verbatim and
    in order, else the whole sentence. Leaders read the first line; the citation keeps the sentence.

    Only quantities are trimmed to (a count of a noun, a rate, an amount): a date or a name asked for
    may sit anywhere in the sentence. When the question names a period, the clause must state that
    period or none ("cụ thể: năm 2022 … 0,5%; …; quý I/2024 đạt 64,7%" answers "quý I/2024" with its own clause)."""
    counted = _counted_measures(query)
    if not (counted or query.asks_rate or query.asks_money) or len(sentence.split()) <= CLAUSE_WORDS:
        return sentence
    clauses = [c for c in re.split(r"(?<=;)\s+", sentence) if c.strip()]
    if len(clauses) < 2:
        return sentence
    chosen: list[int] = []
    for needs in ([[m] for m in counted] or [[]]):
        fitting = [i for i, clause in enumerate(clauses)
                   if _answers_figure(query, clause) and all(_counts(m, clause) for m in needs)
                   and values_in(clause) - set(query.figures)  # not only the figures the question quotes
                   and _clause_period_fits(query, clause, passage)]
        if len(fitting) != 1:  # none, or several the question does not tell apart: the whole sentence
            return sentence
        chosen.append(fitting[0])
    return " ".join(clauses[i].strip() for i in sorted(set(chosen)))


def _clause_period_fits(query: AnalyzedQuery, clause: str, passage: Passage | None) -> bool:
    if passage is None or query.period is None:
        return True
    evidence = evidence_period(clause, passage, query.period)
    return not evidence.stated or fits_query(query, evidence)


def abstain(reason: str = "") -> DraftAnswer:
    text = ABSTENTION_MESSAGE if not reason else f"{ABSTENTION_MESSAGE} {reason}"
    return DraftAnswer(text=text, citations=[], abstained=True)


# A footnote mark of the source ("…đến năm 2030[1]", "…các văn bản¹") would read as a citation marker or a
# figure: left out of the answer line (the citation keeps the sentence as written).
_FOOTNOTE_MARK = re.compile(r"\[\d{1,3}\]|(?<=[^\s\d])[¹²³⁴⁵⁶⁷⁸⁹⁰]+")


_BARE_ENUMERATOR = re.compile(r"^\W*\w{0,3}\W*$")


def compose(groups: list[list[Scored]], per_report: bool = False, trailing: list[str] = (),
            query: AnalyzedQuery | None = None) -> DraftAnswer:
    """The answer text with one [n] per cited passage, and the citations with their quotes.

    Each line names its source document and period ("Theo báo cáo 6 tháng đầu năm 2024 của thành phố
    Quy Nhơn: …"), says when its figures are a plan's targets, and shows for a figure only the clause
    holding it; the citation keeps the whole sentence. A series is listed in time order."""
    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = defaultdict(list)
    passages: dict[str, Passage] = {}
    lines = []
    if query is not None and query.asks_series:
        groups = sorted(groups, key=lambda g: str(g[0].candidate.passage.period_start or "9"))
    for group in groups:
        # The best sentence's passage first, then the others in the order they were chosen; reading order
        # inside a passage (an enumeration stays in order even when it runs into the next chunk).
        first_pick: dict[str, int] = {}
        for index, s in enumerate(group):
            first_pick.setdefault(s.candidate.passage.report_id + s.candidate.passage.section, index)
        ordered = sorted(group, key=lambda s: (first_pick[s.candidate.passage.report_id + s.candidate.passage.section],
                                               s.candidate.passage.chunk_id, s.candidate.position))
        parts = []
        last_heading = ""
        for s in ordered:
            if _BARE_ENUMERATOR.match(s.candidate.sentence):  # a heading number alone ("1.", "a)") says nothing
                continue
            passage = s.candidate.passage
            n = numbers.setdefault(passage.chunk_id, len(numbers) + 1)
            passages[passage.chunk_id] = passage
            quotes[passage.chunk_id].append(s.candidate.sentence)
            shown = clause_holding(query, s.candidate.sentence, passage) if query is not None else s.candidate.sentence
            shown = _FOOTNOTE_MARK.sub("", shown)
            heading = _heading_for(s.candidate.sentence, passage)
            if heading and heading != last_heading:
                shown = f"{heading}: {shown}"
            last_heading = heading
            parts.append(f"{shown.rstrip()} [{n}]")
        body = " ".join(parts)
        first = ordered[0]
        passage = first.candidate.passage
        # a plan's figure is a target: said when a figure is asked (a task or a deadline is no target)
        targets = first.evidence.target and (query is None or (
            query.asks_figure and not (query.asks_target or query.asks_date or query.asks_duration)))
        note = " (chỉ tiêu kế hoạch, chưa phải kết quả)" if targets else ""
        if per_report:
            period = passage.report_period
            when = f" ({period.describe()})" if period else ""
            place = _capitalise(passage.locality) if passage.locality else passage.report_id
            lines.append(f"- {place}{when}{note}: {body}")
        else:  # the quoted sentences often leave the subject implicit ("Tiếp nhận 147 vụ …")
            lines.append(f"Theo {document_label(passage)}{note}: {body}")
    lines += [f"- {_capitalise(note)}" for note in trailing]
    citations = [Citation.from_passage(n, passages[cid], " ".join(quotes[cid])) for cid, n in numbers.items()]
    return DraftAnswer(text="\n".join(lines), citations=citations, abstained=False)


def _heading_for(sentence: str, passage: Passage) -> str:
    """The title of the section a list item belongs to, when the item leaves its subject to it: under
    "3. Sở Y tế", the item "d) Chủ trì … Dự án 6" is the Sở Y tế's task. "" for a sentence that is no
    list item, and for a title with figures (a heading such as "Mục tiêu 4" is no subject)."""
    if not _LIST_ITEM.match(sentence):
        return ""
    path, own = passage.section_of(sentence)
    if own and fold(own) in fold(sentence) and "." in path:  # the item is a section of its own: its parent's title
        path = path.rsplit(".", 1)[0]
    title = " ".join(passage.title_of(path).split()).rstrip(" .:")
    if not title or any(ch.isdigit() for ch in title) or fold(title) in fold(sentence) or len(title.split()) > 12:
        return ""
    return title


def _position(folded: str, name: str) -> int:
    found = folded.find(name)
    return found if found >= 0 else len(folded)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
