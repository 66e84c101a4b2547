"""The Chroma side of the index: chunk vectors with their metadata, and a registry of reports.

Two collections live in one Chroma database (embedded `PersistentClient`, or a server):
- `baocao_chunks`: one record per chunk: its text, embedding and metadata (report, section, locality,
  years …), so Chroma's own `where` filters can restrict a search;
- `baocao_reports`: one record per report: its metadata, content hash, chunk count and status.
  Keeping the registry in Chroma rather than in a local file means a Chroma server shared by several
  machines stays consistent with itself.

A report is written in three steps: mark it "indexing" with its new hash, upsert its new chunks,
delete its chunks of any other hash, then mark it "complete". An ingest killed between two steps
leaves an index that still answers, and a report not marked "complete" is indexed again next run.

Several processes on one embedded database (`baocao serve` answering while `baocao ingest` runs in
a terminal). Chroma's embedded client keeps each collection's vector index in memory and does not
see another process's writes there: a question restricted to a report added by another process
failed with "Error finding id". So the store remembers the registry as its own writes left it; when
a read of the registry finds anything else, another process has written, and the store reopens its
Chroma collections from disk (a fresh client) and calls `on_reopen` (the report index brings the
lexical index in step there). Questions read the whole registry only when its version token
(`registry_version`, changed by every registry write) has changed. A query that still meets Chroma's
internal error reopens and retries once. Any number of processes may read and write this way; writes
of the same report from two processes at once are not coordinated (the later one wins), and a Chroma
server (`BAOCAO_CHROMA_HOST`) remains the way to share one index between machines.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest import Chunk, Report, ReportMetadata
from vectorstore.embeddings import EmbeddingIdentity
from vectorstore.hits import ChunkHit

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

CHUNKS_COLLECTION = "baocao_chunks"
REPORTS_COLLECTION = "baocao_reports"
STATUS_COMPLETE = "complete"
STATUS_INDEXING = "indexing"
_ADD_BATCH = 256
EXACT_SEARCH_MAX_CHUNKS = 1_000
EXACT_SEARCH_MAX_SHARE = 0.1
"""A search restricted to at most `EXACT_SEARCH_MAX_CHUNKS` chunk ids and at most this share of the
collection compares the query with each of them instead of walking Chroma's HNSW graph (see
`ChromaReportStore._exact_query`). Reading vectors costs about 0.03 ms a chunk, so above that size a
filtered HNSW search is much faster; in a collection under ten times the restriction it is exact
anyway (recall@10 1.0 at 262 and 762 chunks, benchmarks/filtered_recall.py)."""


class EmbeddingMismatchError(RuntimeError):
    """The index was built with another embedding model than the one configured now."""


class IndexUnavailableError(RuntimeError):
    """The Chroma database cannot be opened or reached."""


@dataclass(frozen=True)
class StoredReport:
    metadata: ReportMetadata
    content_hash: str
    status: str
    chunks: int
    source: str

    @property
    def report_id(self) -> str:
        return self.metadata.report_id


__all__ = ["ChromaReportStore", "ChunkHit", "EmbeddingMismatchError", "IndexUnavailableError", "StoredReport",
           "open_chroma_client"]
_VERSION_KEY = "registry_version"


def open_chroma_client(db_dir: Path, host: str | None = None, port: int | None = None, *, fresh: bool = False):
    """An embedded client on `db_dir`, or an HTTP client when a server host is configured. `fresh`
    drops Chroma's per-process cache of embedded systems first, so that the client reads the
    database from disk (what `ChromaReportStore.reopen` needs; clients opened before keep working)."""
    import chromadb
    from chromadb.config import Settings

    if fresh and not host:
        chromadb.api.client.SharedSystemClient.clear_system_cache()

    settings = Settings(anonymized_telemetry=False)
    try:
        if host:
            return chromadb.HttpClient(host=host, port=port or 8000, settings=settings)
        db_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(db_dir), settings=settings)
    except Exception as exc:  # chromadb raises bare ValueError/ConnectionError/… depending on mode
        where = f"máy chủ Chroma {host}:{port}" if host else f"thư mục {db_dir}"
        raise IndexUnavailableError(f"Không mở được chỉ mục tại {where}: {exc}") from exc


class ChromaReportStore:
    """Chunks and reports in Chroma, tied to one embedding identity.

    It knows nothing of the lexical index: `vectorstore.report_index.ReportIndex` owns both stores
    and writes the lexical side through `write_report(before_complete=…)` and `on_reopen`.
    """

    def __init__(self, client, identity: EmbeddingIdentity, location: str, *,
                 reopen: Callable[[], Any] | None = None) -> None:
        """`reopen` makes a fresh client on the same database (embedded mode): given, the store
        notices other processes' writes and reopens (see the module docstring)."""
        self._client = client
        self.identity = identity
        self.location = location
        self._reopen_client = reopen
        self._registry_lock = threading.RLock()
        self._registry_seen: dict[str, tuple] | None = None  # the registry as this process last knew it
        self._chunk_total: int | None = None  # chunks of `_registry_seen`, summed when first needed
        self.reopened = 0
        self._open_collections(client)
        self._check_identity()
        self.on_reopen: Callable[[], None] | None = None

    def _open_collections(self, client) -> None:
        self._client = client
        self._chunks = _open_or_create_chunks(client, self.identity)
        self._reports = client.get_or_create_collection(REPORTS_COLLECTION, embedding_function=None)

    def reopen(self) -> None:
        """Open the collections again from disk, to see what other processes wrote."""
        if self._reopen_client is None:
            return
        with self._registry_lock:
            self._open_collections(self._reopen_client())
            self._registry_seen = self._chunk_total = None
            self.reopened += 1
        if self.on_reopen is not None:
            self.on_reopen()

    @staticmethod
    def _registry_entry(meta: dict[str, Any]) -> tuple:
        return (str(meta.get("content_hash", "")), str(meta.get("status", "")), int(meta.get("chunks", 0) or 0))

    def _check_identity(self) -> None:
        recorded = self._chunks.metadata or {}
        stored = EmbeddingIdentity(
            str(recorded.get("embedding_backend", "")),
            str(recorded.get("embedding_model", "")),
            int(recorded.get("embedding_dimension", 0) or 0),
        )
        if stored != self.identity:
            raise EmbeddingMismatchError(
                f"Chỉ mục tại {self.location} được tạo bằng mô hình nhúng {stored.describe()}, "
                f"nhưng cấu hình hiện tại là {self.identity.describe()}. "
                "Hãy dùng lại cấu hình cũ (BAOCAO_EMBEDDING_BACKEND, BAOCAO_EMBEDDING_MODEL), "
                "hoặc nạp lại toàn bộ báo cáo vào một chỉ mục mới: baocao ingest --db THƯ_MỤC_MỚI …"
            )

    # --- reports ------------------------------------------------------------------------------

    def reports(self) -> list[StoredReport]:
        """Every report of the registry; reopens first when another process has changed it."""
        with self._registry_lock:
            metas = self._reports.get(include=["metadatas"])["metadatas"] or []
            registry = {str(m["report_id"]): self._registry_entry(m) for m in metas}
            changed_elsewhere = self._registry_seen is not None and registry != self._registry_seen
            self._registry_seen, self._chunk_total = registry, None
        if changed_elsewhere and self._reopen_client is not None:
            self.reopen()
            with self._registry_lock:
                self._registry_seen, self._chunk_total = registry, None
        stored = [_stored_report(meta) for meta in metas]
        return sorted(stored, key=lambda r: r.report_id)

    def get_report(self, report_id: str) -> StoredReport | None:
        records = self._reports.get(ids=[report_id], include=["metadatas"])
        metas = records["metadatas"] or []
        return _stored_report(metas[0]) if metas else None

    def find_by_hash(self, content_hash: str) -> StoredReport | None:
        records = self._reports.get(where={"content_hash": content_hash}, include=["metadatas"])
        metas = records["metadatas"] or []
        return _stored_report(metas[0]) if metas else None

    def write_report(self, report: Report, chunks: list[Chunk], embeddings: list[list[float]], *,
                     before_complete: Callable[[list[dict[str, Any]]], None] | None = None) -> None:
        """Replace a report's chunks, crash-safely (see the module docstring).

        `before_complete(metadatas)` runs after the Chroma write and before the report is marked
        complete (the report index writes the lexical side there), so a crash in between leaves the
        report "indexing": the next ingest writes both again.
        """
        self._set_report(report, STATUS_INDEXING, len(chunks))
        metadatas = [_chunk_metadata(c, report) for c in chunks]
        for start in range(0, len(chunks), _ADD_BATCH):
            batch = chunks[start : start + _ADD_BATCH]
            self._chunks.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=embeddings[start : start + _ADD_BATCH],
                documents=[c.text for c in batch],
                metadatas=metadatas[start : start + _ADD_BATCH],
            )
        self._chunks.delete(
            where={"$and": [{"report_id": report.report_id}, {"content_hash": {"$ne": report.content_hash}}]}
        )
        if before_complete is not None:
            before_complete(metadatas)
        self._set_report(report, STATUS_COMPLETE, len(chunks))

    def _set_report(self, report: Report, status: str, chunks: int) -> None:
        meta = report.metadata
        with self._registry_lock:  # this process's own change: no reason to reopen
            if self._registry_seen is not None:
                self._registry_seen[report.report_id] = (report.content_hash, status, chunks)
                self._chunk_total = None
            self._write_registry(report, status, chunks, meta)
        self._bump_registry_version()

    def remembered_registry(self, report_ids: Iterable[str]) -> dict[str, tuple[str, str, int]] | None:
        """(content hash, status, chunks) of those of `report_ids` that the registry held when this
        process last read or wrote it, without asking Chroma; None when it has not read it yet."""
        with self._registry_lock:
            seen = self._registry_seen
            if seen is None:
                return None
            return {rid: seen[rid] for rid in report_ids if rid in seen}

    def registry_version(self) -> str:
        """A token that changes with every write to the registry, by any process ("" for an index
        no writer has versioned yet): one cheap lookup tells whether the catalog is still current."""
        metadata = self._client.get_collection(REPORTS_COLLECTION, embedding_function=None).metadata or {}
        return str(metadata.get(_VERSION_KEY, ""))

    def _bump_registry_version(self) -> None:
        # A random token rather than a counter: two writers need no read-modify-write to agree.
        self._reports.modify(metadata={_VERSION_KEY: uuid.uuid4().hex})

    def _write_registry(self, report: Report, status: str, chunks: int, meta: ReportMetadata) -> None:
        self._reports.upsert(
            ids=[report.report_id],
            embeddings=[[0.0]],  # the registry is looked up by id and hash, never by vector
            metadatas=[
                {
                    "report_id": report.report_id,
                    "content_hash": report.content_hash,
                    "status": status,
                    "chunks": chunks,
                    "source": str(report.source),
                    "metadata_json": meta.model_dump_json(),
                }
            ],
        )

    def remove_report(self, report_id: str) -> bool:
        """Delete a report's chunks and registry record. False when no such report is indexed."""
        known = self.get_report(report_id) is not None
        self._chunks.delete(where={"report_id": report_id})
        with self._registry_lock:
            if self._registry_seen is not None:
                self._registry_seen.pop(report_id, None)
                self._chunk_total = None
            self._reports.delete(ids=[report_id])
        self._bump_registry_version()
        return known

    # --- chunks -------------------------------------------------------------------------------

    def chunk_count(self, report_id: str | None = None) -> int:
        if report_id is None:
            return self._chunks.count()
        return len(self._chunks.get(where={"report_id": report_id}, include=[])["ids"])

    def mentions(self, phrase: str) -> bool:
        """True when some chunk's text contains `phrase` as written (case-sensitive, as Chroma matches)."""
        return bool(self._chunks.get(where_document={"$contains": phrase}, limit=1, include=[])["ids"])

    def chunk_records(self, report_id: str, content_hash: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """(chunk_id, text, metadata) of a report's chunks in reading order, only those of
        `content_hash` when given (what the report index re-reads for the lexical side)."""
        where: dict[str, Any] = {"report_id": report_id}
        if content_hash is not None:
            where = {"$and": [where, {"content_hash": content_hash}]}
        got = self._chunks.get(where=where, include=["documents", "metadatas"])
        records = [(cid, text or "", dict(meta or {})) for cid, text, meta in
                   zip(got["ids"], got["documents"] or [], got["metadatas"] or [])]
        return sorted(records, key=lambda r: (int(r[2].get("ordinal", 0) or 0), r[0]))

    def iter_chunks(self, page: int = 5000) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(chunk_id, text, metadata) of every chunk, read `page` at a time (a rebuild of the lexical
        index from a large collection: one pass instead of one query per report)."""
        offset = 0
        while True:
            got = self._chunks.get(limit=page, offset=offset, include=["documents", "metadatas"])
            ids = got["ids"]
            for chunk_id, text, meta in zip(ids, got["documents"] or [], got["metadatas"] or []):
                yield chunk_id, text or "", dict(meta or {})
            if len(ids) < page:
                return
            offset += len(ids)

    def next_chunk(self, chunk_id: str) -> ChunkHit | None:
        """The chunk that follows `chunk_id` in its report (a list cut by a chunk boundary goes on there)."""
        got = self._chunks.get(ids=[chunk_id], include=["metadatas"])
        if not got["ids"]:
            return None
        meta = got["metadatas"][0]
        where = {"$and": [{"report_id": meta["report_id"]}, {"content_hash": meta["content_hash"]},
                          {"ordinal": int(meta.get("ordinal", 0)) + 1}]}
        after = self._chunks.get(where=where, limit=1, include=["documents", "metadatas"])
        if not after["ids"]:
            return None
        return _hit(after["ids"][0], after["documents"][0], after["metadatas"][0], 0.0)

    def query(self, embedding: list[float], k: int, where: dict[str, Any] | None = None,
              ids: list[str] | None = None) -> list[ChunkHit]:
        """The `k` nearest chunks; score is cosine similarity (1 − Chroma's cosine distance).

        `ids` restricts the search to those chunks (an empty list: no result). It is the fast way
        to search a few reports: Chroma answers a `where` on report_id by scanning the metadata of
        the whole collection (25 ms at 100k chunks), a list of ids by a look-up (4 ms).
        Chroma gives fewer than `k` hits when fewer chunks match; no count is taken first."""
        result = self._query(embedding, k, where, ids, ["documents", "metadatas", "distances"])
        if result is None:
            return []
        return [_hit(chunk_id, text, meta, round(1.0 - float(distance), 4)) for chunk_id, text, meta, distance in zip(
            result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])]

    def nearest(self, embedding: list[float], k: int, where: dict[str, Any] | None = None,
                ids: list[str] | None = None) -> list[tuple[str, float]]:
        """`query` without the chunks' text and metadata: (chunk_id, score) of the `k` nearest, for a
        caller that holds the text elsewhere (Chroma takes 3 to 4 ms to return them for 30 hits)."""
        result = self._query(embedding, k, where, ids, ["distances"])
        if result is None:
            return []
        return [(chunk_id, round(1.0 - float(distance), 4))
                for chunk_id, distance in zip(result["ids"][0], result["distances"][0])]

    def records(self, chunk_ids: list[str]) -> dict[str, ChunkHit]:
        """The chunks of `chunk_ids` that Chroma holds, by id (score 0)."""
        if not chunk_ids:
            return {}
        got = self._chunks.get(ids=chunk_ids, include=["documents", "metadatas"])
        return {chunk_id: _hit(chunk_id, text, meta, 0.0)
                for chunk_id, text, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [])}

    def _query(self, embedding: list[float], k: int, where: dict[str, Any] | None, ids: list[str] | None,
               include: list[str]) -> dict[str, Any] | None:
        from chromadb.errors import InternalError

        if ids is not None and not ids:
            return None
        for attempt in (1, 2):
            try:
                if ids is not None and self._exact_is_better(len(ids)):
                    return self._exact_query(embedding, k, where, ids, include)
                return self._chunks.query(query_embeddings=[embedding], n_results=k, where=where or None, ids=ids,
                                          include=include)
            except InternalError:  # "Error finding id": another process wrote since the collections opened
                if attempt == 2 or self._reopen_client is None:
                    raise
                self.reopen()
        return None

    def _exact_is_better(self, allowed: int) -> bool:
        """Whether a search restricted to `allowed` chunks should be exact: a few chunks of a collection
        at least ten times larger (in a small collection the graph walk finds them all, and faster)."""
        if allowed > EXACT_SEARCH_MAX_CHUNKS:
            return False
        with self._registry_lock:
            if self._chunk_total is None and self._registry_seen is not None:
                self._chunk_total = sum(chunks for _, _, chunks in self._registry_seen.values())
            total = self._chunk_total
        return total is None or allowed <= EXACT_SEARCH_MAX_SHARE * total

    def _exact_query(self, embedding: list[float], k: int, where: dict[str, Any] | None, ids: list[str],
                     include: list[str]) -> dict[str, Any]:
        """`_query` over a few chunks by exact cosine similarity, in Chroma's result layout.

        HNSW with a filter that lets through a few hundred chunks of a large collection walks a graph
        whose neighbours are mostly filtered out, and misses true neighbours: at 100k chunks, restricted
        to one report, Chroma's top 10 held a quarter of the exact top 10. Reading the vectors of the
        chunks allowed is faster there too (3 ms for 70 chunks, against 15 ms for the filtered search).
        Vector stores that filter before searching do the same (Weaviate's flat-search cutoff)."""
        import numpy as np

        extra = [part for part in include if part in ("documents", "metadatas")]
        got = self._chunks.get(ids=ids, where=where or None, include=["embeddings", *extra])
        found = got["ids"]
        if not found:
            return {"ids": [[]], "distances": [[]], "documents": [[]], "metadatas": [[]]}
        vectors = np.asarray(got["embeddings"], dtype=np.float32)
        query = np.asarray(embedding, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1) * float(np.linalg.norm(query))
        distances = 1.0 - (vectors @ query) / np.where(norms > 0, norms, 1.0)
        best = np.argsort(distances, kind="stable")[:k].tolist()
        result: dict[str, Any] = {"ids": [[found[i] for i in best]], "distances": [[float(distances[i]) for i in best]]}
        for part in extra:
            result[part] = [[got[part][i] for i in best]]
        return result


def _hit(chunk_id: str, text: str | None, meta: Any, score: float) -> ChunkHit:
    meta = dict(meta or {})
    return ChunkHit(chunk_id=chunk_id, report_id=str(meta["report_id"]), section=str(meta.get("section", "")),
                    section_title=str(meta.get("section_title", "")), text=text or "", score=score, metadata=meta)

def _open_or_create_chunks(client, identity: EmbeddingIdentity):
    """The chunk collection; a new one records the embedding identity it is built with."""
    from chromadb.errors import NotFoundError

    try:
        return client.get_collection(CHUNKS_COLLECTION, embedding_function=None)
    except NotFoundError:
        return client.create_collection(
            CHUNKS_COLLECTION,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={
                "embedding_backend": identity.backend,
                "embedding_model": identity.model,
                "embedding_dimension": identity.dimension,
            },
            embedding_function=None,
        )


def _chunk_metadata(chunk: Chunk, report: Report) -> dict[str, Any]:
    meta = report.metadata
    record: dict[str, Any] = {
        "report_id": chunk.report_id,
        "content_hash": report.content_hash,
        "section": str(chunk.section),
        "section_title": chunk.section_title,
        # Sections starting inside a packed chunk: JSON [[offset in text, path, title], …] (see Chunk).
        "subsections": json.dumps([list(entry) for entry in chunk.subsections], ensure_ascii=False),
        "ordinal": chunk.ordinal,
        "context": chunk.context,
        "title": meta.title,
        "locality": meta.locality,
        "locality_level": meta.locality_level,
        "province": meta.province,
        "date": meta.date,
        "period": meta.period,
        "document_type": meta.document_type,
        # Period bounds as YYYYMMDD integers, so Chroma `where` can compare them ($gte / $lte); 0 = unknown.
        "period_start": _date_number(meta.period_start),
        "period_end": _date_number(meta.period_end),
        "period_granularity": meta.period_granularity,
        "period_cumulative": meta.period_cumulative,
        "ocr": chunk.ocr,  # text recognised from a scan: citations say so
    }
    if meta.years:  # Chroma rejects empty lists
        record["years"] = list(meta.years)
    return record


def _date_number(iso: str) -> int:
    """"2024-06-30" -> 20240630; "" -> 0 (unknown)."""
    return int(iso.replace("-", "")) if iso else 0


def _stored_report(meta: dict[str, Any]) -> StoredReport:
    return StoredReport(
        metadata=ReportMetadata.model_validate(json.loads(str(meta["metadata_json"]))),
        content_hash=str(meta["content_hash"]),
        status=str(meta["status"]),
        chunks=int(meta["chunks"]),
        source=str(meta.get("source", "")),
    )
