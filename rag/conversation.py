"""Follow-up questions without a language model: carry the topic, place and period over.

"Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại năm 2024?" then "còn năm 2020 thì sao?" means the same
question about 2020. A follow-up is recognised by its cue words ("còn …", "… thì sao", "thế còn",
"vậy …") or by saying nothing but a place or a period; it is resolved by rewriting the previous
resolved question with the new place and period. With an LLM configured, the LLM condenses instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest import fold, strip_diacritics
from ingest.function_words import stop_flags
from ingest.periods import Granularity, PeriodMention, PeriodRole, find_periods
from rag.evidence import YEARLESS
from rag.query_analysis import LEVELS, AnalyzedQuery, LocalityGazetteer, analyze_query
from rag.schema import Answer

_FOLLOW_UP_CUES = re.compile(r"^(con|the con|vay con|con ve)\b|\bthi sao\b")
# What a place leaves behind in a follow-up once its name is read: its level word ("xã", "thành phố").
_LEVEL_WORDS = {w for level in LEVELS for w in strip_diacritics(level).split()} | {"tp"}


def _topic_words(query: AnalyzedQuery) -> set[str]:
    """What a question says besides cue words, places and periods: its topic, less function words."""
    words = query.topic.lower().split()
    keys = [strip_diacritics(w) for w in words]
    rest = {k for k, stop in zip(keys, stop_flags(words)) if not stop and k.isalpha()}
    rest -= _LEVEL_WORDS
    for loc in query.localities:
        rest -= set(loc.folded.split())
    return rest


def is_follow_up(query: AnalyzedQuery) -> bool:
    """Only a place or a period, with or without a cue ("còn năm 2020 thì sao?", "Tịnh An thì sao?").

    A question with a topic of its own is a new question, even when it starts with "còn" ("Còn bao
    nhiêu hộ nghèo chưa được hỗ trợ?"): rewriting it into the previous question would answer another
    question with a confident figure."""
    named = bool(query.localities or query.periods)
    return named and len(_topic_words(query)) <= 1


def carries_context(query: AnalyzedQuery) -> bool:
    """A new topic asked as a follow-up ("Còn số hộ nghèo thì sao?"): it keeps the previous place."""
    return bool(_FOLLOW_UP_CUES.search(query.folded)) and not query.localities


def resolve_follow_up(question: str, history: Sequence[Answer], gazetteer: LocalityGazetteer) -> str:
    """The standalone question a follow-up stands for, or `question` itself when it is not one. The
    question and the previous one are each analysed once."""
    if not history:
        return question
    previous = history[-1].resolved_question or history[-1].question
    new = analyze_query(question, gazetteer)
    if not is_follow_up(new):
        if carries_context(new):
            old = analyze_query(previous, gazetteer)
            places = ", ".join(f"{loc.level} {loc.name}" for loc in old.localities if not loc.is_province)
            years = ", ".join(str(y) for y in old.years)  # the years of the periods, never of a date
            context = "; ".join(part for part in (places, f"năm {years}" if years else "") if part)
            return f"{question.rstrip(' ?')} ({context})?" if context else question
        return question
    resolved = _replace_period(previous, question)
    places = [loc for loc in new.localities if not loc.is_province]
    if places:
        old_places = [loc for loc in analyze_query(previous, gazetteer).localities if not loc.is_province]
        resolved = _replace_place(resolved, old_places, places[0].level, places[0].name)
    return " ".join(resolved.split())


def _replace_place(text: str, old_places, level: str, name: str) -> str:
    if not old_places:
        return f"{text.rstrip(' ?')} của {level} {name}?"
    for old in old_places:
        pattern = rf"(?:(?:{old.level})\s+)?{re.escape(old.name)}"
        replaced, count = re.subn(pattern, f"{level} {name}", text, flags=re.IGNORECASE)
        if count:
            return replaced
        # the previous question may have named the place without diacritics
        words = text.split()
        size = len(old.folded.split())
        for i in range(len(words) - size + 1):
            if fold(" ".join(words[i : i + size])) == old.folded:
                return " ".join(words[:i] + [f"{level} {name}"] + words[i + size:])
    return text


def _periods(text: str) -> list[PeriodMention]:
    return [m for m in find_periods(text, YEARLESS) if m.role is not PeriodRole.COMPARISON]


def _replace_period(previous: str, question: str) -> str:
    """The previous question with the follow-up's period in place of its own ("CPI bình quân 9 tháng
    năm 2025" + "còn 6 tháng đầu năm thì sao?" -> "CPI bình quân 6 tháng đầu năm 2025"). A period
    without its year keeps the previous one's year; a bare year after a part of a year moves that part
    ("6 tháng đầu năm 2024" + "còn năm 2023?" -> "6 tháng đầu năm 2023"). Dates are no periods, so
    "ngày 25/5/2021" is never rewritten."""
    new = _periods(question)
    if not new:
        return previous
    mention = new[0]
    phrase = " ".join(question[mention.start:mention.end].split())
    old = _periods(previous)
    if not old:
        return f"{previous.rstrip(' ?')} {phrase}?"
    target = old[0]
    old_phrase = previous[target.start:target.end]
    old_year = target.period.end.year
    new_year = mention.period.end.year
    if mention.period.start.year == YEARLESS and old_year != YEARLESS:
        phrase = f"{phrase} {old_year}" if re.search(r"(?i)năm$", phrase) else f"{phrase} năm {old_year}"
    elif mention.period.granularity is Granularity.YEAR and new_year != YEARLESS and target.period.granularity not in (
            Granularity.YEAR, Granularity.MULTI_YEAR) and str(old_year) in old_phrase:
        phrase = old_phrase.replace(str(old_year), str(new_year))
    return previous[:target.start] + phrase + previous[target.end:]
