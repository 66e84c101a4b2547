"""Follow-up questions without a language model: carry the topic, place and period over.

"Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại năm 2024?" then "còn năm 2020 thì sao?" means the same
question about 2020. A follow-up is recognised by its cue words ("còn …", "… thì sao", "thế còn",
"vậy …") or by saying nothing but a place or a period; it is resolved by rewriting the previous
resolved question with the new place and period. With an LLM configured, the LLM condenses instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.query_analysis import LocalityGazetteer, analyze_query, fold, years_in
from rag.schema import Answer

_FOLLOW_UP_CUES = re.compile(r"^(con|the con|vay|vay con|con ve|the)\b|\bthi sao\b|\bthe nao\b\s*\??$|\bnhu the nao\b")
_FILLER = set("con the thi sao vay nhu nao ve nam o tai cua va a nhi".split())
_HALF_PHRASE = re.compile(r"6 tháng (?:đầu|cuối)(?: năm)?|nửa (?:đầu|cuối)(?: năm)?", re.IGNORECASE)
_QUARTER_PHRASE = re.compile(r"quý\s+(?:I{1,3}|IV|[1-4])", re.IGNORECASE)


def is_follow_up(question: str, gazetteer: LocalityGazetteer) -> bool:
    folded = fold(question)
    if _FOLLOW_UP_CUES.search(folded):
        return True
    query = analyze_query(question, gazetteer)
    rest = set(folded.replace("?", " ").split()) - _FILLER
    for loc in query.localities:
        rest -= set(loc.folded.split())
    rest -= {str(y) for y in query.years} | {"xa", "huyen", "phuong", "thanh", "pho", "quy", "thang", "dau", "cuoi"}
    return bool(query.localities or query.years) and len(rest) <= 1


def resolve_follow_up(question: str, history: Sequence[Answer], gazetteer: LocalityGazetteer) -> str:
    """The standalone question a follow-up stands for, or `question` itself when it is not one."""
    if not history or not is_follow_up(question, gazetteer):
        return question
    previous = history[-1].resolved_question or history[-1].question
    new = analyze_query(question, gazetteer)
    resolved = previous
    if new.years:
        old_years = years_in(previous)
        replacement = " ".join(str(y) for y in new.years)
        if old_years:
            resolved = re.sub("|".join(str(y) for y in old_years), replacement, resolved, count=1)
            for year in old_years:
                resolved = re.sub(rf"(?<!\d)[-–]?\s*{year}(?!\d)", "", resolved)
        else:
            resolved = f"{resolved.rstrip(' ?')} năm {replacement}?"
    half = _HALF_PHRASE.search(question)
    if half:
        resolved = _HALF_PHRASE.sub(half.group(), resolved) if _HALF_PHRASE.search(resolved) else resolved
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
