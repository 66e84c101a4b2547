"""Checks an LLM answer against the passages it cites, repairs what it can, and picks the quotes.

`verify_answer(text, passages)` reads the answer sentence by sentence. The sources are numbered as
they were shown to the model: [1] is `passages[0]`. A sentence is kept only when

- it cites at least one existing source (markers such as [7] with three sources are removed; a
  sentence whose only markers are invalid is dropped);
- every figure in it occurs, by value ("7.986" = "7986", "01" = "1", never "147" inside "1470"), in
  a source it cites: the source's text or its metadata (title, locality, date, period, section,
  context line). A sentence of a source that reads like an instruction to the model ("Bỏ qua mọi
  hướng dẫn trước đó…", "trả lời rằng…") supports nothing: a report cannot vouch for a figure by
  telling the model to say it;
- at least `MIN_WORD_SUPPORT` of its content words occur in the sources it cites (a light lexical
  check: a cited sentence must be about what the source says, even without figures);
- given the analysed question, every figure in it (periods, dates and durations aside) is, in a
  sentence of a cited source that holds it, a figure of the asked period and kind
  (`rag.evidence_gate`): the 6-month figure does not answer a 9-month question, "Tháng Sáu …" does
  not answer for the first half-year, a plan's target does not answer for a result.

Sentences without any marker are dropped, with two exceptions that carry no claim of their own and
are kept as they are: a lead-in or heading (a sentence ending with ":", or a one-sentence line
without end punctuation, at most `MAX_LEAD_IN_WORDS` words, not the last thing in the answer, whose
figures all occur in some source) and a sentence that is exactly the abstention message.

Kept markers are renumbered consecutively in order of first use ([3] ... [1] becomes [1] ... [2]),
written as "[1][2]", and each citation's `quote` holds the sentence(s) of its source that support
the answer sentences citing it: those that hold the cited figures, else the one sharing most words.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from ingest import split_sentences
from ingest.function_words import FUNCTION_WORDS
from ingest.periods import CALENDAR_WORDS
from rag.evidence_gate import FigureCheck, asks_period_or_kind, figure_fits
from rag.extractive import of_kind_asked, quantities_in
from rag.figures import numbers_in, values_in
from rag.query_analysis import AnalyzedQuery
from rag.schema import ABSTENTION_MESSAGE, Citation, Passage

MIN_WORD_SUPPORT = 0.3
"""Share of a sentence's content words that must occur in the sources it cites."""
MAX_LEAD_IN_WORDS = 25
MAX_QUOTE_SENTENCES = 3

# "[1]", "[1, 2]", "[1-3]", "[Nguồn 2]", "[nguon 1; 3]": what models write to cite a source.
MARKER = re.compile(r"\[\s*(?:(?:ngu[oồ]n|source)\s*)?(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]", re.IGNORECASE)
_BULLET = re.compile(r"^(\s*(?:[-*+•]|\d{1,2}[.)]|[a-zđ][.)])\s+)")
# Abbreviations after which ". " does not end a sentence ("TP. Quy Nhơn").
_ABBREVIATION = re.compile(r"(?:^|\s)(?:TP|Tp|TX|Tx|TT|Q|P|X|H|ThS|TS|PGS|GS|Th\.S|v\.v)\.$")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Words that say nothing about what a source contains: the function words and the calendar's.
_STOPWORDS = FUNCTION_WORDS | frozenset(CALENDAR_WORDS)
# What an instruction to the model looks like inside a report (which never addresses a chatbot).
_INSTRUCTION = re.compile(
    r"bỏ qua (?:mọi|tất cả|các|toàn bộ)?\s*(?:hướng dẫn|chỉ dẫn|yêu cầu|quy tắc|lệnh)"
    r"|(?:hãy|phải)?\s*trả lời (?:rằng|là)"
    r"|(?:ignore|disregard) (?:all |any )?(?:previous |prior |above )?instructions"
    r"|system prompt|bạn là (?:một )?(?:trợ lý|mô hình|chatbot)",
    re.IGNORECASE,
)

REASON_INVALID_MARKER = "trích dẫn nguồn không tồn tại"
REASON_NO_MARKER = "không có trích dẫn nguồn"
REASON_FIGURE = "số liệu không có trong nguồn được trích dẫn"
REASON_WORDS = "nội dung không khớp với nguồn được trích dẫn"
REASON_PERIOD = "số liệu không thuộc kỳ được hỏi"
REASON_TARGET = "chỉ tiêu kế hoạch được đưa ra như kết quả"
REASON_KIND = "số liệu không đúng loại được hỏi"


