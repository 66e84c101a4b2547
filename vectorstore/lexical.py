"""The lexical index: BM25 over the chunks of the Chroma collection, kept beside it and in step with it.

Dense retrieval misses what BM25 finds easily in these reports: exact names and figures, questions
typed without diacritics, and abbreviations ("TTHC" for "thủ tục hành chính"). Each chunk is indexed
as its context line and text, with the other form of every abbreviation appended
(`ingest.abbreviations.expand_abbreviations`), cut into folded syllables and syllable pairs with
figures by value (`vectorstore.lexical_tokens`); queries go through the same steps.

Storage: an inverted index in one SQLite file beside the Chroma database
(`<db>/lexical/lexical.sqlite3`), so that it is durable, incremental and needs little memory:
- `docs`: one row per chunk (a never-reused doc number, chunk id, report, ordinal, token count, text
  and Chroma metadata); `reports`: each report's content hash;
- `postings`: per (term, segment), the sorted doc numbers holding the term and their term counts, as
  two little-endian blobs. A write (one report, or a batch of reports when rebuilding) adds one
  segment; a replaced or removed report's docs are deleted from `docs`, and its postings are skipped
  at query time and dropped at the next merge. Segments merge by size (eight of one size class into
  one of the next), so a question reads at most a few dozen rows per query term whatever the number
  of reports, and a write never rewrites the whole index.
In memory there are only the per-doc arrays the scoring needs (token count, report number, alive),
about 10 bytes a chunk, reloaded when the file changed (own writes, or another process's, seen
through `PRAGMA data_version`). Searching reads the postings of the query's terms only.

BM25 is bm25s's default (method "lucene", k1=1.5, b=0.75), computed at query time over the live
docs: idf = ln(1 + (N − df + 0.5)/(df + 0.5)), tf part = tf/(tf + k1·(1 − b + b·dl/avgdl)), so N, df and
avgdl are always those of the current index, exactly as a full rebuild would give;
tests/test_lexical_index.py checks the scores against bm25s. (SQLite's FTS5 `bm25()` was not used: it
has k1 = 1.2 and another idf, and its scoring cannot be changed from Python.) Tokens are hashed
(blake2b, 8 bytes) so that no vocabulary has to be stored; a collision among a million distinct
tokens has a probability of about 3·10⁻⁸.

Consistency with Chroma is not this module's business: `vectorstore.report_index.ReportIndex` writes
both stores and brings this one in step with Chroma (`ReportIndex.sync_lexical`). Stored tokens of an
older tokeniser or glossary are recomputed from the stored text when the index opens.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.abbreviations import ABBREVIATIONS, expand_abbreviations
from vectorstore.hits import ChunkHit
from vectorstore.lexical_tokens import TOKENIZER_VERSION, lexical_tokens

log = logging.getLogger(__name__)

DB_FILE = "lexical.sqlite3"
K1 = 1.5
B = 0.75
SCHEMA_VERSION = "postings-1"
_GLOSSARY_VERSION = hashlib.sha1(json.dumps(ABBREVIATIONS, sort_keys=True).encode()).hexdigest()[:10]
TOKENS_VERSION = f"{TOKENIZER_VERSION}+glossary-{_GLOSSARY_VERSION}+blake2b8"
MERGE_FACTOR = 8
FEW_DOCS_SHARE = 32
"""A search restricted to fewer than 1/32 of the docs looks each of them up in the postings (binary
search per segment) instead of reading every posting entry of the query's terms."""
"""Segments of one size class (docs in [8^n, 8^(n+1))) merged into one when there are this many."""
RETOKENIZE_BATCH_DOCS = 5_000
"""Docs re-tokenised (after a tokeniser change) and written as one segment at a time."""
MERGE_BATCH_ROWS = 50_000
MERGE_BATCH_BYTES = 16 << 20
"""A merge reads and writes at most this many posting rows (one term of one segment each) and about
this many bytes of doc numbers at a time (4M postings; one term's rows together may exceed it)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (report_num INTEGER PRIMARY KEY, report_id TEXT NOT NULL UNIQUE,
                                    content_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (doc INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id TEXT NOT NULL UNIQUE,
                                 report_num INTEGER NOT NULL, ordinal INTEGER NOT NULL, length INTEGER NOT NULL,
                                 text TEXT NOT NULL, metadata TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_by_report ON docs (report_num, ordinal);
CREATE TABLE IF NOT EXISTS segments (segment INTEGER PRIMARY KEY, docs INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS postings (term INTEGER NOT NULL, segment INTEGER NOT NULL, docs BLOB NOT NULL,
                                     tfs BLOB NOT NULL, PRIMARY KEY (term, segment)) WITHOUT ROWID;
"""

