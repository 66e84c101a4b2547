"""`BaocaoService`: the Python API the CLI, the app and the evaluation use.

It opens the index once (embedding model + Chroma store) and offers ingest, list, remove and search.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

from rag.retrievers import DenseRetriever
from rag.settings import BaocaoSettings
from vectorstore import (
    ChromaReportStore,
    IngestSummary,
    ReportEmbedding,
    ReportIndexer,
    StoredReport,
    create_embedding,
    open_chroma_client,
)


@dataclass(frozen=True)
class SearchResult:
    report_id: str
    section: str
    section_title: str
    chunk_id: str
    text: str
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


class BaocaoService:
    def __init__(self, settings: BaocaoSettings | None = None) -> None:
        self.settings = settings or BaocaoSettings()

    @cached_property
    def embedding(self) -> ReportEmbedding:
        s = self.settings
        return create_embedding(s.embedding_backend, s.embedding_model, s.embedding_query_prefix,
                                s.embedding_passage_prefix)

    @cached_property
    def store(self) -> ChromaReportStore:
        s = self.settings
        client = open_chroma_client(s.db, s.chroma_host, s.chroma_port)
        location = f"{s.chroma_host}:{s.chroma_port}" if s.chroma_host else str(s.db)
        return ChromaReportStore(client, self.embedding.identity(), location)

    def ingest(self, paths: Iterable[Path | str], show_progress: bool = True) -> IngestSummary:
        indexer = ReportIndexer(self.store, self.embedding)
        return indexer.ingest([Path(p) for p in paths], show_progress=show_progress)

    def list_reports(self) -> list[StoredReport]:
        return self.store.reports()

    def remove(self, report_id: str) -> bool:
        return self.store.remove_report(report_id)

    def search(self, query: str, k: int | None = None) -> list[SearchResult]:
        retriever = DenseRetriever(self.store, self.embedding, k=k or self.settings.search_k)
        results = []
        for scored in retriever.retrieve(query):
            meta = scored.node.metadata
            results.append(
                SearchResult(
                    report_id=meta["report_id"],
                    section=meta.get("section", ""),
                    section_title=meta.get("section_title", ""),
                    chunk_id=scored.node.node_id,
                    text=scored.node.get_content(),
                    score=float(scored.score or 0.0),
                )
            )
        return results
