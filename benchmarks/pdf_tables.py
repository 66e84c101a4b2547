"""Tables in text-layer PDFs: which detector finds them, and what it costs.

    python benchmarks/pdf_tables.py              # strategies compared on generated PDFs
    python benchmarks/pdf_tables.py --pipeline   # + rows as chunks through ingest (read_pdf)

The PDFs are drawn like the suite's (tests/real_world_documents.write_table_pdf): a sample report in
DejaVu Sans with a captioned table of figures after one paragraph, in the layouts an office produces:
a full grid, a two-row header with a merged cell, cells wrapped over lines, horizontal rules only, no
rules at all, a table running over a page break, and a Word table (style "Table Grid") exported to PDF
by LibreOffice. Every strategy reads every page:

- plumber-lines: pdfplumber's `find_tables()` with its default settings (cells from ruling lines
  and rectangles);
- plumber-text: pdfplumber with the "text" strategy both ways (columns and rows from text alignment);
- plumber-text-columns: rows from ruling lines, columns from text alignment;
- pypdf-layout: pypdf's `extract_text(extraction_mode="layout")`, lines cut into cells at runs of two
  or more spaces, three or more consecutive lines with the same number (two or more) of cells.

Rows found: the share of the tables' body rows found exactly (cells whitespace-normalised) as a row of
a table the strategy returned. False tables: tables returned on the PDFs of the five sample reports
(`documents.write_pdf`, prose only, none has a table). ms/page: wall time per page, this machine.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import ALL_REPORTS, TINH_AN, report_path  # noqa: E402
from documents import write_docx, write_pdf  # noqa: E402
from real_world_documents import write_table_pdf  # noqa: E402

CAPTION = "Biểu 1. Kết quả giải quyết thủ tục hành chính năm 2024 theo lĩnh vực:"
HEADER = ["STT", "Lĩnh vực", "Hồ sơ tiếp nhận", "Giải quyết đúng hạn"]
BODY = [["1", "Đất đai", "286", "271"], ["2", "Hộ tịch", "1.342", "1.339"], ["3", "Chứng thực", "2.015", "2.009"]]
WRAPPED = [["1", "Đất đai, tài nguyên và môi trường cấp xã", "286", "271"],
           ["2", "Hộ tịch, chứng thực bản sao từ bản chính", "1.342", "1.339"],
           ["3", "Đăng ký hộ kinh doanh và hợp tác xã", "95", "95"]]
LONG = [[str(i), f"Thủ tục số {i}", str(100 + 7 * i), str(90 + 7 * i)] for i in range(1, 81)]

Rows = list[list[str]]
Strategy = Callable[[bytes], tuple[list[Rows], int]]


def fixtures(folder: Path) -> list[tuple[str, Path, Rows]]:
    """(name, PDF, expected body rows) for every layout."""
    text = report_path(TINH_AN)
    made = []
    for name, rows, options in (
        ("grid", [HEADER, *BODY], {}),
        ("merged header", [["STT", "Lĩnh vực", "Kết quả", None], ["", "", "Tiếp nhận", "Đúng hạn"], *BODY],
         {"heading_rows": 2}),
        ("wrapped cells", [HEADER, *WRAPPED], {"col_widths": (10, 40, 25, 25)}),
        ("horizontal rules", [HEADER, *BODY], {"borders": "HORIZONTAL_LINES"}),
        ("no rules", [HEADER, *BODY], {"borders": "NONE"}),
        ("over a page break", [HEADER, *LONG], {}),
    ):
        path = write_table_pdf(text, folder / f"{name}.pdf", "2.1.", CAPTION, rows, **options)
        made.append((name, path, [r for r in rows[options.get("heading_rows", 1):]]))
    exported = libreoffice_table_pdf(text, folder)
    if exported is not None:
        made.append(("Word table via LibreOffice", exported, BODY))
    return made


def libreoffice_table_pdf(text: Path, folder: Path) -> Path | None:
    import subprocess

    import docx

    from ingest.office import libreoffice_binary

    if libreoffice_binary() is None:
        return None
    document = docx.Document()
    for paragraph in text.read_text(encoding="utf-8").split("\n\n"):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        document.add_paragraph(paragraph)
        if paragraph.startswith("2.1."):
            document.add_paragraph(CAPTION)
            table = document.add_table(rows=0, cols=4, style="Table Grid")
            for row in [HEADER, *BODY]:
                for cell, value in zip(table.add_row().cells, row):
                    cell.text = value
    source = folder / "word.docx"
    document.save(source)
    subprocess.run([libreoffice_binary(), f"-env:UserInstallation={(folder / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), str(source)], check=True,
                   capture_output=True, timeout=180)
    return folder / "word.pdf"


def _clean(rows: list[list[str | None]]) -> Rows:
    return [[" ".join((cell or "").split()) for cell in row] for row in rows]


def plumber(settings: dict | None) -> Strategy:
    def run(data: bytes) -> tuple[list[Rows], int]:
        import io

        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            tables = [_clean(t.extract()) for page in pdf.pages for t in page.find_tables(settings or {})]
            return tables, len(pdf.pages)
    return run


def pypdf_layout(data: bytes) -> tuple[list[Rows], int]:
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    tables: list[Rows] = []
    for page in reader.pages:
        run: Rows = []
        for line in page.extract_text(extraction_mode="layout").split("\n") + [""]:
            cells = [c for c in re.split(r"\s{2,}", line.strip()) if c]
            if len(cells) >= 2 and (not run or len(cells) == len(run[-1])):
                run.append(cells)
                continue
            if len(run) >= 3:
                tables.append(run)
            run = [cells] if len(cells) >= 2 else []
    return tables, len(reader.pages)


def pipeline(data: bytes, folder: Path) -> tuple[list[Rows], int]:
    """The rows that ingest made chunks of (read_pdf + structure + chunker), as cell lists."""
    from ingest import SectionChunker, parse_report

    path = folder / "pipeline.pdf"
    path.write_bytes(data)
    rows = []
    for chunk in SectionChunker().chunk(parse_report(path)):
        for line in chunk.text.split("\n"):
            if "; " in line and ": " in line:
                rows.append([field.split(": ", 1)[-1] for field in line.split("; ")])
    return [rows], 0


STRATEGIES: dict[str, Strategy] = {
    "plumber-lines": plumber(None),
    "plumber-text": plumber({"vertical_strategy": "text", "horizontal_strategy": "text"}),
    "plumber-text-columns": plumber({"vertical_strategy": "text", "horizontal_strategy": "lines"}),
    "pypdf-layout": pypdf_layout,
}


def found_share(tables: list[Rows], expected: Rows) -> tuple[int, int]:
    seen = {tuple(row) for table in tables for row in table}
    # A row read with its empty cells dropped still counts (pypdf-layout cannot see empty cells).
    seen |= {tuple(c for c in row if c) for row in seen}
    want = [tuple(" ".join(c.split()) for c in row if c) for row in expected]
    return sum(row in seen for row in want), len(want)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline", action="store_true", help="also count the rows ingest turns into chunks")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cases = fixtures(folder)
        prose = [write_pdf(report_path(r), folder / f"{r}.pdf") for r in ALL_REPORTS]
        strategies = dict(STRATEGIES)
        if args.pipeline:
            strategies["ingest (read_pdf)"] = lambda data: pipeline(data, folder)
        names = [n for n, _, _ in cases]
        print("| strategy | " + " | ".join(names) + " | false tables (5 prose PDFs) | ms/page |")
        print("|---" * (len(names) + 3) + "|")
        for label, strategy in strategies.items():
            cells, pages, elapsed = [], 0, 0.0
            for _, path, expected in cases:
                start = time.perf_counter()
                tables, count = strategy(path.read_bytes())
                elapsed += time.perf_counter() - start
                pages += count
                hit, total = found_share(tables, expected)
                cells.append(f"{hit}/{total}")
            false_tables = 0
            for path in prose:
                start = time.perf_counter()
                tables, count = strategy(path.read_bytes())
                elapsed += time.perf_counter() - start
                pages += count
                false_tables += len([t for t in tables if t and t != [[]]]) if label != "ingest (read_pdf)" else 0
            per_page = f"{1000 * elapsed / pages:.0f}" if pages else "-"
            print(f"| {label} | " + " | ".join(cells) + f" | {false_tables} | {per_page} |")


if __name__ == "__main__":
    main()
