"""Metadata of the five sample reports, field by field, against values read off the reports."""

from conftest import QUY_NHON, TINH_AN, report_path
from ingest import parse_report

# Every field of the five sample reports is checked against evals/datasets/metadata_gold.jsonl by
# tests/test_metadata_gold.py; the tests below hold particular behaviours.


def test_report_id_and_file_name():
    metadata = parse_report(report_path(QUY_NHON)).metadata
    assert (metadata.report_id, metadata.file) == (QUY_NHON, f"{QUY_NHON}.txt")


def test_tinh_an_title_is_the_whole_title():
    title = parse_report(report_path(TINH_AN)).metadata.title
    assert title.startswith("Kết quả thực hiện Kế hoạch số 84-KH/TU ngày 06/12/2022")
    assert title.endswith("giai đoạn 2022-2026” năm 2024")


def test_distribution_list_is_metadata():
    metadata = parse_report(report_path(QUY_NHON)).metadata
    assert metadata.distribution == ["Như trên;", "TT. Thành ủy (báo cáo);", "CT, các PCT UBND TP;",
                                     "Phòng Nội vụ TP;", "VP (LĐ+C16);", "Lưu: VT."]


def test_standard_header_with_issuing_body_and_national_motto(tmp_path):
    """Most real reports open with the issuing body and the national motto in capitals: that header
    is not a signature block, and the số hiệu, date and title after it are read."""
    path = tmp_path / "hoa_binh.txt"
    path.write_text(
        "ỦY BAN NHÂN DÂN\nXÃ HÒA BÌNH\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"
        "Số: 15/BC-UBND\n\nHòa Bình, ngày 10 tháng 7 năm 2024\n\nBÁO CÁO\n\n"
        "Kết quả công tác dân vận chính quyền 6 tháng đầu năm 2024\n\nI. KẾT QUẢ THỰC HIỆN\n\n"
        "Trong 6 tháng đầu năm 2024, UBND xã Hòa Bình đã tiếp nhận 9 đơn kiến nghị.\n\n"
        "Nơi nhận:\n- UBND huyện;\n- Lưu: VT.\n\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nNguyễn Văn A\n",
        encoding="utf-8",
    )
    meta = parse_report(path).metadata
    assert (meta.so_hieu, meta.date, meta.locality, meta.issuer) == (
        "15/BC-UBND", "2024-07-10", "xã Hòa Bình", "UBND xã Hòa Bình")
    assert meta.title == "Kết quả công tác dân vận chính quyền 6 tháng đầu năm 2024"
    assert (meta.period, meta.years) == ("6 tháng đầu năm 2024", [2024])
    assert (meta.signer, meta.signer_title) == ("Nguyễn Văn A", "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH")
