"""Web pages converted to Markdown and other messy layouts: text repair, tables, header from any layout.

Small synthetic snippets of each shape the real files carry (see data/corpus-dev.README.md), then
the header fields of every corpus-dev document, read off the documents by hand.
"""

from pathlib import Path

import pytest

from ingest import BlockKind, parse_report
from ingest.document_form import DOCUMENT_TYPES, document_type_of_code, document_type_of_line
from ingest.metadata import issuer_of_header
from ingest.structure import paragraph_blocks, split_wrapped_lines

CORPUS_DEV = Path(__file__).resolve().parent.parent / "data" / "corpus-dev"

PIPE_HEADER = (
    "|\n**ỦY BAN NHÂN\nDÂN **\nTỈNH CÀ MAU\n-------\n|\n**CỘNG HÒA XÃ\nHỘI CHỦ NGHĨA VIỆT NAM**\n"
    "Độc lập - Tự do - Hạnh phúc\n---------------\n|\n|\nSố: 88/KH-UBND\n|\n"
    "*Cà Mau, ngày 24\ntháng 11 năm 2025*\n|\n\n** **\n\n**KẾ HOẠCH**\n\n"
    "TRIỂN KHAI CÔNG TÁC CHUYỂN ĐỔI SỐ TRÊN ĐỊA BÀN TỈNH CÀ MAU\nNĂM 2026\n\n"
)
SIGNATURE_TABLE = (
    "\n\n|\n*Nơi nhận:*\n- Văn phòng Chính phủ;\n- Lưu: VT.\n|\n**TM. ỦY BAN NHÂN\nDÂN**\nKT. CHỦ TỊCH\n"
    "**PHÓ CHỦ TỊCH**\n**Nguyễn Văn Bình**\n|\n\n** **\n"
)


