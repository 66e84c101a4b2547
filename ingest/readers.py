"""File readers: one function per format, each turning a file into raw paragraphs in reading order.

A reader knows only its format. It does not clean text or find headings; it returns the paragraphs
the way the author laid them out, and raises `UnreadableReportError` with a reason a person can act on
when the file cannot be used.
"""

from __future__ import annotations

import contextlib
import logging
import statistics
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.errors import UnreadableReportError, explain_unexpected_error
from ingest.html_text import html_paragraphs, looks_like_html

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf")
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
"""A .docx is a zip archive: one whose parts unpack to more than this is refused (a "zip bomb")."""
LIBRARY_LOGGERS = ("pypdf", "docx", "PIL")
"""Loggers of the reading libraries, whose warnings about a damaged file go to stderr by default."""


@contextlib.contextmanager
def captured_library_warnings() -> Iterator[list[str]]:
    """Collect what the reading libraries would print (pypdf logs "Ignoring wrong pointing object",
    Python warnings) instead of letting it reach the terminal or the app's log; the list is logged
    at debug level. Reading is one file at a time per process, so swapping handlers is safe here."""
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(f"{record.name}: {record.getMessage()}")

    handler = _Collect(logging.WARNING)
    loggers = [logging.getLogger(name) for name in LIBRARY_LOGGERS]
    saved = [(lg.propagate, list(lg.handlers)) for lg in loggers]
    for lg in loggers:
        lg.handlers, lg.propagate = [handler], False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
        messages.extend(f"{w.category.__name__}: {w.message}" for w in caught)
    finally:
        for lg, (propagate, handlers) in zip(loggers, saved):
            lg.handlers, lg.propagate = handlers, propagate
        if messages:
            log.debug("%d cảnh báo của thư viện đọc tệp: %s", len(messages), messages[:5])


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an error naming why the path cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UnreadableReportError(path, "không tìm thấy tệp; hãy kiểm tra lại tên và đường dẫn") from None
    except IsADirectoryError:
        raise UnreadableReportError(path, "đây là thư mục, không phải tệp; hãy chọn đúng tệp báo cáo (.docx, .pdf, .txt, .md)") from None
    except PermissionError:
        raise UnreadableReportError(path, "không có quyền đọc tệp; hãy kiểm tra quyền truy cập") from None
    except OSError as exc:
        raise UnreadableReportError(path, f"không đọc được tệp ({exc.strerror or exc}); hãy kiểm tra tệp còn mở được không rồi nạp lại") from None


def read_paragraphs(path: Path, data: bytes) -> list[str]:
    """Dispatch on the file's extension; `data` is the file's content, already read once."""
    readers: dict[str, Callable[[Path, bytes], list[str]]] = {
        ".txt": read_plain_text,
        ".md": read_plain_text,
        ".docx": read_docx,
        ".pdf": read_pdf,
    }
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise UnreadableReportError(
            path,
            f"định dạng '{path.suffix or '(không có đuôi)'}' không được hỗ trợ; "
            f"hãy dùng {', '.join(SUPPORTED_SUFFIXES)}",
        )
    if not data.strip():
        raise UnreadableReportError(path, "tệp rỗng; hãy chọn đúng tệp báo cáo (.docx, .pdf, .txt, .md)")
    try:
        with captured_library_warnings():
            paragraphs = [p for p in reader(path, data) if p.strip()]
    except UnreadableReportError:
        raise
    except Exception as exc:  # noqa: BLE001 - parsers raise anything on damaged or hostile files
        raise explain_unexpected_error(path, exc) from None
    if not paragraphs:
        raise UnreadableReportError(path, "tệp không có nội dung văn bản; hãy chọn đúng tệp báo cáo (.docx, .pdf, .txt, .md)")
    return paragraphs


def read_plain_text(path: Path, data: bytes) -> list[str]:
    """UTF-8 text (with or without BOM); paragraphs are separated by blank lines."""
    if b"\x00" in data[:8192] or _control_ratio(data[:8192]) > 0.05:
        raise UnreadableReportError(path, "tệp nhị phân, không phải văn bản (có thể bị đổi đuôi thành .txt); hãy chọn đúng tệp báo cáo (.docx, .pdf, .txt, .md)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableReportError(
            path,
            f"không phải mã UTF-8 (byte lạ ở vị trí {exc.start}); có thể tệp dùng bảng mã cũ "
            "(TCVN3, VNI, Windows-1258): hãy mở bằng trình soạn thảo và lưu lại dưới dạng UTF-8",
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if looks_like_html(text):  # a web page saved as .txt/.md: its text, not its tags
        return html_paragraphs(text)
    # Blank lines separate paragraphs; lines inside one are sorted out later (structure.split_wrapped_lines).
    return [block.strip() for block in text.split("\n\n") if block.strip()]


def _control_ratio(data: bytes) -> float:
    if not data:
        return 0.0
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 13, 12))
    return controls / len(data)