ChunkRecord = tuple[str, str, Mapping[str, Any]]
"""(chunk_id, text, Chroma metadata) of one chunk, as written to both stores."""


class LexicalIndexError(RuntimeError):
    """The lexical index folder cannot be created or opened."""


@dataclass(frozen=True)
class LexicalSync:
    """What a sync with Chroma changed: reports re-read from Chroma, and reports dropped."""

    reindexed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Bag:
    """A chunk's tokens as stored: token count, distinct token hashes and their counts."""

    length: int
    terms: np.ndarray  # int64, sorted
    counts: np.ndarray  # int32


def index_text(text: str, metadata: Mapping[str, Any]) -> str:
    """What a chunk is indexed as: its context line ("thành phố Quy Nhơn · … · III.6 — …") and text."""
    context = str(metadata.get("context", "") or "")
    return f"{context}\n{text}" if context else text


def _hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little", signed=True)


def token_hashes(tokens: Iterable[str], memo: dict[str, int] | None = None) -> np.ndarray:
    """Stable 64-bit hashes of tokens (Python's own `hash` changes between processes). `memo` saves
    re-hashing the syllables a batch of chunks repeats."""
    if memo is None:
        return np.array([_hash(t) for t in tokens], dtype=np.int64)
    out = []
    for token in tokens:
        value = memo.get(token)
        if value is None:
            value = memo[token] = _hash(token)
        out.append(value)
    return np.array(out, dtype=np.int64)


def chunk_bag(text: str, metadata: Mapping[str, Any], memo: dict[str, int] | None = None) -> Bag:
    tokens = Counter(lexical_tokens(expand_abbreviations(index_text(text, metadata))))
    hashes = token_hashes(tokens, memo)  # of the distinct tokens only
    order = np.argsort(hashes)
    terms, counts = hashes[order], np.fromiter(tokens.values(), np.int32, len(tokens))[order]
    if len(terms) > 1 and not (terms[1:] != terms[:-1]).all():  # two tokens, one hash: count them as one
        terms, inverse = np.unique(terms, return_inverse=True)
        counts = np.bincount(inverse, weights=counts).astype(np.int32)
    return Bag(int(counts.sum()), terms, counts)


_HASH_MEMO: dict[str, int] = {}
_HASH_MEMO_LIMIT = 200_000


def chunk_bags(records: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Bag]:
    """Bags of many (text, metadata); a module-level function so that a process pool can run it.
    Token hashes are remembered across calls (up to 200,000 tokens): chunks repeat their syllables."""
    if len(_HASH_MEMO) > _HASH_MEMO_LIMIT:
        _HASH_MEMO.clear()
    return [chunk_bag(text, metadata, _HASH_MEMO) for text, metadata in records]


def _size_class(docs: int) -> int:
    return int(math.log(max(docs, 1), MERGE_FACTOR))


@dataclass
class _LiveDocs:
    """The per-doc arrays scoring needs, indexed by doc number: token count, report number, alive,
    and BM25's length normalisation K1·(1 − b + b·dl/avgdl), computed once per version of the file."""

    lengths: np.ndarray
    reports: np.ndarray
    alive: np.ndarray
    count: int
    avg_length: float
    report_numbers: dict[str, int]
    norms: np.ndarray = field(init=False)
    all_alive: bool = field(init=False)
    _by_report: np.ndarray = field(init=False)
    _report_starts: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.norms = K1 * ((1 - B) + B * self.lengths / self.avg_length)
        self.all_alive = bool(self.alive[1:].all())  # doc numbers start at 1 (AUTOINCREMENT): no gap, none dead
        # the live docs grouped by report number, so that a report's docs are a slice, not a scan
        live_docs = np.flatnonzero(self.alive)
        order = np.argsort(self.reports[live_docs], kind="stable")
        self._by_report = live_docs[order]
        sorted_reports = self.reports[self._by_report]
        self._report_starts = np.searchsorted(sorted_reports, np.arange(int(sorted_reports.max(initial=-1)) + 2))

    def docs_of(self, report_ids: Iterable[str]) -> np.ndarray:
        """The live docs of `report_ids`, sorted (unknown ids add nothing)."""
        last = len(self._report_starts) - 1
        slices = [self._by_report[self._report_starts[num]:self._report_starts[num + 1]]
                  for num in (self.report_numbers.get(rid) for rid in report_ids) if num is not None and 0 <= num < last]
        return np.sort(np.concatenate(slices)) if slices else np.zeros(0, np.int64)


