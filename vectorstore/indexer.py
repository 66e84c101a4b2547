"""Incremental ingestion: files -> reports -> chunks -> embeddings -> the Chroma store.

A batch never stops on a bad file: each file ends in one `FileOutcome`, and the summary says what
happened to every file. Unchanged files are skipped by content hash, changed ones replaced, and a file
whose content is already indexed under another name is reported as a duplicate, not indexed twice.

What is read (the rule against reading outside what the user chose). A file named on the command
line is read as named (a symbolic link there is the person's own choice). Under a folder, only
regular files are read: a symbolic link is followed only when its target stays inside that folder,
and refused with a reason otherwise (`ln -s /etc/passwd folder/report.txt` must not index
/etc/passwd); pipes, sockets and devices are refused (reading a pipe would wait for ever); hidden
files and folders are skipped. A folder with nothing to read is itself an error, so that a mistyped
path (or a folder named `x.txt`) does not end in a silent success.

Limits. A file larger than `IngestLimits.max_file_bytes`, or that gives more than
`IngestLimits.max_chunks` chunks, is refused with a reason; parsing, chunking and embedding happen
outside `write_lock`, which is held only while the finished chunks are written, so one runaway file
never holds the writers of a long-running app (see `ui.library`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ContextManager

from tqdm import tqdm

from ingest import Chunk, Report, SectionChunker, UnreadableReportError, content_hash, parse_report, report_id_for
from ingest.content_check import check_report_text
from ingest.errors import explain_unexpected_error
from ingest.readers import SUPPORTED_SUFFIXES
from vectorstore.chroma_store import STATUS_COMPLETE, ChromaReportStore, StoredReport
from vectorstore.embeddings import ReportEmbedding

_PROGRESS_BATCH = 16  # chunks embedded between two progress reports
INDEXED, REPLACED, SKIPPED, DUPLICATE, FAILED = "indexed", "replaced", "skipped", "duplicate", "failed"
COMPLETED = "completed"
"""A report left half-indexed ("indexing") by a crash, indexed again from the same, unchanged file."""
WRITTEN = (INDEXED, REPLACED, COMPLETED)
"""The outcomes that wrote a report into the index."""


@dataclass(frozen=True)
class IngestLimits:
    """Bounds on the work one file may cause; the settings `BAOCAO_MAX_FILE_MB` and
    `BAOCAO_MAX_CHUNKS_PER_FILE` set them. A 300-page report is about 4 MB as .docx and 900 chunks."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_chunks: int = 3000

    @classmethod
    def of(cls, max_file_mb: float, max_chunks: int) -> IngestLimits:
        return cls(int(max_file_mb * 1024 * 1024), int(max_chunks))


@dataclass
class FileOutcome:
    path: Path
    report_id: str
    status: str
    reason: str = ""
    chunks: int = 0


@dataclass
class IngestSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def counts(self) -> Counter:
        return Counter(o.status for o in self.outcomes)

    @property
    def chunks(self) -> int:
        return sum(o.chunks for o in self.outcomes)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == FAILED]

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class SourceFile:
    """A path to ingest, or to refuse: `refusal` holds the reason when it must not be read."""

    path: Path
    refusal: str = ""


@dataclass
class PreparedReport:
    """A file parsed, chunked and embedded, ready to be written (`ReportIndexer.commit`)."""

    path: Path
    report: Report
    chunks: list[Chunk]
    vectors: list[list[float]]
    existing: StoredReport | None


_SYMLINK_OUT = ("là liên kết (symlink) trỏ ra ngoài thư mục đã chọn; không đọc để không lộ tệp khác của máy; "
                "hãy chép chính tệp báo cáo vào thư mục rồi nạp lại")
_NOT_REGULAR = ("không phải tệp thường (ống dẫn, thiết bị hoặc socket); "
                "hãy chọn tệp báo cáo (.docx, .pdf, .txt, .md)")


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _folder_files(folder: Path) -> Iterator[SourceFile]:
    """Every non-hidden entry under `folder`, in a stable order, with the ones not to read refused."""
    root = folder.resolve()
    for current, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(current)
        entries = sorted([(n, False) for n in names if not n.startswith(".")]
                         + [(d, True) for d in dirs if (base / d).is_symlink()])
        for name, is_dir_link in entries:
            child = base / name
            if child.is_symlink():
                target = child.resolve()
                if not _inside(target, root):
                    yield SourceFile(child, _SYMLINK_OUT)
                elif is_dir_link or target.is_dir():
                    continue  # a link to a folder inside: its files are read there
                else:
                    yield SourceFile(child)  # missing targets are reported when read
                continue
            try:
                mode = child.lstat().st_mode
            except OSError:
                yield SourceFile(child)  # reported when read
                continue
            yield SourceFile(child) if stat.S_ISREG(mode) else SourceFile(child, _NOT_REGULAR)
        dirs[:] = [d for d in dirs if not (base / d).is_symlink()]


