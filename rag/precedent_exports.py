"""Precedent rows (and figure comparison rows) written out for staff: CSV and XLSX to analyse, DOCX for a memo.

Every format carries one row per report with its citation (title, place, date, section), so a memo
built from the DOCX can be checked against the reports. The CSV is UTF-8 with a byte-order mark,
because that is how Excel on Vietnamese Windows recognises UTF-8 (without it the diacritics break).
The CLI (`baocao precedents --export F`) and the app's export buttons both call `export`.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from rag.precedents import PrecedentResult

# (column title, row field) in the order staff read them; the same in every format.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Hạng", "rank"), ("Mức độ", "kind_label"), ("Điểm", "score"), ("Địa phương", "locality"), ("Cấp", "locality_level"),
    ("Tỉnh/thành", "province"), ("Loại văn bản", "document_type"), ("Kỳ báo cáo", "period"), ("Ngày", "date"),
    ("Tiêu đề", "title"), ("Mục", "section"), ("Tên mục", "section_title"), ("Câu trích", "quote"),
    ("Đoạn văn", "passage"), ("Trích dẫn", "citation"), ("Mã báo cáo", "report_id"),
)
FORMATS = (".csv", ".xlsx", ".docx")


class Table(Protocol):
    """What an export needs: a title, the column titles and the cells, row by row."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    citations: Sequence[str]


class PrecedentTable:
    def __init__(self, result: PrecedentResult) -> None:
        self.title = f"Tiền lệ: {result.topic or result.query}"
        self.headers = [title for title, _ in COLUMNS]
        listed = [*result.rows, *result.mentions]  # the passing mentions after, labelled "nhắc qua"
        self.rows = [[_cell(row, name, rank) for _, name in COLUMNS] for rank, row in enumerate(listed, 1)]
        self.citations = [row.citation() for row in listed]
        self.filters = result.filters.to_dict()


def _cell(row: Any, name: str, rank: int) -> Any:
    if name == "rank":
        return rank
    if name == "citation":
        return row.citation()
    value = getattr(row, name)
    return value


def export(table: PrecedentTable | Table, path: str | Path) -> Path:
    """Write `table` to `path` in the format its suffix names (.csv, .xlsx, .docx)."""
    path = Path(path)
    writers = {".csv": write_csv, ".xlsx": write_xlsx, ".docx": write_docx}
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"không xuất được tệp {path.name}: chỉ hỗ trợ {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer(table, path)
    return path


def write_csv(table: Table, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.headers)
        writer.writerows(table.rows)


def write_xlsx(table: Table, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Tiền lệ"
    sheet.append(list(table.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_plain(value) for value in row])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for column in sheet.columns:
        longest = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(8, longest + 2), 60)
        for cell in column[1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)


def write_docx(table: Table, path: Path) -> None:
    """A memo: a heading, then one numbered item per report (place, period, the quoted sentence) with
    its citation, then the table of places for a quick look."""
    from docx import Document

    document = Document()
    document.add_heading(table.title, level=1)
    headers = list(table.headers)
    place, period = headers.index("Địa phương"), headers.index("Kỳ báo cáo")
    # a figure row says its answer (or that it has no figure); a precedent row quotes its sentence
    quote = headers.index("Câu trả lời") if "Câu trả lời" in headers else headers.index("Câu trích")
    kind = headers.index("Mức độ") if "Mức độ" in headers else None
    if not table.rows:
        document.add_paragraph("Không có báo cáo nào khớp.")
    for n, (row, citation) in enumerate(zip(table.rows, table.citations), 1):
        lead = document.add_paragraph(style="List Number")
        lead.add_run(f"{row[place] or '(không rõ địa phương)'}").bold = True
        details = ", ".join(str(v) for v in (row[period], row[kind] if kind is not None else "") if v)
        if details:
            lead.add_run(f" ({details})")
        lead.add_run(f": “{row[quote]}”" if row[quote] else "")
        source = document.add_paragraph(f"Nguồn [{n}]: {citation}")
        source.paragraph_format.left_indent = document.styles["List Number"].paragraph_format.left_indent
    if table.rows:
        short = [h for h in ("Hạng", "Địa phương", "Cấp", "Kỳ báo cáo", "Mục", "Mức độ", "Giá trị", "Đơn vị")
                 if h in headers]
        grid = document.add_table(rows=1, cols=len(short))
        grid.style = "Table Grid"
        for cell, title in zip(grid.rows[0].cells, short):
            cell.text = title
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, title in zip(cells, short):
                cell.text = str(row[headers.index(title)])
    document.save(path)


def _plain(value: Any) -> Any:
    """A cell value openpyxl accepts: numbers as numbers, everything else as text."""
    return value if isinstance(value, (int, float)) else str(value or "")


FIGURE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Hạng", "rank"), ("Địa phương", "locality"), ("Tỉnh/thành", "province"), ("Loại văn bản", "document_type"),
    ("Kỳ báo cáo", "report_period"), ("Có số liệu", "found_label"), ("Giá trị", "value"), ("Đơn vị", "unit"),
    ("Kỳ của số liệu", "period"), ("Câu trả lời", "answer"), ("Câu trích", "quote"), ("Mục", "section"),
    ("Trích dẫn", "citation"), ("Mã báo cáo", "report_id"),
)


class FigureExportTable:
    """A figure comparison (rag/figure_table.py) in the shape the writers take."""

    def __init__(self, table) -> None:
        self.title = f"So sánh số liệu: {table.query}"
        self.headers = [title for title, _ in FIGURE_COLUMNS]
        self.rows = [[_figure_cell(row, name, rank) for _, name in FIGURE_COLUMNS]
                     for rank, row in enumerate(table.rows, 1)]
        self.citations = [row.citation or f"{row.title} ({row.locality}): không có số liệu" for row in table.rows]


def _figure_cell(row: Any, name: str, rank: int) -> Any:
    if name == "rank":
        return rank
    if name == "found_label":
        return "có" if row.found else "không"
    return getattr(row, name)
