"""File readers: one function per format, each turning a file into raw paragraphs in reading order.

A reader knows only its format. It does not clean text or find headings; it returns the paragraphs
the way the author laid them out, and raises `UnreadableReportError` with a reason a person can act on
when the file cannot be used.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
import statistics
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.errors import UnreadableReportError, explain_unexpected_error
from ingest.html_text import html_paragraphs, looks_like_html
from ingest.legacy_encodings import decode_legacy_text, decode_run, font_encoding
from ingest.pdf_tables import PdfTable, find_tables, pages_drawing_lines

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".doc", ".rtf", ".odt")
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


@dataclass
class RawDocument:
    """What a reader returns: paragraphs in reading order, and how they were obtained.

    `ocr_pages` counts the pages whose text came from OCR (a scan): citations of such a document say
    so, because recognition can misread a figure. `encoding` names a legacy encoding that was
    converted ("tcvn3", "vni"), "" for Unicode.
    """

    paragraphs: list[str]
    ocr_pages: int = 0
    pages: int = 0
    encoding: str = ""


def read_paragraphs(path: Path, data: bytes) -> list[str]:
    """The paragraphs of `read_document`."""
    return read_document(path, data).paragraphs


def read_document(path: Path, data: bytes) -> RawDocument:
    """Dispatch on the file's extension; `data` is the file's content, already read once."""
    from ingest.office import read_office_document

    readers: dict[str, Callable[[Path, bytes], list[str] | RawDocument]] = {
        ".txt": read_plain_text,
        ".md": read_plain_text,
        ".docx": read_docx,
        ".pdf": read_pdf,
        ".doc": read_office_document,
        ".rtf": read_office_document,
        ".odt": read_office_document,
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
            result = reader(path, data)
    except UnreadableReportError:
        raise
    except Exception as exc:  # noqa: BLE001 - parsers raise anything on damaged or hostile files
        raise explain_unexpected_error(path, exc) from None
    document = result if isinstance(result, RawDocument) else RawDocument(result)
    document.paragraphs = [p for p in document.paragraphs if p.strip()]
    if not document.paragraphs:
        raise UnreadableReportError(path, "tệp không có nội dung văn bản; hãy chọn đúng tệp báo cáo (.docx, .pdf, .txt, .md)")
    return document


def read_plain_text(path: Path, data: bytes) -> RawDocument:
    """UTF-8 text (with or without BOM), or TCVN3/VNI text recognised with confidence
    (`legacy_encodings.decode_legacy_text`); paragraphs are separated by blank lines."""
    if b"\x00" in data[:8192] or _control_ratio(data[:8192]) > 0.05:
        raise UnreadableReportError(path, "tệp nhị phân, không phải văn bản (có thể bị đổi đuôi thành .txt); hãy chọn đúng tệp báo cáo (.docx, .pdf, .txt, .md)")
    encoding = ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        guess = decode_legacy_text(data)
        if guess.text is None:
            raise UnreadableReportError(
                path,
                f"không phải mã UTF-8 (byte lạ ở vị trí {exc.start}) và {guess.reason or 'không nhận ra bảng mã'}; "
                "có thể tệp dùng bảng mã cũ (TCVN3, VNI, Windows-1258): hãy mở bằng trình soạn thảo và lưu lại dưới dạng UTF-8",
            ) from None
        text, encoding = guess.text, guess.encoding or ""
    else:
        guess = decode_legacy_text(data)  # Unicode stays as it is unless it is clearly legacy text saved as UTF-8
        if guess.encoding in ("tcvn3", "vni") and guess.text is not None:
            text, encoding = guess.text, guess.encoding
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if looks_like_html(text):  # a web page saved as .txt/.md: its text, not its tags
        return RawDocument(html_paragraphs(text), encoding=encoding)
    # Blank lines separate paragraphs; lines inside one are sorted out later (structure.split_wrapped_lines).
    return RawDocument([block.strip() for block in text.split("\n\n") if block.strip()], encoding=encoding)


def _control_ratio(data: bytes) -> float:
    if not data:
        return 0.0
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 13, 12))
    return controls / len(data)


def read_docx(path: Path, data: bytes) -> RawDocument:
    """Paragraphs and tables of the document body, in reading order.

    A table becomes one paragraph in Markdown pipe form ("| a | b |" a row, a cell's own line breaks
    as "<br>", a cell merged across columns written once and followed by empty cells), so that the
    structure step reads it like a Markdown table (a TABLE block, or header lines for a layout table).
    Runs typed in a TCVN3 or VNI font (`.VnTime`, `VNI-Times` …) are converted by their font.
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
    legacy = _LegacyFonts(document) if _uses_legacy_fonts(data) else None
    paragraphs: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            paragraphs.append(_paragraph_text(item, legacy))
        elif isinstance(item, Table):
            rows = []
            for row in item.rows:
                cells: list[str] = []
                previous = None
                for cell in row.cells:
                    if previous is not None and cell._tc is previous:
                        cells.append("")  # the rest of a cell merged across columns
                        continue
                    previous = cell._tc
                    text = "\n".join(_paragraph_text(p, legacy) for p in cell.paragraphs).strip()
                    cells.append(text.replace("|", "\\|").replace("\n", "<br>"))
                if any(cells):
                    rows.append("| " + " | ".join(cells) + " |")
            if rows:
                paragraphs.append("\n".join(rows))
    return RawDocument(paragraphs, encoding=legacy.seen if legacy and legacy.seen else "")


