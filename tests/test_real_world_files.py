"""Issue 13: the files an office really has. Scans (OCR), .doc/.rtf/.odt, TCVN3/VNI text, tables.

Every fixture is generated here from a sample report (tests/real_world_documents.py), and each is
compared with the Unicode .docx or .txt it was made from: same chunks, or the differences named.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import QUANG_MINH, ROOT, TINH_AN, report_path
from documents import write_docx
from ingest import SectionChunker, UnreadableReportError, parse_report
from ingest.legacy_encodings import (
    decode_legacy_text, decode_tcvn3, decode_vni, encode_tcvn3, encode_vni, tcvn3_table, toned,
)
from ingest.ocr import OCR_NOTE, ocr_available
from ingest.office import libreoffice_binary
from ingest.tables import parse_table, row_text
from real_world_documents import (
    convert_with_libreoffice, write_legacy_docx, write_scanned_text_pdf, write_table_docx, write_table_pdf,
)

VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
UNICODE_CORPORA = sorted((ROOT / "data" / "reports").glob("*.txt")) + sorted((ROOT / "data" / "corpus-dev").glob("*.md"))
needs_libreoffice = pytest.mark.skipif(libreoffice_binary() is None, reason="LibreOffice is installed by .ci/run")
needs_tesseract = pytest.mark.skipif(ocr_available() is not None, reason="Tesseract (vie) is installed by .ci/run")

TABLE_CAPTION = "Biểu 1. Kết quả giải quyết thủ tục hành chính năm 2024 theo lĩnh vực:"
TABLE_ROWS = [
    ["STT", "Lĩnh vực", "Hồ sơ tiếp nhận", "Giải quyết đúng hạn"],
    ["1", "Đất đai", "286", "271"],
    ["2", "Hộ tịch", "1.342", "1.339"],
    ["3", "Chứng thực", "2.015", "2.009"],
]


def chunk_texts(path: Path) -> list[str]:
    return [chunk.text for chunk in SectionChunker().chunk(parse_report(path))]


# --- legacy encodings: the tables, letter by letter ------------------------------------------------------

@pytest.mark.parametrize("vowel", VOWELS + ("đ",))
def test_every_letter_with_every_tone_round_trips_through_tcvn3_and_vni(vowel):
    for tone in range(1 if vowel == "đ" else 6):
        for letter in (toned(vowel, tone), toned(vowel, tone).upper()):
            assert decode_vni(encode_vni(letter)) == letter, letter
            assert decode_tcvn3(encode_tcvn3(letter), capitals=letter.isupper()) == letter, letter


def test_tcvn3_table_agrees_with_glibc_and_known_words():
    if shutil.which("iconv"):  # glibc's TCVN5712-1 (VN1) has VN3's lower-case letters at the same codes
        for char, letter in tcvn3_table().items():
            glibc = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=char.encode("latin-1"),
                                   capture_output=True, check=True).stdout.decode()
            assert glibc == letter, (hex(ord(char)), glibc, letter)
    assert decode_tcvn3("B¸o c¸o kÕt qu¶ TØnh ViÖt Nam ng\u00adêi d©n") == "Báo cáo kết quả Tỉnh Việt Nam người dân"
    assert decode_tcvn3("B¸O C¸O", capitals=True) == "BÁO CÁO"
    assert decode_vni("Baùo caùo keát quaû Thaønh phoá Ñaø Naüng ngöôøi daân") == \
        "Báo cáo kết quả Thành phố Đà Nẵng người dân"


def test_detector_never_converts_a_unicode_file():
    """False positives on the Unicode corpora: none may be taken for legacy text."""
    assert len(UNICODE_CORPORA) >= 15
    for path in UNICODE_CORPORA:
        guess = decode_legacy_text(path.read_bytes())
        assert guess.encoding == "unicode" and guess.text == path.read_bytes().decode("utf-8-sig"), path.name


def test_detector_finds_tcvn3_and_vni_and_refuses_when_unsure():
    for path in UNICODE_CORPORA:
        text = path.read_text(encoding="utf-8")
        assert decode_legacy_text(encode_tcvn3(text).encode("cp1252", "replace")).encoding == "tcvn3", path.name
        vni = decode_legacy_text(encode_vni(text).encode("cp1252", "replace"))
        assert vni.encoding == "vni", path.name
        assert decode_legacy_text(encode_vni(text).encode("utf-8")).encoding == "vni"  # VNI saved as UTF-8
    short = encode_tcvn3("Báo cáo kết quả năm 2024").encode("cp1252")
    assert decode_legacy_text(short).encoding is None  # too few words to be sure
    french = ("Le préfet a présenté à l'assemblée générale le rapport annuel de l'élève. " * 20).encode("cp1252")
    assert decode_legacy_text(french).encoding is None


# --- legacy encodings: whole reports -------------------------------------------------------------------------

def test_tcvn3_and_vni_text_files_ingest_to_the_chunks_of_the_unicode_file(tmp_path):
    source = report_path(TINH_AN)
    unicode_chunks = chunk_texts(source)
    text = source.read_text(encoding="utf-8")
    vni = tmp_path / "vni.txt"
    vni.write_bytes(encode_vni(text).encode("cp1252"))
    assert chunk_texts(vni) == unicode_chunks
    tcvn3 = tmp_path / "tcvn3.txt"
    tcvn3.write_bytes(encode_tcvn3(text).encode("cp1252", "replace"))
    report = parse_report(tcvn3)
    assert report.metadata.source_encoding == "tcvn3"
    # VN3 has no toned capitals and a .txt has no font: a capital word is restored from its other
    # capitals, but a capitalised word whose first letter is toned ("Ủy") stays in lower case.
    differences = [(a, b) for a, b in zip(" ".join(unicode_chunks).split(), " ".join(chunk_texts(tcvn3)).split()) if a != b]
    assert all(a.lower() == b and a[0].isupper() and a[0] not in "ABCDEGHIKLMNOPQRSTUVXY" for a, b in differences), \
        differences[:10]


def test_docx_in_tcvn3_and_vni_fonts_reads_as_the_unicode_docx(tmp_path):
    source = report_path(QUANG_MINH)
    expected = chunk_texts(write_docx(source, tmp_path / "unicode.docx"))
    for encoding in ("tcvn3", "vni"):
        path = write_legacy_docx(source, tmp_path / f"{encoding}.docx", encoding)
        report = parse_report(path)
        assert report.metadata.source_encoding == encoding
        assert [c.text for c in SectionChunker().chunk(report)] == expected, encoding


# --- .doc, .odt, .rtf ---------------------------------------------------------------------------------------------

@needs_libreoffice
def test_doc_odt_rtf_ingest_to_the_chunks_of_the_docx(tmp_path):
    docx_path = write_table_docx(report_path(TINH_AN), tmp_path / "tinh-an.docx", "2.1.", TABLE_CAPTION, TABLE_ROWS)
    expected = chunk_texts(docx_path)
    for suffix in (".doc", ".odt", ".rtf"):
        converted = convert_with_libreoffice(docx_path, suffix, tmp_path / suffix[1:])
        got = chunk_texts(converted)
        assert got == expected, (suffix, list(difflib.unified_diff(expected, got, lineterm=""))[:20])


def test_office_file_without_libreoffice_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = tmp_path / "cu.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0 not really a doc")
    with pytest.raises(UnreadableReportError, match="chưa cài LibreOffice.*libreoffice-writer-nogui"):
        parse_report(path)


# --- OCR ----------------------------------------------------------------------------------------------------------

@needs_tesseract
def test_scanned_pdf_is_read_by_ocr_with_its_diacritics(tmp_path):
    source = report_path(TINH_AN)
    scan = write_scanned_text_pdf(source, tmp_path / "scan.pdf", max_pages=1)
    report = parse_report(scan)
    text_meta = parse_report(source).metadata
    assert report.metadata.ocr and not text_meta.ocr
    assert report.metadata.title == text_meta.title  # (the first page alone lacks the issuer that names "Tịnh An")
    chunks = SectionChunker().chunk(report)
    assert chunks and all(chunk.ocr for chunk in chunks)
    ocr_text = " ".join(chunk.text for chunk in chunks)
    assert ("I", "CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO") in [(str(s.path), s.title) for s in report.sections]
    for phrase in ("Ủy ban nhân dân xã Tỉnh An", "đổi mới và nâng cao hiệu quả"):
        assert phrase in ocr_text, phrase
    page_text = " ".join(" ".join(chunk_texts(source)).split()[: len(ocr_text.split())])
    accuracy = difflib.SequenceMatcher(None, page_text, ocr_text, autojunk=False).ratio()
    assert accuracy > 0.9, accuracy


def test_scan_without_tesseract_is_refused_with_what_to_install(tmp_path, monkeypatch):
    from documents import write_scanned_pdf

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(UnreadableReportError, match="PDF không có lớp văn bản.*tesseract-ocr-vie"):
        parse_report(write_scanned_pdf(tmp_path / "scan.pdf"))


# --- tables ---------------------------------------------------------------------------------------------------------

def test_table_header_and_rows():
    table = parse_table("STT | Lĩnh vực | Kết quả | \n |  | Tiếp nhận | Giải quyết\n1 | Đất đai | 286 | 271")
    assert table.header == ("STT", "Lĩnh vực", "Kết quả - Tiếp nhận", "Kết quả - Giải quyết")
    assert row_text(table, table.rows[0]) == "STT: 1; Lĩnh vực: Đất đai; Kết quả - Tiếp nhận: 286; Kết quả - Giải quyết: 271"
    assert parse_table("Đất đai | 286\nHộ tịch | 1.342").header == ()


def test_docx_table_becomes_row_chunks_with_caption(tmp_path):
    path = write_table_docx(report_path(TINH_AN), tmp_path / "tinh-an.docx", "2.1.", TABLE_CAPTION, TABLE_ROWS)
    chunks = [c for c in SectionChunker().chunk(parse_report(path)) if "Lĩnh vực: Đất đai" in c.text]
    assert len(chunks) == 1
    assert "Lĩnh vực: Đất đai; Hồ sơ tiếp nhận: 286; Giải quyết đúng hạn: 271" in chunks[0].text
    assert chunks[0].text.startswith(TABLE_CAPTION) or TABLE_CAPTION in chunks[0].text


def pdf_table_chunks(path: Path) -> list[str]:
    return [c.text for c in SectionChunker().chunk(parse_report(path)) if "Lĩnh vực: " in c.text]


def test_pdf_grid_table_becomes_row_chunks_with_caption(tmp_path):
    path = write_table_pdf(report_path(TINH_AN), tmp_path / "tinh-an.pdf", "2.1.", TABLE_CAPTION, TABLE_ROWS)
    chunks = pdf_table_chunks(path)
    assert len(chunks) == 1 and chunks[0].startswith(TABLE_CAPTION)
    for row in TABLE_ROWS[1:]:
        assert "; ".join(f"{label}: {cell}" for label, cell in zip(TABLE_ROWS[0], row)) in chunks[0]
    assert "1Đất đai286" not in "".join(chunk_texts(path))  # the row's text is not read again as a line


def test_pdf_table_with_merged_header_and_wrapped_cells(tmp_path):
    rows = [["STT", "Lĩnh vực", "Kết quả", None], ["", "", "Tiếp nhận", "Đúng hạn"],
            ["1", "Đất đai, tài nguyên và môi trường cấp xã", "286", "271"], ["2", "Hộ tịch", "1.342", "1.339"]]
    path = write_table_pdf(report_path(TINH_AN), tmp_path / "tinh-an.pdf", "2.1.", TABLE_CAPTION, rows,
                           heading_rows=2, col_widths=(10, 40, 25, 25))
    chunks = pdf_table_chunks(path)
    assert ("STT: 1; Lĩnh vực: Đất đai, tài nguyên và môi trường cấp xã; Kết quả - Tiếp nhận: 286; "
            "Kết quả - Đúng hạn: 271") in chunks[0]


def test_pdf_table_over_a_page_break_keeps_its_header_on_both_pages(tmp_path):
    rows = [TABLE_ROWS[0]] + [[str(i), f"Thủ tục số {i}", str(100 + i), str(90 + i)] for i in range(1, 61)]
    path = write_table_pdf(report_path(TINH_AN), tmp_path / "tinh-an.pdf", "2.1.", TABLE_CAPTION, rows)
    text = "\n".join(pdf_table_chunks(path))
    for i in (1, 30, 60):
        assert f"STT: {i}; Lĩnh vực: Thủ tục số {i}; Hồ sơ tiếp nhận: {100 + i}; Giải quyết đúng hạn: {90 + i}" in text
    assert "Lĩnh vực: Lĩnh vực" not in text  # the header repeated on the next page is a header again


def test_pdf_in_prose_has_no_table(tmp_path):
    from documents import write_pdf
    from ingest.tables import is_row_line

    for report_id in (TINH_AN, QUANG_MINH):
        texts = chunk_texts(write_pdf(report_path(report_id), tmp_path / f"{report_id}.pdf"))
        assert not [line for text in texts for line in text.split("\n") if is_row_line(line)]


@pytest.mark.parametrize("form", ["docx", "markdown", "pdf"])
def test_question_about_a_table_cell_is_answered_and_cites_its_row(form, minilm_env, tmp_path):
    from rag import BaocaoService, BaocaoSettings

    folder = tmp_path / "reports"
    folder.mkdir()
    if form == "docx":
        write_table_docx(report_path(TINH_AN), folder / "tinh-an.docx", "2.1.", TABLE_CAPTION, TABLE_ROWS)
    elif form == "pdf":
        write_table_pdf(report_path(TINH_AN), folder / "tinh-an.pdf", "2.1.", TABLE_CAPTION, TABLE_ROWS)
    else:
        text = report_path(TINH_AN).read_text(encoding="utf-8")
        pipe = "\n".join("| " + " | ".join(row) + " |" for row in TABLE_ROWS[:1])
        pipe += "\n|---|---|---|---|\n" + "\n".join("| " + " | ".join(row) + " |" for row in TABLE_ROWS[1:])
        anchor = text.index("2.1. ")
        (folder / "tinh-an.md").write_text(f"{text[:anchor]}{TABLE_CAPTION}\n\n{pipe}\n\n{text[anchor:]}", encoding="utf-8")
    service = BaocaoService(BaocaoSettings(db=minilm_env))
    summary = service.ingest([folder], show_progress=False)
    assert not summary.failed, summary.failed
    answer = service.ask("Lĩnh vực đất đai ở xã Tịnh An tiếp nhận bao nhiêu hồ sơ thủ tục hành chính?")
    assert not answer.abstained, answer.answer
    assert "286" in answer.answer
    cited = [c for c in answer.citations if "286" in c.quote]
    assert cited and "Lĩnh vực: Đất đai" in cited[0].quote and cited[0].section
