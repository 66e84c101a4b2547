"""Builders of .docx and .pdf fixtures from the sample texts (the tests make them; none is committed)."""

from __future__ import annotations

from pathlib import Path

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def paragraphs_of(text_path: Path) -> list[str]:
    text = text_path.read_text(encoding="utf-8")
    return [" ".join(block.split("\n")).strip() for block in text.split("\n\n") if block.strip()]


def write_docx(text_path: Path, out: Path, table_after: str | None = None,
               table_rows: list[tuple[str, str]] | None = None) -> Path:
    """One Word paragraph per text paragraph; optionally a table right after the paragraph starting `table_after`."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs_of(text_path):
        document.add_paragraph(paragraph)
        if table_after and table_rows and paragraph.startswith(table_after):
            table = document.add_table(rows=0, cols=2)
            for left, right in table_rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = left, right
    document.save(out)
    return out


def new_pdf(size: int = 11):
    """An A4 fpdf2 document on its first page, in DejaVu Sans (covers Vietnamese) of `size` points."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.add_font("DejaVu", "", str(DEJAVU))
    pdf.set_font("DejaVu", size=size)
    return pdf


def write_pdf(text_path: Path, out: Path, password: str | None = None) -> Path:
    """A text-layer PDF in DejaVu Sans (covers Vietnamese), paragraphs spaced as a word processor would."""
    pdf = new_pdf()
    for paragraph in paragraphs_of(text_path):
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    if password:
        pdf.set_encryption(owner_password=password, user_password=password)
    pdf.output(str(out))
    return out


def write_scanned_pdf(out: Path) -> Path:
    """A PDF whose page holds only drawn shapes: what a scan without OCR looks like to a text reader."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for row in range(20):
        pdf.rect(20, 20 + row * 12, 170, 6, style="F")
    pdf.output(str(out))
    return out