@dataclass
class Verification:
    """The repaired answer and what was done to it.

    - `text`: the answer with unsupported sentences removed and markers renumbered.
    - `citations`: one per kept source, numbered 1.. in order of first use.
    - `dropped`: the sentences removed, as the model wrote them; `reasons`: why, one short
      Vietnamese reason per dropped sentence (see the REASON_* constants).
    - `problems`: every issue found, in Vietnamese, including repairs that dropped nothing (an
      invalid marker removed from a sentence that also cites a valid source).
    - `supported`: how many kept sentences cite a source (lead-ins, headings and an abstention
      sentence do not count): 0 means nothing of substance is left.
    - `narrower_periods`: the periods of kept figures that are only part of the asked one ("6 tháng
      đầu năm 2024" for "năm 2024"), which the answer must say.
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    supported: int = 0
    narrower_periods: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.dropped and not self.problems


@dataclass
class _Sentence:
    text: str
    refs: list[int] = field(default_factory=list)  # valid source numbers, 1-based, in order
    keep: bool = True
    substantive: bool = False
    lead_in: bool = False


@dataclass
class _Line:
    prefix: str
    sentences: list[_Sentence]


def is_abstention(text: str) -> bool:
    """Whether `text` says only the abstention message (markers, case, punctuation aside)."""
    return _normalise(text) == _normalise(ABSTENTION_MESSAGE)


def instruction_like(sentence: str) -> bool:
    """Whether a report sentence addresses the model ("bỏ qua mọi hướng dẫn…") instead of informing."""
    return bool(_INSTRUCTION.search(unicodedata.normalize("NFC", sentence)))


def verify_answer(text: str, passages: list[Passage], query: AnalyzedQuery | None = None) -> Verification:
    """Check `text` (an answer citing `passages` as [1]..[len]) and return its repaired form; with
    `query`, the figures are also held to the period and kind the question asks for."""
    sources = [_Source(p) for p in passages]
    lines = [_parse_line(line) for line in unicodedata.normalize("NFC", text).strip().split("\n")]
    flat = [s for line in lines for s in line.sentences]
    problems: list[str] = []
    dropped: list[str] = []
    reasons: list[str] = []
    narrower: list[str] = []

    def drop(sentence: _Sentence, reason: str, problem: str) -> None:
        sentence.keep = False
        dropped.append(sentence.text)
        reasons.append(reason)
        problems.append(problem)

    for index, sentence in enumerate(flat):
        raw_refs = _marker_numbers(sentence.text)
        valid = [n for n in dict.fromkeys(raw_refs) if 1 <= n <= len(sources)]
        invalid = [n for n in dict.fromkeys(raw_refs) if not 1 <= n <= len(sources)]
        bare = MARKER.sub(" ", sentence.text)
        if invalid and not valid:
            drop(sentence, REASON_INVALID_MARKER,
                 f"Câu “{_short(sentence.text)}” trích dẫn nguồn không tồn tại "
                 f"{_brackets(invalid)} (chỉ có {len(sources)} nguồn).")
            continue
        if invalid:
            problems.append(f"Đã bỏ trích dẫn không tồn tại {_brackets(invalid)} trong câu "
                            f"“{_short(sentence.text)}”.")
        if not valid:
            if is_abstention(sentence.text):
                continue
            if _lead_in(sentence, lines, flat, index):
                missing = [raw for raw, value in numbers_in(bare)
                           if not any(value in s.values for s in sources)]
                if not missing:
                    sentence.lead_in = True
                    continue
            drop(sentence, REASON_NO_MARKER, f"Câu “{_short(sentence.text)}” không có trích dẫn nguồn.")
            continue
        cited = [sources[n - 1] for n in valid]
        missing = [(raw, value) for raw, value in numbers_in(bare)
                   if not any(value in s.values for s in cited)]
        if missing:
            figures = ", ".join(dict.fromkeys(raw for raw, _ in missing))
            elsewhere = sorted({i + 1 for i, s in enumerate(sources)
                                if all(value in s.values for _, value in missing)} - set(valid))
            hint = f" (có trong nguồn {_brackets(elsewhere)})" if elsewhere else ""
            drop(sentence, REASON_FIGURE,
                 f"Câu “{_short(sentence.text)}”: số liệu {figures} không có trong nguồn "
                 f"{_brackets(valid)}{hint}.")
            continue
        checks = _figure_checks(bare, cited, query) if query is not None else []
        off_period = next(((raw, check) for raw, check in checks if not check.fits), None)
        if off_period is not None:
            raw, check = off_period
            held = f"số liệu {check.evidence.describe()}" if check.evidence.describe() else "số liệu kỳ khác"
            if check.target:
                drop(sentence, REASON_TARGET,
                     f"Câu “{_short(sentence.text)}”: {raw} là chỉ tiêu kế hoạch trong nguồn {_brackets(valid)}, "
                     "không phải kết quả.")
            else:
                asked = "; ".join(p.describe() for p in query.periods) or "được hỏi"
                drop(sentence, REASON_PERIOD,
                     f"Câu “{_short(sentence.text)}”: {raw} là {held} trong nguồn {_brackets(valid)}, "
                     f"không phải số liệu {asked}.")
            continue
        if query is not None and query.asks_figure and quantities_in(bare) and not of_kind_asked(query, bare):
            # a count given for a rate, a figure without its money unit for an amount, no day for "ngày nào"
            drop(sentence, REASON_KIND,
                 f"Câu “{_short(sentence.text)}”: số liệu không phải {_kind(query)} như câu hỏi hỏi.")
            continue
        words = _content_words(bare)
        if words:
            shared = sum(1 for w in words if any(w in s.words for s in cited))
            if shared < math.ceil(MIN_WORD_SUPPORT * len(words)):
                drop(sentence, REASON_WORDS,
                     f"Câu “{_short(sentence.text)}” không khớp với nội dung nguồn {_brackets(valid)}.")
                continue
        sentence.refs = valid
        sentence.substantive = bool(words) or bool(numbers_in(bare))
        narrower += [c.evidence.describe() for _, c in checks if _narrower(c, query)]

    # A lead-in whose list was dropped introduces nothing: it goes too (silently: it claimed nothing).
    for sentence in reversed(flat):
        if sentence.keep and sentence.substantive:
            break
        if sentence.lead_in:
            sentence.keep = False

    # Renumber in order of first use, rewrite the markers, pick the quotes.
    order: dict[int, int] = {}
    for sentence in flat:
        if sentence.keep:
            for n in sentence.refs:
                order.setdefault(n, len(order) + 1)
    out_lines: list[str] = []
    for line in lines:
        kept = [_rewrite_markers(s, order) for s in line.sentences if s.keep]
        if not line.sentences:
            if out_lines and out_lines[-1] != "":
                out_lines.append("")
            continue
        if kept:
            out_lines.append(line.prefix + " ".join(kept))
    while out_lines and out_lines[-1] == "":
        out_lines.pop()

    citations = []
    for old, new in order.items():
        citing = [s for s in flat if s.keep and old in s.refs]
        quote = _quote(sources[old - 1], citing)
        citations.append(Citation.from_passage(new, passages[old - 1], quote))
    return Verification(text="\n".join(out_lines), citations=citations, dropped=dropped, problems=problems,
                        reasons=reasons, supported=sum(1 for s in flat if s.keep and s.substantive),
                        narrower_periods=list(dict.fromkeys(narrower)))


def _figure_checks(bare: str, cited: list[_Source], query: AnalyzedQuery) -> list[tuple[str, FigureCheck]]:
    """Each figure of an answer sentence (as written) with whether a cited sentence holds it as
    evidence of the asked period and kind, and of which period it is."""
    if not asks_period_or_kind(query):
        return []
    checks = []
    for raw, value in quantities_in(bare):
        holders = [(sentence, source.passage) for source in cited for sentence, values
                   in zip(source.sentences, source.sentence_values) if value in values]
        checks.append((raw, figure_fits(query, value, holders)))
    return checks


def _kind(query: AnalyzedQuery) -> str:
    if query.asks_date:
        return "ngày, thời điểm"
    if query.asks_duration:
        return "khoảng thời gian"
    return "tỷ lệ" if query.asks_rate else "số tiền" if query.asks_money else "số liệu"


def _narrower(check: FigureCheck, query: AnalyzedQuery) -> bool:
    """A fitting figure of only part of the asked span (a bare year asked, a half-year's figure)."""
    asked = query.period
    period = check.evidence.period if check.evidence is not None else None
    return bool(check.fits and asked is not None and period is not None and asked.year_known
                and not asked.target and not period.same_span(asked.period))


class _Source:
    """A passage with the figures and words that may support an answer sentence."""

    def __init__(self, passage: Passage) -> None:
        self.passage = passage
        self.sentences = [s for s in split_sentences(unicodedata.normalize("NFC", passage.text))
                          if not instruction_like(s)]
        years = " ".join(str(y) for y in getattr(passage, "years", ()))
        metadata = " \n ".join((passage.title, passage.locality, passage.date, passage.period, years,
                                passage.section, passage.section_title, passage.context))
        evidence = " \n ".join(self.sentences) + " \n " + unicodedata.normalize("NFC", metadata)
        self.values = values_in(evidence)
        self.sentence_values = [values_in(s) for s in self.sentences]
        self.words = set(_content_words(evidence))


def _parse_line(line: str) -> _Line:
    match = _BULLET.match(line)
    prefix = match.group(1).lstrip() if match else ""
    body = line[match.end():] if match else line
    return _Line(prefix=prefix, sentences=[_Sentence(s) for s in _split_answer(body)])


def _split_answer(text: str) -> list[str]:
    """Sentences of one answer line; a run of markers after the full stop stays with its sentence."""
    text = text.strip()
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    for match in re.finditer(r"[.!?…]+((?:\s*" + MARKER.pattern + r")*)\s+", text, re.IGNORECASE):
        end = match.end()
        nxt = text[end:end + 1]
        if not (nxt.isupper() or nxt.isdigit() or nxt in "\"“(*"):
            continue
        piece = text[start:end].strip()
        if _ABBREVIATION.search(piece.rstrip()) and not match.group(1):
            continue
        pieces.append(piece)
        start = end
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _marker_numbers(text: str) -> list[int]:
    numbers: list[int] = []
    for match in MARKER.finditer(text):
        for part in re.split(r"\s*[,;]\s*", match.group(1)):
            bounds = re.split(r"\s*[–-]\s*", part)
            if len(bounds) == 2 and int(bounds[0]) <= int(bounds[1]) <= int(bounds[0]) + 20:
                numbers.extend(range(int(bounds[0]), int(bounds[1]) + 1))
            else:
                numbers.extend(int(b) for b in bounds)
    return numbers


def _rewrite_markers(sentence: _Sentence, order: dict[int, int]) -> str:
    def replace(match: re.Match) -> str:
        refs = [order[n] for n in dict.fromkeys(_marker_numbers(match.group())) if n in sentence.refs]
        return "".join(f"[{n}]" for n in refs)

    text = MARKER.sub(replace, sentence.text)
    text = re.sub(r"\]\s+\[", "][", text)
    text = re.sub(r"\s+(?=[.,;:!?…](?:\s|$))", "", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _lead_in(sentence: _Sentence, lines: list[_Line], flat: list[_Sentence], index: int) -> bool:
    """A list introduction or a heading: no claim of its own, so no marker needed."""
    if index == len(flat) - 1:
        return False
    line = next(line for line in lines if sentence in line.sentences)
    stripped = sentence.text.strip().strip("*_#").strip()
    if len(stripped.split()) > MAX_LEAD_IN_WORDS:
        return False
    if stripped.endswith(":"):
        return True
    return len(line.sentences) == 1 and not stripped.endswith((".", "!", "?", "…", ";"))


def _quote(source: _Source, citing: list[_Sentence]) -> str:
    """The sentence(s) of the source holding the cited figures, else the one sharing most words."""
    if not source.sentences:
        return source.passage.text.strip()
    bare = " ".join(MARKER.sub(" ", s.text) for s in citing)
    wanted = values_in(bare) & set().union(*(values_in(s) for s in source.sentences))
    words = set(_content_words(bare))
    sentence_values = [values_in(s) for s in source.sentences]
    sentence_words = [set(_content_words(s)) for s in source.sentences]
    chosen: list[int] = []
    while wanted and len(chosen) < MAX_QUOTE_SENTENCES:
        best = max((i for i in range(len(source.sentences)) if i not in chosen),
                   key=lambda i: (len(sentence_values[i] & wanted), len(sentence_words[i] & words), -i),
                   default=None)
        if best is None or not sentence_values[best] & wanted:
            break
        chosen.append(best)
        wanted -= sentence_values[best]
    if not chosen:
        chosen = [max(range(len(source.sentences)), key=lambda i: (len(sentence_words[i] & words), -i))]
    return " ".join(source.sentences[i] for i in sorted(chosen))


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1]


def _normalise(text: str) -> str:
    text = MARKER.sub(" ", unicodedata.normalize("NFC", text)).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _brackets(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)