def write(tmp_path, text, name="doc.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_report(path)


def texts(report, kind=BlockKind.TEXT):
    return [b.text for s in report.sections for b in s.blocks if b.kind is kind]


def test_pipe_table_header_with_emphasis_and_breaks_inside_fields(tmp_path):
    body = (
        "*Căn cứ Nghị quyết số\n57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công\n"
        "nghệ;*\n\n**I. MỤC\nĐÍCH, YÊU CẦU**\n\n1. Phát triển kinh tế số và xã hội\nsố là định hướng chiến lược.\n"
    )
    report = write(tmp_path, PIPE_HEADER + body + SIGNATURE_TABLE)
    meta = report.metadata
    assert (meta.so_hieu, meta.date, meta.document_type) == ("88/KH-UBND", "2025-11-24", "kế hoạch")
    assert meta.title == "TRIỂN KHAI CÔNG TÁC CHUYỂN ĐỔI SỐ TRÊN ĐỊA BÀN TỈNH CÀ MAU NĂM 2026"
    assert meta.issuer == "UBND tỉnh Cà Mau"
    assert (meta.signer, meta.signer_title) == ("Nguyễn Văn Bình", "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")
    assert meta.distribution == ["Văn phòng Chính phủ;", "Lưu: VT."]
    assert report.section("I").title == "MỤC ĐÍCH, YÊU CẦU"
    assert "Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, " \
           "công nghệ;" in texts(report)
    assert "Phát triển kinh tế số và xã hội số là định hướng chiến lược" in report.section("I.1").title
    everything = "\n".join(texts(report))
    assert "*" not in everything and "|" not in everything and "Nguyễn Văn Bình" not in everything


def test_hard_breaks_join_inside_sentences_but_items_stay_apart():
    assert split_wrapped_lines("Thời gian qua, tỉnh\nđã có nhiều nỗ lực trong\nviệc triển khai.") == [
        "Thời gian qua, tỉnh đã có nhiều nỗ lực trong việc triển khai."]
    assert split_wrapped_lines("phát triển kinh tế\n- xã hội của tỉnh.\n- Các sản phẩm trái cây:") == [
        "phát triển kinh tế - xã hội của tỉnh.", "- Các sản phẩm trái cây:"]
    assert split_wrapped_lines("**Điều 1. **Ban\nhành kèm theo Quyết định này.") == [
        "**Điều 1. **Ban hành kèm theo Quyết định này."]  # emphasis goes in normalize_text, not here
    assert [b.text for b in paragraph_blocks("**Điều 1.**\nThông qua phương án.")] == ["Điều 1. Thông qua phương án."]
    assert split_wrapped_lines("TM. ỦY BAN NHÂN\nDÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nMai Sơn") == [
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Mai Sơn"]
    assert split_wrapped_lines("**VII. CHẾ ĐỘ\nBÁO CÁO**".replace("**", "")) == ["VII. CHẾ ĐỘ BÁO CÁO"]


def test_flattened_table_is_one_table_block_with_a_row_a_line():
    raw = ("|\n**STT**\n|\n**Chỉ tiêu**\n|\n**Chủ trì**\n|\n|\n|\n**I. Kinh\ntế số**\n|\n|\n|\n1\n|\n"
           "Kinh tế số chiếm 45%\nGRDP tỉnh.\n|\nSở Tài chính\n|\n|\n2\n|\nTỷ lệ doanh nghiệp đạt 60%\n|\n"
           "Sở Khoa học và Công nghệ\n|")
    [block] = paragraph_blocks(raw)
    assert block.kind is BlockKind.TABLE
    assert block.text.split("\n") == [
        "STT | Chỉ tiêu | Chủ trì", "I. Kinh tế số", "1 | Kinh tế số chiếm 45% GRDP tỉnh. | Sở Tài chính",
        "2 | Tỷ lệ doanh nghiệp đạt 60% | Sở Khoa học và Công nghệ"]


def test_flattened_table_keeps_empty_cells_under_their_column():
    raw = ("|\nTT\n|\nSản phẩm\n|\n2026\n|\n2027\n|\n|\nTổng\n|\n|\n240.000\n|\n270.000\n|\n|\n1\n|\nXoài\n|\n"
           "13.500\n|\n14.800\n|")
    [block] = paragraph_blocks(raw)
    assert block.text.split("\n") == [
        "TT | Sản phẩm | 2026 | 2027", "Tổng |  | 240.000 | 270.000", "1 | Xoài | 13.500 | 14.800"]


def test_markdown_pipe_table_is_a_table_block(tmp_path):
    text = ("BÁO CÁO\n\nKết quả công tác quý I năm 2024\n\nI. KẾT QUẢ\n\nKết quả tiếp nhận hồ sơ như sau:\n\n"
            "| Lĩnh vực | Hồ sơ |\n|---|---:|\n| Đất đai | 120 |\n| Hộ tịch | 45 |\n")
    report = write(tmp_path, text)
    [table] = texts(report, BlockKind.TABLE)
    assert table == "Lĩnh vực | Hồ sơ\nĐất đai | 120\nHộ tịch | 45"
    assert [b.kind for b in report.section("I").blocks] == [BlockKind.TEXT, BlockKind.TABLE]


def test_bracket_footnote_follows_the_paragraph_citing_it(tmp_path):
    text = (PIPE_HEADER + "**I. TÌNH HÌNH**\n\nMưa lũ gây thiệt hại tại 40 xã, phường trên địa bàn tỉnh[1], là các"
            "\nđịa bàn bị ngập sâu.\n\nCông tác cứu trợ được triển khai kịp thời.\n" + SIGNATURE_TABLE
            + "\n\n[1] Xã\nPhú Mỡ, Phường Sông Cầu, Xã Ô Loan.")
    blocks = parse_report_blocks(write(tmp_path, text), "I")
    assert blocks[0].text.startswith("Mưa lũ gây thiệt hại") and "tỉnh[1], là các địa bàn bị ngập sâu." in blocks[0].text
    assert blocks[1].kind is BlockKind.FOOTNOTE and blocks[1].text == "[1] Xã Phú Mỡ, Phường Sông Cầu, Xã Ô Loan."
    assert blocks[2].text.startswith("Công tác cứu trợ")


def parse_report_blocks(report, path):
    return report.section(path).blocks


def test_numbered_list_without_citation_is_not_a_footnote(tmp_path):
    report = write(tmp_path, "BÁO CÁO\n\nDanh mục tài liệu\n\nI. TÀI LIỆU\n\n[1] Luật Tổ chức chính quyền địa phương.\n")
    assert not texts(report, BlockKind.FOOTNOTE)
    assert "[1] Luật Tổ chức chính quyền địa phương." in texts(report)


def test_docx_header_table_rows_are_read_as_header(tmp_path):
    """readers.read_docx flattens a Word table row to "cell | cell", cells keeping their line breaks."""
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "ỦY BAN NHÂN DÂN\nXÃ HÒA BÌNH"
    table.rows[0].cells[1].text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    table.rows[1].cells[0].text = "Số: 15/BC-UBND"
    table.rows[1].cells[1].text = "Hòa Bình, ngày 10 tháng 7 năm 2024"
    for line in ("BÁO CÁO", "Kết quả công tác dân vận chính quyền 6 tháng đầu năm 2024", "I. KẾT QUẢ",
                 "Trong 6 tháng đầu năm 2024, xã đã tiếp nhận 9 đơn kiến nghị."):
        document.add_paragraph(line)
    path = tmp_path / "hoa-binh.docx"
    document.save(path)
    meta = parse_report(path).metadata
    assert (meta.so_hieu, meta.date, meta.document_type, meta.issuer) == (
        "15/BC-UBND", "2024-07-10", "báo cáo", "UBND xã Hòa Bình")
    assert meta.title == "Kết quả công tác dân vận chính quyền 6 tháng đầu năm 2024"


def test_web_page_without_national_header_title_and_publication_date(tmp_path):
    text = ("Báo cáo tình hình kinh tế - xã hội tháng 10 năm 2025\n\n06/11/2025 10:15\n\n"
            "Tháng Mười, sản xuất công nghiệp của tỉnh tiếp tục tăng so với cùng kỳ năm trước, chỉ số sản xuất "
            "toàn ngành tăng 8,2%.\n\n1. Sản xuất nông nghiệp\n\nDiện tích lúa mùa đạt 45.000 ha.\n")
    meta = write(tmp_path, text).metadata
    assert (meta.document_type, meta.title, meta.date) == (
        "báo cáo", "Tình hình kinh tế - xã hội tháng 10 năm 2025", "2025-11-06")
    assert meta.so_hieu == "" and meta.signer == ""


def test_a_department_and_a_statistics_office_are_issuers():
    assert issuer_of_header(["ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", "SỞ NỘI VỤ"]) == "Sở Nội vụ tỉnh Quảng Ninh"
    assert issuer_of_header(["SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BẮC NINH"]) == "Sở Khoa học và Công nghệ tỉnh Bắc Ninh"
    assert issuer_of_header(["TỔNG CỤC THỐNG KÊ", "CỤC THỐNG KÊ TỈNH BÀ RỊA - VŨNG TÀU"]) == (
        "Cục Thống kê tỉnh Bà Rịa - Vũng Tàu")
    assert issuer_of_header(["ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH"]) == "UBND thành phố Hồ Chí Minh"
    assert split_wrapped_lines("ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH\nSỞ NỘI VỤ") == [
        "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", "SỞ NỘI VỤ"]


def test_department_header_in_a_document(tmp_path):
    text = ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH\nSỞ NỘI VỤ\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập - Tự do - Hạnh phúc\n\nSố: 120/BC-SNV\n\nQuảng Ninh, ngày 5 tháng 3 năm 2025\n\nBÁO CÁO\n\n"
            "Kết quả công tác cải cách hành chính quý I năm 2025\n\nI. KẾT QUẢ\n\nSở đã tiếp nhận 1.200 hồ sơ.\n")
    meta = write(tmp_path, text, "snv.txt").metadata
    assert (meta.issuer, meta.so_hieu, meta.document_type) == ("Sở Nội vụ tỉnh Quảng Ninh", "120/BC-SNV", "báo cáo")


def test_document_type_vocabulary_is_one_table_of_names_and_codes():
    codes = [code for code in DOCUMENT_TYPES.values() if code]
    assert len(codes) == len(set(codes))
    assert all(name == name.lower() for name in DOCUMENT_TYPES)
    assert document_type_of_code("144/KH-UBND") == "kế hoạch"
    assert document_type_of_code("2843/QĐ-UBND") == "quyết định"
    assert document_type_of_code("12/2024/CT-UBND") == "chỉ thị"
    assert document_type_of_code("45/UBND-VX") == ""  # a công văn has no type code
    assert document_type_of_line("QUYẾT ĐỊNH:") == "quyết định"
    assert document_type_of_line("Quyết định") == ""  # the header writes the type in capitals


def test_type_from_the_number_when_the_type_word_is_missing(tmp_path):
    text = "Số: 31/TB-UBND\n\nThủ Đức, ngày 2 tháng 4 năm 2025\n\nI. NỘI DUNG\n\nLịch tiếp công dân tháng 4.\n"
    assert write(tmp_path, text, "tb.txt").metadata.document_type == "thông báo"


def test_decision_promulgating_a_plan_keeps_the_decisions_header():
    report = parse_report(CORPUS_DEV / "sonla-2954-qd-ubnd.md")
    meta = report.metadata
    assert (meta.document_type, meta.title) == (
        "quyết định", "VỀ VIỆC BAN HÀNH KẾ HOẠCH XUẤT KHẨU SẢN PHẨM HÀNG HÓA TỈNH SƠN LA GIAI ĐOẠN 2026 - 2030")
    body = texts(report)
    assert "XUẤT KHẨU SẢN PHẨM HÀNG HÓA TỈNH SƠN LA GIAI ĐOẠN 2026 - 2030" in body  # the plan's title stays text
    assert any(t.startswith("Triển khai thực hiện các mục tiêu kế hoạch phát triển kinh tế - xã hội") for t in body)


CORPUS_DEV_HEADERS = {  # so_hieu, date, document_type, signer, title (read off each document)
    "bacninh-144-kh-ubnd": ("144/KH-UBND", "2025-11-24", "kế hoạch", "Mai Sơn",
                            "PHÁT TRIỂN KINH TẾ SỐ VÀ XÃ HỘI SỐ TỈNH BẮC NINH GIAI ĐOẠN 2026 - 2030"),
    "cantho-153-kh-ubnd": ("153/KH-UBND", "2025-11-17", "kế hoạch", "Trương Cảnh Tuyên",
                           "TRIỂN KHAI, THỰC HIỆN CÁC DỰ ÁN, TIỂU DỰ ÁN THUỘC CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA PHÒNG, "
                           "CHỐNG MA TÚY ĐẾN NĂM 2030 TRÊN ĐỊA BÀN THÀNH PHỐ"),
    "cantho-157-kh-ubnd": ("157/KH-UBND", "2025-11-18", "kế hoạch", "Nguyễn Thị Ngọc Điệp",
                           "PHÁT ĐỘNG PHONG TRÀO THI ĐUA VẬN ĐỘNG THỰC HIỆN CHI TRẢ TRỢ GIÚP XÃ HỘI, HƯU TRÍ XÃ HỘI "
                           "KHÔNG DÙNG TIỀN MẶT TRÊN ĐỊA BÀN THÀNH PHỐ CẦN THƠ"),
    "daklak-012-ct-ubnd": ("012/CT-UBND", "2025-11-26", "chỉ thị", "Trương Công Thái",
                           "VỀ VIỆC TĂNG CƯỜNG CẢI CÁCH THỦ TỤC HÀNH CHÍNH, NÂNG CAO CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, "
                           "DOANH NGHIỆP TRONG THỰC HIỆN THỦ TỤC HÀNH CHÍNH VÀ DỊCH VỤ CÔNG TRÊN ĐỊA BÀN TỈNH ĐẮK LẮK"),
    "daklak-0129-kh-ubnd": ("0129/KH-UBND", "2025-11-21", "kế hoạch", "Hồ Thị Nguyên Thảo",
                            "V/V HỖ TRỢ NHU YẾU PHẨM KHẨN CẤP CHO NHÂN DÂN BỊ ẢNH HƯỞNG MƯA LŨ TRÊN ĐỊA BÀN TỈNH ĐẮK LẮK"),
    "dongnai-179-kh-ubnd": ("179/KH-UBND", "2025-11-18", "kế hoạch", "Võ Tấn Đức",
                            "PHÁT TRIỂN KINH TẾ SỐ VÀ XÃ HỘI SỐ TRÊN ĐỊA BÀN TỈNH ĐỒNG NAI GIAI ĐOẠN 2026 - 2030"),
    "dongnai-182-kh-ubnd": ("182/KH-UBND", "2025-11-20", "kế hoạch", "Lê Trường Sơn",
                            "TRIỂN KHAI THỰC HIỆN CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA PHÒNG, CHỐNG MA TÚY ĐẾN NĂM 2030 "
                            "TRÊN ĐỊA BÀN TỈNH ĐỒNG NAI"),
    "dongthap-552-kh-ubnd": ("552/KH-UBND", "2025-11-19", "kế hoạch", "Huỳnh Minh Tuấn",
                             "THỰC HIỆN LỘ TRÌNH ĐỔI MỚI CÔNG NGHỆ ĐẾN NĂM 2035 TRÊN ĐỊA BÀN TỈNH ĐỒNG THÁP ĐỐI VỚI "
                             "CÁC NGÀNH KINH TẾ MŨI NHỌN"),
    "hatinh-624-kh-ubnd": ("624/KH-UBND", "2025-11-19", "kế hoạch", "Nguyễn Thị Nguyệt",
                           "THỰC HIỆN CHƯƠNG TRÌNH “NÂNG CAO CHẤT LƯỢNG GIÁO DỤC MẦM NON Ở ĐỊA BÀN ĐÔ THỊ, KHU CÔNG "
                           "NGHIỆP TRÊN ĐỊA BÀN TỈNH HÀ TĨNH GIAI ĐOẠN 2025 - 2035, ĐỊNH HƯỚNG ĐẾN NĂM 2045”"),
    "hcm-174-kh-ubnd": ("174/KH-UBND", "2025-11-18", "kế hoạch", "Trần Thị Diệu Thúy",
                        "TRIỂN KHAI CÁC NHIỆM VỤ TRỌNG TÂM CUỐI NĂM 2025 LĨNH VỰC BÌNH ĐẲNG GIỚI VÀ “THÁNG HÀNH ĐỘNG "
                        "VÌ BÌNH ĐẲNG GIỚI VÀ PHÒNG NGỪA, ỨNG PHÓ VỚI BẠO LỰC TRÊN CƠ SỞ GIỚI” TRÊN ĐỊA BÀN THÀNH PHỐ "
                        "HỒ CHÍ MINH"),
    "hcm-2843-qd-ubnd": ("2843/QĐ-UBND", "2025-11-20", "quyết định", "Nguyễn Mạnh Cường",
                         "VỀ VIỆC THÔNG QUA PHƯƠNG ÁN ĐƠN GIẢN HÓA THỦ TỤC HÀNH CHÍNH THUỘC PHẠM VI QUẢN LÝ CỦA SỞ NỘI VỤ"),
    "sonla-2954-qd-ubnd": ("2954/QĐ-UBND", "2025-11-20", "quyết định", "Nguyễn Thành Công",
                           "VỀ VIỆC BAN HÀNH KẾ HOẠCH XUẤT KHẨU SẢN PHẨM HÀNG HÓA TỈNH SƠN LA GIAI ĐOẠN 2026 - 2030"),
}
ISSUERS = {"bacninh": "UBND tỉnh Bắc Ninh", "cantho": "UBND thành phố Cần Thơ", "daklak": "UBND tỉnh Đắk Lắk",
           "dongnai": "UBND tỉnh Đồng Nai", "dongthap": "UBND tỉnh Đồng Tháp", "hatinh": "UBND tỉnh Hà Tĩnh",
           "hcm": "UBND thành phố Hồ Chí Minh", "sonla": "UBND tỉnh Sơn La"}


@pytest.mark.parametrize("report_id", sorted(CORPUS_DEV_HEADERS))
def test_corpus_dev_header_fields(report_id):
    report = parse_report(CORPUS_DEV / f"{report_id}.md")
    meta = report.metadata
    assert (meta.so_hieu, meta.date, meta.document_type, meta.signer, meta.title) == CORPUS_DEV_HEADERS[report_id]
    assert meta.issuer == ISSUERS[report_id.split("-")[0]]
    body = [b.text for s in report.sections for b in s.blocks if b.kind is not BlockKind.TABLE]
    assert not any("*" in t.replace("(*)", "") or t.startswith("|") or t.endswith("|") for t in body)
    assert not any("Nơi nhận" in t or t == meta.signer for t in body)