def _uses_legacy_fonts(data: bytes) -> bool:
    """Whether any part of the .docx names a TCVN3 or VNI font (a quick look before reading runs)."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in ("word/document.xml", "word/styles.xml"):
                if name in archive.namelist():
                    xml = archive.read(name)
                    if b'".Vn' in xml or b'"VNI' in xml or b'"Vni' in xml:
                        return True
    except (zipfile.BadZipFile, OSError, KeyError):
        return False
    return False


class _LegacyFonts:
    """The font of each run (its own, its character style's, its paragraph style's, the document
    default), to decode runs typed in TCVN3 or VNI fonts."""

    def __init__(self, document) -> None:  # noqa: ANN001 - python-docx Document
        from docx.oxml.ns import qn

        self._qn = qn
        self.seen = ""
        defaults = document.styles.element.find(qn("w:docDefaults"))
        fonts = defaults.find(".//" + qn("w:rFonts")) if defaults is not None else None
        self.default = self._font_of(fonts)

    def _font_of(self, fonts) -> str | None:  # noqa: ANN001 - lxml element or None
        if fonts is None:
            return None
        return fonts.get(self._qn("w:hAnsi")) or fonts.get(self._qn("w:ascii"))

    def _style_font(self, style) -> str | None:  # noqa: ANN001 - python-docx style or None
        while style is not None:
            rpr = style.element.rPr
            font = self._font_of(rpr.rFonts if rpr is not None else None)
            if font:
                return font
            style = style.base_style
        return None

    def encoding(self, run, paragraph) -> str | None:  # noqa: ANN001 - python-docx Run, Paragraph
        rpr = run._element.rPr
        font = self._font_of(rpr.rFonts if rpr is not None else None)
        font = font or (self._style_font(run.style) if rpr is not None and rpr.rStyle is not None else None)
        font = font or self._style_font(paragraph.style) or self.default
        encoding = font_encoding(font)
        if encoding:
            self.seen = "vni" if encoding == "vni" else "tcvn3"
        return encoding


def _paragraph_text(paragraph, legacy: _LegacyFonts | None) -> str:  # noqa: ANN001 - python-docx Paragraph
    """The paragraph's text, each run decoded by its font when the document uses legacy fonts."""
    if legacy is None:
        return paragraph.text
    from docx.text.hyperlink import Hyperlink

    parts: list[str] = []
    for item in paragraph.iter_inner_content():
        for run in item.runs if isinstance(item, Hyperlink) else [item]:
            parts.append(decode_run(run.text, legacy.encoding(run, paragraph)))
    return "".join(parts)


def read_pdf(path: Path, data: bytes) -> RawDocument:
    """The text layer of a PDF, rebuilt into paragraphs from the position of each line.

    PDF text has no paragraphs, only positioned lines. A new paragraph starts where the vertical gap
    to the previous line is clearly larger than the usual line spacing, or where a line is indented.
    A table drawn with ruling lines (ingest/pdf_tables.py) replaces the lines inside it and becomes
    one paragraph in Markdown pipe form, like a Word table (`read_docx`).
    """
    import io

    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("password required")
        lines: list[_PdfLine] = []
        scanned: list[int] = []
        text_pages: dict[int, list[_PdfLine]] = {}
        for page_no, page in enumerate(reader.pages):
            page_lines = _page_lines(page, page_no)
            if sum(ch.isalpha() for line in page_lines for ch in line.text) < MIN_TEXT_LAYER_LETTERS:
                scanned.append(page_no)  # a scanned page (perhaps with a stamp's or a number's text)
            else:
                text_pages[page_no] = page_lines
        tables = find_tables(data, pages_drawing_lines({n: _page_content(reader.pages[n]) for n in text_pages}))
        for page_no, page_lines in text_pages.items():
            lines.extend(_with_tables(page_lines, tables.get(page_no, [])))
        page_count = len(reader.pages)
    except FileNotDecryptedError:
        raise UnreadableReportError(path, "PDF được đặt mật khẩu; hãy gỡ mật khẩu rồi nạp lại") from None
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise explain_unexpected_error(path, exc) from None
    by_page: dict[int, list[str]] = {}
    for page_no, paragraph in _lines_to_paragraphs(lines, with_pages=True):
        by_page.setdefault(page_no, []).append(paragraph)
    if scanned:
        for page_no, paragraphs in _ocr_pages(path, data, scanned, has_text_layer=bool(lines)).items():
            by_page[page_no] = paragraphs
    paragraphs = [p for page_no in sorted(by_page) for p in by_page[page_no]]
    return RawDocument(paragraphs, ocr_pages=len(scanned), pages=page_count)


