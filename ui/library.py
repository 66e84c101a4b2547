"""The report library: the table of indexed reports, uploads ingested in the background with visible
progress, delete and re-index. Everything goes through `BaocaoService`.

Writes (ingest, remove) are serialised by one lock, held only while a file is put in place and its
finished chunks are written: reading, chunking and embedding happen before, outside it, so one huge or
slow file never holds the other writers, and questions (reads) never wait for it. An upload runs in its own
thread: the page only watches it, so a closed tab does not stop a batch half-way.

Uploaded files are kept under `<db>/uploads/` (the index records where a report came from, and
re-index reads it again). A file that fails leaves the index and the earlier copy of that file as
they were.
"""

from __future__ import annotations

import html
import shutil
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.query_analysis import reporting_years
from rag.service import BaocaoService
from ui.sources import format_date
from vectorstore import StoredReport
from vectorstore.indexer import COMPLETED, DUPLICATE, FAILED, INDEXED, REPLACED, SKIPPED, WRITTEN, FileOutcome

ACCEPTED_TYPES = (".docx", ".pdf", ".txt", ".md")
TABLE_HEADERS = ["Mã báo cáo", "Loại văn bản", "Số hiệu", "Địa phương", "Tỉnh", "Ngày", "Kỳ báo cáo", "Từ ngày",
                 "Đến ngày", "Tiêu đề", "Số đoạn", "Trạng thái"]
EMPTY_LIBRARY = (
    "**Chưa có báo cáo nào.** Bấm **📂 Chọn tệp báo cáo để nạp** bên dưới và chọn một hoặc nhiều tệp "
    "(.docx, .pdf, .txt, .md). Mỗi tệp được đọc, chia đoạn và đưa vào chỉ mục; tiến độ hiện ngay bên dưới. "
    "Khi nạp xong, báo cáo xuất hiện trong bảng này và có thể hỏi đáp ở thẻ **Hỏi đáp**."
)
STATUS_LABELS = {INDEXED: "đã nạp", REPLACED: "đã nạp lại (tệp đã thay đổi)", SKIPPED: "không đổi, bỏ qua",
                 COMPLETED: "đã nạp lại (lần nạp trước bị dở)", DUPLICATE: "trùng nội dung", FAILED: "không nạp được"}
NOT_AN_UPLOAD = ("tệp này không được tải lên qua ứng dụng (ứng dụng chỉ nạp tệp vừa tải lên, không đọc tệp có sẵn "
                 "trên máy chủ); hãy chọn tệp bằng nút “📂 Chọn tệp báo cáo để nạp”")


def _duration(seconds: float) -> str:
    if seconds < 9.95:
        return f"{max(0.0, seconds):.1f} giây".replace(".", ",")
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} giây"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} phút {rest} giây" if rest else f"{minutes} phút"


@dataclass
class FileState:
    name: str
    path: Path
    size: int
    state: str = "waiting"  # waiting, running, done
    outcome: FileOutcome | None = None
    started: float = 0.0
    seconds: float = 0.0
    chunks_done: int = 0
    chunks_total: int = 0


@dataclass
class IngestJob:
    """One batch of uploaded files; its progress is read by the page while a thread works on it."""

    files: list[FileState]
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def outcomes(self) -> list[FileOutcome]:
        return [f.outcome for f in self.files if f.outcome is not None]

    def eta_seconds(self) -> float | None:
        """Time left, from the bytes done so far and their pace; None before the first file ends."""
        finished = [f for f in self.files if f.state == "done" and f.outcome and f.outcome.status != FAILED]
        spent = sum(f.seconds for f in finished)
        done_bytes = sum(f.size for f in finished)
        if not finished or spent <= 0 or done_bytes <= 0:
            return None
        left = sum(f.size for f in self.files if f.state != "done")
        running = next((f for f in self.files if f.state == "running"), None)
        elapsed_running = time.monotonic() - running.started if running else 0.0
        return max(0.0, left * spent / done_bytes - elapsed_running)

    def render(self) -> str:
        """HTML progress: a bar, a summary line and one line per file."""
        total = len(self.files)
        done = sum(1 for f in self.files if f.state == "done")
        chunks = sum(o.chunks for o in self.outcomes)
        failed = sum(1 for o in self.outcomes if o.status == FAILED)
        elapsed = (self.finished or time.monotonic()) - self.started
        if self.done.is_set():
            ok = sum(1 for o in self.outcomes if o.status in WRITTEN)
            head = (f"Đã xong {total} tệp: {ok} tệp đã nạp ({chunks} đoạn), "
                    f"{failed} tệp lỗi, trong {_duration(elapsed)}.")
            if failed:
                head += " Các tệp lỗi không ảnh hưởng đến báo cáo khác."
        else:
            head = f"Đang nạp {min(done + 1, total)}/{total} tệp · {chunks} đoạn · đã chạy {_duration(elapsed)}"
            eta = self.eta_seconds()
            head += f" · còn khoảng {_duration(eta)}" if eta is not None else ""
            head += ". Trong lúc chờ vẫn có thể hỏi đáp bình thường."
        lines = []
        for f in self.files:
            name = html.escape(f.name)
            if f.state == "waiting":
                lines.append(f'<li class="bc-wait">⏸ {name} — đang chờ</li>')
            elif f.state == "running":
                step = (f"đã nhúng {f.chunks_done}/{f.chunks_total} đoạn" if f.chunks_total
                        else "đang đọc và chia đoạn")
                lines.append(f'<li class="bc-run">⏳ {name} — {step} '
                             f'({_duration(time.monotonic() - f.started)})</li>')
            else:
                o = f.outcome
                label = STATUS_LABELS.get(o.status, o.status)
                if o.status in WRITTEN:
                    lines.append(f'<li class="bc-ok">✅ {name} — {label} ({o.chunks} đoạn, {_duration(f.seconds)})</li>')
                elif o.status == FAILED:
                    lines.append(f'<li class="bc-fail">❌ {name} — {label}: {html.escape(o.reason)}</li>')
                else:
                    reason = f": {html.escape(o.reason)}" if o.reason else ""
                    lines.append(f'<li class="bc-skip">➖ {name} — {label}{reason}</li>')
        return (f'<div class="bc-job"><div class="bc-job-head">{html.escape(head)}</div>'
                f'<progress max="{total}" value="{done}"></progress><ul>{"".join(lines)}</ul></div>')


