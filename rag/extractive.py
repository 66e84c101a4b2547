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
from dataclasses import dataclass

from ingest import has_diacritics, normalize_text, split_sentences, strip_diacritics
from ingest.abbreviations import expand_abbreviations
from rag.figures import numbers_in, values_in
from rag.query_analysis import LEVELS, AnalyzedQuery, fold, quarter_of, years_in
from rag.schema import ABSTENTION_MESSAGE, Citation, DraftAnswer, Passage

# Words that shape a question but say nothing about its topic.
STOP_WORDS = set("""
bao nhieu may la gi nao nhung cac cua trong va da duoc co khong thi o tai ve voi cho den tu theo nay
do the ra sao hay hoac con nhu tren duoi sau truoc khi luc mot hai ba bon nam ngay thang
quy dau cuoi bao cao tong cong tat ca moi tung bang hien nay nua
""".split())
# Nouns that count things ("bao nhiêu vụ"): the answer must hold a figure of that noun.
COUNT_NOUNS = set("""
vu luot ho nguoi don camera ca cuoc to lop cong doanh dien dot buoi lan phong thu dich chuong
suat tan nhom khu thon
""".split())
LEVEL_WORDS = {"pho", "huyen", "xa", "phuong", "tp", "ubnd"}


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
        return cls(sentence, passage, rank, position, fold(sentence), frozenset(terms_of(sentence)),
                   frozenset(terms_of(sentence, keep_marks=True)))


@dataclass(frozen=True)
class Scored:
    """A candidate's score, with the checks `_select` needs computed once."""

    candidate: Candidate
    score: float
    coverage: float
    covered: frozenset[str]
    answers_figure: bool = False
    counts_noun: bool = False


def passage_sentences(text: str) -> list[str]:
    """The sentences of a passage, line by line (a line break always ends a sentence)."""
    return [sentence for line in text.split("\n") for sentence in split_sentences(line)]


def terms_of(text: str, ignore: set[str] = frozenset(), keep_marks: bool = False) -> set[str]:
    """Syllables and adjacent syllable pairs of `text`, stop words and `ignore` (both folded) left out.

    With `keep_marks` the terms keep their diacritics: a question typed with them is matched exactly,
    so "hộ nghèo" does not match "hồ sơ" as their folded forms ("ho") would.
    """
    expanded = normalize_text(expand_abbreviations(text)).lower()
    words = [w for w in re.findall(r"\w+", expanded) if not w.isdigit()]
    keys = [strip_diacritics(w) for w in words]
    if not keep_marks:
        words = keys
    skip = [k in STOP_WORDS or k in ignore for k in keys]
    unigrams = {w for w, k, drop in zip(words, keys, skip) if not drop and len(k) > 1}
    bigrams = {f"{a}_{b}" for a, b, drop_a, drop_b in zip(words, words[1:], skip, skip[1:])
               if not drop_a and not drop_b}
    return unigrams | bigrams


