"""The lexical index: BM25 over the chunks of the Chroma collection, kept beside it and in step with it.

Dense retrieval misses what BM25 finds easily in these reports: exact names and figures, questions
typed without diacritics, and abbreviations ("TTHC" for "thủ tục hành chính"). Each chunk is indexed
as its context line and text, with the other form of every abbreviation appended
(`ingest.abbreviations.expand_abbreviations`), cut into folded syllables and syllable pairs with
figures by value (`vectorstore.lexical_tokens`); queries go through the same steps.

Storage. One SQLite file in a folder beside the Chroma database (`<db>/lexical/lexical.sqlite3`),
holding per report its content hash and per chunk its id, report, ordinal, text, Chroma metadata and
bag of tokens (64-bit token hashes with their counts, and the token count). SQLite gives crash-safe
per-report replacement in one transaction and lets several processes share the file. The BM25
matrix lives in memory only and is rebuilt from the stored bags when the index has changed (own
writes, or another process's, seen through `PRAGMA data_version`), at the next search.

Why not bm25s (or rank_bm25) for the matrix. bm25s scores the same way but builds its index in a
Python loop per document (for 20,000 chunks on 2 cores: 3.0 s from token ids, 4.2 s from token
strings), and this index is rebuilt after every change; rank_bm25 scores every document in Python at
each query. Here the build is a handful of numpy operations over the
stored bags (sort by token hash, document frequencies from the runs, Lucene BM25 weights), about
1 s for 20,000 chunks (benchmarks/RESULTS.md). The scores are bm25s's default (method "lucene",
k1=1.5, b=0.75): idf = ln(1 + (N − df + 0.5)/(df + 0.5)), tf part = tf/(tf + k1·(1 − b + b·dl/avgdl)),
and tests/test_lexical_index.py checks them against bm25s where it is installed. Tokens are
hashed (blake2b, 8 bytes) so that no vocabulary has to be stored or rebuilt; a collision among a
million distinct tokens has a probability of about 3·10⁻⁸.

Consistency with Chroma. `ChromaReportStore.write_report` replaces the report here after its Chroma
upsert and before marking it complete; `remove_report` removes it here too. `sync(store)`, run
when the store opens, repairs everything else: a crash between the two writes, an index built before
the lexical index existed, a deleted or damaged lexical folder, a Chroma server written by another
machine. Stored tokens of an older tokeniser or glossary are recomputed from the stored text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.abbreviations import ABBREVIATIONS, expand_abbreviations
from vectorstore.chroma_store import STATUS_COMPLETE, ChunkHit
from vectorstore.lexical_tokens import TOKENIZER_VERSION, lexical_tokens

if TYPE_CHECKING:
    from vectorstore.chroma_store import ChromaReportStore

log = logging.getLogger(__name__)

DB_FILE = "lexical.sqlite3"
K1 = 1.5
B = 0.75
_GLOSSARY_VERSION = hashlib.sha1(json.dumps(ABBREVIATIONS, sort_keys=True).encode()).hexdigest()[:10]
TOKENS_VERSION = f"{TOKENIZER_VERSION}+glossary-{_GLOSSARY_VERSION}+blake2b8"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (report_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    length INTEGER NOT NULL,
    terms BLOB NOT NULL,
    counts BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_report ON chunks (report_id, ordinal);
"""


class LexicalIndexError(RuntimeError):
    """The lexical index folder cannot be created or opened."""


@dataclass(frozen=True)
class LexicalSync:
    """What `LexicalIndex.sync` changed: reports re-read from Chroma, and reports dropped."""

    reindexed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def index_text(text: str, metadata: Mapping[str, Any]) -> str:
    """What a chunk is indexed as: its context line ("thành phố Quy Nhơn · … · III.6 — …") and text."""
    context = str(metadata.get("context", "") or "")
    return f"{context}\n{text}" if context else text


