"""Tables of figures as rows a question can be answered from: "Lĩnh vực: Đất đai; Hồ sơ tiếp nhận: 286".

The figures leaders ask about often sit in tables ("Phụ lục số liệu", "Biểu"). A row flattened to
"Đất đai | 286 | 271" loses what each figure is; written with its column headers it says it, to the
embedding, to BM25 and to the reader of a citation. A TABLE block (ingest/structure.py: one row a
line, cells joined by " | ", from .docx, PDF and Markdown tables alike) is read here as a header and
body rows.

The header is the run of leading rows that hold no figure (at most `MAX_HEADER_ROWS`): the column
labels of a two-level header ("Kết quả" over "Tiếp nhận" and "Giải quyết") are joined with " - ",
a group label spanning columns (written once, then empty cells) reaching the columns under it. A
table whose first row already holds figures has no header, and its rows stay "a | b | c".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CELL_SEPARATOR = " | "
FIELD_SEPARATOR = "; "
MAX_HEADER_ROWS = 3
# A figure: digits with the Vietnamese group and decimal marks, a ratio, a percentage ("7.986",
# "99,5%", "96/139", "-3,2").
_FIGURE = re.compile(r"^[-+−]?\d[\d.,]*(?:\s*%|/\d[\d.,]*)?$")
# A row as `row_text` writes it: at least two "label: value" fields separated by "; ".
_ROW_LINE = re.compile(r"^[^;:\n]{1,160}: [^;\n]*(?:; [^;:\n]{1,160}: [^;\n]*)+$")


@dataclass(frozen=True)
class Table:
    """A table's column labels ("" where unknown; empty when it has no header) and body rows."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def parse_table(text: str) -> Table:
    """A TABLE block's text (one row a line, cells joined by " | ") as header and body rows."""
    grid = [tuple(cell.strip() for cell in line.split(CELL_SEPARATOR.strip()))
            for line in text.split("\n") if line.strip()]
    header_rows = 0
    while header_rows < min(MAX_HEADER_ROWS, len(grid) - 1) and not _has_figure(grid[header_rows]):
        header_rows += 1
    if header_rows == 0:
        return Table((), tuple(grid))
    return Table(_column_labels(grid[:header_rows]), tuple(grid[header_rows:]))


def _has_figure(row: tuple[str, ...]) -> bool:
    return any(_FIGURE.match(cell) for cell in row)


def _column_labels(header_rows: list[tuple[str, ...]]) -> tuple[str, ...]:
    width = max(len(row) for row in header_rows)
    labels: list[list[str]] = [[] for _ in range(width)]
    for level, row in enumerate(header_rows):
        below = header_rows[level + 1:]
        group = ""
        for column in range(width):
            cell = row[column] if column < len(row) else ""
            if cell:
                group = cell
            elif group and any(column < len(lower) and lower[column] for lower in below):
                cell = group  # a label spanning the columns of the row below
            if cell and cell not in labels[column]:
                labels[column].append(cell)
    return tuple(" - ".join(parts) for parts in labels)


def row_text(table: Table, row: tuple[str, ...]) -> str:
    """"Lĩnh vực: Đất đai; Hồ sơ tiếp nhận: 286; Giải quyết đúng hạn: 271": each non-empty cell
    with its column label; cells without a label as they are; "a | b" rows when there is no header."""
    if not table.header:
        return CELL_SEPARATOR.join(cell for cell in row if cell)
    fields = []
    for column, cell in enumerate(row):
        if not cell:
            continue
        label = table.header[column] if column < len(table.header) else ""
        fields.append(f"{label}: {cell}" if label and label != cell else cell)
    return FIELD_SEPARATOR.join(fields)


def table_rows_text(text: str) -> list[str]:
    """Every body row of a TABLE block as `row_text`."""
    table = parse_table(text)
    return [line for line in (row_text(table, row) for row in table.rows) if line]


def is_row_line(line: str) -> bool:
    """Whether `line` is a table row as `row_text` writes it (a sentence of its own: its "; " do not
    end sentences)."""
    return bool(_ROW_LINE.match(line))
