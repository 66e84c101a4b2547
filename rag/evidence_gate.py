"""The evidence policy (`rag.evidence`) on both sides of a generated answer.

The extractive answerer chooses its sentences with the policy; a language model chooses its own, so
the policy is applied around it:
- before generation, `fitting_passages` keeps only the passages that hold evidence of the asked place
  and period (a model shown only a 6-month report will answer a 9-month question with the 6-month
  figure, however it is told not to). When none is left the model is not asked at all.
- after generation, `figure_fits` tells whether a figure the model wrote is, in the sentence of the
  cited passage that holds it, a figure of the asked period and kind (a result, not a plan's target).

A sentence often states several periods ("Tháng Sáu tiếp nhận 20 vụ; tính chung 6 tháng đầu năm 147
vụ"), so the period of one figure is the one written nearest before it in its clause, else the first
after it in its clause ("tiếp nhận 147 vụ trong 6 tháng đầu năm"), else the nearest before it in the
sentence, else the report's (`rag.evidence.evidence_period`); a period of a later clause ("…; nhiệm kỳ
2021 – 2026") is not the figure's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.numbers import number_value
from ingest.periods import PeriodRole
from rag.evidence import YEARLESS, EvidencePeriod, evidence_period, periods_in
from rag.extractive import fits_query, passage_sentences, place_name, quantities_in
from rag.figures import NUMBER
from ingest import fold
from rag.query_analysis import AnalyzedQuery
from rag.schema import Passage

# Clauses of a sentence: a figure's period is looked for in its own clause first.
_CLAUSE_END = re.compile(r";")


def asks_period_or_kind(query: AnalyzedQuery) -> bool:
    """Whether the policy can reject anything: the question names a period, or asks for a result."""
    return bool(query.periods) or query.asks_result


def fitting_passages(query: AnalyzedQuery, passages: list[Passage]) -> list[Passage]:
    """The passages, in their order, that hold evidence of the asked place and period.

    Place: when the question names places the reports cover, passages of other reports are left
    out; a place no report is about (only mentioned in one) must be named in the passage. Period:
    some sentence of the passage is evidence of the asked period (and, for a result, not a target);
    when a figure is asked, a sentence holding a figure."""
    wanted_reports = query.report_ids
    absent = [fold(place_name(p)) for p in query.unknown_places]
    kept = []
    for passage in passages:
        if wanted_reports and passage.report_id not in wanted_reports:
            continue
        if absent and not all(name in fold(passage.text) for name in absent):
            continue
        if asks_period_or_kind(query) and not _holds_fitting_sentence(query, passage):
            continue
        kept.append(passage)
    return kept


def _holds_fitting_sentence(query: AnalyzedQuery, passage: Passage) -> bool:
    """A figure of the passage is of the asked period (read as the answer's figures will be), or,
    for a question that asks no figure, a sentence is."""
    for sentence in passage_sentences(passage.text):
        values = {value for _, value in quantities_in(sentence)}
        if any(figure_fits(query, value, [(sentence, passage)]).fits for value in values):
            return True
        if not query.asks_figure and fits_query(query, evidence_period(sentence, passage, query.period)):
            return True
    return False


@dataclass(frozen=True)
class FigureCheck:
    """Whether a figure of an answer is evidence of the asked period and kind, and if not, what it is."""

    fits: bool
    evidence: EvidencePeriod | None = None  # its period where it fits, else where a sentence first holds it

    @property
    def target(self) -> bool:
        return self.evidence is not None and self.evidence.target


def figure_fits(query: AnalyzedQuery, value: str, holders: list[tuple[str, Passage]]) -> FigureCheck:
    """Whether the figure `value` (canonical, `rag.figures`), held by the source sentences `holders`,
    answers for the asked period and kind in at least one of them. A figure no sentence holds (only
    the report's metadata does) is not judged here."""
    first: EvidencePeriod | None = None
    for sentence, passage in holders:
        own = query.for_report(passage.report_id)  # each place is held to its own period
        for start, end in _positions(sentence, value):
            evidence = figure_period(sentence, start, end, passage, own)
            if fits_query(own, evidence):
                return FigureCheck(True, evidence)
            first = first or evidence
    return FigureCheck(first is None, first)


def figure_period(sentence: str, start: int, end: int, passage: Passage,
                  query: AnalyzedQuery | None = None) -> EvidencePeriod:
    """The period of the figure at `sentence[start:end]` (see the module docstring)."""
    asked = query.period if query is not None else None
    mentions = [m for m in periods_in(sentence, YEARLESS) if m.role is not PeriodRole.COMPARISON]
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(sentence, 0, start)), default=0)
    following_end = _CLAUSE_END.search(sentence, end)
    clause_end = following_end.start() if following_end else len(sentence)
    before = [m for m in mentions if m.end <= start]
    in_clause_before = [m for m in before if m.start >= clause_start]
    after = [m for m in mentions if m.start >= end and m.end <= clause_end]
    if in_clause_before or (before and not after):
        governing = (in_clause_before or before)[-1]
        earlier = [m.end for m in mentions if m.end <= governing.start]
        segment = sentence[max(earlier, default=0):end]
    elif after:
        segment = sentence[start:after[0].end]
    else:  # no period before the figure nor in its clause: a later clause's period is not its own
        return evidence_period(sentence[:clause_end], passage, asked)
    # A period in parentheses next to a figure is that figure's period, not an aside about another one.
    return evidence_period(segment.replace("(", " ").replace(")", " "), passage, asked)


def _positions(sentence: str, value: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in NUMBER.finditer(sentence) if number_value(m.group()) == value]

