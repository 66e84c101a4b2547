"""Retrievers over the report index, as llama-index retrievers so that query engines can use them.

- `DenseRetriever`: nearest chunks by embedding (Chroma).
- `LexicalRetriever`: BM25 over folded syllables (the lexical index beside Chroma); finds what the
  embedding misses: questions typed without diacritics, abbreviations, exact names and numbers.
- `HybridRetriever`: both, fused by reciprocal rank (RRF), restricted to the reports a question or
  a filter selects, and diversified across reports for list and comparison questions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from ingest import normalize_text
from ingest.abbreviations import expand_abbreviations
from rag.schema import Passage
from vectorstore import ChunkHit, ReportEmbedding, ReportIndex

RRF_K = 60
T = TypeVar("T")


def hit_to_node(hit: ChunkHit) -> NodeWithScore:
    node = TextNode(id_=hit.chunk_id, text=hit.text, metadata=dict(hit.metadata))
    return NodeWithScore(node=node, score=hit.score)


def node_to_passage(scored: NodeWithScore) -> Passage:
    meta = scored.node.metadata
    return Passage(
        chunk_id=scored.node.node_id, report_id=str(meta["report_id"]), section=str(meta.get("section", "")),
        section_title=str(meta.get("section_title", "")), text=scored.node.get_content(),
        score=float(scored.score or 0.0), title=str(meta.get("title", "")), locality=str(meta.get("locality", "")),
        date=str(meta.get("date", "")), period=str(meta.get("period", "")), context=str(meta.get("context", "")),
        years=tuple(int(y) for y in meta.get("years") or ()), subsections=_subsections(meta.get("subsections")),
        ocr=bool(meta.get("ocr", False)),
        period_start=_iso_day(meta.get("period_start")), period_end=_iso_day(meta.get("period_end")),
        period_granularity=str(meta.get("period_granularity") or ""),
        period_cumulative=bool(meta.get("period_cumulative", False)),
        document_type=str(meta.get("document_type") or ""), province=str(meta.get("province") or ""),
    )


def _iso_day(stored: Any) -> str:
    """The chunk metadata's YYYYMMDD integer as an ISO day; "" for 0 or absent (unknown, older index)."""
    try:
        number = int(stored or 0)
    except (TypeError, ValueError):
        return ""
    return f"{number // 10000:04d}-{number // 100 % 100:02d}-{number % 100:02d}" if number else ""


def _subsections(stored: Any) -> tuple[tuple[int, str, str], ...]:
    """The chunk metadata's JSON list of [offset, path, title]; () when absent (an index built before)."""
    if not stored:
        return ()
    try:
        return tuple((int(offset), str(path), str(title)) for offset, path, title in json.loads(stored))
    except (TypeError, ValueError):
        return ()


def dense_query_text(question: str) -> str:
    """What the embedding model is given for a question: normalised, abbreviations expanded."""
    return expand_abbreviations(normalize_text(question))


class QueryVectors:
    """The vectors of one question, each text embedded once however many searches use it (a question
    about three places is searched three times), and possibly ahead of time: `prefetch` starts the
    embedding on `executor` (a thread: the model runs in C without the GIL) while the question goes
    on through report selection and BM25, which need no vector."""

    def __init__(self, embedding: ReportEmbedding, executor: Executor | None = None) -> None:
        self.embedding = embedding
        self.executor = executor
        self._vectors: dict[str, Future | list[float]] = {}

    def prefetch(self, text: str) -> None:
        if self.executor is not None and text not in self._vectors:
            self._vectors[text] = self.executor.submit(self.embedding.get_query_embedding, text)

    def vector(self, text: str) -> list[float]:
        found = self._vectors.get(text)
        if found is None:
            found = self._vectors[text] = self.embedding.get_query_embedding(text)
        elif isinstance(found, Future):
            found = self._vectors[text] = found.result()
        return found


