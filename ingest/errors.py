"""The one error type ingestion raises for a file it cannot use."""

from __future__ import annotations

from pathlib import Path


class UnreadableReportError(Exception):
    """A file that cannot become a report: names the file and says why and what to do.

    The reason is in Vietnamese because it is shown to the staff who upload reports.
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


_FORMATS = {".docx": "Word (.docx)", ".pdf": "PDF", ".txt": "văn bản", ".md": "Markdown"}
_RESAVE = {
    ".docx": "hãy mở tệp bằng Word (hoặc LibreOffice) và lưu lại dưới dạng .docx rồi nạp lại",
    ".pdf": "hãy mở tệp và in lại ra PDF (hoặc xuất từ bản Word gốc) rồi nạp lại",
}


def explain_unexpected_error(path: Path | str, exc: BaseException) -> UnreadableReportError:
    """A library error met while reading a file, as a reason a person can act on, in Vietnamese.

    Readers of .docx and .pdf raise whatever their parsers meet on a damaged or hostile file
    (lxml "Excessive depth", zlib "Error -3", "zip file version 14.8", pypdf's LimitReachedError …);
    none of that means anything to the staff uploading reports. The error's class stays in the
    message, in parentheses, for whoever maintains the app.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    kind = _FORMATS.get(suffix, "tệp")
    advice = _RESAVE.get(suffix, "hãy mở tệp, lưu lại dưới dạng UTF-8 rồi nạp lại")
    name = type(exc).__name__
    module = type(exc).__module__ or ""
    detail = f" (chi tiết kỹ thuật: {module + '.' if name == 'error' else ''}{name})"
    if isinstance(exc, MemoryError) or name in ("LimitReachedError", "RecursionError") or "depth" in str(exc).lower():
        reason = f"tệp {kind} quá phức tạp hoặc có cấu trúc bất thường, không đọc an toàn được"
    elif name in ("BadZipFile", "LargeZipFile", "EOFError") or module == "zlib" or "zip" in str(exc).lower() \
            or "compress" in str(exc).lower():
        reason = f"tệp {kind} bị hỏng (phần nén bên trong không giải nén được)"
    elif module.startswith(("lxml", "xml")) or name in ("XMLSyntaxError", "ParseError"):
        reason = f"tệp {kind} bị hỏng (nội dung bên trong sai cấu trúc)"
    elif module.startswith("pypdf"):
        reason = f"tệp {kind} bị hỏng, không đọc được nội dung"
    else:
        reason = f"không đọc được tệp {kind} này"
    return UnreadableReportError(path, f"{reason}{detail}; {advice}")
