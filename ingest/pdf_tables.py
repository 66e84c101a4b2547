"""Tables in the text layer of a PDF: found by their ruling lines, read cell by cell.

A PDF has no tables, only text placed on a page and lines drawn around it; read line by line, the
row "1 | Đất đai | 286 | 271" comes out as "1Đất đai286271", and a cell wrapped over two lines is cut
in two. pdfplumber (on pdfminer.six) rebuilds the cells from the ruling lines and rectangles and
reads the text inside each one, merged cells included. Chosen over pypdf's layout text, cut into
columns at runs of spaces, by benchmarks/pdf_tables.py: both find every row of a gridded table (a Word
"Biểu" exported to PDF, a merged header, a table over a page break), but only the ruling lines keep a
wrapped cell whole; pdfplumber's text-alignment strategy took prose for 62 tables in five reports.
What it cannot see: a table drawn without vertical rules, which stays text (see RESULTS.md).

Only pages whose content draws rectangles or lines are opened by pdfplumber (it is about three times
slower than pypdf per page), so a report in prose costs nothing more.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

MIN_ROWS = 2
MIN_COLUMNS = 2
"""A frame around a paragraph (one cell) or a single rule is not a table of figures."""
_DRAWS_LINES = re.compile(rb"\d\s+(?:re|l)\s")
"""The content-stream operators that draw a rectangle or a line segment."""


@dataclass(frozen=True)
class PdfTable:
    """One table of a page: its vertical extent in PDF user space (origin at the bottom, so `top`
    is the larger y) and its rows of cells, a merged cell written once and followed by empty cells."""

    page: int
    top: float
    bottom: float
    rows: tuple[tuple[str, ...], ...]

    def holds(self, y: float, tolerance: float = 1.0) -> bool:
        """Whether a text line with its baseline at `y` lies inside the table."""
        return self.bottom - tolerance <= y <= self.top + tolerance

    def pipe_text(self) -> str:
        """The table as Markdown pipe rows, as readers.read_docx writes a Word table: "|" in a cell
        escaped, a cell's line breaks as "<br>", so that the structure step reads it the same way."""
        return "\n".join(
            "| " + " | ".join(cell.replace("|", "\\|").replace("\n", "<br>") for cell in row) + " |"
            for row in self.rows
        )


def pages_drawing_lines(page_contents: dict[int, bytes]) -> list[int]:
    """The pages (0-based) whose content stream draws rectangles or lines: the only ones where a
    ruled table can be."""
    return [page for page, content in page_contents.items() if _DRAWS_LINES.search(content)]


def find_tables(data: bytes, pages: list[int]) -> dict[int, list[PdfTable]]:
    """The ruled tables of the given pages (0-based) of the PDF `data`, top to bottom, by page."""
    if not pages:
        return {}
    import pdfplumber

    found: dict[int, list[PdfTable]] = {}
    with pdfplumber.open(io.BytesIO(data), pages=[page + 1 for page in pages]) as pdf:
        for page_no, page in zip(pages, pdf.pages):
            base = float(page.mediabox[1]) + float(page.height)
            tables = []
            for table in page.find_tables():
                rows = tuple(
                    tuple((cell or "").strip() for cell in row) for row in table.extract()
                )
                rows = tuple(row for row in rows if any(row))
                if len(rows) < MIN_ROWS or max(len(row) for row in rows) < MIN_COLUMNS:
                    continue
                if sum(1 for row in rows for cell in row if cell) < MIN_ROWS * MIN_COLUMNS:
                    continue
                x0, top, x1, bottom = table.bbox
                tables.append(PdfTable(page_no, base - top, base - bottom, rows))
            if tables:
                found[page_no] = sorted(tables, key=lambda t: -t.top)
    return found
