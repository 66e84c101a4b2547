"""Embedding backends, the Chroma collections and the ingestion that fills them."""

from vectorstore.chroma_store import (
    ChromaReportStore,
    ChunkHit,
    EmbeddingMismatchError,
    IndexUnavailableError,
    StoredReport,
    open_chroma_client,
)
from vectorstore.embeddings import EmbeddingIdentity, ReportEmbedding, create_embedding
from vectorstore.indexer import FileOutcome, IngestLimits, IngestSummary, ReportIndexer
from vectorstore.lexical import LexicalIndex, LexicalIndexError, LexicalSync
from vectorstore.lexical_tokens import lexical_tokens

__all__ = [
    "ChromaReportStore", "ChunkHit", "EmbeddingIdentity", "EmbeddingMismatchError", "FileOutcome",
    "IndexUnavailableError", "IngestLimits", "IngestSummary", "LexicalIndex", "LexicalIndexError", "LexicalSync", "ReportEmbedding",
    "ReportIndexer", "StoredReport", "create_embedding", "lexical_tokens", "open_chroma_client",
]
