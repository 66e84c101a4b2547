"""Builders of the real-world fixtures of issue 13: scans, legacy-font Word files, tables.

None is committed: the tests (and benchmarks/ocr_accuracy.py) draw them from the sample texts, so a
fixture and the text it came from can always be compared.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from documents import new_pdf, paragraphs_of

SCAN_DPI = 200
"""Office scanners' default resolution for documents; the scan is an image at this resolution."""


def write_scanned_text_pdf(text_path: Path | None, out: Path, *, paragraphs: list[str] | None = None,
                           dpi: int = SCAN_DPI, max_pages: int | None = None, noise: bool = True,
                           seed: int = 13) -> Path:
    """A PDF of page images only (no text layer), as a scanner makes it: the text is laid out with
    DejaVu Sans like `documents.write_pdf`, each page rasterised at `dpi`, given a slight tilt and
    speckles (`noise`), and placed back as the page's only content."""
    import pypdfium2
    from fpdf import FPDF
    from PIL import Image, ImageFilter

    texts = paragraphs if paragraphs is not None else paragraphs_of(text_path)
    source = new_pdf(size=12)
    for paragraph in texts:
        source.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        source.ln(4)
        if max_pages is not None and source.page > max_pages:
            break
    document = pypdfium2.PdfDocument(bytes(source.output()))
    rng = random.Random(seed)
    scan = FPDF(format="A4", unit="mm")
    for index in range(len(document) if max_pages is None else min(max_pages, len(document))):
        image = document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if noise:
            image = image.rotate(rng.uniform(-0.6, 0.6), resample=Image.BICUBIC, fillcolor=255)
            image = image.filter(ImageFilter.GaussianBlur(0.5))
            pixels = image.load()
            width, height = image.size
            for _ in range(width * height // 2000):
                pixels[rng.randrange(width), rng.randrange(height)] = rng.randrange(0, 120)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        scan.add_page()
        scan.image(buffer, x=0, y=0, w=210, h=297)
    document.close()
    scan.output(str(out))
    return out


def write_legacy_docx(text_path: Path, out: Path, encoding: str) -> Path:
    """The sample text as an office typed it before Unicode: every paragraph in a TCVN3 font
    (`.VnTime`, and `.VnTimeH` for paragraphs in capitals, the only way VN3 writes toned capitals)
    or a VNI font (`VNI-Times`), the characters being what Word stores for those fonts."""
    import docx

    from ingest.legacy_encodings import encode_tcvn3, encode_vni

    import itertools

    document = docx.Document()
    for paragraph in paragraphs_of(text_path):
        container = document.add_paragraph()
        if encoding == "vni":
            container.add_run(encode_vni(paragraph)).font.name = "VNI-Times"
        elif paragraph.upper() == paragraph:
            container.add_run(encode_tcvn3(paragraph)).font.name = ".VnTimeH"
        else:  # a toned capital inside running text ("Ủy") is typed in the capitals font
            for capital, chars in itertools.groupby(paragraph, key=lambda ch: ch.isupper() and not ch.isascii()):
                run = container.add_run(encode_tcvn3("".join(chars)))
                run.font.name = ".VnTimeH" if capital else ".VnTime"
    document.save(out)
    return out


def write_table_docx(text_path: Path, out: Path, after: str, caption: str,
                     rows: list[list[str]]) -> Path:
    """The sample text as .docx with a captioned table (first row: header) after the paragraph
    starting with `after`."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs_of(text_path):
        document.add_paragraph(paragraph)
        if paragraph.startswith(after):
            document.add_paragraph(caption)
            table = document.add_table(rows=0, cols=len(rows[0]))
            for row in rows:
                for cell, text in zip(table.add_row().cells, row):
                    cell.text = text
    document.save(out)
    return out


def convert_with_libreoffice(source: Path, suffix: str, out_dir: Path) -> Path:
    """`source` (.docx) saved by LibreOffice as .doc, .odt or .rtf."""
    import subprocess

    from ingest.office import libreoffice_binary

    filters = {".doc": "doc:MS Word 97", ".odt": "odt", ".rtf": "rtf"}
    profile = (out_dir / "lo-profile").as_uri()
    subprocess.run([libreoffice_binary(), f"-env:UserInstallation={profile}", "--headless", "--norestore",
                    "--convert-to", filters[suffix], "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=180)
    return out_dir / f"{source.stem}{suffix}"


def write_table_pdf(text_path: Path, out: Path, after: str, caption: str, rows: list[list[str | None]], *,
                    borders: str = "ALL", heading_rows: int = 1, col_widths: tuple[int, ...] | None = None) -> Path:
    """The sample text as a text-layer PDF (DejaVu Sans, like `documents.write_pdf`) with a captioned
    table after the paragraph starting with `after`, drawn by fpdf2's table: `borders` is its
    `borders_layout` ("ALL", "HORIZONTAL_LINES", "NONE" …), the first `heading_rows` rows are
    headings (repeated on a new page), and a None cell widens the cell before it (a merged cell)."""
    from fpdf.fonts import FontFace

    pdf = new_pdf()
    for paragraph in paragraphs_of(text_path):
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        if not paragraph.startswith(after):
            continue
        pdf.multi_cell(0, 6, caption, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        with pdf.table(borders_layout=borders, num_heading_rows=heading_rows, col_widths=col_widths,
                       headings_style=FontFace(), line_height=6, text_align="LEFT") as table:
            for cells in rows:
                row = table.row()
                for index, text in enumerate(cells):
                    if text is None:
                        continue
                    span = 1
                    while index + span < len(cells) and cells[index + span] is None:
                        span += 1
                    row.cell(text, colspan=span)
        pdf.ln(4)
    pdf.output(str(out))
    return out
