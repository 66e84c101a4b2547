""".doc, .rtf and .odt files: converted to .docx by LibreOffice headless, then read as .docx.

Why LibreOffice. It is the one converter of Word 97-2003 binary documents, RTF and OpenDocument
that an office can install offline from its distribution (Debian's `libreoffice-writer-nogui`, no
desktop needed), and converting to .docx keeps what the .docx reader uses: paragraphs, tables (with
their merged cells) and each run's font, so TCVN3/VNI runs of an old .doc are converted by their font
like those of a .docx.

Each conversion runs in its own temporary LibreOffice profile (two conversions at once would
otherwise fight over the user's profile lock) with a timeout.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ingest.errors import UnreadableReportError

CONVERSION_TIMEOUT_S = 180
OFFICE_SUFFIXES = (".doc", ".rtf", ".odt")
NOT_INSTALLED = ("máy chưa cài LibreOffice để đọc tệp {suffix}; hãy cài 'apt-get install libreoffice-writer-nogui' "
                 "(hoặc mở tệp bằng Word/LibreOffice và lưu lại dưới dạng .docx) rồi nạp lại")


def libreoffice_binary() -> str | None:
    """The `soffice` (or `libreoffice`) program, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path, data: bytes) -> bytes:
    """The .docx that LibreOffice makes of `data` (a .doc, .rtf or .odt named `path`)."""
    binary = libreoffice_binary()
    suffix = path.suffix.lower()
    if binary is None:
        raise UnreadableReportError(path, NOT_INSTALLED.format(suffix=suffix))
    with tempfile.TemporaryDirectory(prefix="baocao-office-") as folder:
        work = Path(folder)
        source = work / f"input{suffix}"
        source.write_bytes(data)
        profile = (work / "profile").as_uri()
        command = [binary, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"), str(source)]
        try:
            completed = subprocess.run(command, capture_output=True, timeout=CONVERSION_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise UnreadableReportError(
                path, f"LibreOffice chuyển tệp {suffix} quá {CONVERSION_TIMEOUT_S} giây; hãy mở tệp và lưu lại "
                      "dưới dạng .docx rồi nạp lại") from None
        result = work / "out" / "input.docx"
        if completed.returncode != 0 or not result.exists():
            detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
            raise UnreadableReportError(
                path, f"LibreOffice không chuyển được tệp {suffix} (tệp hỏng hoặc không đúng định dạng"
                      f"{': ' + detail[-1][:120] if detail else ''}); hãy mở tệp và lưu lại dưới dạng .docx rồi nạp lại")
        return result.read_bytes()


def read_office_document(path: Path, data: bytes):  # noqa: ANN201 - readers.RawDocument (import cycle)
    """A .doc, .rtf or .odt read as the .docx LibreOffice makes of it."""
    from ingest.readers import read_docx

    return read_docx(path, convert_to_docx(path, data))
