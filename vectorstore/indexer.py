"""Incremental ingestion: files -> reports -> chunks -> embeddings -> the Chroma store.

A batch never stops on a bad file: each file ends in one `FileOutcome`, and the summary says what
happened to every file. Unchanged files are skipped by content hash, changed ones replaced, and a file
whose content is already indexed under another name is reported as a duplicate, not indexed twice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ingest import SectionChunker, UnreadableReportError, content_hash, parse_report, report_id_for
from ingest.readers import read_bytes
from vectorstore.chroma_store import STATUS_COMPLETE, ChromaReportStore
from vectorstore.embeddings import ReportEmbedding

_PROGRESS_BATCH = 16  # chunks embedded between two progress reports
INDEXED, REPLACED, SKIPPED, DUPLICATE, FAILED = "indexed", "replaced", "skipped", "duplicate", "failed"


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


def iter_report_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and every non-hidden file under folders named, in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (child.is_file() or child.is_symlink()) and not any(part.startswith(".") for part in child.relative_to(path).parts):
                    yield child
        else:
            yield path  # a missing or unreadable path is reported when it is read


class ReportIndexer:
    def __init__(self, store: ChromaReportStore, embedding: ReportEmbedding, chunker: SectionChunker | None = None):
        self._on_chunks: Callable[[Path, int, int], None] | None = None
        self.store = store
        self.embedding = embedding
        self.chunker = chunker or SectionChunker(count_tokens=embedding.count_tokens)

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
            for path in files:
                bar.set_description(path.name[:40])
                outcome = self._ingest_file(path, seen, summary, force)
                summary.outcomes.append(outcome)
                bar.update(1)
                bar.set_postfix(chunks=summary.chunks, failed=len(summary.failed))
        summary.seconds = time.perf_counter() - started
        return summary

    def _ingest_file(self, path: Path, seen: dict[str, Path], summary: IngestSummary, force: bool) -> FileOutcome:
        report_id = report_id_for(path)
        try:
            if report_id in seen:
                raise UnreadableReportError(
                    path, f"trùng mã báo cáo '{report_id}' với tệp {seen[report_id]}; hãy đổi tên một trong hai tệp"
                )
            data = read_bytes(path)
            digest = content_hash(data)
            existing = self.store.get_report(report_id)
            unchanged = existing and existing.content_hash == digest and existing.status == STATUS_COMPLETE
            if unchanged and not force:
                seen[report_id] = path
                return FileOutcome(path, report_id, SKIPPED, "không thay đổi")
            twin = self.store.find_by_hash(digest)
            if twin and twin.report_id != report_id:
                return FileOutcome(path, report_id, DUPLICATE, f"cùng nội dung với báo cáo đã nạp '{twin.report_id}'")
            report, chunks = self._parse(path, data)
            embed_started = time.perf_counter()
            vectors = self._embed(path, [c.embedding_text for c in chunks])
            summary.embed_seconds += time.perf_counter() - embed_started
            self.store.write_report(report, chunks, vectors)
            seen[report_id] = path
            return FileOutcome(path, report_id, REPLACED if existing else INDEXED, chunks=len(chunks))
        except UnreadableReportError as exc:
            return FileOutcome(path, report_id, FAILED, exc.reason)

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

    def _parse(self, path: Path, data: bytes):
        """Parse and chunk; a parser bug on one odd file fails that file, not the batch."""
        try:
            report = parse_report(path, data)
            return report, self.chunker.chunk(report)
        except UnreadableReportError:
            raise
        except Exception as exc:  # noqa: BLE001 - third-party readers raise anything on odd files
            raise UnreadableReportError(path, f"lỗi khi phân tích tệp ({type(exc).__name__}: {exc})") from exc
