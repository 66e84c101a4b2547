"""The report index: the one owner of the two stores a question reads, Chroma and the lexical index.

Chroma (`chroma_store.ChromaReportStore`) holds the chunk vectors and the registry of reports; the
lexical index (`lexical.LexicalIndex`) holds BM25 postings of the same chunks. Neither store knows
the other; this object writes both, removes from both and brings the lexical side in step with
Chroma, so the order that makes a crash harmless lives in one place:

    registry "indexing" -> Chroma chunks -> lexical chunks -> registry "complete"

An ingest killed in between leaves a report "indexing", which the next ingest writes again.

Keeping in step (`sync_lexical`). The registry carries a version token that every write changes
(`ChromaReportStore.registry_version`); the lexical index records the token it was last synced
with, so opening an index that is in step costs one lookup. Otherwise the reports whose hash or chunk
count differ are re-read from Chroma (page by page through the whole collection when many are
missing, as after deleting the lexical folder or pointing at a server filled elsewhere), tokenised by
a process pool, and written in large batches, with a progress bar. A rebuild of more than
`BACKGROUND_REBUILD_CHUNKS` chunks runs in a background thread: meanwhile `lexical` is None, so
retrieval is dense only, and `lexical_notice` says so in Vietnamese for the answer to show.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ingest import Chunk, Report
from vectorstore.chroma_store import STATUS_COMPLETE, ChromaReportStore, StoredReport
from vectorstore.hits import ChunkHit
from vectorstore.lexical import Bag, ChunkRecord, LexicalIndex, LexicalSync, bags_in_pool

log = logging.getLogger(__name__)

BACKGROUND_REBUILD_CHUNKS = 20_000
"""More chunks than this to re-read: the lexical side is rebuilt in the background (about 10 s of
work on 2 cores), and questions are answered dense-only meanwhile."""
PAGED_READ_REPORTS = 20
"""More reports than this to re-read: page through the whole chunk collection instead of one
Chroma query per report (a `where` on report_id costs a scan of the metadata per report)."""
_PAGE = 1_000
"""Chunks per Chroma read when paging through the collection. Chroma's memory grows with the page
(embedded, 100k chunks: peak RSS of a rebuild 1,187 MB with pages of 5,000, 1,060 MB with 1,000) while
its time per chunk hardly changes (16.7 s and 19.4 s of CPU for the 100k chunks)."""
POOL_OVER_CHUNKS = 2_000
"""More chunks than this to tokenise: a process pool does it (starting one costs about a second)."""
_WRITE_BATCH_CHUNKS = 10_000
"""Chunks written to the lexical index as one segment (one transaction) during a sync. Its postings
are the largest arrays a rebuild holds: at 100k chunks, batches of 20k gave a peak RSS of 1,244 MB and
batches of 10k 1,061 MB, for one more merge (3 CPU-s) and about the same time (benchmarks/RESULTS.md)."""
_TOKENIZE_PART = 1_000
"""Chunks a pool worker tokenises per task: small enough to keep both cores busy while Chroma is read."""
_SYNCED_VERSION = "synced_registry_version"


@dataclass
class _SyncPlan:
    version: str
    reindex: list[StoredReport] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)

    @property
    def chunks(self) -> int:
        return sum(r.chunks for r in self.reindex)


@dataclass
class _PendingBatch:
    """Reports read for one lexical write, and how many of their tokenising parts were sent and are back."""

    reports: list[tuple[str, str, list[ChunkRecord]]] = field(default_factory=list)
    chunks: int = 0
    parts: int = 0
    received: int = 0
    closed: bool = False  # all its reports are read and all its parts sent
    bags: list[Bag] = field(default_factory=list)

    def bags_per_report(self) -> list[list[Bag]]:
        per_report, start = [], 0
        for _, _, chunks in self.reports:
            per_report.append(self.bags[start : start + len(chunks)])
            start += len(chunks)
        return per_report


@dataclass
class RebuildProgress:
    """How far a lexical rebuild has come (chunks written of chunks to write)."""

    done: int = 0
    total: int = 0
    error: str = ""


class ReportIndex:
    """Chroma and the lexical index as one index of reports (see the module docstring).

    It offers what the layers above use of the stores: the registry (`reports`, `get_report`,
    `find_by_hash`, `registry_version`), writes (`write_report`, `remove_report`), dense search
    (`query`, `next_chunk`, `mentions`, `chunk_records`, `chunk_count`) and the lexical index
    (`lexical`, None while it is being rebuilt).
    """

    def __init__(self, chroma: ChromaReportStore, lexical: LexicalIndex | None, *, show_progress: bool = True,
                 background_over: int = BACKGROUND_REBUILD_CHUNKS, workers: int | None = None) -> None:
        self.chroma = chroma
        self._lexical = lexical
        self.show_progress = show_progress
        self.background_over = background_over
        self.workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        self.rebuild = RebuildProgress()
        self._rebuilding: threading.Thread | None = None
        self._sync_lock = threading.Lock()
        self._seen_version: str | None = None
        chroma.on_reopen = self._after_reopen
        if lexical is not None:
            self.start_lexical_sync()

    # --- what the stores are --------------------------------------------------------------------

    @property
    def identity(self):
        return self.chroma.identity

    @property
    def location(self) -> str:
        return self.chroma.location

    @property
    def lexical(self) -> LexicalIndex | None:
        """The lexical index, or None when there is none or it is being rebuilt (dense-only meanwhile)."""
        return None if self.lexical_rebuilding else self._lexical

    @property
    def lexical_rebuilding(self) -> bool:
        return self._rebuilding is not None and self._rebuilding.is_alive()

    @property
    def lexical_notice(self) -> str:
        """A Vietnamese notice while questions are answered without the lexical index; "" otherwise."""
        if not self.lexical_rebuilding:
            return ""
        p = self.rebuild
        return (f"Chỉ mục từ khóa đang được xây lại ({p.done:,}/{p.total:,} đoạn): tạm thời chỉ tìm theo nghĩa, "
                "nên tên riêng, số liệu và câu gõ không dấu có thể bị bỏ sót.").replace(",", ".")

    def wait_for_lexical(self, timeout: float | None = None) -> bool:
        """Wait for a background rebuild; True when the lexical index is ready."""
        if self._rebuilding is not None:
            self._rebuilding.join(timeout)
        return not self.lexical_rebuilding

    def __getattr__(self, name: str) -> Any:
        # Anything else the Chroma store offers (e.g. `reopen`, `reopened`), so callers need not know
        # which of the two stores provides it.
        if name == "chroma":
            raise AttributeError(name)
        return getattr(self.chroma, name)

    # --- the registry -----------------------------------------------------------------------------

    def registry_version(self) -> str:
        """The registry's version token (see `ChromaReportStore.registry_version`). When it changed
        since the last look, the lexical index is brought in step first: on a Chroma server another
        app instance may have ingested, and nothing else would tell this one."""
        version = self.chroma.registry_version()
        if version != self._seen_version:
            self._seen_version = version
            if self._lexical is not None and not self.lexical_rebuilding:
                self.start_lexical_sync()
        return version

    def reports(self) -> list[StoredReport]:
        return self.chroma.reports()

    def get_report(self, report_id: str) -> StoredReport | None:
        return self.chroma.get_report(report_id)

    def find_by_hash(self, content_hash: str) -> StoredReport | None:
        return self.chroma.find_by_hash(content_hash)

    # --- writes -----------------------------------------------------------------------------------

    def write_report(self, report: Report, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        """Replace a report's chunks in both stores, crash-safely (see the module docstring)."""

        def write_lexical(metadatas: list[dict[str, Any]]) -> None:
            if self._lexical is not None:
                self._lexical.replace_report(report.report_id, report.content_hash,
                                             [(c.chunk_id, c.text, m) for c, m in zip(chunks, metadatas)])

        self.chroma.write_report(report, chunks, embeddings, before_complete=write_lexical)

    def remove_report(self, report_id: str) -> bool:
        """Delete a report from both stores. False when neither held it."""
        known = self.chroma.remove_report(report_id)
        if self._lexical is not None:
            known = self._lexical.remove_report(report_id) or known
        return known

    # --- reads (dense side) -------------------------------------------------------------------------

    def query(self, embedding: list[float], k: int, where: dict[str, Any] | None = None, *,
              report_ids: Collection[str] | None = None) -> list[ChunkHit]:
        """The `k` nearest chunks, within `report_ids` when given (an empty set: no result).

        A few reports are searched by their chunk ids, which the lexical index lists in a millisecond,
        when it holds exactly the chunks the registry says they have (same hash, same count, report
        complete); otherwise, e.g. while it is rebuilt or a report is half-indexed, by a `where` on
        report_id, which gives the same hits 20 ms slower at 100k chunks. The hits' text and metadata
        come from the lexical index too where it is in step with the registry for their report (it
        holds the same, and gives them ten times faster than Chroma), from Chroma otherwise."""
        if report_ids is not None and not report_ids:
            return []
        ids = self._chunk_ids(report_ids) if report_ids is not None and where is None else None
        if report_ids is not None and ids is None:
            ids_where = {"report_id": next(iter(report_ids))} if len(report_ids) == 1 else {
                "report_id": {"$in": sorted(report_ids)}}
            where = {"$and": [where, ids_where]} if where else ids_where
        if self.lexical is None:
            return self.chroma.query(embedding, k, where, ids)
        nearest = self.chroma.nearest(embedding, k, where, ids)
        records = self._in_step_records([chunk_id for chunk_id, _ in nearest])
        missing = [chunk_id for chunk_id, _ in nearest if chunk_id not in records]
        records.update(self.chroma.records(missing))
        return [replace(records[chunk_id], score=score) for chunk_id, score in nearest if chunk_id in records]

    def _chunk_ids(self, report_ids: Collection[str]) -> list[str] | None:
        lexical = self.lexical
        registry = self.chroma.remembered_registry(report_ids) if lexical is not None else None
        if registry is None or len(registry) != len(set(report_ids)) or any(
                status != STATUS_COMPLETE for _, status, _ in registry.values()):
            return None
        return lexical.chunk_ids({rid: (content_hash, chunks) for rid, (content_hash, _, chunks) in registry.items()})

    def _in_step_records(self, chunk_ids: list[str]) -> dict[str, ChunkHit]:
        """The chunks of `chunk_ids` as the lexical index holds them, only those whose report it holds
        with the hash of the registry's complete record (then the text and metadata are Chroma's)."""
        lexical = self.lexical
        held = lexical.records(chunk_ids) if lexical is not None and chunk_ids else {}
        registry = self.chroma.remembered_registry({hit.report_id for hit, _ in held.values()}) or {}
        return {chunk_id: hit for chunk_id, (hit, content_hash) in held.items()
                if registry.get(hit.report_id, ("", "", 0))[:2] == (content_hash, STATUS_COMPLETE)}

    def next_chunk(self, chunk_id: str) -> ChunkHit | None:
        """The chunk after `chunk_id` in its report: from the lexical index when it holds that report
        in step with the registry (a look-up by report and ordinal), else from Chroma (a `where` on
        report, hash and ordinal: a scan of the metadata, 16 ms at 100k chunks)."""
        lexical = self.lexical
        found = lexical.following(chunk_id) if lexical is not None else None
        if found is not None:
            report_id, content_hash, held, following = found
            registry = self.chroma.remembered_registry([report_id]) or {}
            if registry.get(report_id) == (content_hash, STATUS_COMPLETE, held):
                return following
        return self.chroma.next_chunk(chunk_id)

    def mentions(self, phrase: str) -> bool:
        return self.chroma.mentions(phrase)

    def chunk_records(self, report_id: str, content_hash: str | None = None) -> list[ChunkRecord]:
        return self.chroma.chunk_records(report_id, content_hash)

    def chunk_count(self, report_id: str | None = None) -> int:
        return self.chroma.chunk_count(report_id)

    # --- keeping the lexical index in step ------------------------------------------------------------

    def start_lexical_sync(self) -> LexicalSync | None:
        """Sync now when little is out of step, else start a background rebuild (returns None then)."""
        plan = self._plan()
        if plan is None:
            return LexicalSync()
        if plan.chunks > self.background_over:
            self.rebuild = RebuildProgress(0, plan.chunks)
            self._rebuilding = threading.Thread(target=self._apply_in_background, args=(plan,), daemon=True,
                                                name="baocao-lexical-rebuild")
            self._rebuilding.start()
            return None
        return self._apply(plan)

    def sync_lexical(self) -> LexicalSync:
        """Bring the lexical index in step with Chroma now, whatever it takes."""
        if self.lexical_rebuilding:
            self.wait_for_lexical()
        plan = self._plan(force=True)
        return self._apply(plan) if plan is not None else LexicalSync()

    def _after_reopen(self) -> None:
        if self._lexical is not None and not self.lexical_rebuilding:
            self.start_lexical_sync()

    def _plan(self, force: bool = False) -> _SyncPlan | None:
        lexical = self._lexical
        if lexical is None:
            return None
        version = self.chroma.registry_version()
        if not force and version and lexical.get_meta(_SYNCED_VERSION) == version:
            return None
        registry = self.chroma.reports()
        held = lexical.reports()
        counts = lexical.report_chunk_counts()
        plan = _SyncPlan(version)
        for report in registry:
            rid = report.report_id
            if report.status == STATUS_COMPLETE and (held.get(rid) != report.content_hash
                                                     or counts.get(rid, 0) != report.chunks):
                plan.reindex.append(report)
        known = {r.report_id for r in registry}
        plan.remove = [rid for rid in sorted(held) if rid not in known]
        return plan

    def _apply_in_background(self, plan: _SyncPlan) -> None:
        try:
            self._apply(plan)
        except Exception as exc:  # noqa: BLE001 - a thread has no caller to raise to; the notice stays
            self.rebuild.error = str(exc)
            log.exception("Xây lại chỉ mục từ khóa thất bại")

    def _apply(self, plan: _SyncPlan) -> LexicalSync:
        lexical = self._lexical
        assert lexical is not None
        with self._sync_lock:
            for rid in plan.remove:
                lexical.remove_report(rid)
            if plan.reindex:
                self.rebuild.total = plan.chunks
                with tqdm(total=plan.chunks, unit="đoạn", desc="Chỉ mục từ khóa",
                          disable=not self.show_progress or plan.chunks < 2_000, dynamic_ncols=True) as bar:
                    for batch, bags in self._tokenised(plan.reindex, plan.chunks):
                        lexical.replace_reports(batch, bags)
                        written = sum(len(chunks) for _, _, chunks in batch)
                        self.rebuild.done += written
                        bar.update(written)
            if plan.version:
                lexical.set_meta(_SYNCED_VERSION, plan.version)
        reindexed = [r.report_id for r in plan.reindex]
        if reindexed or plan.remove:
            log.info("Chỉ mục từ khóa: nạp lại %d báo cáo, bỏ %d.", len(reindexed), len(plan.remove))
        return LexicalSync(reindexed=reindexed, removed=plan.remove)

    def _tokenised(self, reports: Sequence[StoredReport], total: int
                   ) -> Iterator[tuple[list[tuple[str, str, list[ChunkRecord]]], list[list[Bag]]]]:
        """The reports' chunks read from Chroma, in batches of about `_WRITE_BATCH_CHUNKS` chunks, each
        with its chunks' bags, per report.

        The chunks go to one process pool, for the whole sync, in parts of `_TOKENIZE_PART`, each part
        sent as soon as it is read: the pool tokenises while this thread reads the next pages, so
        reading and tokenising share the cores instead of taking turns."""
        workers = self.workers if total >= POOL_OVER_CHUNKS else 1
        waiting: deque[_PendingBatch] = deque()  # batches being read or tokenised, oldest first

        def parts() -> Iterator[list[tuple[str, Any]]]:
            records: list[tuple[str, Any]] = []
            for report, chunks in self._read_reports(reports):
                if not waiting or waiting[-1].closed:
                    waiting.append(_PendingBatch())
                batch = waiting[-1]
                batch.reports.append((report.report_id, report.content_hash, chunks))
                batch.chunks += len(chunks)
                records.extend((text, meta) for _, text, meta in chunks)
                while len(records) >= _TOKENIZE_PART:
                    batch.parts += 1
                    yield records[:_TOKENIZE_PART]
                    records = records[_TOKENIZE_PART:]
                if batch.chunks >= _WRITE_BATCH_CHUNKS:
                    batch.closed = True
                    if records:
                        batch.parts += 1
                        yield records
                        records = []
            if waiting and not waiting[-1].closed:
                waiting[-1].closed = True
                if records:
                    waiting[-1].parts += 1
                    yield records

        for part in bags_in_pool(parts(), workers):
            batch = waiting[0]
            batch.bags.extend(part)
            batch.received += 1
            while waiting and waiting[0].closed and waiting[0].received == waiting[0].parts:
                done = waiting.popleft()
                yield done.reports, done.bags_per_report()
        while waiting:  # batches with no chunk to tokenise (reports Chroma holds nothing of)
            done = waiting.popleft()
            yield done.reports, done.bags_per_report()

    def _read_reports(self, reports: Sequence[StoredReport]) -> Iterator[tuple[StoredReport, list[ChunkRecord]]]:
        if len(reports) <= PAGED_READ_REPORTS:
            for report in reports:
                yield report, self.chroma.chunk_records(report.report_id, report.content_hash)
            return
        wanted = {(r.report_id, r.content_hash): r for r in reports}
        gathered: dict[tuple[str, str], list[ChunkRecord]] = {key: [] for key in wanted}
        for chunk_id, text, meta in self.chroma.iter_chunks(_PAGE):
            key = (str(meta.get("report_id", "")), str(meta.get("content_hash", "")))
            chunks = gathered.get(key)
            if chunks is None:
                continue
            chunks.append((chunk_id, text, meta))
            if len(chunks) == wanted[key].chunks:
                yield wanted[key], _reading_order(gathered.pop(key))
        for key, chunks in gathered.items():  # fewer chunks in Chroma than the registry says (or none)
            yield wanted[key], _reading_order(chunks)


def _reading_order(chunks: list[ChunkRecord]) -> list[ChunkRecord]:
    return sorted(chunks, key=lambda r: (int(r[2].get("ordinal", 0) or 0), r[0]))


def open_report_index(client, identity, location: str, lexical_folder: Path | None, *, reopen=None,
                      show_progress: bool = True) -> ReportIndex:
    """Chroma on `client` and the lexical index in `lexical_folder` (None: no lexical index)."""
    chroma = ChromaReportStore(client, identity, location, reopen=reopen)
    lexical = LexicalIndex(lexical_folder) if lexical_folder is not None else None
    return ReportIndex(chroma, lexical, show_progress=show_progress)