def token_hashes(tokens: Iterable[str]) -> np.ndarray:
    """Stable 64-bit hashes of tokens (Python's own `hash` changes between processes)."""
    return np.array(
        [int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little", signed=True) for t in tokens],
        dtype=np.int64,
    )


def _bag(text: str, metadata: Mapping[str, Any]) -> tuple[int, bytes, bytes]:
    """(token count, distinct token hashes, their counts) of a chunk, as stored."""
    hashes = token_hashes(lexical_tokens(expand_abbreviations(index_text(text, metadata))))
    terms, counts = np.unique(hashes, return_counts=True)
    return len(hashes), terms.astype("<i8").tobytes(), counts.astype("<i4").tobytes()


class _Bm25Matrix:
    """BM25 weights by term: for the term at `vocab[t]`, documents `docs[indptr[t]:indptr[t+1]]`."""

    def __init__(self, lengths: np.ndarray, bags: list[tuple[bytes, bytes]]) -> None:
        n_docs = len(lengths)
        terms = np.concatenate([np.frombuffer(t, dtype="<i8") for t, _ in bags]) if bags else np.zeros(0, np.int64)
        tfs = np.concatenate([np.frombuffer(c, dtype="<i4") for _, c in bags]).astype(np.float32) if bags else np.zeros(0, np.float32)
        per_doc = np.array([len(t) // 8 for t, _ in bags], dtype=np.int64)
        docs = np.repeat(np.arange(n_docs, dtype=np.int32), per_doc)
        order = np.argsort(terms)
        terms, tfs, docs = terms[order], tfs[order], docs[order]
        starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]]) if len(terms) else np.zeros(0, np.int64)
        self.vocab = terms[starts]
        self.indptr = np.r_[starts, len(terms)].astype(np.int64)
        df = np.diff(self.indptr).astype(np.float64)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        lengths = lengths.astype(np.float32)
        avg = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
        norm = K1 * ((1 - B) + B * lengths[docs] / avg)
        self.weights = (np.repeat(idf, df.astype(np.int64)) * tfs / (tfs + norm)).astype(np.float32)
        self.docs = docs
        self.n_docs = n_docs

    def scores(self, query_hashes: np.ndarray) -> np.ndarray:
        """BM25 score of every document; a token repeated in the query counts each time (as in bm25s)."""
        scores = np.zeros(self.n_docs, dtype=np.float32)
        if not len(self.vocab) or not len(query_hashes):
            return scores
        positions = np.searchsorted(self.vocab, query_hashes)
        for hashed, pos in zip(query_hashes, positions):
            if pos < len(self.vocab) and self.vocab[pos] == hashed:
                lo, hi = self.indptr[pos], self.indptr[pos + 1]
                scores[self.docs[lo:hi]] += self.weights[lo:hi]  # a document occurs once per term
        return scores


@dataclass
class _Model:
    matrix: _Bm25Matrix
    chunk_ids: list[str]
    doc_reports: np.ndarray  # report number of each document
    report_numbers: dict[str, int]