MIN_TEXT_LAYER_LETTERS = 20
"""A page whose text layer has fewer letters than this is read as an image (OCR)."""
MIN_OCR_LETTERS = 50
"""OCR that finds fewer letters than this in a whole scan found no text (a drawing, a blank scan)."""


def _ocr_pages(path: Path, data: bytes, pages: list[int], has_text_layer: bool) -> dict[int, list[str]]:
    """The paragraphs of the scanned pages, by OCR (ingest/ocr.py); a clear refusal when OCR cannot run
    or reads nothing."""
    from ingest.ocr import OcrUnavailableError, ocr_pdf_pages, page_paragraphs

    try:
        texts = ocr_pdf_pages(data, pages, label=path.name)
    except OcrUnavailableError as exc:
        if has_text_layer:
            log.warning("%s: %d trang là ảnh quét, bỏ qua vì %s", path.name, len(pages), exc)
            return {}
        raise UnreadableReportError(path, f"PDF không có lớp văn bản (bản scan) và {exc}") from None
    letters = sum(ch.isalpha() for text in texts.values() for ch in text)
    if letters < MIN_OCR_LETTERS and not has_text_layer:
        raise UnreadableReportError(
            path, "PDF không có lớp văn bản và nhận dạng chữ (OCR) không đọc được chữ nào; "
                  "hãy kiểm tra bản scan (đúng tệp, đủ rõ, không bị ngược) rồi nạp lại")
    return {page: page_paragraphs(text) for page, text in texts.items()}


class _PdfLine:
    __slots__ = ("page", "y", "x", "text", "table")

    def __init__(self, page: int, y: float, x: float, text: str, table: bool = False) -> None:
        self.page, self.y, self.x, self.text, self.table = page, y, x, text, table


def _page_content(page) -> bytes:  # noqa: ANN001 - pypdf PageObject
    """The page's content stream, decoded (b"" for an empty page)."""
    contents = page.get_contents()
    return contents.get_data() if contents is not None else b""


def _with_tables(lines: list[_PdfLine], tables: list[PdfTable]) -> list[_PdfLine]:
    """The page's lines with the text inside each ruled table replaced by the table itself (one
    line of Markdown pipe rows, its own paragraph), at the table's place in reading order."""
    if not lines or not tables:
        return lines
    result: list[_PdfLine] = []
    placed: set[int] = set()

    def place(index: int) -> None:
        if index not in placed:
            placed.add(index)
            result.append(_PdfLine(lines[0].page, tables[index].top, 0.0, tables[index].pipe_text(), table=True))

    for line in lines:
        for index, table in enumerate(tables):  # a table above this line whose text pypdf did not place
            if table.bottom > line.y + 1.0:
                place(index)
        inside = next((i for i, table in enumerate(tables) if table.holds(line.y)), None)
        if inside is None:
            result.append(line)
        else:
            place(inside)
    for index in range(len(tables)):
        place(index)
    return result


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


def _lines_to_paragraphs(lines: list[_PdfLine], with_pages: bool = False) -> list:
    """Paragraphs (with the page each starts on when `with_pages`)."""
    gaps = [a.y - b.y for a, b in zip(lines, lines[1:]) if a.page == b.page and a.y > b.y and not (a.table or b.table)]
    line_gap = statistics.median(gaps) if gaps else 0.0
    margin = min((line.x for line in lines if not line.table), default=0.0)
    paragraphs: list[list[str]] = []
    starts: list[int] = []
    previous: _PdfLine | None = None
    for line in lines:
        new_paragraph = previous is None
        if previous is not None:
            if line.table or previous.table:
                new_paragraph = True  # a table is a paragraph of its own (Markdown pipe rows)
            elif line.page != previous.page:
                new_paragraph = True  # page breaks are repaired later by the text rules
            elif line_gap and previous.y - line.y > 1.3 * line_gap:
                new_paragraph = True
            elif line.x - margin > 8:
                new_paragraph = True
        if new_paragraph:
            paragraphs.append([line.text])
            starts.append(line.page)
        else:
            paragraphs[-1].append(line.text)
        previous = line
    texts = ["\n".join(p) for p in paragraphs]
    return list(zip(starts, texts)) if with_pages else texts