class LexicalIndex:
    """BM25 over the chunks, persisted in `folder` (see the module docstring)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self._lock = threading.RLock()
        self._live: _LiveDocs | None = None
        self._last_postings: tuple[str, _LiveDocs, list] | None = None
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
            # Derived data: a damaged file is dropped, and the sync with Chroma refills it.
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
            conn.execute("PRAGMA synchronous=NORMAL")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "chunks" in tables:  # the layout before postings (a BM25 matrix rebuilt in memory)
                log.info("Chỉ mục từ vựng %s có định dạng cũ: tạo lại từ Chroma.", path)
                conn.executescript("DROP TABLE chunks; DROP TABLE IF EXISTS reports; DELETE FROM meta;")
            conn.executescript(_SCHEMA)
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _retokenize_if_outdated(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'tokens_version'").fetchone()
        if row and row[0] == TOKENS_VERSION:
            return
        total = conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
        if total:
            log.info("Chỉ mục từ vựng %s: tách từ lại %d đoạn (bộ tách từ mới).", self.folder, total)
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM postings")
            conn.execute("DELETE FROM segments")
            after = 0  # a batch of docs at a time: memory stays bounded at any size
            while batch := conn.execute("SELECT doc, text, metadata FROM docs WHERE doc > ? ORDER BY doc LIMIT ?",
                                        (after, RETOKENIZE_BATCH_DOCS)).fetchall():
                bags = [(doc, chunk_bag(text, json.loads(metadata))) for doc, text, metadata in batch]
                conn.executemany("UPDATE docs SET length = ? WHERE doc = ?", [(bag.length, doc) for doc, bag in bags])
                self._write_segment(conn, bags)
                self._merge_segments(conn)
                after = batch[-1][0]
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('tokens_version', ?)", (TOKENS_VERSION,))
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- writes ---------------------------------------------------------------------------------

    def replace_report(self, report_id: str, content_hash: str, chunks: Iterable[ChunkRecord]) -> None:
        """Make `chunks` ((chunk_id, text, Chroma metadata) each) the report's only chunks, atomically."""
        self.replace_reports([(report_id, content_hash, list(chunks))])

    def replace_reports(self, reports: Sequence[tuple[str, str, Sequence[ChunkRecord]]],
                        bags: Sequence[Sequence[Bag]] | None = None) -> None:
        """Replace several reports in one transaction and one segment (what a rebuild writes).
        `bags`, per report and chunk, when already computed (by a process pool)."""
        if bags is None:
            bags = [chunk_bags([(text, meta) for _, text, meta in chunks]) for _, _, chunks in reports]
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                written: list[tuple[int, Bag]] = []
                for (report_id, content_hash, chunks), report_bags in zip(reports, bags):
                    num = self._report_number(conn, report_id, content_hash)
                    conn.execute("DELETE FROM docs WHERE report_num = ?", (num,))
                    for (chunk_id, text, metadata), bag in zip(chunks, report_bags):
                        conn.execute("DELETE FROM docs WHERE chunk_id = ?", (chunk_id,))
                        doc = conn.execute(
                            "INSERT INTO docs (chunk_id, report_num, ordinal, length, text, metadata) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (chunk_id, num, int(metadata.get("ordinal", 0) or 0), bag.length, text,
                             json.dumps(dict(metadata), ensure_ascii=False)),
                        ).lastrowid
                        written.append((doc, bag))
                if written:
                    self._write_segment(conn, written)
                self._merge_segments(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._live = None

    @staticmethod
    def _report_number(conn: sqlite3.Connection, report_id: str, content_hash: str) -> int:
        row = conn.execute("SELECT report_num FROM reports WHERE report_id = ?", (report_id,)).fetchone()
        if row:
            conn.execute("UPDATE reports SET content_hash = ? WHERE report_num = ?", (content_hash, row[0]))
            return row[0]
        return conn.execute("INSERT INTO reports (report_id, content_hash) VALUES (?, ?)",
                            (report_id, content_hash)).lastrowid

    def remove_report(self, report_id: str) -> bool:
        """Drop a report's chunks. False when the index did not hold it."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT report_num FROM reports WHERE report_id = ?", (report_id,)).fetchone()
                if row:
                    conn.execute("DELETE FROM docs WHERE report_num = ?", (row[0],))
                    conn.execute("DELETE FROM reports WHERE report_num = ?", (row[0],))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._live = None
            return row is not None

    @staticmethod
    def _write_segment(conn: sqlite3.Connection, docs: Sequence[tuple[int, Bag]]) -> None:
        """One new segment with the postings of `docs` ((doc number, bag) each, doc numbers ascending)."""
        terms = np.concatenate([bag.terms for _, bag in docs])
        counts = np.concatenate([bag.counts for _, bag in docs])
        numbers = np.repeat(np.array([doc for doc, _ in docs], dtype=np.int32),
                            [len(bag.terms) for _, bag in docs])
        LexicalIndex._insert_postings(conn, terms, numbers, counts, len(docs))

    @staticmethod
    def _insert_postings(conn: sqlite3.Connection, terms: np.ndarray, docs: np.ndarray, tfs: np.ndarray,
                         n_docs: int) -> None:
        segment = conn.execute("INSERT INTO segments (docs) VALUES (?)", (n_docs,)).lastrowid
        LexicalIndex._append_postings(conn, segment, terms, docs, tfs, docs_ascending=True)

    @staticmethod
    def _append_postings(conn: sqlite3.Connection, segment: int, terms: np.ndarray, docs: np.ndarray,
                         tfs: np.ndarray, docs_ascending: bool = False) -> None:
        """Rows of `segment` for the given (term, doc, tf) triples: one per term, docs in order.

        A segment written from a batch of chunks is the largest array the index holds (about 3M entries
        for 10k chunks), so copies are avoided: when the docs come in ascending order a stable sort by
        term keeps them so, a merge's rows already in order are not sorted at all, and each row's
        blobs are views of the sorted arrays."""
        if docs_ascending:  # doc by doc: a stable sort by term keeps each term's docs in order
            order = np.argsort(terms, kind="stable")
        elif len(terms) > 1 and not ((terms[1:] > terms[:-1]) | ((terms[1:] == terms[:-1]) & (docs[1:] > docs[:-1]))).all():
            order = np.lexsort((docs, terms))  # term by term (a merge), but some term's docs out of order
        else:
            order = None  # term by term with docs in order: a merge of segments written one after another
        if order is not None:
            terms, docs, tfs = terms[order], docs[order], tfs[order]
            del order
        docs = docs.astype("<i4", copy=False)
        tfs = np.minimum(tfs, np.iinfo(np.uint16).max).astype("<u2", copy=False)
        starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]]) if len(terms) else np.zeros(0, np.int64)
        ends = np.r_[starts[1:], len(terms)]
        docs_view, tfs_view = memoryview(docs).cast("B"), memoryview(tfs).cast("B")
        conn.executemany(
            "INSERT INTO postings (term, segment, docs, tfs) VALUES (?, ?, ?, ?)",
            ((int(terms[s]), segment, docs_view[4 * s : 4 * e], tfs_view[2 * s : 2 * e])
             for s, e in zip(starts.tolist(), ends.tolist())),
        )

    def _merge_segments(self, conn: sqlite3.Connection) -> None:
        """Merge segments of one size class while there are `MERGE_FACTOR` of them, dropping the
        postings of deleted docs (see the module docstring)."""
        while True:
            by_class: dict[int, list[int]] = {}
            for segment, docs in conn.execute("SELECT segment, docs FROM segments ORDER BY segment"):
                by_class.setdefault(_size_class(docs), []).append(segment)
            full = next((segs for _, segs in sorted(by_class.items()) if len(segs) >= MERGE_FACTOR), None)
            if full is None:
                return
            self._merge(conn, full)

    @staticmethod
    def _merge(conn: sqlite3.Connection, segments: list[int]) -> None:
        """`segments` into one new segment, read and written a batch of whole terms at a time (see
        `_merge_batch`), so that a merge at a million chunks holds a batch in memory, not every posting
        of the segments."""
        marks = ",".join("?" * len(segments))
        alive = np.fromiter((d for (d,) in conn.execute("SELECT doc FROM docs ORDER BY doc")), dtype=np.int64)
        seen = np.zeros(int(alive[-1]) + 1 if len(alive) else 1, dtype=bool)
        merged = conn.execute("INSERT INTO segments (docs) VALUES (0)").lastrowid
        after: int | None = None
        while True:
            rows = LexicalIndex._merge_batch(conn, segments, marks, after)
            if not rows:
                break
            after = rows[-1][0]
            parts = [np.frombuffer(doc_blob, dtype="<i4") for _, doc_blob, _ in rows]
            docs = np.concatenate(parts).astype(np.int64)
            terms = np.repeat(np.array([term for term, _, _ in rows], dtype=np.int64), [len(p) for p in parts])
            tfs = np.concatenate([np.frombuffer(tf_blob, dtype="<u2") for _, _, tf_blob in rows])
            position = np.minimum(np.searchsorted(alive, docs), max(len(alive) - 1, 0))
            keep = (alive[position] == docs) if len(alive) else np.zeros(len(docs), dtype=bool)
            seen[docs[keep]] = True
            LexicalIndex._append_postings(conn, merged, terms[keep], docs[keep], tfs[keep])
        conn.execute(f"DELETE FROM postings WHERE segment IN ({marks})", segments)
        conn.execute(f"DELETE FROM segments WHERE segment IN ({marks})", segments)
        live = int(seen.sum())
        if live:
            conn.execute("UPDATE segments SET docs = ? WHERE segment = ?", (live, merged))
        else:
            conn.execute("DELETE FROM segments WHERE segment = ?", (merged,))

    @staticmethod
    def _merge_batch(conn: sqlite3.Connection, segments: list[int], marks: str,
                     after: int | None) -> list[tuple[int, bytes, bytes]]:
        """The next posting rows of `segments` in term order after term `after`: whole terms, as many
        as fit in `MERGE_BATCH_BYTES` of doc numbers (at least one term) and `MERGE_BATCH_ROWS` rows.

        Sizes are read first (`length()` of a blob reads its header, not its pages): a term common to
        most chunks has a posting of megabytes, so a count of rows alone does not bound the memory."""
        where = f"segment IN ({marks})" + ("" if after is None else " AND term > ?")
        params = [*segments, *([] if after is None else [after])]
        sizes = conn.execute(f"SELECT term, length(docs) FROM postings WHERE {where} ORDER BY term LIMIT ?",
                             [*params, MERGE_BATCH_ROWS]).fetchall()
        if not sizes:
            return []
        # The last term listed may have more rows past the limit: the query below reads them all.
        total, last = 0, None
        for term, rows in itertools.groupby(sizes, key=lambda row: row[0]):
            size = sum(size for _, size in rows)
            if last is not None and total + size > MERGE_BATCH_BYTES:
                break
            total, last = total + size, term
        return conn.execute(f"SELECT term, docs, tfs FROM postings WHERE {where} AND term <= ? ORDER BY term",
                            [*params, last]).fetchall()

    # --- reading --------------------------------------------------------------------------------

    def reports(self) -> dict[str, str]:
        """report_id -> content hash of every report held."""
        with self._lock:
            return dict(self._conn.execute("SELECT report_id, content_hash FROM reports").fetchall())

    def report_chunk_counts(self) -> dict[str, int]:
        """report_id -> number of chunks held (0 for a report held with no chunk)."""
        with self._lock:
            return dict(self._conn.execute(
                "SELECT r.report_id, COUNT(d.doc) FROM reports r LEFT JOIN docs d ON d.report_num = r.report_num "
                "GROUP BY r.report_num").fetchall())

    def chunk_ids(self, expected: Mapping[str, tuple[str, int]]) -> list[str] | None:
        """The chunk ids of the reports in `expected` (report_id -> (content hash, chunk count)),
        or None unless this index holds every one of them with that hash and that many chunks.
        The dense side uses them to search a few reports by id rather than by a `where` filter."""
        if not expected:
            return []
        with self._lock:
            ids = sorted(expected)
            marks = ",".join("?" * len(ids))
            rows = self._conn.execute(
                f"SELECT r.report_id, r.content_hash, d.chunk_id FROM reports r JOIN docs d "
                f"ON d.report_num = r.report_num WHERE r.report_id IN ({marks})", ids).fetchall()
        held: dict[str, int] = {}
        for report_id, content_hash, _ in rows:
            if content_hash != expected[report_id][0]:
                return None
            held[report_id] = held.get(report_id, 0) + 1
        if any(held.get(rid, 0) != chunks for rid, (_, chunks) in expected.items()):
            return None
        return [chunk_id for _, _, chunk_id in rows]

    def chunk_count(self, report_id: str | None = None) -> int:
        with self._lock:
            if report_id is None:
                return self._conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
            return self._conn.execute(
                "SELECT COUNT(*) FROM docs d JOIN reports r ON d.report_num = r.report_num WHERE r.report_id = ?",
                (report_id,)).fetchone()[0]

    def __len__(self) -> int:
        return self.chunk_count()

    def segment_count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM segments").fetchone()[0]

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def document_frequencies(self, tokens: Iterable[str]) -> tuple[dict[str, int], int]:
        """({token: live chunks holding it}, live chunks in all) for BM25 tokens as `lexical_tokens`
        writes them ("kheo", "van_kheo"): how rare a word is in the whole library, which a caller that
        weighs words of its own (the precedent finder) needs and a sample of chunks cannot tell."""
        wanted = {token: int(_hash(token)) for token in dict.fromkeys(tokens)}
        found = dict.fromkeys(wanted, 0)
        with self._lock:
            live = self._live_docs()
            if not wanted or not live.count:
                return found, live.count
            by_hash = {h: t for t, h in wanted.items()}
            marks = ",".join("?" * len(by_hash))
            docs_of: dict[str, list[np.ndarray]] = {}
            for term, doc_blob in self._conn.execute(
                    f"SELECT term, docs FROM postings WHERE term IN ({marks})", list(by_hash)):
                docs_of.setdefault(by_hash[term], []).append(np.frombuffer(doc_blob, dtype="<i4"))
            for token, parts in docs_of.items():
                docs = np.concatenate(parts)
                docs = docs[docs < len(live.alive)]
                found[token] = int(live.alive[docs].sum())
        return found, live.count

    # --- search ---------------------------------------------------------------------------------

    def _live_docs(self) -> _LiveDocs:
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if self._live is None or version != self._seen_version:
            rows = np.array(self._conn.execute("SELECT doc, report_num, length FROM docs").fetchall(),
                            dtype=np.int64).reshape(-1, 3)
            size = int(rows[:, 0].max()) + 1 if len(rows) else 0
            lengths = np.zeros(size, dtype=np.float32)
            reports = np.full(size, -1, dtype=np.int32)
            alive = np.zeros(size, dtype=bool)
            lengths[rows[:, 0]], reports[rows[:, 0]], alive[rows[:, 0]] = rows[:, 2], rows[:, 1], True
            count = len(rows)
            avg = float(rows[:, 2].mean()) if count and rows[:, 2].mean() > 0 else 1.0
            numbers = dict(self._conn.execute("SELECT report_id, report_num FROM reports").fetchall())
            self._live = _LiveDocs(lengths, reports, alive, count, avg, numbers)
            self._seen_version = version
        return self._live

    def scores(self, query: str, report_ids: Iterable[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, BM25 scores) of the live docs sharing a token with `query`, only those of
        `report_ids` when given; a token repeated in the query counts each time (as in bm25s).

        N, df and avgdl are those of the whole index in any case, so a doc's score does not depend on
        the restriction; the restriction only saves the arithmetic on the other docs' postings, which
        at 100k chunks are about a million entries for a typical question."""
        live = self._live_docs()
        terms = self._query_postings(query, live)
        if not terms:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        wanted = None
        if report_ids is not None:
            wanted_docs = live.docs_of(report_ids)
            if len(wanted_docs) * FEW_DOCS_SHARE < live.count:
                return self._scores_of_few(terms, wanted_docs, live)
            wanted = np.zeros(len(live.alive), dtype=bool)
            wanted[wanted_docs] = True
        scores = np.zeros(len(live.alive), dtype=np.float32)
        for docs, tfs, weight, _ in terms:
            if wanted is not None:
                keep = wanted[docs]
                docs, tfs = docs[keep], tfs[keep]
            scores[docs] += weight * tfs / (tfs + live.norms[docs])
        matched = np.flatnonzero(scores > 0)
        return matched, scores[matched]

    @staticmethod
    def _scores_of_few(terms: list[tuple[np.ndarray, np.ndarray, np.float32, np.ndarray]], wanted: np.ndarray,
                       live: _LiveDocs) -> tuple[np.ndarray, np.ndarray]:
        """`scores` for a few docs (`wanted`, sorted): each is looked up in each posting part (one per
        segment, its docs sorted) by binary search, instead of reading every entry of the postings,
        which for a common term at a million chunks are a million. Same sums in the same order."""
        scores = np.zeros(len(wanted), dtype=np.float32)
        norms = live.norms[wanted]
        for docs, tfs, weight, starts in terms:
            ends = np.r_[starts[1:], len(docs)]
            for start, end in zip(starts.tolist(), ends.tolist()):
                position = np.searchsorted(docs[start:end], wanted)
                inside = position < end - start
                found = np.zeros(len(wanted), dtype=bool)
                found[inside] = docs[start + position[inside]] == wanted[inside]
                if found.any():
                    tf = tfs[start + position[found]]
                    scores[found] += weight * tf / (tf + norms[found])
        matched = scores > 0
        return wanted[matched], scores[matched]

    def _query_postings(self, query: str, live: _LiveDocs
                        ) -> list[tuple[np.ndarray, np.ndarray, np.float32, np.ndarray]]:
        """Per query term sharing a live doc: (live doc numbers, term counts as float32, idf × times
        the term is in the query, where each segment's part of the docs starts), in the order of the
        postings table. The last query's are kept
        while the index is unchanged: a question about several places searches once per place with
        the same text, and reading the postings is half the cost of a search."""
        memo = self._last_postings
        if memo is not None and memo[0] == query and memo[1] is live:
            return memo[2]
        hashes, repeats = np.unique(token_hashes(lexical_tokens(expand_abbreviations(query))), return_counts=True)
        if not live.count or not len(hashes):
            return []
        postings: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        marks = ",".join("?" * len(hashes))
        for term, doc_blob, tf_blob in self._conn.execute(
                f"SELECT term, docs, tfs FROM postings WHERE term IN ({marks})", [int(h) for h in hashes]):
            entry = postings.setdefault(term, ([], []))
            entry[0].append(np.frombuffer(doc_blob, dtype="<i4"))
            entry[1].append(np.frombuffer(tf_blob, dtype="<u2"))
        weight_of = dict(zip(hashes.tolist(), repeats.tolist()))
        terms = []
        for term, (doc_parts, tf_parts) in postings.items():
            docs = np.concatenate(doc_parts) if len(doc_parts) > 1 else doc_parts[0]
            tfs = np.concatenate(tf_parts) if len(tf_parts) > 1 else tf_parts[0]
            starts = np.cumsum([0] + [len(part) for part in doc_parts[:-1]])
            keep = None
            if max((int(part[-1]) for part in doc_parts if len(part)), default=-1) >= len(live.alive):
                keep = docs < len(live.alive)  # written by another process after the arrays were read
            if not live.all_alive:
                alive = live.alive[np.minimum(docs, len(live.alive) - 1)]
                keep = alive if keep is None else keep & alive
            if keep is not None:  # the parts' bounds move with what is dropped before them
                starts = np.r_[0, np.cumsum(keep)][starts]
                docs, tfs = docs[keep], tfs[keep]
            df = len(docs)
            if not df:
                continue
            idf = math.log1p((live.count - df + 0.5) / (df + 0.5))
            terms.append((docs, tfs.astype(np.float32), np.float32(idf * weight_of[term]), starts))
        self._last_postings = (query, live, terms)
        return terms

    def search(self, query: str, k: int, report_ids: set[str] | None = None) -> list[ChunkHit]:
        """The `k` chunks with the highest BM25 score for `query` (only those sharing a token with it).

        `report_ids` restricts the search to those reports; an empty set, or one naming no report
        held here, gives no result. Ties keep the order in which the chunks were written (a report's
        chunks in reading order).
        """
        if k <= 0 or (report_ids is not None and not report_ids):
            return []
        with self._lock:
            docs, scores = self.scores(query, report_ids)
            top = np.argsort(-scores, kind="stable")[:k]
            chosen = [(int(docs[i]), float(scores[i])) for i in top]
            records = self._records([doc for doc, _ in chosen])
        # a doc missing from the records was removed by another process since the docs were read
        return [_hit(*records[doc], round(score, 4)) for doc, score in chosen if doc in records]

    def records(self, chunk_ids: Sequence[str]) -> dict[str, tuple[ChunkHit, str]]:
        """chunk_id -> (the chunk as a hit with score 0, its report's content hash), for those held."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        with self._lock:
            rows = self._conn.execute(
                f"SELECT d.chunk_id, r.report_id, r.content_hash, d.text, d.metadata FROM docs d "
                f"JOIN reports r ON d.report_num = r.report_num WHERE d.chunk_id IN ({marks})", list(chunk_ids)).fetchall()
        return {chunk_id: (_hit(chunk_id, report_id, text, json.loads(meta), 0.0), content_hash)
                for chunk_id, report_id, content_hash, text, meta in rows}

    def following(self, chunk_id: str) -> tuple[str, str, int, ChunkHit | None] | None:
        """(report_id, content hash, chunks held for the report, the next chunk in reading order or
        None after the last) for a chunk held here; None when `chunk_id` is not held."""
        with self._lock:
            row = self._conn.execute(
                "SELECT d.report_num, d.ordinal, r.report_id, r.content_hash FROM docs d "
                "JOIN reports r ON d.report_num = r.report_num WHERE d.chunk_id = ?", (chunk_id,)).fetchone()
            if row is None:
                return None
            report_num, ordinal, report_id, content_hash = row
            held = self._conn.execute("SELECT COUNT(*) FROM docs WHERE report_num = ?", (report_num,)).fetchone()[0]
            after = self._conn.execute(
                "SELECT chunk_id, text, metadata FROM docs WHERE report_num = ? AND ordinal = ? ORDER BY doc LIMIT 1",
                (report_num, ordinal + 1)).fetchone()
        following = _hit(after[0], report_id, after[1], json.loads(after[2]), 0.0) if after else None
        return report_id, content_hash, held, following

    def _records(self, docs: list[int]) -> dict[int, tuple[str, str, str, dict[str, Any]]]:
        if not docs:
            return {}
        marks = ",".join("?" * len(docs))
        rows = self._conn.execute(
            f"SELECT d.doc, d.chunk_id, r.report_id, d.text, d.metadata FROM docs d "
            f"JOIN reports r ON d.report_num = r.report_num WHERE d.doc IN ({marks})", docs).fetchall()
        return {doc: (chunk_id, report_id, text, json.loads(meta)) for doc, chunk_id, report_id, text, meta in rows}


def _hit(chunk_id: str, report_id: str, text: str, meta: dict[str, Any], score: float) -> ChunkHit:
    return ChunkHit(chunk_id=chunk_id, report_id=report_id, section=str(meta.get("section", "")),
                    section_title=str(meta.get("section_title", "")), text=text, score=score, metadata=meta)


def bags_in_pool(batches: Iterable[Sequence[tuple[str, Mapping[str, Any]]]], workers: int) -> Iterator[list[Bag]]:
    """`chunk_bags` of each batch, in order, computed by `workers` processes (tokenising is pure
    Python, so threads would share one core); with `workers` ≤ 1, in this process. At most four
    batches per worker are in flight (enough to keep the workers busy while the caller writes what
    they returned), so memory stays bounded whatever the number of batches."""
    if workers <= 1:
        for batch in batches:
            yield chunk_bags(batch)
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    # "spawn": the app's process holds threads (Chroma, torch) that a forked child must not inherit.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.submit(chunk_bags, batch))
            if len(pending) >= 4 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