class Library:
    """`upload_roots`: the folders the app's own upload writes to (Gradio's upload folder). When
    given, `submit` ingests only regular files inside them: a client calling /upload with the path
    of any other file on the server (a `FileData` is just a path) is refused, not read."""

    def __init__(self, service: BaocaoService, uploads_dir: Path | None = None,
                 upload_roots: Iterable[Path | str] | None = None) -> None:
        self.service = service
        self.uploads_dir = (uploads_dir or Path(service.settings.db) / "uploads").resolve()
        self.upload_roots = None if upload_roots is None else [Path(r).resolve() for r in upload_roots]
        self.write_lock = threading.Lock()
        self._jobs_lock = threading.Lock()
        self.jobs: list[IngestJob] = []

    # --- reading ---------------------------------------------------------------------------------------

    def reports(self) -> list[StoredReport]:
        return sorted(self.service.list_reports(), key=lambda r: r.report_id)

    def table(self, reports: Iterable[StoredReport] | None = None) -> list[list]:
        rows = []
        for r in self.reports() if reports is None else reports:
            m = r.metadata
            status = "đầy đủ" if r.status == "complete" else "nạp dở: hãy nạp lại"
            rows.append([m.report_id, m.document_type, m.so_hieu, m.locality, m.province, format_date(m.date),
                         m.period, format_date(m.period_start), format_date(m.period_end), m.title, r.chunks, status])
        return rows

    @staticmethod
    def report_label(report: StoredReport) -> str:
        m = report.metadata
        bits = [m.locality or m.report_id, m.period, m.so_hieu]
        return " — ".join(b for b in bits if b)

    def report_choices(self, reports: Iterable[StoredReport] | None = None) -> list[tuple[str, str]]:
        return [(self.report_label(r), r.report_id) for r in (self.reports() if reports is None else reports)]

    def locality_choices(self, reports: Iterable[StoredReport] | None = None) -> list[str]:
        names = {r.metadata.locality for r in (self.reports() if reports is None else reports) if r.metadata.locality}
        return sorted(names)

    def year_choices(self, reports: Iterable[StoredReport] | None = None) -> list[int]:
        # the years the year filter matches (the reporting period's), so no choice selects nothing
        return sorted({y for r in (self.reports() if reports is None else reports) for y in reporting_years(r.metadata)},
                      reverse=True)

    # --- uploads ---------------------------------------------------------------------------------------

    def submit(self, paths: Iterable[Path | str]) -> IngestJob:
        """Start ingesting uploaded files in a background thread; returns the job to watch."""
        files = []
        for path in paths:
            path = Path(path)
            try:
                size = path.stat().st_size
            except OSError:
                size = 0
            files.append(FileState(name=path.name, path=path, size=size))
        job = IngestJob(files=files)
        with self._jobs_lock:
            self.jobs = [j for j in self.jobs if not j.done.is_set()] + [job]
        threading.Thread(target=self._run, args=(job,), name="baocao-ingest", daemon=True).start()
        return job

    def _run(self, job: IngestJob) -> None:
        seen: set[str] = set()
        try:
            for f in job.files:
                f.state, f.started = "running", time.monotonic()
                f.outcome = self._ingest_one(f.path, seen, f)
                f.seconds = time.monotonic() - f.started
                f.state = "done"
        finally:
            job.finished = time.monotonic()
            job.done.set()

    def refusal(self, upload: Path) -> str:
        """Why `upload` must not be read ("" when it may): outside the app's upload folder, a link,
        not a regular file."""
        if self.upload_roots is None:
            return ""
        try:
            resolved = upload.resolve(strict=True)
        except (OSError, RuntimeError):
            return "không tìm thấy tệp đã tải lên; hãy tải tệp lên lại"
        inside = any(resolved == root or root in resolved.parents for root in self.upload_roots)
        if upload.is_symlink() or not inside or not resolved.is_file():
            return NOT_AN_UPLOAD
        return ""

    def _ingest_one(self, upload: Path, seen: set[str], state: FileState | None = None) -> FileOutcome:
        """Ingest one upload and keep it in the uploads folder; on failure the folder and the index are
        left as they were before. Reading, chunking and embedding happen on a private copy, outside
        the write lock; the lock is held only to put the file in place and write its chunks."""
        name = upload.name
        if name in seen:
            return FileOutcome(upload, upload.stem, FAILED,
                               "trùng tên với một tệp khác trong cùng lần tải lên; hãy đổi tên một trong hai tệp")
        seen.add(name)
        if upload.suffix.lower() not in ACCEPTED_TYPES:
            return FileOutcome(upload, upload.stem, FAILED,
                               f"loại tệp {upload.suffix or '(không có đuôi)'} không được hỗ trợ; "
                               f"hãy lưu báo cáo dưới dạng {', '.join(ACCEPTED_TYPES)}")
        refusal = self.refusal(upload)
        if refusal:
            return FileOutcome(upload, upload.stem, FAILED, refusal)
        target = self.uploads_dir / name
        # a private copy beside the uploads folder (same disk, so putting it in place is a rename)
        staging = self.uploads_dir.with_name(f".{self.uploads_dir.name}-dang-nap") / uuid.uuid4().hex
        staged = staging / name
        try:
            staging.mkdir(parents=True)
            shutil.copyfile(upload, staged)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            return FileOutcome(upload, upload.stem, FAILED,
                               f"không lưu được tệp ({exc.strerror or exc}); hãy kiểm tra chỗ trống trên đĩa rồi thử lại")

        def on_chunks(_path: Path, done: int, total: int) -> None:
            if state is not None:
                state.chunks_done, state.chunks_total = done, total

        try:
            indexer = self.service.indexer()
            prepared = indexer.prepare(staged, source=target, on_chunks=on_chunks)
            if isinstance(prepared, FileOutcome):
                return prepared
            with self.write_lock:
                return self._put_in_place(indexer, prepared, staged, target)
        except Exception as exc:  # noqa: BLE001 - one bad file must not end the batch or the thread
            return FileOutcome(target, upload.stem, FAILED, f"lỗi khi nạp ({type(exc).__name__}); hãy thử lại, "
                                                            "nếu vẫn lỗi hãy báo người quản trị")
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _put_in_place(self, indexer, prepared, staged: Path, target: Path) -> FileOutcome:
        """Under the write lock: the staged file becomes the upload's copy and its chunks are written;
        a failure puts the earlier copy back."""
        backup = target.with_name(f".{target.name}.truoc-khi-tai-lai")
        target.parent.mkdir(parents=True, exist_ok=True)
        had_previous = target.exists()
        if had_previous:
            target.replace(backup)
        staged.replace(target)
        try:
            outcome = indexer.commit(prepared)
        except BaseException:
            target.unlink(missing_ok=True)
            if had_previous:
                backup.replace(target)
            raise
        backup.unlink(missing_ok=True)
        return outcome

    # --- delete and re-index --------------------------------------------------------------------------

    def _find(self, report_id: str) -> StoredReport | None:
        return next((r for r in self.service.list_reports() if r.report_id == report_id), None)

    def remove(self, report_id: str) -> tuple[bool, str]:
        """Delete a report from the index (and its uploaded copy, never a file elsewhere)."""
        if not report_id:
            return False, "Hãy chọn một báo cáo trong danh sách."
        with self.write_lock:
            report = self._find(report_id)
            if report is None or not self.service.remove(report_id):
                return False, f"Không có báo cáo “{report_id}” trong chỉ mục."
            source = Path(report.source) if report.source else None
            if source is not None and source.resolve().parent == self.uploads_dir:
                source.unlink(missing_ok=True)
        return True, f"Đã xóa báo cáo “{self.report_label(report)}” ({report_id}) khỏi chỉ mục."

    def reindex(self, report_id: str) -> tuple[bool, str]:
        """Read a report's file again and rebuild its chunks (after a change of the parser or chunker)."""
        if not report_id:
            return False, "Hãy chọn một báo cáo trong danh sách."
        report = self._find(report_id)
        if report is None:
            return False, f"Không có báo cáo “{report_id}” trong chỉ mục."
        source = Path(report.source) if report.source else None
        if source is None or not source.is_file():
            return False, (f"Không còn tệp gốc của báo cáo “{report_id}” ({report.source or 'không rõ'}); "
                           "hãy tải tệp lên lại.")
        started = time.monotonic()
        # forced re-ingest replaces the chunks in place: a failure leaves the old ones searchable; the
        # write lock is held only while the new chunks are written
        outcome = self.service.ingest([source], show_progress=False, force=True, write_lock=self.write_lock).outcomes[0]
        if outcome.status in WRITTEN:
            return True, (f"Đã nạp lại “{self.report_label(report)}”: {outcome.chunks} đoạn, "
                          f"trong {_duration(time.monotonic() - started)}.")
        return False, f"Nạp lại “{report_id}” không thành công: {outcome.reason or outcome.status}."
