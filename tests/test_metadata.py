"""Metadata of the five sample reports, field by field, against values read off the reports."""

import pytest

from conftest import BINH_SON, HA_LONG, QUANG_MINH, QUY_NHON, TINH_AN, report_path
from ingest import parse_report

EXPECTED = {
    QUY_NHON: dict(
        so_hieu="290/BC-UBND", issuer="UBND thành phố Quy Nhơn", locality="thành phố Quy Nhơn",
        locality_level="thành phố", province="Bình Định", date="2024-06-17", period="6 tháng đầu năm 2024",
        years=[2024],
        title="Kết quả thực hiện công tác dân vận chính quyền của thành phố Quy Nhơn 6 tháng đầu năm 2024",
        recipient="Sở Nội vụ tỉnh Bình Định", signer="Nguyễn Phương Nam",
        signer_title="TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH",
    ),
    HA_LONG: dict(  # no header: locality and years come from the title and the first section
        so_hieu="", issuer="Ban Thường vụ Thành ủy Hạ Long", locality="thành phố Hạ Long",
        locality_level="thành phố", province="Quảng Ninh", date="", period="năm 2020", years=[2020, 2021],
        title="Kết quả thực hiện công tác dân vận của chính quyền năm 2020, nhiệm vụ trọng tâm năm 2021",
        recipient="", signer="", signer_title="",
    ),
    BINH_SON: dict(
        so_hieu="278/BC-UBND", issuer="UBND huyện Bình Sơn", locality="huyện Bình Sơn", locality_level="huyện",
        province="Quảng Ngãi", date="2024-04-25", period="03 năm 2021-2024", years=[2021, 2022, 2023, 2024],
        title="Sơ kết 03 năm thực hiện Chỉ thị số 08-CT/TU, ngày 25/5/2021 của Ban Thường vụ Tỉnh ủy về "
        "nâng cao hiệu quả công tác dân vận của cơ quan Nhà nước các cấp",
        recipient="Sở Nội vụ", signer="Nguyễn Tường Duy", signer_title="TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH",
    ),
    QUANG_MINH: dict(  # "Số: /BC-UBND" is blank; "ngày   tháng 3 năm 2024" has no day
        so_hieu="", issuer="UBND phường Quảng Minh", locality="phường Quảng Minh", locality_level="phường",
        province="", date="2024-03", period="quý I năm 2024", years=[2024],
        title="Kết quả xây dựng và thực hiện quy chế dân chủ ở cơ sở quý I năm 2024",
        recipient="", signer="Trần Văn Hạnh", signer_title="TM. ỦY BAN NHÂN DÂN PHƯỜNG / CHỦ TỊCH",
    ),
    TINH_AN: dict(  # the report spells its own commune "Tỉnh An"; metadata keeps what is written
        so_hieu="", issuer="UBND xã Tỉnh An", locality="xã Tỉnh An", locality_level="xã", province="",
        date="2024-10", period="năm 2024", years=[2024], recipient="", signer="Võ Văn Khương",
        signer_title="TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH",
    ),
}


@pytest.mark.parametrize("report_id", sorted(EXPECTED))
def test_metadata_field_by_field(report_id):
    metadata = parse_report(report_path(report_id)).metadata
    assert metadata.report_id == report_id
    assert metadata.file == f"{report_id}.txt"
    for field, expected in EXPECTED[report_id].items():
        assert getattr(metadata, field) == expected, field


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
