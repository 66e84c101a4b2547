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
from vectorstore.indexer import FileOutcome, IngestSummary, ReportIndexer

__all__ = [
    "ChromaReportStore", "ChunkHit", "EmbeddingIdentity", "EmbeddingMismatchError", "FileOutcome",
    "IndexUnavailableError", "IngestSummary", "ReportEmbedding", "ReportIndexer", "StoredReport",
    "create_embedding", "open_chroma_client",
]
