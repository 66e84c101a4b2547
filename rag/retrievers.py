"""Retrievers over the report index, as llama-index retrievers so that query engines can use them."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from ingest import normalize_text
from rag.schema import Passage
from vectorstore import ChromaReportStore, ChunkHit, ReportEmbedding


def hit_to_node(hit: ChunkHit) -> NodeWithScore:
    node = TextNode(id_=hit.chunk_id, text=hit.text, metadata=dict(hit.metadata))
    return NodeWithScore(node=node, score=hit.score)


class DenseRetriever(BaseRetriever):
    """Nearest chunks by embedding similarity, optionally restricted by a Chroma `where` filter."""

    def __init__(self, store: ChromaReportStore, embedding: ReportEmbedding, k: int = 5,
                 where: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.store = store
        self.embedding = embedding
        self.k = k
        self.where = where

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        query = normalize_text(query_bundle.query_str)
        vector = self.embedding.get_query_embedding(query)
        return [hit_to_node(hit) for hit in self.store.query(vector, self.k, self.where)]

    @staticmethod
    def to_passage(scored: NodeWithScore) -> Passage:
        return node_to_passage(scored)


def node_to_passage(scored: NodeWithScore) -> Passage:
    meta = scored.node.metadata
    return Passage(
        chunk_id=scored.node.node_id, report_id=str(meta["report_id"]), section=str(meta.get("section", "")),
        section_title=str(meta.get("section_title", "")), text=scored.node.get_content(),
        score=float(scored.score or 0.0), title=str(meta.get("title", "")), locality=str(meta.get("locality", "")),
        date=str(meta.get("date", "")), period=str(meta.get("period", "")), context=str(meta.get("context", "")),
    )
