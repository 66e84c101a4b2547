"""A document's place and period, from what it says about itself (issue 9, items 1-3).

Each case is a shape real documents take: the national header, a web page with only a title and a
publication date, a party committee's report without header, a title quoting another document's period.
"""

from ingest import parse_report
from ingest.document_period import document_period
from ingest.document_place import locate_document
from ingest.gazetteer import load_gazetteer


def place(**kwargs):
    return locate_document(load_gazetteer(), **kwargs)


def test_header_issuer_gives_the_locality_and_its_provinces():
    found = place(issuer="UBND tỉnh Bắc Ninh", era="2025-11-24")
    assert (found.locality, found.level, found.province, found.current_province) == (
        "tỉnh Bắc Ninh", "tỉnh", "Bắc Ninh", "Bắc Ninh")


def test_place_line_keeps_the_name_and_gains_the_province_then_and_now():
    found = place(place_line="Quy Nhơn", title="Kết quả công tác của thành phố Quy Nhơn 6 tháng đầu năm 2024",
                  signature_lines=["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"], era="2024-06-17")
    assert (found.locality, found.province, found.current_province) == ("thành phố Quy Nhơn", "Bình Định", "Gia Lai")


def test_signature_names_the_level_of_a_place_line():
    found = place(place_line="Quảng Minh", signature_lines=["TM. ỦY BAN NHÂN DÂN PHƯỜNG", "CHỦ TỊCH"], era="2024-03")
    assert (found.locality, found.level) == ("phường Quảng Minh", "phường")


def test_party_committee_names_its_level():
    assert place(issuer="Ban Thường vụ Thành ủy Hạ Long", era="2020").locality == "thành phố Hạ Long"


def test_words_that_look_like_a_level_are_no_place():
    """The issue's failure: "KINH TẾ - XÃ HỘI VÀ DỰ TOÁN" gave the locality "xã HỘI VÀ DỰ TOÁN"."""
    found = place(title="Tình hình kinh tế - xã hội và dự toán ngân sách", first_section="Tại xã Tân Hưng, …")
    assert found.locality == ""


def test_a_commune_the_body_mentions_is_not_the_locality(tmp_path):
    """A province's monthly report published as a web page: title and publication date, no header."""
    path = tmp_path / "camau-thang-10.md"
    path.write_text(
        "Tình hình kinh tế - xã hội tỉnh Cà Mau tháng 10 năm 2025\n\n06/11/2025\n\n"
        "I. KINH TẾ\n\nTại xã Tân Hưng, mô hình nuôi tôm tiếp tục cho hiệu quả; toàn tỉnh xuất khẩu đạt 120 triệu USD "
        "trong tháng Mười, tính chung 10 tháng đạt 1.150 triệu USD.\n",
        encoding="utf-8",
    )
    meta = parse_report(path).metadata
    assert (meta.locality, meta.province, meta.date) == ("tỉnh Cà Mau", "Cà Mau", "2025-11-06")
    assert (meta.period_granularity, meta.period_start, meta.period_end) == ("month", "2025-10-01", "2025-10-31")


def test_first_period_of_the_title_is_the_reporting_period_later_ones_are_planned():
    period, years = document_period("Kết quả công tác dân vận năm 2020, nhiệm vụ trọng tâm năm 2021")
    assert (period.granularity.value, str(period.start), str(period.end), years) == (
        "year", "2020-01-01", "2020-12-31", [2020, 2021])


def test_plan_horizon_is_no_period_but_a_plan_span_is():
    assert document_period("Chương trình phòng, chống ma túy đến năm 2030", date="2025-11-17") == (None, [])
    period, _ = document_period("Kế hoạch phát triển kinh tế số giai đoạn 2026 - 2030", date="2025-11-24")
    assert (period.granularity.value, str(period.start), str(period.end)) == ("multi_year", "2026-01-01", "2030-12-31")


def test_end_of_a_year_names_no_bounds():
    assert document_period("Triển khai các nhiệm vụ trọng tâm cuối năm 2025", date="2025-11-18") == (None, [])


def test_period_of_a_quoted_document_yields_to_the_title_own():
    period, _ = document_period("Kết quả thực hiện Kế hoạch số 84-KH/TU “về Đề án … giai đoạn 2022-2026” năm 2024",
                                date="2024-10")
    assert (period.granularity.value, period.start.year, period.end.year) == ("year", 2024, 2024)


def test_duration_in_the_title_is_anchored_by_the_opening():
    period, years = document_period("Sơ kết 03 năm thực hiện Chỉ thị số 08-CT/TU, ngày 25/5/2021",
                                    ["Sau thời gian 03 năm (từ 2021 - 2024) thực hiện Chỉ thị"], "2024-04-25")
    assert (period.text, years) == ("03 năm 2021-2024", [2021, 2022, 2023, 2024])


def test_month_written_as_a_word_in_a_title():
    period, _ = document_period("Báo cáo tình hình kinh tế - xã hội tháng Mười Một", date="2025-12-05")
    assert (period.granularity.value, str(period.start)) == ("month", "2025-11-01")
