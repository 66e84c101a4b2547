"""Eval metrics: pure functions over a DESIGN.md `ask` (or `search`) JSON object and an EvalItem.

Nothing here runs the system, so every metric is unit-tested on hand-written objects and the runner
only has to call `score_item` per question and `aggregate` over the rows.

Facts are compared on tokens, not on raw substrings, because Vietnamese number formats make substring
matching wrong both ways: "7.986" and "7986" are the same number ("." groups thousands) while "147"
occurs inside "1470" and "2147" as a substring. Numbers therefore compare by value (Vietnamese
convention: "." thousands, "," decimal), words after NFC + casefold, whitespace never matters.
"""

from __future__ import annotations

import math
import re
from typing import Any

from evals.dataset import EvalItem
from ingest import casefold_text
from ingest.numbers import NUMBER_PATTERN, number_value
from rag.figures import numbers_in

_TOKEN = re.compile(rf"(?P<num>{NUMBER_PATTERN})|(?P<word>[^\W\d_]+)|(?P<punct>[^\w\s])")
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"})


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, value) tokens: ("num", canonical value), ("word", folded word) or ("punct", character).

    Punctuation stays a token so that "96/139" does not match "96 139", but whitespace is dropped so
    that "99,5%" and "99,5 %" give the same tokens; dash variants are one "-".
    """
    out = []
    for match in _TOKEN.finditer(casefold_text(text).translate(_DASHES)):
        kind = match.lastgroup
        value = match.group()
        out.append((kind, number_value(value) if kind == "num" else value))
    return out


def _contains(haystack: list[tuple[str, str]], needle: list[tuple[str, str]]) -> bool:
    if not needle:
        return False
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def contains_fact(answer: str, fact: str) -> bool:
    """True when the fact's token sequence occurs in the answer (numbers by value, see module doc)."""
    return _contains(tokens(answer), tokens(fact))


# --- retrieval -------------------------------------------------------------------------------------

def section_matches(gold: str, section: str) -> bool:
    """Prefix match on dotted parts: gold "III.6" matches "III.6" and "III.6.a", not "III.60" or "III"."""
    gold_parts = [p for p in gold.strip().casefold().split(".") if p]
    parts = [p for p in (section or "").strip().casefold().split(".") if p]
    return parts[: len(gold_parts)] == gold_parts


def retrieval_ranks(obj: dict[str, Any], item: EvalItem) -> dict[str, int | None]:
    """1-based rank of the first passage from a gold report, and from a gold report and section.

    Reads `retrieved` of an ask object or `results` of a search object. Any gold report counts (a
    cross_report item is retrieved well when one of its reports comes first). When the item's section
    is "" only the report counts. None means not retrieved at all.
    """
    passages = obj.get("retrieved")
    if passages is None:
        passages = obj.get("results") or []
    gold = set(item.reports)
    report_rank = section_rank = None
    for rank, passage in enumerate(passages, 1):
        if passage.get("report_id") not in gold:
            continue
        if report_rank is None:
            report_rank = rank
        # A packed chunk holds several sections ("sections"); any of them may be the gold one.
        sections = passage.get("sections") or [passage.get("section", "")]
        if section_rank is None and (not item.section or any(section_matches(item.section, s) for s in sections)):
            section_rank = rank
        if section_rank is not None:
            break
    return {"report_rank": report_rank, "section_rank": section_rank}


def rank_scores(rank: int | None) -> dict[str, float]:
    """Hit@1, Hit@5 and reciprocal rank cut at 10 for one rank."""
    return {
        "hit1": float(rank is not None and rank <= 1),
        "hit5": float(rank is not None and rank <= 5),
        "mrr10": 1.0 / rank if rank is not None and rank <= 10 else 0.0,
    }


# --- answers ---------------------------------------------------------------------------------------

def _citation_texts(ask: dict[str, Any], reports: set[str] | None = None) -> list[str]:
    """quote and text of each citation, only those from `reports` when given."""
    texts = []
    for citation in ask.get("citations") or []:
        if reports is not None and citation.get("report_id") not in reports:
            continue
        texts += [citation.get("quote") or "", citation.get("text") or ""]
    return [t for t in texts if t]


def facts_found(ask: dict[str, Any], item: EvalItem) -> list[str]:
    answer = ask.get("answer") or ""
    return [fact for fact in item.must_include if contains_fact(answer, fact)]


def fact_recall(ask: dict[str, Any], item: EvalItem) -> float:
    """Share of the item's must_include strings present in the answer."""
    if not item.must_include:
        return 0.0
    return len(facts_found(ask, item)) / len(item.must_include)


