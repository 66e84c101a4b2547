"""`BaocaoService`: the Python API the CLI, the app and the evaluation use.

It opens the index once (embedding model, Chroma store, lexical index) and offers ingest, list,
remove, search and ask. Answering composes: follow-up resolution -> query analysis -> hybrid
retrieval -> an answerer (extractive by default, an LLM when configured, always verified).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path

from rag.extractive import ExtractiveAnswerer
from rag.retrievers import DenseRetriever
from rag.schema import Answer, AnswerProgress, DraftAnswer, Passage, QueryFilters
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

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer()

    # --- the library ------------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path | str], show_progress: bool = True) -> IngestSummary:
        indexer = ReportIndexer(self.store, self.embedding)
        return indexer.ingest([Path(p) for p in paths], show_progress=show_progress)

    def list_reports(self) -> list[StoredReport]:
        return self.store.reports()

    def remove(self, report_id: str) -> bool:
        return self.store.remove_report(report_id)

    # --- questions ----------------------------------------------------------------------------------

    def search(self, query: str, k: int | None = None, filters: QueryFilters | None = None) -> list[Passage]:
        """Ranked passages for a query."""
        retriever = DenseRetriever(self.store, self.embedding, k=k or self.settings.search_k)
        return [retriever.to_passage(scored) for scored in retriever.retrieve(query)]

    def ask(self, question: str, filters: QueryFilters | None = None, history: Sequence[Answer] = (),
            k: int | None = None) -> Answer:
        """An answer with citations, or an abstention that still lists the closest passages.

        `history` holds the earlier answers of the conversation, oldest first, for follow-ups.
        """
        final = None
        for progress in self.ask_stream(question, filters, history, k):
            final = progress.answer
        assert final is not None
        return final

    def ask_stream(self, question: str, filters: QueryFilters | None = None, history: Sequence[Answer] = (),
                   k: int | None = None) -> Iterator[AnswerProgress]:
        """`ask`, step by step: text as it grows (token by token with an LLM), then the final Answer."""
        started = time.perf_counter()
        filters = filters or QueryFilters()
        passages = self.search(question, k=k or max(self.settings.search_k, 10), filters=filters)
        retrieved_at = time.perf_counter()
        draft: DraftAnswer = self.extractive.answer(question, passages)
        yield AnswerProgress(text=draft.text)
        done = time.perf_counter()
        answer = Answer(
            question=question, answer=draft.text, abstained=draft.abstained, citations=draft.citations,
            retrieved=passages, answerer=draft.answerer, notices=draft.notices, resolved_question=question,
            filters=filters.to_dict(),
            timings_ms={"retrieve": (retrieved_at - started) * 1000, "answer": (done - retrieved_at) * 1000,
                        "total": (done - started) * 1000},
        )
        yield AnswerProgress(text=answer.answer, answer=answer)