def iter_report_files(paths: Iterable[Path]) -> Iterator[SourceFile]:
    """Files named directly, and every file under folders named (see the module docstring)."""
    for path in paths:
        if path.is_dir():
            found = False
            for source in _folder_files(path):
                found = True
                yield source
            if not found:
                yield SourceFile(path, "thư mục không có tệp nào để nạp; hãy chọn tệp báo cáo "
                                       f"({', '.join(SUPPORTED_SUFFIXES)}) hoặc thư mục chứa chúng")
            continue
        try:
            mode = path.stat().st_mode
        except OSError:
            yield SourceFile(path)  # a missing or unreadable path is reported when it is read
            continue
        yield SourceFile(path) if stat.S_ISREG(mode) else SourceFile(path, _NOT_REGULAR)


def _size_in_mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


class ReportIndexer:
    def __init__(self, store: ChromaReportStore, embedding: ReportEmbedding, chunker: SectionChunker | None = None,
                 limits: IngestLimits | None = None, write_lock: ContextManager | threading.Lock | None = None):
        self._on_chunks: Callable[[Path, int, int], None] | None = None
        self.store = store
        self.embedding = embedding
        self.chunker = chunker or SectionChunker(count_tokens=embedding.count_tokens)
        self.limits = limits or IngestLimits()
        self.write_lock = write_lock if write_lock is not None else contextlib.nullcontext()

    def ingest(self, paths: Iterable[Path], show_progress: bool = True, force: bool = False,
               on_chunks: Callable[[Path, int, int], None] | None = None) -> IngestSummary:
        """Index `paths`; unchanged reports are skipped unless `force` (re-index after a parser change:
        the old chunks stay searchable until the new ones are written). `on_chunks(path, done, total)`
        is called as a file's chunks are embedded, for progress inside a long file."""
        self._on_chunks = on_chunks
        files = list(iter_report_files(Path(p) for p in paths))
        summary = IngestSummary()
        started = time.perf_counter()
        seen: dict[str, Path] = {}
        with tqdm(total=len(files), unit="tệp", disable=not show_progress, dynamic_ncols=True) as bar:
            for source in files:
                bar.set_description(source.path.name[:40])
                if source.refusal:
                    outcome = FileOutcome(source.path, report_id_for(source.path), FAILED, source.refusal)
                else:
                    outcome = self._ingest_file(source.path, seen, summary, force)
                summary.outcomes.append(outcome)
                bar.update(1)
                bar.set_postfix(chunks=summary.chunks, failed=len(summary.failed))
        summary.seconds = time.perf_counter() - started
        return summary

    def _ingest_file(self, path: Path, seen: dict[str, Path], summary: IngestSummary, force: bool) -> FileOutcome:
        report_id = report_id_for(path)
        if report_id in seen:
            return FileOutcome(path, report_id, FAILED,
                               f"trùng mã báo cáo '{report_id}' với tệp {seen[report_id]}; hãy đổi tên một trong hai tệp")
        embed_started = time.perf_counter()
        prepared = self.prepare(path, force=force)
        summary.embed_seconds += time.perf_counter() - embed_started
        if isinstance(prepared, FileOutcome):
            if prepared.status == SKIPPED:
                seen[report_id] = path
            return prepared
        outcome = self.commit(prepared)
        if outcome.status != FAILED:
            seen[report_id] = path
        return outcome

    def prepare(self, path: Path, force: bool = False, source: Path | None = None,
                on_chunks: Callable[[Path, int, int], None] | None = None) -> PreparedReport | FileOutcome:
        """Read, check, parse, chunk and embed one file, without taking the write lock. Returns the
        outcome instead when there is nothing to write (skipped, duplicate, refused). `source` is
        where the report is recorded to come from when that is not `path` (an upload being staged)."""
        if on_chunks is not None:
            self._on_chunks = on_chunks
        report_id = report_id_for(path)
        try:
            data = self._read(path)
            digest = content_hash(data)
            existing = self.store.get_report(report_id)
            unchanged = existing and existing.content_hash == digest and existing.status == STATUS_COMPLETE
            if unchanged and not force:
                return FileOutcome(path, report_id, SKIPPED, "không thay đổi")
            twin = self.store.find_by_hash(digest)
            if twin and twin.report_id != report_id:
                return FileOutcome(path, report_id, DUPLICATE, f"cùng nội dung với báo cáo đã nạp '{twin.report_id}'")
            report, chunks = self._parse(path, data)
            if source is not None:
                report = dataclasses.replace(report, source=source)
            vectors = self._embed(path, [c.embedding_text for c in chunks])
            return PreparedReport(path, report, chunks, vectors, existing)
        except UnreadableReportError as exc:
            return FileOutcome(path, report_id, FAILED, exc.reason)

    def commit(self, prepared: PreparedReport) -> FileOutcome:
        """Write a prepared report under the write lock; the outcome says whether it was new, changed,
        or the completion of an ingest that a crash had left half-done."""
        report, existing = prepared.report, prepared.existing
        with self.write_lock:
            self.store.write_report(report, prepared.chunks, prepared.vectors)
        if existing is None:
            status = INDEXED
        elif existing.status != STATUS_COMPLETE and existing.content_hash == report.content_hash:
            status = COMPLETED
        else:
            status = REPLACED
        return FileOutcome(prepared.path, report.report_id, status, chunks=len(prepared.chunks))

    def check_file(self, path: Path) -> tuple[Report, list[Chunk]]:
        """Read, check, parse and chunk one file without touching the index (what `prepare` does
        before embedding); raises `UnreadableReportError` with the reason. Used by the fuzz tests."""
        return self._parse(path, self._read(path))

    def _read(self, path: Path) -> bytes:
        """The file's bytes, refused above the size limit (checked before reading, and while reading
        in case the file grows)."""
        limit = self.limits.max_file_bytes
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # the read below says why
        too_big = ("tệp quá lớn ({size} MB; giới hạn {limit} MB, đặt bằng BAOCAO_MAX_FILE_MB); hãy tách báo cáo "
                   "thành các tệp nhỏ hơn, bỏ hình ảnh, hoặc nhờ người quản trị nâng giới hạn")
        if size > limit:
            raise UnreadableReportError(path, too_big.format(size=_size_in_mb(size), limit=_size_in_mb(limit)))
        from ingest.readers import read_bytes

        data = read_bytes(path)
        if len(data) > limit:
            raise UnreadableReportError(path, too_big.format(size=_size_in_mb(len(data)), limit=_size_in_mb(limit)))
        return data

    def _embed(self, path: Path, texts: list[str]) -> list[list[float]]:
        """Embeddings of a file's chunks, in batches so that progress can be reported."""
        if self._on_chunks is None:
            return self.embedding.get_text_embedding_batch(texts)
        vectors: list[list[float]] = []
        self._on_chunks(path, 0, len(texts))
        for start in range(0, len(texts), _PROGRESS_BATCH):
            vectors += self.embedding.get_text_embedding_batch(texts[start : start + _PROGRESS_BATCH])
            self._on_chunks(path, len(vectors), len(texts))
        return vectors

    def _parse(self, path: Path, data: bytes) -> tuple[Report, list[Chunk]]:
        """Parse, check the text and chunk; a parser bug on one odd file fails that file, not the batch."""
        try:
            report = parse_report(path, data)
            check_report_text(report)
            chunks = self.chunker.chunk(report)
        except UnreadableReportError:
            raise
        except Exception as exc:  # noqa: BLE001 - third-party readers raise anything on odd files
            raise explain_unexpected_error(path, exc) from exc
        if len(chunks) > self.limits.max_chunks:
            raise UnreadableReportError(
                path, f"tệp cho {len(chunks)} đoạn, quá giới hạn {self.limits.max_chunks} đoạn mỗi tệp "
                      "(BAOCAO_MAX_CHUNKS_PER_FILE); hãy tách báo cáo thành nhiều tệp, hoặc nhờ người quản trị "
                      "nâng giới hạn")
        return report, chunks