def citation_support(ask: dict[str, Any], item: EvalItem) -> float | None:
    """Share of the facts found in the answer that also occur in a citation from a gold report.

    A right figure is only useful if the reader can check it in the right report; a fact the answer
    states but no gold citation shows does not count. None when the answer holds no fact (nothing to
    support), so that recall and support stay separate measures.
    """
    found = facts_found(ask, item)
    if not found:
        return None
    cited = [tokens(t) for t in _citation_texts(ask, set(item.reports))]
    supported = [f for f in found if any(_contains(c, tokens(f)) for c in cited)]
    return len(supported) / len(found)


def unsupported_figures(ask: dict[str, Any]) -> list[str]:
    """Numbers of the answer (as written, one per value) that occur in none of its citations.

    This is the hallucination measure that matters most: a leader acts on figures. Citation markers
    "[n]" and line-start list enumerators are not figures. Values compare as in `contains_fact`. What a
    citation shows the reader counts: its quote and passage, and the report's title and period (an
    answer names the report it quotes: "Theo báo cáo 6 tháng đầu năm 2024 của …").
    """
    shown = [c.get(field) or "" for c in ask.get("citations") or [] for field in ("title", "period")]
    cited = {value for text in _citation_texts(ask) + shown for _, value in numbers_in(text)}
    out, seen = [], set()
    for raw, value in numbers_in(ask.get("answer") or ""):
        if value not in cited and value not in seen:
            seen.add(value)
            out.append(raw)
    return out


def abstention_correct(ask: dict[str, Any], item: EvalItem) -> bool:
    """Unanswerable items must abstain, answerable ones must not."""
    return bool(ask.get("abstained")) == (not item.answerable)


def latency_ms(obj: dict[str, Any]) -> float | None:
    total = (obj.get("timings_ms") or {}).get("total")
    return float(total) if isinstance(total, (int, float)) else None


# --- per question and aggregate --------------------------------------------------------------------

RETRIEVAL_METRICS = tuple(f"{m}_{g}" for g in ("report", "section") for m in ("hit1", "hit5", "mrr10"))
ANSWER_METRICS = ("fact_recall", "all_facts", "citation_support")


def score_item(obj: dict[str, Any], item: EvalItem) -> dict[str, Any]:
    """One row of scores for one question; metrics that do not apply are None.

    Retrieval metrics apply to answerable items (an unanswerable one has no gold). Answer metrics need
    an `ask` object (one with "answer"); fact recall and friends apply to answerable items only, while
    abstention applies to all. Unsupported figures are counted for every answer that does not abstain:
    an abstention asserts no figure.
    """
    row: dict[str, Any] = {"id": item.id, "type": item.type, "answerable": item.answerable}
    ranks = retrieval_ranks(obj, item) if item.answerable else {"report_rank": None, "section_rank": None}
    row.update(ranks)
    for group in ("report", "section"):
        scores = rank_scores(ranks[f"{group}_rank"]) if item.answerable else dict.fromkeys(("hit1", "hit5", "mrr10"))
        row.update({f"{name}_{group}": value for name, value in scores.items()})
    is_ask = "answer" in obj
    if is_ask and item.answerable:
        recall = fact_recall(obj, item)
        row.update(fact_recall=recall, all_facts=float(recall == 1.0), citation_support=citation_support(obj, item))
    else:
        row.update(dict.fromkeys(ANSWER_METRICS))
    row["abstention"] = float(abstention_correct(obj, item)) if is_ask else None
    row["unsupported_figures"] = unsupported_figures(obj) if is_ask and not obj.get("abstained") else []
    row["latency_ms"] = latency_ms(obj)
    return row


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), q in [0, 100]; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(rows), "n_answerable": sum(1 for r in rows if r.get("answerable"))}
    for metric in (*RETRIEVAL_METRICS, *ANSWER_METRICS, "abstention"):
        values = [r[metric] for r in rows if r.get(metric) is not None]
        out[metric] = sum(values) / len(values) if values else None
    out["unsupported_figures"] = sum(len(r.get("unsupported_figures") or []) for r in rows)
    latencies = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """{"overall": summary, "by_type": {type: summary}}: means of each metric over the rows where it
    applies (None skipped), total unsupported figures, latency p50/p95."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_type.setdefault(row["type"], []).append(row)
    return {"overall": _summary(rows), "by_type": {t: _summary(r) for t, r in sorted(by_type.items())}}
