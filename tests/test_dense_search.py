"""Dense search restricted to a few reports: exact, not Chroma's filtered HNSW walk (real Chroma)."""

import numpy as np

from vectorstore import chroma_store
from vectorstore.chroma_store import ChromaReportStore, open_chroma_client
from vectorstore.embeddings import EmbeddingIdentity


def near_duplicate_store(tmp_path, reports: int = 60, per_report: int = 40, dim: int = 24,
                         noise: float = 0.05) -> ChromaReportStore:
    """Many reports whose chunks are near copies of one another (as in a province's yearly reports):
    the neighbours of any chunk in the graph are mostly other reports' copies."""
    store = ChromaReportStore(open_chroma_client(tmp_path / "db"), EmbeddingIdentity("test", "random", dim),
                              str(tmp_path / "db"))
    rng = np.random.default_rng(3)
    base = rng.normal(size=(per_report, dim))
    for r in range(reports):
        vectors = base + rng.normal(scale=noise / np.sqrt(dim), size=base.shape)
        store._chunks.add(ids=[f"r{r}:{i}" for i in range(per_report)], embeddings=vectors.tolist(),
                          documents=[f"đoạn {i} của báo cáo {r}" for i in range(per_report)],
                          metadatas=[{"report_id": f"r{r}", "ordinal": i} for i in range(per_report)])
    return store


def exact_nearest(store: ChromaReportStore, query: np.ndarray, ids: list[str], k: int) -> list[str]:
    got = store._chunks.get(ids=ids, include=["embeddings"])
    vectors = np.asarray(got["embeddings"])
    similarity = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
    return [got["ids"][i] for i in np.argsort(-similarity)[:k]]


def test_a_search_within_one_report_is_exact(tmp_path, monkeypatch):
    """Restricted to one report's chunks, the hits are the exact nearest ones, computed from the
    vectors of those chunks (Chroma's filtered HNSW walk misses some at scale: benchmarks/filtered_recall.py)."""
    store = near_duplicate_store(tmp_path)
    exact_calls = []
    exact_query = ChromaReportStore._exact_query
    monkeypatch.setattr(ChromaReportStore, "_exact_query",
                        lambda self, *args: exact_calls.append(args) or exact_query(self, *args))
    rng = np.random.default_rng(5)
    for report in ("r7", "r31", "r52"):
        ids = [f"{report}:{i}" for i in range(40)]
        query = rng.normal(size=24)
        nearest = store.nearest(query.tolist(), 8, ids=ids)
        assert [chunk_id for chunk_id, _ in nearest] == exact_nearest(store, query, ids, 8), report
        hits = store.query(query.tolist(), 8, ids=ids)
        assert [(h.chunk_id, h.score) for h in hits] == nearest and hits[0].text.startswith("đoạn ")
        assert all(h.report_id == report for h in hits)
    assert len(exact_calls) == 6
    assert store.nearest([1.0] * 24, 5, ids=["no-such-chunk"]) == [] and store.nearest([1.0] * 24, 5, ids=[]) == []


def test_a_search_over_many_chunks_or_much_of_a_small_collection_stays_with_chroma(tmp_path, monkeypatch):
    store = near_duplicate_store(tmp_path, reports=5)
    calls = []
    monkeypatch.setattr(ChromaReportStore, "_exact_query", lambda *args: calls.append(args))
    ids = [f"r1:{i}" for i in range(40)]
    with monkeypatch.context() as patch:
        patch.setattr(chroma_store, "EXACT_SEARCH_MAX_CHUNKS", 10)
        assert [h.report_id for h in store.query([1.0] * 24, 3, ids=ids)] == ["r1"] * 3 and calls == []
    # The registry knows of 200 chunks: one report's 40 are a fifth of them, too many to be worth it.
    store._registry_seen = {f"r{r}": ("h", "complete", 40) for r in range(5)}
    assert [h.report_id for h in store.query([1.0] * 24, 3, ids=ids)] == ["r1"] * 3 and calls == []
    store._registry_seen.update({f"x{r}": ("h", "complete", 40) for r in range(10)})
    store._chunk_total = None
    store.query([1.0] * 24, 3, ids=ids)
    assert len(calls) == 1  # 40 of 600 chunks


def test_a_question_is_embedded_once_and_ahead_of_its_dense_search():
    """`QueryVectors.prefetch` embeds on the executor's thread; the searches that follow wait for that
    vector instead of embedding again, and a text not prefetched is embedded where it is asked for."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from rag.retrievers import QueryVectors

    class CountingEmbedding:
        def __init__(self):
            self.calls = []

        def get_query_embedding(self, text):
            self.calls.append((text, threading.current_thread().name))
            return [float(len(text))]

    embedding = CountingEmbedding()
    with ThreadPoolExecutor(1, thread_name_prefix="ahead") as executor:
        vectors = QueryVectors(embedding, executor)
        vectors.prefetch("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?")
        vectors.prefetch("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?")
        assert vectors.vector("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?") == [42.0]
        assert vectors.vector("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?") == [42.0]
        assert vectors.vector("khác") == [4.0]
    assert [(text, thread.startswith("ahead")) for text, thread in embedding.calls] == [
        ("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?", True), ("khác", False)]