class DenseRetriever(BaseRetriever):
    """Nearest chunks by embedding similarity, optionally restricted to some reports.

    `query_vectors`, when given, holds the vectors of the question's texts, shared by the retrievers of
    one question (see `QueryVectors`)."""

    def __init__(self, store: ReportIndex, embedding: ReportEmbedding, k: int = 5,
                 report_ids: set[str] | None = None, query_vectors: QueryVectors | None = None) -> None:
        super().__init__()
        self.store = store
        self.k = k
        self.report_ids = report_ids
        self.query_vectors = query_vectors or QueryVectors(embedding)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        if self.report_ids is not None and not self.report_ids:
            return []
        vector = self.query_vectors.vector(dense_query_text(query_bundle.query_str))
        return [hit_to_node(hit) for hit in self.store.query(vector, self.k, report_ids=self.report_ids)]


class LexicalRetriever(BaseRetriever):
    """BM25 over the lexical index kept beside the Chroma collection."""

    def __init__(self, store: ReportIndex, k: int = 5, report_ids: set[str] | None = None) -> None:
        super().__init__()
        self.store = store
        self.k = k
        self.report_ids = report_ids

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        lexical = getattr(self.store, "lexical", None)
        if lexical is None or (self.report_ids is not None and not self.report_ids):
            return []
        hits = lexical.search(query_bundle.query_str, self.k, report_ids=self.report_ids)
        return [hit_to_node(hit) for hit in hits]


@dataclass
class HybridRetriever(BaseRetriever):
    """Dense and lexical results fused by reciprocal rank.

    - `report_ids`: a hard restriction (explicit filters, or the places a question names); None for all.
    - `boost_report_ids`: reports ranked up without excluding others (the years a question names).
    - `diversify`: interleave reports so that a list or comparison question sees every report that
      has something on the topic, not the ten best chunks of one report.
    - `query_vectors`: the question's vectors, shared by its retrievers (see `QueryVectors`).
    Scores are RRF sums scaled so that 1.0 means first in both rankings.
    """

    store: ReportIndex
    embedding: ReportEmbedding
    k: int = 10
    report_ids: set[str] | None = None
    boost_report_ids: set[str] = field(default_factory=set)
    diversify: bool = False
    candidates: int = 30
    boost: float = 0.3
    query_vectors: QueryVectors | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        # BM25 first: a vector being embedded ahead of time (`QueryVectors.prefetch`) is done meanwhile
        lexical = LexicalRetriever(self.store, self.candidates, self.report_ids).retrieve(query_bundle)
        dense = DenseRetriever(self.store, self.embedding, self.candidates, self.report_ids,
                               self.query_vectors).retrieve(query_bundle)
        fused: dict[str, float] = {}
        nodes: dict[str, NodeWithScore] = {}
        for ranking in (dense, lexical):
            for rank, scored in enumerate(ranking):
                node_id = scored.node.node_id
                nodes.setdefault(node_id, scored)
                fused[node_id] = fused.get(node_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        best_possible = 2.0 / (RRF_K + 1)
        for node_id, scored in nodes.items():
            if scored.node.metadata.get("report_id") in self.boost_report_ids:
                fused[node_id] *= 1.0 + self.boost
        ranked = sorted(nodes, key=lambda node_id: -fused[node_id])
        if self.diversify:
            ranked = _interleave_reports(ranked, nodes)
        return [NodeWithScore(node=nodes[i].node, score=round(fused[i] / best_possible, 4)) for i in ranked[: self.k]]


def round_robin(rankings: list[list[T]], key: Callable[[T], str] = str) -> list[T]:
    """1st of each ranking, then 2nd of each …, each item once (by `key`)."""
    out: list[T] = []
    seen: set[str] = set()
    for rank in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking) and key(ranking[rank]) not in seen:
                seen.add(key(ranking[rank]))
                out.append(ranking[rank])
    return out


def _interleave_reports(ranked: list[str], nodes: dict[str, NodeWithScore]) -> list[str]:
    """Round-robin over reports in order of their best chunk: 1st of A, 1st of B, 2nd of A …"""
    per_report: dict[str, list[str]] = {}
    for node_id in ranked:
        per_report.setdefault(str(nodes[node_id].node.metadata.get("report_id")), []).append(node_id)
    return round_robin(list(per_report.values()))
