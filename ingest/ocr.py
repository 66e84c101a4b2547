"""OCR of scanned PDF pages: PDFium renders each page, Tesseract with its Vietnamese model reads it.

Why these components. Tesseract 5 with Debian's `tesseract-ocr-vie` model is the OCR engine an
office can install offline from its distribution; on the sample reports drawn and scanned at 200 dpi
it keeps the diacritics (character accuracy in benchmarks/RESULTS.md, `benchmarks/ocr_accuracy.py`).
Pages are rendered by `pypdfium2` (PDFium in a wheel: no poppler or ghostscript to install).

Why Tesseract is called directly rather than through pytesseract or ocrmypdf. Tesseract's OpenMP
threads cost far more than they give on small machines: on the 2-core test machine a page takes
6.5 s with its default threads and 1.4 s with `OMP_THREAD_LIMIT=1`. Setting that variable for the
child alone, feeding the image on stdin and bounding each page with a timeout is one
`subprocess.run`; pytesseract offers no way to give the child its environment (only by changing the
whole process's), and writes every image to a temporary file. ocrmypdf rebuilds the whole PDF with
an OCR layer (pikepdf, ghostscript for some inputs), which we would then have to parse back with
pypdf; we only need the text. Pages are read in parallel, one single-threaded Tesseract per core.

Resolution. A scan's image already has its own resolution (200-300 dpi from office scanners); pages
are rendered at 200 dpi. Measured on two pages of a sample report scanned at 200 dpi (tilt, blur,
speckles), `python benchmarks/ocr_accuracy.py --dpi 150 200 300 --pages 2`, 2 shared cores: 150 dpi
0.9993 character accuracy, 3.5 s/page; 200 dpi 0.9985, 3.8 s/page; 300 dpi 0.9972, 5.4 s/page.
Upsampling past the scan's own resolution costs time and gains nothing; 200 keeps the detail of
small print on scans finer than 150 dpi. The text that comes out is raw: paragraphs separated by blank lines, lines
wrapped as on the page. It goes through the same normalisation and repair as any other text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

OCR_DPI = 200
"""Resolution pages are rendered at for Tesseract (see the module docstring)."""
OCR_LANGUAGE = "vie"
PAGE_TIMEOUT_S = 120
"""A page that takes longer is not a page of text (a huge poster, a damaged image)."""
PROGRESS_MIN_PAGES = 3
"""Scans of at least this many pages show a progress bar per page."""
OCR_NOTE = "văn bản nhận dạng từ ảnh quét"
"""What citations of OCR text say about it: the figures may carry recognition errors."""

_PAGE_NUMBER = re.compile(r"^[-–\s]*\d{1,4}[-–\s]*$")


class OcrUnavailableError(RuntimeError):
    """Tesseract or its Vietnamese model is missing; the message says how to install them."""


def ocr_available() -> str | None:
    """None when Tesseract and its Vietnamese model are installed, else what to install (Vietnamese)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return ("máy chưa cài Tesseract để nhận dạng chữ (OCR) trong bản scan; hãy cài "
                "'apt-get install tesseract-ocr tesseract-ocr-vie' rồi nạp lại")
    try:
        languages = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        languages = ""
    if OCR_LANGUAGE not in languages.split():
        return ("Tesseract chưa có dữ liệu tiếng Việt để nhận dạng bản scan; hãy cài "
                "'apt-get install tesseract-ocr-vie' rồi nạp lại")
    return None


def ocr_pdf_pages(data: bytes, pages: Sequence[int], *, dpi: int = OCR_DPI, label: str = "",
                  workers: int | None = None) -> dict[int, str]:
    """The OCR text of the given pages (0-based) of the PDF in `data`, keyed by page.

    Raises `OcrUnavailableError` when Tesseract or its model is missing. Pages are rendered one at a
    time (an A4 page at 300 dpi is ~9 MB of grey pixels) and read by `workers` Tesseract processes.
    """
    missing = ocr_available()
    if missing:
        raise OcrUnavailableError(missing)
    import pypdfium2
    from tqdm import tqdm

    document = pypdfium2.PdfDocument(data)
    workers = workers or max(1, min(os.cpu_count() or 1, len(pages)))
    results: dict[int, str] = {}
    bar = tqdm(total=len(pages), desc=f"OCR {label}".strip(), unit="trang", leave=False,
               disable=True if len(pages) < PROGRESS_MIN_PAGES else None)
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending = []
            for page in pages:
                png = _render_png(document, page, dpi)
                pending.append((page, pool.submit(ocr_image, png)))
                # Keep at most `workers` rendered pages waiting, so memory stays bounded on long scans.
                while sum(not future.done() for _, future in pending) > workers:
                    _collect(pending, results, bar, block=True)
            while pending:
                _collect(pending, results, bar, block=True)
    finally:
        bar.close()
        document.close()
    return results


def _collect(pending: list, results: dict[int, str], bar, block: bool) -> None:
    page, future = pending.pop(0)
    results[page] = future.result()
    bar.update(1)


def _render_png(document, page: int, dpi: int) -> bytes:
    import io

    image = document[page].render(scale=dpi / 72, grayscale=True).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def ocr_image(png: bytes, language: str = OCR_LANGUAGE) -> str:
    """Tesseract's text for one page image (PNG bytes), single-threaded (see the module docstring)."""
    environment = dict(os.environ, OMP_THREAD_LIMIT="1")
    completed = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", language, "--psm", "3"],
        input=png, capture_output=True, env=environment, timeout=PAGE_TIMEOUT_S, check=False,
    )
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"Tesseract lỗi: {message[-1] if message else completed.returncode}")
    return completed.stdout.decode("utf-8", "replace")


def page_paragraphs(text: str) -> list[str]:
    """OCR text of one page as paragraphs (blank-line separated blocks, lines as wrapped on the page),
    without the page number that a scanned page carries at its top or bottom."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.replace("\f", "\n")) if block.strip()]
    while blocks and _PAGE_NUMBER.match(blocks[0]):
        blocks.pop(0)
    while blocks and _PAGE_NUMBER.match(blocks[-1]):
        blocks.pop()
    return blocks
