"""Period parsing on real phrases of both corpora, made-up titles, number words, roles, negatives.

Each row is a text, the year it defaults to, and every period mention expected in it, written
"ROLE granularity start..end" (ROLE P = period, T = target, C = comparison; a trailing "+" marks
a cumulative period). The real rows are copied from data/reports/*.txt and data/corpus-dev/*.md
(a test checks that they are there); rows marked `known` are what the parser still gets wrong.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from ingest.dates import find_dates, fold_with_offsets, iso, names_a_day, names_a_duration
from ingest.normalize import normalize_text
from ingest.numbers import NUMBER_WORDS, ORDINAL_NUMBER_WORDS
from ingest.periods import (
    Granularity,
    Period,
    PeriodRole,
    find_periods,
    first_months,
    parse_period,
)

ROOT = Path(__file__).resolve().parent.parent

# Known failures: still counted in the measurement, expected to fail until fixed.
known = pytest.mark.xfail(strict=True, reason="known limitation, see the row's comment")

SAMPLE_REPORTS = [
    ("Kết quả thực hiện công tác dân vận chính quyền của thành phố Quy Nhơn 6 tháng đầu năm 2024",
     None, ["P half_year 2024-01-01..2024-06-30"]),
    ("Trong 6 tháng đầu năm 2024, thành phố tiếp tục triển khai", None,
     ["P half_year 2024-01-01..2024-06-30"]),
    ("Các số liệu thực hiện chính quyền điện tử trong 6 tháng năm 2024:", None,
     ["P half_year 2024-01-01..2024-06-30"]),
    ("Trong 06 tháng đầu năm, Ban Thanh tra nhân dân phường, xã đã tổ chức 2 đợt", 2024,
     ["P half_year 2024-01-01..2024-06-30"]),
    ("triển khai trong quý III, IV năm 2024.", None,
     ["P quarter 2024-07-01..2024-09-30", "P quarter 2024-10-01..2024-12-31"]),
    ("Từ ngày 03/7/2023 đến ngày 29/9/2023, thành phố tổ 07 đợt", None,
     ["P range 2023-07-03..2023-09-29"]),
    ("HĐND thành phố khóa XII nhiệm kỳ 2021 – 2026", None, ["P multi_year 2021-01-01..2026-12-31"]),
    ("cải cách hành chính nhà nước giai đoạn 2021-2030 theo Nghị quyết", None,
     ["P multi_year 2021-01-01..2030-12-31"]),
    ("phục vụ chuyển đổi số quốc gia giai đoạn 2022 - 2025, tầm nhìn đến năm 2030", None,
     ["P multi_year 2022-01-01..2025-12-31", "T year 2030-01-01..2030-12-31"]),
    ("tổng số 300,267 nhân khẩu thường trú (tính đến tháng 12/2019).", None,
     ["P month 2019-12-01..2019-12-31"]),
    ("Kết quả thực hiện công tác dân vận chính quyền năm 2020 (tính đến tháng 11/2020)", None,
     ["P year 2020-01-01..2020-12-31", "P month 2020-11-01..2020-11-30"]),
    ("Đại hội Đảng bộ Thành phố lần thứ XXV, nhiệm kỳ 2020-2025.", None,
     ["P multi_year 2020-01-01..2025-12-31"]),
    ("NHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM NĂM 2021", None, ["P year 2021-01-01..2021-12-31"]),
    ("Ngay trong những ngày đầu năm 2020, UBND thành phố", None, ["P year 2020-01-01..2020-12-31"]),
    ("Năm 2020 do ảnh hưởng của đại dịch Covid-19", None, ["P year 2020-01-01..2020-12-31"]),
    ("Số xã đạt chuẩn nông thôn mới ước đạt năm 2020: 10/12 xã", None,
     ["P year 2020-01-01..2020-12-31"]),
    ("thực hiện QCDC ở cơ sở năm 2020 (từ ngày 24-26/11/2020 chia làm 02 Đoàn", None,
     ["P year 2020-01-01..2020-12-31", "P range 2020-11-24..2020-11-26"]),
    ("dân số toàn huyện đến cuối năm 2023 (theo số liệu thống kê tháng 3 năm 2024): 183.142 người",
     2024, ["P year 2023-01-01..2023-12-31", "P month 2024-03-01..2024-03-31"]),
    ("Sau thời gian 03 năm (từ 2021 - 2024) thực hiện Chỉ thị", None,
     ["P multi_year 2021-01-01..2024-12-31"]),
    ("quý I/2024 tỷ lệ hồ sơ trực tuyến đạt 64,7%", None, ["P quarter 2024-01-01..2024-03-31"]),
    ("Hoàn thành trong Quý II năm 2024.", None, ["P quarter 2024-04-01..2024-06-30"]),
    ("Từ ngày 01/01/2021 đến ngày 15/3/2024, tiếp nhận", None, ["P range 2021-01-01..2024-03-15"]),
    ("Từ năm 2023 đến tháng 10/2024 đã xây dựng được 07 mô hình", None,
     ["P range 2023-01-01..2024-10-31"]),
    ("từ năm 2023 – 2024 đã hỗ trợ 37 con bò cho hộ dân", None,
     ["P multi_year 2023-01-01..2024-12-31"]),
    ("Đến tháng 10/2024, 04/04 khu dân cư trên địa bàn xã", None, ["P month 2024-10-01..2024-10-31"]),
    ("Kết quả xây dựng và thực hiện quy chế dân chủ ở cơ sở quý I năm 2024", None,
     ["P quarter 2024-01-01..2024-03-31"]),
    ("Trong quý 1 năm 2024, UBND xã tiếp nhận tổng số: 58 hồ sơ", None,
     ["P quarter 2024-01-01..2024-03-31"]),
    ("V. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ II NĂM 2024", None, ["P quarter 2024-04-01..2024-06-30"]),
    ("trong quý 1, đã phát sóng được 03 chương trình", 2024, ["P quarter 2024-01-01..2024-03-31"]),
    ("vốn Quỹ hỗ trợ nông dân trong quý I được 233,88 triệu đồng", 2024,
     ["P quarter 2024-01-01..2024-03-31"]),
    ("Đại hội lần thứ X, nhiệm kỳ 2019 - 2024", None, ["P multi_year 2019-01-01..2024-12-31"]),
    ("đô thị văn minh giai đoạn 2022-2026” năm 2024", None,
     ["P multi_year 2022-01-01..2026-12-31", "P year 2024-01-01..2024-12-31"]),
    ("(năm 2023 giảm 11 hộ nghèo, 2024 hộ giảm 03 hộ nghèo)", None,
     ["P year 2023-01-01..2023-12-31"]),
    ("Quy Nhơn, ngày 17 tháng 6 năm 2024", None, []),
    ("thực hiện Nghị quyết liên tịch số 403/2017/NQLT-", None, []),
    ("từ năm 2017, Ủy ban MTTQ Việt Nam huyện Quyết định thành lập", None, []),
    ("Từ năm 2021 đến nay, Ủy ban MTTQ Việt Nam huyện Bình Sơn", None, []),
    ("Từ đầu năm 2024 đến nay, 02 Tổ Kiểm tra công vụ thành phố", None, []),
    ("định kỳ 6 tháng, năm đều có báo cáo kết quả", None, []),
    ("giao ban hàng tháng", None, []),
]

CORPUS_DEV = [
    ("PHÁT TRIỂN KINH TẾ SỐ VÀ XÃ HỘI SỐ TỈNH BẮC NINH GIAI ĐOẠN\n2026 - 2030", None,
     ["P multi_year 2026-01-01..2030-12-31"]),
    ("*Bắc Ninh, ngày 24\ntháng 11 năm 2025*", None, []),
    ("CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA PHÒNG, CHỐNG MA TÚY ĐẾN NĂM 2030", None,
     ["T year 2030-01-01..2030-12-31"]),
    ("Thời gian thực hiện Chương trình: Từ năm 2025 đến hết năm 2030.", 2025,
     ["P multi_year 2025-01-01..2030-12-31"]),
    ("phấn đấu đến năm 2030 đạt ít nhất 50%", 2025, ["T year 2030-01-01..2030-12-31"]),
    ("(từ ngày 20 tháng 11 năm 2025 đến ngày 03 tháng 12 năm 2025)", None,
     ["P range 2025-11-20..2025-12-03"]),
    ("Từ ngày 15/11 đến ngày 20/11/2025, trên địa bàn", None, ["P range 2025-11-15..2025-11-20"]),
    ("Thời gian: Từ ngày 15/11/2025 đến ngày 15/12/2025.", None, ["P range 2025-11-15..2025-12-15"]),
    ("Căn cứ Nghị định số 200/2023/NĐ-CP ngày 28/12/2023 của Chính phủ", None, []),
    ("(Nghị quyết số 163/2024/QH15)", None, []),
    ("Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị", None, []),
    ("kinh tế số và xã hội số đến năm 2025, định hướng đến năm 2030", 2025,
     ["T year 2025-01-01..2025-12-31", "T year 2030-01-01..2030-12-31"]),
    ("công nghiệp công nghệ số Việt Nam đến 2030, tầm nhìn 2035", 2025,
     ["T year 2035-01-01..2035-12-31"]),
    ("hiện đại, đáp ứng yêu cầu đến năm 2035 và tầm nhìn 2045.", 2025,
     ["T year 2035-01-01..2035-12-31", "T year 2045-01-01..2045-12-31"]),
    ("TỈNH HÀ TĨNH GIAI ĐOẠN 2025 - 2035, ĐỊNH HƯỚNG ĐẾN NĂM 2045", 2025,
     ["P multi_year 2025-01-01..2035-12-31", "T year 2045-01-01..2045-12-31"]),
    ("báo cáo kết quả Ủy ban nhân dân tỉnh (qua Công an tỉnh) trong tháng 11/2025.", 2025,
     ["P month 2025-11-01..2025-11-30"]),
    ("Chỉ tiêu 1: Phấn đấu năm 2025 đạt 60% dân số", 2025, ["T year 2025-01-01..2025-12-31"]),
    ("1. Phấn đấu đến cuối năm 2025 đạt các mục tiêu", 2025, ["T year 2025-01-01..2025-12-31"]),
    ("Chỉ tiêu 2: Đến năm 2025 đạt 80% người", 2025, ["T year 2025-01-01..2025-12-31"]),
    ("bảo đảm đến hết năm 2030 đạt 50% địa bàn", 2025, ["T year 2030-01-01..2030-12-31"]),
    ("“không ma túy” ngay trong năm 2025; đến năm 2030 đạt 100%", 2025,
     ["P year 2025-01-01..2025-12-31", "T year 2030-01-01..2030-12-31"]),
    ("trẻ từ 06 tháng đến 36 tháng tuổi", 2025, []),
    ("Định kỳ 06 tháng các cơ quan có", 2025, []),
    ("trẻ dưới 24 tháng tuổi", 2025, []),
    ("Giai đoạn khẩn cấp (0-48 giờ):", 2025, []),
    ("Giai đoạn 48-72 giờ: Tổ chức", 2025, []),
    ("Tổ chức hoạt động hưởng ứng “Tháng hành động phòng, chống ma túy”", 2025, []),
    ("Định kỳ hàng tháng (trước ngày 16 hàng tháng)", 2025, []),
    ("(trước ngày 15 tháng 12) báo cáo kết quả", 2025, []),
    ("XUẤT KHẨU CỦA TỈNH SƠN LA GIAI ĐOẠN 2026 – 2030 (Ban hành kèm", None,
     ["P multi_year 2026-01-01..2030-12-31"]),
    ("kế hoạch phát triển kinh tế - xã hội 5 năm 2026 - 2030", None,
     ["P multi_year 2026-01-01..2030-12-31"]),
    ("| ĐVT | ƯTH Năm 2025 | GIAI ĐOẠN 2026 - 2030 |", None,
     ["P year 2025-01-01..2025-12-31", "P multi_year 2026-01-01..2030-12-31"]),
    ("2. Giai đoạn 2031 - 2035", None, ["P multi_year 2031-01-01..2035-12-31"]),
    ("ứng phó thiên tai năm 2025 trên địa bàn tỉnh", 2025, ["P year 2025-01-01..2025-12-31"]),
    ("các nhiệm vụ trọng tâm cuối năm 2025 lĩnh vực Bình đẳng giới", 2025,
     ["P year 2025-01-01..2025-12-31"]),
    ("giai đoạn 2025-2035 và định hướng tới năm 2045 của tỉnh", 2025,
     ["P multi_year 2025-01-01..2035-12-31", "T year 2045-01-01..2045-12-31"]),
    ("Chỉ tiêu 4: Từ năm 2025 trở đi, 100% số", 2025, []),
    ("kiểm soát ma túy ở Việt Nam đến năm 2020 và định hướng đến năm 2030", 2025,
     ["T year 2020-01-01..2020-12-31", "T year 2030-01-01..2030-12-31"]),
    ("Báo cáo giữa kỳ thực hiện Kế hoạch (năm 2030)", 2025, ["P year 2030-01-01..2030-12-31"]),
    ("xã, phường không có ma tuý vào năm 2030 và các mục tiêu", 2025, ["T year 2030-01-01..2030-12-31"]),
    # A plan's "đạt 50% vào năm 2025" is a target; in a document of 2025 nothing says so.
    pytest.param("làm công hưởng lương đạt 50% vào năm 2025.", 2025, ["T year 2025-01-01..2025-12-31"], marks=known),
    # A law's name ends with its year; a legal-document vocabulary would be needed to tell.
    pytest.param("theo quy định của Luật Giáo dục năm 2019.", 2025, [], marks=known),
]

MADE_UP = [
    # one title per granularity
    ("BÁO CÁO Tình hình kinh tế - xã hội tháng 11 năm 2025", None, ["P month 2025-11-01..2025-11-30"]),
    ("Báo cáo kết quả công tác quý I/2025", None, ["P quarter 2025-01-01..2025-03-31"]),
    ("Báo cáo sơ kết 6 tháng đầu năm 2024", None, ["P half_year 2024-01-01..2024-06-30"]),
    ("Báo cáo 6 tháng cuối năm 2023", None, ["P half_year 2023-07-01..2023-12-31"]),
    ("Báo cáo tình hình kinh tế - xã hội 9 tháng năm 2025", None,
     ["P months_to_date 2025-01-01..2025-09-30+"]),
    ("Báo cáo tổng kết năm 2024", None, ["P year 2024-01-01..2024-12-31"]),
    ("Báo cáo tổng kết giai đoạn 2021-2025", None, ["P multi_year 2021-01-01..2025-12-31"]),
    ("Báo cáo kết quả từ ngày 01/10/2023 đến ngày 30/9/2024", None,
     ["P range 2023-10-01..2024-09-30"]),
    ("Báo cáo tình hình kinh tế - xã hội tháng 6 và 6 tháng đầu năm 2024", None,
     ["P month 2024-06-01..2024-06-30", "P half_year 2024-01-01..2024-06-30"]),
    ("3 tháng đầu năm 2025", None, ["P quarter 2025-01-01..2025-03-31"]),
    ("3 tháng cuối năm 2025", None, ["P quarter 2025-10-01..2025-12-31"]),
    ("12 tháng năm 2024", None, ["P year 2024-01-01..2024-12-31"]),
    ("cả năm 2024", None, ["P year 2024-01-01..2024-12-31"]),
    ("Quý 2 năm 2024", None, ["P quarter 2024-04-01..2024-06-30"]),
    ("quý IV", 2024, ["P quarter 2024-10-01..2024-12-31"]),
    ("tháng 01/2025", None, ["P month 2025-01-01..2025-01-31"]),
    ("nhiệm kỳ 2021-2026", None, ["P multi_year 2021-01-01..2026-12-31"]),
    ("từ năm 2021 đến năm 2025", None, ["P multi_year 2021-01-01..2025-12-31"]),
    ("giai đoạn 2026 - 2030", None, ["P multi_year 2026-01-01..2030-12-31"]),
    # cumulative markers
    ("Tính chung 6 tháng, tổng thu ngân sách đạt 5.000 tỷ đồng", 2025,
     ["P half_year 2025-01-01..2025-06-30+"]),
    ("Lũy kế từ ngày 15/12/2024 đến hết ngày 14/6/2025, giải ngân đạt 40%", None,
     ["P range 2024-12-15..2025-06-14+"]),
    ("Tính chung cả năm 2024, GRDP tăng 7%", None, ["P year 2024-01-01..2024-12-31+"]),
    ("cộng dồn 5 tháng đầu năm 2025", None, ["P months_to_date 2025-01-01..2025-05-31+"]),
    ("từ đầu năm đến hết tháng 9 năm 2025", None, ["P months_to_date 2025-01-01..2025-09-30+"]),
    ("từ đầu năm đến hết tháng 6", 2025, ["P half_year 2025-01-01..2025-06-30+"]),
    # number words, with and without diacritics
    ("sáu tháng đầu năm 2024", None, ["P half_year 2024-01-01..2024-06-30"]),
    ("sau thang dau nam 2024", None, ["P half_year 2024-01-01..2024-06-30"]),
    ("chín tháng đầu năm", 2025, ["P months_to_date 2025-01-01..2025-09-30+"]),
    ("chin thang dau nam 2025", None, ["P months_to_date 2025-01-01..2025-09-30+"]),
    ("bẩy tháng năm 2025", None, ["P months_to_date 2025-01-01..2025-07-31+"]),
    ("bảy tháng năm 2025", None, ["P months_to_date 2025-01-01..2025-07-31+"]),
    ("mười một tháng năm 2025", None, ["P months_to_date 2025-01-01..2025-11-30+"]),
    ("Tháng Sáu, chỉ số giá tiêu dùng tăng", 2025, ["P month 2025-06-01..2025-06-30"]),
    ("tháng Mười Một năm 2025", None, ["P month 2025-11-01..2025-11-30"]),
    ("Tháng Mười, xuất khẩu tăng", 2025, ["P month 2025-10-01..2025-10-31"]),
    ("tháng Tư năm 2025", None, ["P month 2025-04-01..2025-04-30"]),
    ("Tháng Năm năm 2025", None, ["P month 2025-05-01..2025-05-31"]),
    ("thang muoi hai nam 2024", None, ["P month 2024-12-01..2024-12-31"]),
    ("quý tư năm 2024", None, ["P quarter 2024-10-01..2024-12-31"]),
    ("quy 1 nam 2025", None, ["P quarter 2025-01-01..2025-03-31"]),
    ("ca nam 2024", None, ["P year 2024-01-01..2024-12-31"]),
    ("9 thang dau nam 2024", None, ["P months_to_date 2024-01-01..2024-09-30+"]),
    ("6 thang dau nam 2024", None, ["P half_year 2024-01-01..2024-06-30"]),
    ("cpi binh quan 9 thang nam 2025 tang bao nhieu", None,
     ["P months_to_date 2025-01-01..2025-09-30+"]),
    ("Quy Nhơn 9 thang dau nam 2024 tiếp nhận bao nhiêu vụ", None,
     ["P months_to_date 2024-01-01..2024-09-30+"]),
    # ranges
    ("từ tháng 1 đến tháng 9 năm 2025", None, ["P range 2025-01-01..2025-09-30"]),
    ("từ quý I đến quý III", 2025, ["P range 2025-01-01..2025-09-30"]),
    ("tu thang 3 den thang 5 nam 2024", None, ["P range 2024-03-01..2024-05-31"]),
    ("từ tháng 10/2024 đến tháng 3/2025", None, ["P range 2024-10-01..2025-03-31"]),
    # roles
    ("định hướng đến năm 2045", None, ["T year 2045-01-01..2045-12-31"]),
    ("mục tiêu đến năm 2030", None, ["T year 2030-01-01..2030-12-31"]),
    ("tăng 5% so với năm 2022", None, ["C year 2022-01-01..2022-12-31"]),
    ("6 tháng đầu năm 2024 tăng 8% so với cùng kỳ năm 2023", None,
     ["P half_year 2024-01-01..2024-06-30", "C half_year 2023-01-01..2023-06-30"]),
    ("Tháng Sáu, CPI tăng 0,5% so với tháng trước", 2025,
     ["P month 2025-06-01..2025-06-30", "C month 2025-05-01..2025-05-31"]),
    ("quý II tăng 2% so với quý trước", 2025,
     ["P quarter 2025-04-01..2025-06-30", "C quarter 2025-01-01..2025-03-31"]),
    ("năm 2024 tăng 3% so với năm trước", None,
     ["P year 2024-01-01..2024-12-31", "C year 2023-01-01..2023-12-31"]),
    ("Tính chung 9 tháng, tăng 4% so với cùng kỳ", 2025,
     ["P months_to_date 2025-01-01..2025-09-30+", "C months_to_date 2024-01-01..2024-09-30+"]),
    ("tổng thu ngân sách năm 2020 đạt 4.000 tỷ đồng, bằng 101,4 % so với cùng kỳ.", None,
     ["P year 2020-01-01..2020-12-31", "C year 2019-01-01..2019-12-31"]),
    ("so với cùng kỳ", 2025, []),  # nothing to compare with: unknown
    ("tính đến hết năm 2023, toàn xã có 120 hộ nghèo", 2024, ["P year 2023-01-01..2023-12-31"]),
    # negatives: dates, document numbers, quantities, lookalike words
    ("Quyết định số 1234/QĐ-UBND ngày 25/5/2021", None, []),
    ("ngày 24 tháng 11 năm 2025", None, []),
    ("ngày   tháng 3 năm 2024", None, []),
    ("số 08-CT/TU", None, []),
    ("tiếp nhận 2.015 hồ sơ, 2015 hộ được hỗ trợ", None, []),
    ("Quỹ 1 năm hoạt động", 2024, []),
    ("Tháng sau sẽ tổ chức", 2025, []),
    ("mỗi tháng một lần", 2025, []),
    ("6 tháng đầu năm", None, []),  # no year and no default: unknown
    ("thời hạn tạm giam 6 tháng", 2025, []),
]

ROWS = [*SAMPLE_REPORTS, *CORPUS_DEV, *MADE_UP]


def _row_text(row) -> str:
    return row.values[0] if hasattr(row, "values") else row[0]


def _written(mention) -> str:
    period = mention.period
    role = {PeriodRole.PERIOD: "P", PeriodRole.TARGET: "T", PeriodRole.COMPARISON: "C"}[mention.role]
    mark = "+" if period.cumulative else ""
    return f"{role} {period.granularity.value} {period.start}..{period.end}{mark}"


@pytest.mark.parametrize("text, default_year, expected", ROWS)
def test_period_table(text: str, default_year: int | None, expected: list[str]) -> None:
    assert [_written(m) for m in find_periods(normalize_text(text), default_year)] == expected


def test_table_size() -> None:
    assert len(ROWS) >= 80


def _corpus(folder: str, pattern: str) -> str:
    texts = [normalize_text(p.read_text(encoding="utf-8")) for p in sorted((ROOT / folder).glob(pattern))]
    return " ".join(" ".join(texts).replace("*", " ").split())


@pytest.mark.parametrize(
    "rows, folder, pattern",
    [(SAMPLE_REPORTS, "data/reports", "*.txt"), (CORPUS_DEV, "data/corpus-dev", "*.md")],
)
def test_real_rows_are_real(rows, folder: str, pattern: str) -> None:
    """The real rows are copied from the corpus."""
    corpus = _corpus(folder, pattern)
    missing = []
    for row in rows:
        phrase = " ".join(normalize_text(_row_text(row)).replace("*", " ").split())
        if phrase not in corpus:
            missing.append(phrase)
    assert missing == []


def test_offsets_point_at_the_phrase() -> None:
    text = "Tính chung 6 tháng đầu năm 2024, tăng 8% so với cùng kỳ năm 2023"
    first, second = find_periods(text)
    assert text[first.start : first.end] == "6 tháng đầu năm 2024"
    assert first.period.text == "6 tháng đầu năm 2024"
    assert text[second.start : second.end] == "cùng kỳ năm 2023"


def test_offsets_survive_decomposed_input() -> None:
    import unicodedata

    text = unicodedata.normalize("NFD", "Báo cáo quý II năm 2024")
    (mention,) = find_periods(text)
    assert unicodedata.normalize("NFC", text[mention.start : mention.end]) == "quý II năm 2024"


def test_parse_period_skips_targets() -> None:
    text = "Kế hoạch thực hiện đến năm 2030; kết quả 6 tháng đầu năm 2025"
    assert parse_period(text) == first_months(2025, 6)
    assert parse_period("đến năm 2030") is None
    assert parse_period("Tính chung 6 tháng") is None
    assert parse_period("Tính chung 6 tháng", 2025) == Period(
        datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), Granularity.HALF_YEAR, True
    )


@pytest.mark.parametrize(
    "text, described",
    [
        ("6 tháng đầu năm 2024", "6 tháng đầu năm 2024"),
        ("6 tháng cuối năm 2024", "6 tháng cuối năm 2024"),
        ("quý I/2025", "quý I năm 2025"),
        ("tháng 11/2025", "tháng 11 năm 2025"),
        ("năm 2024", "năm 2024"),
        ("giai đoạn 2021-2025", "giai đoạn 2021-2025"),
        ("9 tháng năm 2024", "9 tháng đầu năm 2024"),
        ("từ ngày 15/12/2024 đến ngày 14/6/2025", "từ 15/12/2024 đến 14/6/2025"),
        ("từ tháng 1 đến tháng 9 năm 2025", "từ tháng 1 đến tháng 9 năm 2025"),
    ],
)
def test_describe(text: str, described: str) -> None:
    assert parse_period(text).describe() == described


def test_metadata_round_trip_and_relations() -> None:
    half = parse_period("6 tháng đầu năm 2024")
    assert half.to_metadata() == {
        "period_start": "2024-01-01", "period_end": "2024-06-30",
        "period_granularity": "half_year", "period_cumulative": False,
    }
    assert Period.from_metadata(half.to_metadata()) == half
    assert Period.from_metadata({"period_start": ""}) is None
    year = parse_period("năm 2024")
    assert year.covers(half) and not half.covers(year)
    assert half.same_span(parse_period("Tính chung 6 tháng", 2024))
    assert parse_period("giai đoạn 2021-2025").years == (2021, 2022, 2023, 2024, 2025)
    with pytest.raises(ValueError):
        Period(datetime.date(2024, 2, 1), datetime.date(2024, 1, 1), Granularity.RANGE)


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Quy Nhơn, ngày 17 tháng 6 năm 2024", ["2024-06-17"]),
        ("*Cà Mau, ngày 24\ntháng 11 năm 2025*", ["2025-11-24"]),
        ("Số: 290 /BC-UBND ngày   tháng 3 năm 2024", ["2024-03"]),
        ("17/6/2024 và 03/02/2024", ["2024-06-17", "2024-02-03"]),
        ("tính đến tháng 12/2019", ["2019-12"]),
        ("ngay 17 thang 6 nam 2024", ["2024-06-17"]),
        ("Nghị quyết số 163/2024/QH15", []),
        ("31/2/2024", []),
        ("2.015 hồ sơ", []),
    ],
)
def test_find_dates(text: str, expected: list[str]) -> None:
    assert [m.iso for m in find_dates(text)] == expected


def test_date_mention_fields() -> None:
    (mention,) = find_dates("Quy Nhơn, ngày 17 tháng 6 năm 2024")
    assert mention.date == datetime.date(2024, 6, 17)
    assert mention.text == "ngày 17 tháng 6 năm 2024"
    assert iso(2024) == "2024" and iso(2024, 3) == "2024-03" and iso(2024, 3, 5) == "2024-03-05"


def test_fold_with_offsets_maps_back() -> None:
    folded, offsets = fold_with_offsets("Quý Ĩ")
    assert folded == "quy i" and offsets == [0, 1, 2, 3, 4, 5]


def test_number_words_are_the_grammar_one_to_twelve() -> None:
    assert sorted(set(NUMBER_WORDS.values())) == list(range(1, 13))
    assert ORDINAL_NUMBER_WORDS["tư"] == 4 and "tư" not in NUMBER_WORDS
    assert all(re.fullmatch(r"[^\W\d_]+( [^\W\d_]+)?", word) for word in ORDINAL_NUMBER_WORDS)


@pytest.mark.parametrize("text, day, duration", [
    ("gửi báo cáo trước ngày 15 tháng 12 hằng năm", True, True),
    ("trước 19h00 hằng ngày", True, False),
    ("tổng kết năm (trước ngày 20/11 hàng năm)", True, False),
    ("ban hành ngày 18/02/2024", True, False),
    ("trong thời hạn 10 ngày làm việc", False, True),
    ("tỷ lệ 96/100 hồ sơ đúng hạn", False, False),
    ("năm 2025 đạt 40%", False, False),
])
def test_days_and_durations_without_a_year(text: str, day: bool, duration: bool) -> None:
    """A deadline that recurs names no year; "96/100" is a ratio, not a day."""
    assert names_a_day(text) is day
    assert names_a_duration(text) is duration
