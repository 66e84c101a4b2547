"""Embedding backends, the report index (Chroma and the lexical index) and the ingestion that fills it."""

from vectorstore.chroma_store import (
    ChromaReportStore,
    EmbeddingMismatchError,
    IndexUnavailableError,
    StoredReport,
    open_chroma_client,
)
from vectorstore.embeddings import EmbeddingIdentity, ReportEmbedding, create_embedding
from vectorstore.hits import ChunkHit
from vectorstore.indexer import FileOutcome, IngestLimits, IngestSummary, ReportIndexer
from vectorstore.lexical import LexicalIndex, LexicalIndexError, LexicalSync
from vectorstore.lexical_tokens import lexical_tokens
from vectorstore.report_index import ReportIndex, open_report_index

__all__ = [
    "ChromaReportStore", "ChunkHit", "EmbeddingIdentity", "EmbeddingMismatchError", "FileOutcome",
    "IndexUnavailableError", "IngestLimits", "IngestSummary", "LexicalIndex", "LexicalIndexError", "LexicalSync", "ReportEmbedding",
    "ReportIndex", "ReportIndexer", "StoredReport", "create_embedding", "lexical_tokens", "open_chroma_client",
    "open_report_index",
]