class LexicalIndex:
    """BM25 over the chunks, persisted in `folder` (see the module docstring)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self._lock = threading.RLock()
        self._model: _Model | None = None
        self._stale = True
        self._seen_version: int | None = None
        self._conn = self._open()

    # --- storage --------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LexicalIndexError(f"Không tạo được thư mục chỉ mục từ vựng {self.folder}: {exc}") from exc
        path = self.folder / DB_FILE
        try:
            conn = self._connect(path)
        except sqlite3.DatabaseError as exc:
            # Derived data: a damaged file is dropped, and `sync` refills it from Chroma.
            log.warning("Chỉ mục từ vựng %s hỏng (%s): tạo lại từ Chroma.", path, exc)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            try:
                conn = self._connect(path)
            except sqlite3.Error as again:
                raise LexicalIndexError(f"Không mở được chỉ mục từ vựng {path}: {again}") from again
        except sqlite3.Error as exc:
            raise LexicalIndexError(f"Không mở được chỉ mục từ vựng {path}: {exc}") from exc
        self._retokenize_if_outdated(conn)
        return conn

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=60, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _retokenize_if_outdated(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'tokens_version'").fetchone()
        if row and row[0] == TOKENS_VERSION:
            return
        rows = conn.execute("SELECT chunk_id, text, metadata FROM chunks").fetchall()
        if rows:
            log.info("Chỉ mục từ vựng %s: tách từ lại %d đoạn (bộ tách từ mới).", self.folder, len(rows))
        conn.execute("BEGIN IMMEDIATE")
        try:
            for chunk_id, text, metadata in rows:
                length, terms, counts = _bag(text, json.loads(metadata))
                conn.execute("UPDATE chunks SET length = ?, terms = ?, counts = ? WHERE chunk_id = ?",
                             (length, terms, counts, chunk_id))
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('tokens_version', ?)", (TOKENS_VERSION,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def replace_report(self, report_id: str, content_hash: str,
                       chunks: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
        """Make `chunks` ((chunk_id, text, Chroma metadata) each) the report's only chunks, atomically."""
        rows = []
        for chunk_id, text, metadata in chunks:
            length, terms, counts = _bag(text, metadata)
            rows.append((chunk_id, report_id, int(metadata.get("ordinal", 0) or 0), text,
                         json.dumps(dict(metadata), ensure_ascii=False), length, terms, counts))
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM chunks WHERE report_id = ?", (report_id,))
                conn.executemany("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                conn.execute("INSERT OR REPLACE INTO reports (report_id, content_hash) VALUES (?, ?)",
                             (report_id, content_hash))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._stale = True

    def remove_report(self, report_id: str) -> bool:
        """Drop a report's chunks. False when the index did not hold it."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                known = conn.execute("DELETE FROM reports WHERE report_id = ?", (report_id,)).rowcount > 0
                known = conn.execute("DELETE FROM chunks WHERE report_id = ?", (report_id,)).rowcount > 0 or known
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._stale = True
            return known

    def reports(self) -> dict[str, str]:
        """report_id -> content hash of every report held."""
        with self._lock:
            return dict(self._conn.execute("SELECT report_id, content_hash FROM reports").fetchall())

    def chunk_count(self, report_id: str | None = None) -> int:
        with self._lock:
            if report_id is None:
                return self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            return self._conn.execute("SELECT COUNT(*) FROM chunks WHERE report_id = ?", (report_id,)).fetchone()[0]

    def __len__(self) -> int:
        return self.chunk_count()

    # --- keeping in step with Chroma ------------------------------------------------------------

    def sync(self, store: ChromaReportStore) -> LexicalSync:
        """Re-read from Chroma the complete reports held here with another hash or chunk count (or not
        at all), and drop the reports Chroma no longer has. A report Chroma is still writing
        ("indexing") is left as it is: the ingest that finishes it writes it here too."""
        registry = store.reports()
        known = {r.report_id for r in registry}
        with self._lock:
            held = self.reports()
            counts = dict(self._conn.execute("SELECT report_id, COUNT(*) FROM chunks GROUP BY report_id").fetchall())
        reindexed = []
        for report in registry:
            if report.status != STATUS_COMPLETE:
                continue
            rid = report.report_id
            if held.get(rid) == report.content_hash and counts.get(rid, 0) == report.chunks:
                continue
            self.replace_report(rid, report.content_hash, store.chunk_records(rid, report.content_hash))
            reindexed.append(rid)
        removed = [rid for rid in sorted(held) if rid not in known]
        for rid in removed:
            self.remove_report(rid)
        if reindexed or removed:
            log.info("Chỉ mục từ vựng %s: nạp lại %s, bỏ %s.", self.folder, reindexed, removed)
        return LexicalSync(reindexed=reindexed, removed=removed)

    # --- search ---------------------------------------------------------------------------------

    def _current_model(self) -> _Model | None:
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if self._stale or version != self._seen_version:
            self._model = self._build()
            self._stale, self._seen_version = False, version
        return self._model

    def _build(self) -> _Model | None:
        rows = self._conn.execute(
            "SELECT chunk_id, report_id, length, terms, counts FROM chunks ORDER BY report_id, ordinal, chunk_id"
        ).fetchall()
        if not rows:
            return None
        report_numbers: dict[str, int] = {}
        doc_reports = np.array([report_numbers.setdefault(r[1], len(report_numbers)) for r in rows], dtype=np.int32)
        matrix = _Bm25Matrix(np.array([r[2] for r in rows], dtype=np.float32), [(r[3], r[4]) for r in rows])
        return _Model(matrix, [r[0] for r in rows], doc_reports, report_numbers)

    def search(self, query: str, k: int, report_ids: set[str] | None = None) -> list[ChunkHit]:
        """The `k` chunks with the highest BM25 score for `query` (only those sharing a token with it).

        `report_ids` restricts the search to those reports; an empty set, or one naming no report
        held here, gives no result. Ties keep the order of the reports and their chunks.
        """
        if k <= 0 or (report_ids is not None and not report_ids):
            return []
        hashes = token_hashes(lexical_tokens(expand_abbreviations(query)))
        with self._lock:
            model = self._current_model()
            if model is None:
                return []
            scores = model.matrix.scores(hashes)
            if report_ids is not None:
                allowed = [model.report_numbers[r] for r in report_ids if r in model.report_numbers]
                scores[~np.isin(model.doc_reports, allowed)] = 0.0
            candidates = np.flatnonzero(scores > 0)
            top = candidates[np.argsort(-scores[candidates], kind="stable")[:k]]
            chosen = [(model.chunk_ids[i], float(scores[i])) for i in top]
            records = self._records([chunk_id for chunk_id, _ in chosen])
        hits = []
        for chunk_id, score in chosen:
            if chunk_id not in records:  # removed by another process since the matrix was built
                continue
            report_id, text, meta = records[chunk_id]
            hits.append(ChunkHit(
                chunk_id=chunk_id, report_id=report_id, section=str(meta.get("section", "")),
                section_title=str(meta.get("section_title", "")), text=text, score=round(score, 4), metadata=meta,
            ))
        return hits

    def _records(self, chunk_ids: list[str]) -> dict[str, tuple[str, str, dict[str, Any]]]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._conn.execute(
            f"SELECT chunk_id, report_id, text, metadata FROM chunks WHERE chunk_id IN ({marks})", chunk_ids
        ).fetchall()
        return {chunk_id: (report_id, text, json.loads(meta)) for chunk_id, report_id, text, meta in rows}
