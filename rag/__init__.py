"""Query-side of baocao: settings, retrieval and the service API used by the CLI, the UI and the evals."""

from rag.service import BaocaoService, SearchResult
from rag.settings import BaocaoSettings

__all__ = ["BaocaoService", "BaocaoSettings", "SearchResult"]