class ExtractiveAnswerer:
    """Answers with sentences copied from the passages; see the module docstring."""

    def __init__(self, min_coverage: float = 0.2, max_sentences: int = 3, max_list_sentences: int = 5,
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
        q_terms = terms_of(query.text, ignore, keep_marks=marked)
        if not q_terms:
            return abstain()
        idf = self._idf(candidates, marked)
        scored = sorted((self._score(c, q_terms, idf, query, marked) for c in candidates), key=lambda s: -s.score)
        if query.asks_comparison and len({p.report_id for p in passages}) > 1:
            return self._per_report(query, scored, passages)
        chosen = self._select(query, scored)
        if not chosen:
            return abstain()
        # A place no report is about, but that some report mentions ("huyện Tuy Phước" in a Quy Nhơn
        # report): only a passage about that place may answer.
        for place in query.unknown_places:
            if fold(place_name(place)) not in fold(chosen[0].candidate.passage.text):
                return abstain(f"Các báo cáo đã nạp không có báo cáo của {place}.")
        mismatch = period_mismatch(query, chosen[0].candidate)
        if mismatch:
            return abstain(mismatch)
        return compose([chosen])

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
        """Place names and level words: retrieval already restricted the reports to the place."""
        ignore = set(LEVEL_WORDS)
        for loc in query.localities:
            ignore.update(loc.folded.split())
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
        if query.years and set(query.years) & set(sentence_period_years(c.sentence)):
            score += 0.1
        if query.asks_figure:
            score += 0.08 if has_figure else -0.15
            if has_figure and any(counts.values()):
                score += 0.12
        counted = _counted_measures(query)
        return Scored(c, score, coverage, frozenset(covered), answers_figure=not query.asks_figure or has_figure,
                      counts_noun=not counted or any(counts[m] for m in counted))

    # --- selection ---------------------------------------------------------------------------------

    def _select(self, query: AnalyzedQuery, scored: list[Scored], report_id: str | None = None) -> list[Scored]:
        pool = [s for s in scored if report_id is None or s.candidate.passage.report_id == report_id]
        answering = [s for s in pool if s.answers_figure and s.counts_noun]
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
            if close and same_place and (gain or query.asks_list):
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
            chosen = self._select(query, scored, report_id)
            # One year named applies to every place; with several, which year goes with which place
            # is not known, so the period is not checked.
            check_period = len(query.years) <= 1
            if chosen and not (check_period and period_mismatch(query, chosen[0].candidate)):
                groups.append(chosen[:2])
            elif report_id in query.report_ids:
                missing.append(report_id)
        if not groups:
            return abstain()
        names = {p.report_id: p.locality for p in passages}
        notes = [f"{names.get(rid) or rid}: không tìm thấy thông tin này trong báo cáo." for rid in missing]
        return compose(groups, per_report=True, trailing=notes)


_LEVEL_PREFIX = re.compile(rf"^(?:{'|'.join(sorted(LEVELS + ('tp.', 'tp'), key=len, reverse=True))})\s+", re.IGNORECASE)


def place_name(place: str) -> str:
    """"Thành phố Cẩm Phả" -> "Cẩm Phả"."""
    return _LEVEL_PREFIX.sub("", place).strip()


def _is_year(value: str) -> bool:
    return len(value) == 4 and value[:2] in ("19", "20")


# "COVID-19", "ISO 9001": a number that is part of a name is not a figure.
_NAME_NUMBER = re.compile(r"\b[A-ZĐ]{2,}[- ]?\d+|\(\w?\d+\)")


_DURATION = re.compile(r"\b\d+\s+tháng\s+(?:đầu|cuối)\b|\bquý\s+(?:[IV]+|\d)\b", re.IGNORECASE)
_MONEY = re.compile(r"\b(?:đồng|triệu|tỷ|nghìn|USD|VNĐ|đ)\b|\d(?:USD|đ)\b", re.IGNORECASE)
# A sentence that opens an enumeration ("…, gồm:", "cụ thể: (i1) …;"), and one after which it goes on.
_INTRODUCES_LIST = re.compile(r"(?::|\bgồm|\bsau)\s*$|:.*;\s*$")
_LIST_GOES_ON = re.compile(r"[:;]\s*$|\bgồm\s*$")
_LIST_ITEM = re.compile(r"\s*(?:[-+•–]|\(?[a-zđ0-9]{1,2}\)|\d{1,2}\.)\s")


def _has_figure(sentence: str) -> bool:
    """A figure other than a year, a duration ("6 tháng") or a number inside a name ("COVID-19")."""
    cleaned = _DURATION.sub(" ", _NAME_NUMBER.sub(" ", sentence))
    return any(not _is_year(v) for _, v in numbers_in(cleaned))


def _answers_figure(query: AnalyzedQuery, sentence: str) -> bool:
    """The sentence holds a figure of the kind asked: a percentage for a rate, an amount for money."""
    if not _has_figure(sentence):
        return False
    if query.asks_rate and "%" not in sentence and "phần trăm" not in sentence.lower():
        return False
    if query.asks_money and not _MONEY.search(sentence):
        return False
    return True


# Words that make a counted noun part of another word: "dịch vụ" is no "vụ", "đơn vị" no "đơn".
_COMPOUNDS = {"vu": ("dich", "nhiem", "phuc")}
_COMPOUND_AFTER = {"don": ("vi",), "ho": ("tro", "so", "ten"), "ca": ("nhan",), "to": ("chuc", "quoc", "cao")}


def _counts(measure: str, sentence: str) -> bool:
    """A figure counts the noun asked for: "147 vụ", "10.285 hộ vay", or "Số doanh nghiệp đã ký
    kết …: 834/885". A measure typed with diacritics is matched with them ("hộ" is not "hồ")."""
    keep_marks = strip_diacritics(measure) != measure
    text = normalize_text(sentence).lower()
    if not keep_marks:
        text = strip_diacritics(text)
    head, *rest = measure.split()
    for match in re.finditer(rf"(?<!\w){re.escape(head)}(?!\w)", text):
        before = text[:match.start()].split()
        after = text[match.end():].split()
        key = strip_diacritics(head)
        next_word = strip_diacritics(after[0]).strip(",.;:") if after else ""
        if before and strip_diacritics(before[-1]) in _COMPOUNDS.get(key, ()):
            continue
        if next_word in _COMPOUND_AFTER.get(key, ()) and not (rest and next_word == strip_diacritics(rest[0])):
            continue
        if before and re.fullmatch(r"\d[\d.,/%]*", before[-1]):
            return True  # "147 vụ"
        if re.match(r"(?:\s+[^\s:;]+){0,12}\s*:\s*\d", text[match.end():]):
            return True  # "Số doanh nghiệp đã ký kết …: 834/885"
    return False


def _counted_measures(query: AnalyzedQuery) -> list[str]:
    """The measures of a figure question that count things ("bao nhiêu vụ"): the answer must count them."""
    if not query.asks_figure:
        return []
    return [m for m in query.measures if strip_diacritics(m.split()[0]) in COUNT_NOUNS]


def _follows(a: Candidate, b: Candidate) -> bool:
    return a.passage.chunk_id == b.passage.chunk_id and abs(a.position - b.position) == 1


def period_mismatch(query: AnalyzedQuery, candidate: Candidate) -> str:
    """Why the evidence is about another period than the question, or "" when it is not.

    The evidence's period is what its sentence says, else the report's period. A question about 2020
    answered from a 2024 report is the confident wrong figure this product must never give.
    """
    passage = candidate.passage
    sentence_years = set(sentence_period_years(candidate.sentence))
    # The reporting period says which years the figures are for; the metadata years also hold the
    # years a report plans for ("nhiệm vụ năm 2021"), which are no evidence of results.
    report_years = set(years_in(passage.period)) or set(passage.years) or set(years_in(passage.date))
    evidence_years = sentence_years | report_years
    if query.years and not evidence_years:
        return "Không xác định được báo cáo này nói về năm nào, nên không trả lời số liệu theo năm."
    if query.years and not sentence_years & set(query.years):
        if evidence_years and not evidence_years & set(query.years):
            asked = ", ".join(map(str, query.years))
            return f"Các báo cáo đã nạp không có số liệu của năm {asked} cho câu hỏi này " \
                   f"(báo cáo gần nhất nói về {passage.period or 'kỳ khác'})."
    if query.asks_comparison and query.place_count <= 1 and len(query.years) > 1 and evidence_years:
        missing = [str(y) for y in query.years if y not in evidence_years]
        if missing:
            return f"Các báo cáo đã nạp không có số liệu của năm {', '.join(missing)} để so sánh."
    period = fold(passage.period)
    if query.half and f"6 thang {_other_half(query.half)}" in period and f"6 thang {query.half}" not in fold(
            candidate.sentence):
        return f"Các báo cáo đã nạp chỉ có số liệu {passage.period}, không có số liệu 6 tháng {query.half}" \
               .replace("6 tháng dau", "6 tháng đầu").replace("6 tháng cuoi", "6 tháng cuối") + "."
    quarter = quarter_of(candidate.sentence) or quarter_of(passage.period)
    if query.quarter and quarter and quarter != query.quarter:
        return f"Các báo cáo đã nạp chỉ có số liệu {passage.period}, không có số liệu quý {query.quarter}."
    return ""


# Years a sentence mentions in passing, not as the period of its figures: "tăng 12 vụ so với cùng kỳ năm
# 2023", "giai đoạn 2021-2025", "ngày 15 tháng 3 năm 2023".
_IN_PASSING = re.compile(r"(?:so với|cùng kỳ|giai đoạn|kế hoạch|đề án|nghị quyết|chỉ thị)[^,;.()]*"
                         r"|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}", re.IGNORECASE)


# A span of dates gives the period of the figures: "Từ ngày 03/7/2023 đến ngày 29/9/2023, … 23 lớp".
_DATE_SPAN = re.compile(r"\b(?:từ|đến|tính đến)\s+(?:hết\s+)?(?:ngày\s+)?\d{1,2}/\d{1,2}/((?:19|20)\d{2})",
                        re.IGNORECASE)


def sentence_period_years(sentence: str) -> tuple[int, ...]:
    """The years a sentence gives its figures for."""
    years = set(years_in(_IN_PASSING.sub(" ", sentence)))
    years.update(int(year) for year in _DATE_SPAN.findall(sentence))
    return tuple(sorted(years))


def _other_half(half: str) -> str:
    return "cuoi" if half == "dau" else "dau"


def abstain(reason: str = "") -> DraftAnswer:
    text = ABSTENTION_MESSAGE if not reason else f"{ABSTENTION_MESSAGE} {reason}"
    return DraftAnswer(text=text, citations=[], abstained=True)


def compose(groups: list[list[Scored]], per_report: bool = False, trailing: list[str] = ()) -> DraftAnswer:
    """The answer text with one [n] per cited passage, and the citations with their quotes."""
    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = defaultdict(list)
    passages: dict[str, Passage] = {}
    lines = []
    for group in groups:
        # The best sentence's passage first, then the others in the order they were chosen; reading order
        # inside a passage (an enumeration stays in order even when it runs into the next chunk).
        first_pick: dict[str, int] = {}
        for index, s in enumerate(group):
            first_pick.setdefault(s.candidate.passage.report_id + s.candidate.passage.section, index)
        ordered = sorted(group, key=lambda s: (first_pick[s.candidate.passage.report_id + s.candidate.passage.section],
                                               s.candidate.passage.chunk_id, s.candidate.position))
        parts = []
        for s in ordered:
            passage = s.candidate.passage
            n = numbers.setdefault(passage.chunk_id, len(numbers) + 1)
            passages[passage.chunk_id] = passage
            quotes[passage.chunk_id].append(s.candidate.sentence)
            parts.append(f"{s.candidate.sentence.rstrip()} [{n}]")
        body = " ".join(parts)
        place = ordered[0].candidate.passage.locality
        if per_report:
            lines.append(f"- {_capitalise(place)}: {body}" if place else f"- {body}")
        else:  # the quoted sentences often leave the subject implicit ("Tiếp nhận 147 vụ …")
            lines.append(f"Theo báo cáo của {place}: {body}" if place else body)
    lines += [f"- {_capitalise(note)}" for note in trailing]
    citations = [Citation.from_passage(n, passages[cid], " ".join(quotes[cid])) for cid, n in numbers.items()]
    return DraftAnswer(text="\n".join(lines), citations=citations, abstained=False)


def _position(folded: str, name: str) -> int:
    found = folded.find(name)
    return found if found >= 0 else len(folded)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
