"""Follow-up questions without a language model: carry the topic, place and period over.

"Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại năm 2024?" then "còn năm 2020 thì sao?" means the same
question about 2020. A follow-up is recognised by its cue words ("còn …", "… thì sao", "thế còn",
"vậy …") or by saying nothing but a place or a period; it is resolved by rewriting the previous
resolved question with the new place and period. With an LLM configured, the LLM condenses instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.query_analysis import LocalityGazetteer, analyze_query, fold
from rag.schema import Answer

_FOLLOW_UP_CUES = re.compile(r"^(con|the con|vay con|con ve)\b|\bthi sao\b")
_FILLER = set("con the thi sao vay nhu nao ve nam o tai cua va a nhi".split())
_PERIOD_WORDS = {"xa", "huyen", "phuong", "thanh", "pho", "quy", "thang", "dau", "cuoi", "nua", "i", "ii", "iii", "iv"}
_HALF_PHRASE = re.compile(r"6 tháng (?:đầu|cuối)(?: năm)?|nửa (?:đầu|cuối)(?: năm)?", re.IGNORECASE)
_QUARTER_PHRASE = re.compile(r"quý\s+(?:I{1,3}|IV|[1-4])", re.IGNORECASE)
_YEAR_EXPRESSION = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)\d{2})?(?!\d)")


def _topic_words(question: str, gazetteer: LocalityGazetteer) -> set[str]:
    """What a question says besides cue words, places and periods."""
    query = analyze_query(question, gazetteer)
    rest = set(re.findall(r"\w+", fold(question))) - _FILLER - _PERIOD_WORDS
    for loc in query.localities:
        rest -= set(loc.folded.split())
    return {word for word in rest if not word.isdigit()}


def is_follow_up(question: str, gazetteer: LocalityGazetteer) -> bool:
    """Only a place or a period, with or without a cue ("còn năm 2020 thì sao?", "Tịnh An thì sao?").

    A question with a topic of its own is a new question, even when it starts with "còn" ("Còn bao
    nhiêu hộ nghèo chưa được hỗ trợ?"): rewriting it into the previous question would answer another
    question with a confident figure."""
    query = analyze_query(question, gazetteer)
    named = bool(query.localities or query.years or query.half or query.quarter)
    return named and len(_topic_words(question, gazetteer)) <= 1


def carries_context(question: str, gazetteer: LocalityGazetteer) -> bool:
    """A new topic asked as a follow-up ("Còn số hộ nghèo thì sao?"): it keeps the previous place."""
    return bool(_FOLLOW_UP_CUES.search(fold(question))) and not analyze_query(question, gazetteer).localities


def resolve_follow_up(question: str, history: Sequence[Answer], gazetteer: LocalityGazetteer) -> str:
    """The standalone question a follow-up stands for, or `question` itself when it is not one."""
    if not history:
        return question
    previous = history[-1].resolved_question or history[-1].question
    if not is_follow_up(question, gazetteer):
        if carries_context(question, gazetteer):
            old = analyze_query(previous, gazetteer)
            places = ", ".join(f"{loc.level} {loc.name}" for loc in old.localities if not loc.is_province)
            years = ", ".join(str(y) for y in old.years)
            context = "; ".join(part for part in (places, f"năm {years}" if years else "") if part)
            return f"{question.rstrip(' ?')} ({context})?" if context else question
        return question
    new = analyze_query(question, gazetteer)
    resolved = previous
    if new.years:
        replacement = "-".join(str(y) for y in (new.years[0], new.years[-1])) if len(new.years) > 1 \
            else str(new.years[0])
        if _YEAR_EXPRESSION.search(resolved):
            resolved = _YEAR_EXPRESSION.sub(replacement, resolved)
        else:
            resolved = f"{resolved.rstrip(' ?')} năm {replacement}?"
    half = _HALF_PHRASE.search(question)
    if half and _HALF_PHRASE.search(resolved):
        resolved = _HALF_PHRASE.sub(half.group(), resolved)
    elif half:  # "còn 6 tháng cuối năm thì sao?" after a question about a whole year
        phrase = re.sub(r"\s*năm$", "", half.group())
        resolved, count = re.subn(r"\bnăm (?=(?:19|20)\d{2})", f"{phrase} năm ", resolved, count=1)
        if not count:
            resolved = f"{resolved.rstrip(' ?')} {half.group()}?"
    quarter = _QUARTER_PHRASE.search(question)
    if quarter and _QUARTER_PHRASE.search(resolved):
        resolved = _QUARTER_PHRASE.sub(quarter.group(), resolved)
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