def read_docx(path: Path, data: bytes) -> list[str]:
    """Paragraphs and table rows of the document body, in reading order.

    A table row becomes one paragraph with its cells joined by " | ", so that a figure stays next to
    the label of its row.
    """
    import io

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        unpacked = 0  # python-docx says what is wrong below
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableReportError(
            path, f"tệp .docx giải nén ra {unpacked // 2**20} MB, bất thường với một báo cáo (có thể là tệp độc hại); "
                  "hãy mở bằng Word, bỏ hình ảnh lớn và lưu lại rồi nạp lại")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableReportError(
            path, f"tệp .docx bị hỏng hoặc không phải tệp Word ({type(exc).__name__}); hãy mở và lưu lại bằng Word"
        ) from None
    paragraphs: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            paragraphs.append(item.text)
        elif isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = cell.text.strip()
                    if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                        cells.append(text)
                if cells:
                    paragraphs.append(" | ".join(cells))
    return paragraphs


def read_pdf(path: Path, data: bytes) -> list[str]:
    """The text layer of a PDF, rebuilt into paragraphs from the position of each line.

    PDF text has no paragraphs, only positioned lines. A new paragraph starts where the vertical gap
    to the previous line is clearly larger than the usual line spacing, or where a line is indented.
    """
    import io

    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("password required")
        lines: list[_PdfLine] = []
        for page_no, page in enumerate(reader.pages):
            lines.extend(_page_lines(page, page_no))
    except FileNotDecryptedError:
        raise UnreadableReportError(path, "PDF được đặt mật khẩu; hãy gỡ mật khẩu rồi nạp lại") from None
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise explain_unexpected_error(path, exc) from None
    if not any(line.text.strip() for line in lines):
        raise UnreadableReportError(
            path, "PDF không có lớp văn bản (có thể là bản scan); hãy nhận dạng chữ (OCR) trước khi nạp"
        )
    return _lines_to_paragraphs(lines)


class _PdfLine:
    __slots__ = ("page", "y", "x", "text")

    def __init__(self, page: int, y: float, x: float, text: str) -> None:
        self.page, self.y, self.x, self.text = page, y, x, text


def _page_lines(page, page_no: int) -> list[_PdfLine]:
    fragments: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):  # noqa: ANN001 - pypdf's callback signature
        if text and text.strip("\n"):
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            fragments.append((round(y, 1), x, text.replace("\n", "")))

    page.extract_text(visitor_text=visit)
    by_y: dict[float, list[tuple[float, str]]] = {}
    for y, x, text in fragments:
        by_y.setdefault(y, []).append((x, text))
    lines = []
    for y in sorted(by_y, reverse=True):
        parts = sorted(by_y[y])
        text = "".join(t for _, t in parts).strip()
        if text:
            lines.append(_PdfLine(page_no, y, parts[0][0], text))
    # A bare number heading or closing the page is a page number, not content.
    while lines and lines[0].text.isdigit():
        lines.pop(0)
    while lines and lines[-1].text.isdigit():
        lines.pop()
    return lines


def _lines_to_paragraphs(lines: list[_PdfLine]) -> list[str]:
    gaps = [a.y - b.y for a, b in zip(lines, lines[1:]) if a.page == b.page and a.y > b.y]
    line_gap = statistics.median(gaps) if gaps else 0.0
    margin = min((line.x for line in lines), default=0.0)
    paragraphs: list[list[str]] = []
    previous: _PdfLine | None = None
    for line in lines:
        new_paragraph = previous is None
        if previous is not None:
            if line.page != previous.page:
                new_paragraph = True  # page breaks are repaired later by the text rules
            elif line_gap and previous.y - line.y > 1.3 * line_gap:
                new_paragraph = True
            elif line.x - margin > 8:
                new_paragraph = True
        if new_paragraph:
            paragraphs.append([line.text])
        else:
            paragraphs[-1].append(line.text)
        previous = line
    return ["\n".join(p) for p in paragraphs]
