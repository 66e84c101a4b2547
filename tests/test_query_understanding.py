"""Query analysis, follow-up resolution and the answerer's guards, on hand-made metadata and passages:
the rules that stop a confident wrong figure, each on the input that used to break it."""

from __future__ import annotations

import pytest

from ingest import ReportMetadata, fold
from rag.conversation import resolve_follow_up
from ingest.gazetteer import load_gazetteer
from rag.evidence import evidence_period
from rag.extractive import ExtractiveAnswerer, _counts, _has_figure, place_name
from rag.query_analysis import LocalityGazetteer, analyze_query, measures_asked, years_in
from rag.schema import Answer, Passage

H1_2024 = dict(period="6 tháng đầu năm 2024", period_start="2024-01-01", period_end="2024-06-30",
               period_granularity="half_year")
REPORTS = [
    ReportMetadata(report_id="qn", locality="thành phố Quy Nhơn", locality_level="thành phố", province="Bình Định",
                   current_province="Gia Lai", years=[2024], **H1_2024),
    ReportMetadata(report_id="hl", locality="thành phố Hạ Long", locality_level="thành phố", province="Quảng Ninh",
                   period="năm 2020", period_start="2020-01-01", period_end="2020-12-31", period_granularity="year",
                   years=[2020, 2021]),
    ReportMetadata(report_id="ta", locality="xã Tỉnh An", locality_level="xã", period="năm 2024", years=[2024]),
    ReportMetadata(report_id="qm", locality="phường Quảng Minh", locality_level="phường", period="Quý 2 năm 2024",
                   period_start="2024-04-01", period_end="2024-06-30", period_granularity="quarter", years=[2024]),
    ReportMetadata(report_id="ct", locality="tỉnh Cà Mau", locality_level="tỉnh", province="Cà Mau", period="tháng 6",
                   period_start="2025-06-01", period_end="2025-06-30", period_granularity="month", years=[2025]),
    ReportMetadata(report_id="bn", locality="tỉnh Bắc Ninh", locality_level="tỉnh", province="Bắc Ninh",
                   document_type="kế hoạch", period="giai đoạn 2026 - 2030", period_start="2026-01-01",
                   period_end="2030-12-31", period_granularity="multi_year", years=[2026, 2027, 2028, 2029, 2030]),
]
GAZETTEER = LocalityGazetteer(REPORTS)
PREVIOUS = "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại năm 2024?"


def ask(question: str, *passages: Passage, mentions=lambda name: False):
    query = analyze_query(question, GAZETTEER, load_gazetteer())
    return ExtractiveAnswerer(corpus_mentions=mentions).answer(query, list(passages))


def passage(text: str, report_id="qn", locality="thành phố Quy Nhơn", period=H1_2024, document_type="báo cáo",
            ) -> Passage:
    return Passage(chunk_id=f"{report_id}:0001", report_id=report_id, section="III.6", section_title="", text=text,
                   score=1.0, locality=locality, period=period.get("period", ""),
                   period_start=period.get("period_start", ""), period_end=period.get("period_end", ""),
                   period_granularity=period.get("period_granularity", ""), document_type=document_type)


@pytest.mark.parametrize("text, expected", [
    ("Tịnh An", {"ta"}), ("tinh an", {"ta"}), ("xã Tinh An", {"ta"}), ("Quy Nhon", {"qn"}),
    ("chỉ số hài lòng", set()),          # "hài lòng" is one edit from "Hạ Long" but no name
    ("xã Tịnh Hà", set()),                # two edits away: another commune
    ("tỉnh Quảng Ninh", set()),           # a province is no report's place (not "Quảng Minh")
])
def test_places_in_questions(text, expected):
    assert analyze_query(text, GAZETTEER, load_gazetteer()).report_ids == expected


@pytest.mark.parametrize("question, unknown", [
    ("Thành phố Cẩm Phả có bao nhiêu mô hình?", "Thành phố Cẩm Phả"),
    # a real place no report is about, named without a level word, with or without diacritics
    ("Cẩm Phả năm 2020 có bao nhiêu mô hình Dân vận khéo?", "Cẩm Phả"),
    ("cam pha nam 2020 co bao nhieu mo hinh dan van kheo", "cam pha"),
    ("tỉnh Quảng Trị có bao nhiêu hộ nghèo?", "tỉnh Quảng Trị"),
])
def test_unknown_place(question, unknown):
    found = analyze_query(question, GAZETTEER, load_gazetteer()).unknown_places
    assert any(fold(unknown) in fold(place) for place in found), found


def test_places_and_topics_are_not_taken_for_unknown_places():
    for question in ("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?", "chỉ số hài lòng của người dân là bao nhiêu?",
                     "Kinh tế - xã hội tỉnh Quảng Ninh năm 2020?", "tỉnh Gia Lai có bao nhiêu mô hình?"):
        assert analyze_query(question, GAZETTEER, load_gazetteer()).unknown_places == (), question


@pytest.mark.parametrize("question", [
    "TP HCM đặt mục tiêu tỷ suất sinh năm 2025 giảm còn bao nhiêu?",
    "tp hcm thu tuc giai the con bao nhieu ngay",
    "TP. Hồ Chí Minh có bao nhiêu thủ tục được đơn giản hóa?",
])
def test_the_short_form_of_an_indexed_place_is_that_place(question):
    """The national gazetteer reads "TP HCM" as thành phố Hồ Chí Minh: the indexed place, not an
    unknown one that the level-word pattern would otherwise report."""
    hcm = ReportMetadata(report_id="hcm", locality="Thành phố Hồ Chí Minh",
                         locality_level="thành phố", province="Thành phố Hồ Chí Minh")
    query = analyze_query(question, LocalityGazetteer([*REPORTS, hcm]), load_gazetteer())
    assert query.report_ids == {"hcm"} and query.unknown_places == ()


def test_unknown_place_with_its_level():
    assert place_name("Thành phố Cẩm Phả") == "Cẩm Phả" and place_name("xã Tịnh Hà") == "Tịnh Hà"
    answer = ask("Cẩm Phả năm 2020 có bao nhiêu mô hình Dân vận khéo?",
                 passage("Năm 2020 xây dựng 36 mô hình Dân vận khéo.", report_id="hl", locality="thành phố Hạ Long",
                         period=dict(period_start="2020-01-01", period_end="2020-12-31", period_granularity="year")))
    assert answer.abstained and "Cẩm Phả" in answer.text and "36" not in answer.text


@pytest.mark.parametrize("text, years", [
    ("năm 2020", (2020,)), ("giai đoạn 2021-2024", (2021, 2022, 2023, 2024)), ("quý I/2024", (2024,)),
    ("ngày 17/6/2024", ()), ("tháng 10/2024", (2024,)), ("2.015 hồ sơ", ()), ("so với cùng kỳ năm 2023", ()),
])
def test_years_in(text, years):
    assert years_in(text) == years


def test_measures_keep_the_diacritics_typed():
    assert measures_asked("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?") == ("vụ khiếu",)
    assert measures_asked("quy nhon tiep nhan bao nhieu vu khieu nai") == ("vu khieu",)


@pytest.mark.parametrize("measure, sentence, counts", [
    ("vụ khiếu", "Tiếp nhận 147 vụ khiếu nại.", True),
    ("vụ khiếu", "Cung cấp 25 dịch vụ công trực tuyến, tiếp nhận khiếu nại qua cổng.", False),
    ("đơn khiếu", "Có 20/21 đơn vị đã triển khai.", False),
    ("đơn", "Có 20/21 đơn vị đã triển khai.", False),  # "đơn vị" is one word (the dictionary), no "đơn"
    ("vụ", "Thực hiện tốt 3 nghĩa vụ: nộp thuế, …", False),
    ("mô hình", "Xây dựng 07 mô hình dân vận khéo.", True),  # any noun, not a list of nouns
    ("thành viên", "Mỗi Ban có 06 thành viên.", True),
    ("trường hợp", "Xử lý 12 trường hợp vi phạm.", True),
    ("TTHC", "Đưa 283 thủ tục hành chính vào giải quyết.", True),  # an abbreviation counts its full form
    ("hộ nghèo", "Hỗ trợ 30 hồ sơ của hộ nghèo.", False),
    ("hồ sơ", "Tiếp nhận 58 hồ sơ.", True),
    ("doanh nghiệp", "Tổng số doanh nghiệp đã ký kết thỏa ước lao động tập thể: 834/885 bằng 94,2%;", True),
])
def test_a_figure_must_count_the_noun_asked(measure, sentence, counts):
    assert _counts(measure, sentence) is counts


def test_years_mentioned_in_passing_are_not_the_period():
    compared = passage("Tiếp nhận 147 vụ khiếu nại, tăng 12 vụ so với cùng kỳ năm 2023.")
    assert not evidence_period(compared.text, compared).stated  # the report's period stands
    assert str(evidence_period("Năm 2023 giảm 11 hộ nghèo.", compared).period.start) == "2023-01-01"
    # a span of dates is the period of the figures; a date of a decision is not
    span = evidence_period("Từ ngày 03/7/2023 đến ngày 29/9/2023, thành phố tổ chức 23 lớp.", compared)
    assert (str(span.period.start), str(span.period.end)) == ("2023-07-03", "2023-09-29")
    assert not evidence_period("Theo Quyết định số 154/QĐ-UBND ngày 09/01/2024, kiểm tra 5 đơn vị.", compared).stated
    answer = ask("Năm 2023 Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?", compared)
    assert answer.abstained


def test_quarter_written_in_digits_is_checked():
    text = "Trong quý, UBND phường tiếp nhận 58 hồ sơ thủ tục hành chính."
    qm = passage(text, report_id="qm", locality="phường Quảng Minh",
                 period=dict(period_start="2024-04-01", period_end="2024-06-30", period_granularity="quarter"))
    assert ask("Quý 3 năm 2024 phường Quảng Minh tiếp nhận bao nhiêu hồ sơ thủ tục hành chính?", qm).abstained
    assert not ask("Quý II năm 2024 phường Quảng Minh tiếp nhận bao nhiêu hồ sơ thủ tục hành chính?", qm).abstained


def test_a_place_only_mentioned_in_another_report_is_not_answered_from_it():
    answer = ask("Huyện Tuy Phước tiếp nhận bao nhiêu vụ khiếu nại?", passage("Tiếp nhận 147 vụ khiếu nại."),
                 mentions=lambda name: name == "Tuy Phước")
    assert answer.abstained and "Tuy Phước" in answer.text


def test_answer_for_the_right_period_is_given():
    answer = ask(PREVIOUS, passage("Tiếp nhận 147 vụ khiếu nại, 01 vụ tố cáo."))
    assert not answer.abstained and "147 vụ khiếu nại" in answer.text and answer.citations[0].n == 1


# --- follow-ups -------------------------------------------------------------------------------------

def history(question: str = PREVIOUS) -> list[Answer]:
    return [Answer(question=question, answer="", abstained=False, resolved_question=question)]


@pytest.mark.parametrize("question, resolved", [
    ("còn năm 2020 thì sao?", "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại năm 2020?"),
    ("năm 2023?", "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại năm 2023?"),
    ("Còn Tịnh An năm 2024 thì sao?", "xã Tỉnh An tiếp nhận bao nhiêu vụ khiếu nại năm 2024?"),
    ("còn 6 tháng cuối năm thì sao?", "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại 6 tháng cuối năm 2024?"),
    ("con nam 2020 thi sao", "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại nam 2020?"),
    ("Vậy còn quý I năm 2024?", "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại quý I năm 2024?"),
    ("thế còn xã Tịnh An?", "xã Tỉnh An tiếp nhận bao nhiêu vụ khiếu nại năm 2024?"),
    # a question with a topic of its own is not rewritten into the previous one
    ("Công tác chuyển đổi số được triển khai như thế nào?", "Công tác chuyển đổi số được triển khai như thế nào?"),
    ("Thể thao có bao nhiêu giải đấu?", "Thể thao có bao nhiêu giải đấu?"),
    # a new topic asked as a follow-up keeps the place and year
    ("Còn số hộ nghèo thì sao?", "Còn số hộ nghèo thì sao (thành phố Quy Nhơn; năm 2024)?"),
])
def test_follow_ups(question, resolved):
    assert resolve_follow_up(question, history(), GAZETTEER) == resolved


def test_follow_up_narrowing_a_range_keeps_a_year():
    resolved = resolve_follow_up("còn năm 2024 thì sao?", history("Số vụ khiếu nại của Quy Nhơn giai đoạn 2021-2023?"),
                                 GAZETTEER)
    assert "2024" in resolved and "2021" not in resolved


@pytest.mark.parametrize("sentence, has", [
    ("Tiếp nhận 2.015 hồ sơ.", True),             # a quantity, not a year
    ("Trong năm 2024, thành phố triển khai.", False),
    ("Ngày 17/6/2024, UBND đã họp.", False),
    ("Quý I/2025 triển khai kế hoạch.", False),
])
def test_a_year_is_what_the_period_parser_reads(sentence, has):
    assert _has_figure(sentence) is has


def test_may_typed_with_its_marks_is_not_machine():
    assert analyze_query("Có mấy mô hình?", GAZETTEER).asks_figure
    assert not analyze_query("Trang bị máy tính cho bộ phận một cửa như thế nào?", GAZETTEER).asks_figure


# --- the evidence policy: the asked period and kind -------------------------------------------------

SIX_MONTHS = "Trong 6 tháng đầu năm 2024, tiếp nhận 147 vụ khiếu nại."


@pytest.mark.parametrize("question", [
    "Quy Nhơn 9 tháng đầu năm 2024 tiếp nhận bao nhiêu vụ khiếu nại?",
    "quy nhon 9 thang dau nam 2024 tiep nhan bao nhieu vu khieu nai",
    "Cả năm 2024 Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?",
    "ca nam 2024 quy nhon tiep nhan bao nhieu vu khieu nai",
    "Quý III năm 2024 Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?",
])
def test_another_period_is_refused_with_what_exists_instead(question):
    answer = ask(question, passage(SIX_MONTHS))
    assert answer.abstained
    assert "không có số liệu" in answer.text and "6 tháng đầu năm 2024" in answer.text and "147" in answer.text
    assert answer.citations and answer.citations[0].quote == SIX_MONTHS


@pytest.mark.parametrize("question", [
    "Quy Nhơn 6 tháng đầu năm 2024 tiếp nhận bao nhiêu vụ khiếu nại?",
    "quy nhon 6 thang dau nam 2024 tiep nhan bao nhieu vu khieu nai",
    "Năm 2024 Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?",  # a bare year anchors the time; the answer says which part
])
def test_the_asked_period_is_answered_and_named(question):
    answer = ask(question, passage(SIX_MONTHS))
    assert not answer.abstained and "147 vụ khiếu nại" in answer.text
    assert answer.text.startswith("Theo báo cáo 6 tháng đầu năm 2024 của thành phố Quy Nhơn")


def test_the_sentence_of_the_asked_period_is_chosen_within_a_report():
    monthly = dict(period_start="2025-06-01", period_end="2025-06-30", period_granularity="month")
    text = ("Tháng Sáu, chỉ số giá tiêu dùng tăng 0,48% so với tháng trước. "
            "Tính chung 6 tháng đầu năm 2025, chỉ số giá tiêu dùng bình quân tăng 3,27% so với cùng kỳ.")
    june = passage(text, report_id="ct", locality="tỉnh Cà Mau", period=monthly)
    assert "3,27%" in ask("Chỉ số giá tiêu dùng bình quân 6 tháng đầu năm 2025 của Cà Mau tăng bao nhiêu phần trăm?",
                          june).text
    month = ask("Chỉ số giá tiêu dùng tháng 6/2025 của Cà Mau tăng bao nhiêu phần trăm?", june)
    assert "0,48%" in month.text and "3,27%" not in month.text


def test_a_plan_target_is_no_result():
    plan = passage("Đến năm 2030, tỷ lệ người dân có tài khoản định danh điện tử đạt 80%.", report_id="bn",
                   locality="tỉnh Bắc Ninh", document_type="kế hoạch",
                   period=dict(period_start="2026-01-01", period_end="2030-12-31", period_granularity="multi_year"))
    result = ask("Kết quả tỷ lệ người dân có tài khoản định danh điện tử của Bắc Ninh đạt được là bao nhiêu?", plan)
    assert result.abstained and "chỉ tiêu" in result.text
    target = ask("Mục tiêu tỷ lệ người dân có tài khoản định danh điện tử của Bắc Ninh đến năm 2030?", plan)
    assert not target.abstained and "80%" in target.text
    neutral = ask("Tỷ lệ người dân có tài khoản định danh điện tử của Bắc Ninh là bao nhiêu?", plan)
    assert not neutral.abstained and "chỉ tiêu kế hoạch, chưa phải kết quả" in neutral.text


def test_follow_up_replaces_the_period_and_never_a_date():
    cpi = history("CPI bình quân 9 tháng năm 2025 của Cà Mau tăng bao nhiêu?")
    assert resolve_follow_up("còn 6 tháng đầu năm thì sao?", cpi, GAZETTEER) == \
        "CPI bình quân 6 tháng đầu năm 2025 của Cà Mau tăng bao nhiêu?"
    dated = history("Theo Chỉ thị ngày 25/5/2021, Quy Nhơn có bao nhiêu mô hình năm 2024?")
    assert resolve_follow_up("còn năm 2023?", dated, GAZETTEER) == \
        "Theo Chỉ thị ngày 25/5/2021, Quy Nhơn có bao nhiêu mô hình năm 2023?"


@pytest.mark.parametrize("question, topic", [
    ("Theo kế hoạch giai đoạn 2026-2030, Bắc Ninh đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP?",
     "Theo kế hoạch , Bắc Ninh đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP?"),
    ("Trong QĐ 2843 của TP HCM có bao nhiêu TTHC được đơn giản hóa?", "Trong của TP HCM có bao nhiêu TTHC được đơn giản hóa?"),
    ("ke hoach 182 dong nai den nam 2030 ty le xa khong ma tuy", "dong nai den ty le xa khong ma tuy"),
    # a comparison period stays: it says which figure of the sentence is meant
    ("Quy Nhơn 6 tháng đầu năm 2024 tăng bao nhiêu so với cùng kỳ?", "Quy Nhơn tăng bao nhiêu so với cùng kỳ?"),
])
def test_the_topic_is_the_question_without_its_periods_dates_and_document_numbers(question, topic):
    assert analyze_query(question, GAZETTEER).topic == topic


@pytest.mark.parametrize("question, when, how_long", [
    ("Các đơn vị phải gửi báo cáo kết quả trước ngày nào?", True, False),
    ("Tháng hành động diễn ra từ ngày nào đến ngày nào?", True, False),
    ("Phải báo cáo UBND tỉnh trước mấy giờ hằng ngày?", True, False),
    ("cac so nganh phai gui ke hoach trong thoi han bao lau", False, True),
    ("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?", False, False),
])
def test_a_day_or_a_length_of_time_asked(question, when, how_long):
    query = analyze_query(question, GAZETTEER)
    assert (query.asks_date, query.asks_duration) == (when, how_long)
    assert query.asks_figure


def test_a_date_question_is_answered_by_a_day_not_by_any_number():
    plan = passage("Sở Nội vụ tổng hợp báo cáo kết quả của 12 sở. Các sở gửi báo cáo kết quả về Sở Nội vụ trước "
                   "ngày 16/12/2025.", report_id="bn", locality="tỉnh Bắc Ninh")
    answer = ask("Bắc Ninh yêu cầu các sở gửi báo cáo kết quả về Sở Nội vụ trước ngày nào?", plan)
    assert not answer.abstained and "16/12/2025" in answer.text and "12 sở" not in answer.text


def test_a_list_item_is_shown_under_the_heading_that_is_its_subject():
    """Under "3. Sở Y tế", the item "d) Chủ trì … Dự án 6" is the Sở Y tế's task: the answer says so."""
    text = "IV. PHÂN CÔNG NHIỆM VỤ\n3. Sở Y tế\nd) Chủ trì triển khai các nhiệm vụ tại Dự án 6 về y tế.\n"
    plan = Passage(chunk_id="ct:0001", report_id="ct", section="IV", section_title="PHÂN CÔNG NHIỆM VỤ", text=text,
                   score=1.0, locality="thành phố Cần Thơ", document_type="kế hoạch",
                   subsections=((23, "IV.3", "Sở Y tế"),
                                (34, "IV.3.d", "Chủ trì triển khai các nhiệm vụ tại Dự án 6 về y tế")))
    answer = ask("Cơ quan nào chủ trì Dự án 6 về y tế?", plan)
    assert not answer.abstained and "Sở Y tế: d) Chủ trì" in answer.text


def test_a_plan_task_without_figures_is_not_labelled_a_target():
    plan = passage("Sở Y tế chủ trì triển khai Dự án 6 về đáp ứng y tế trong phòng, chống ma túy.", report_id="bn",
                   locality="tỉnh Bắc Ninh", document_type="kế hoạch",
                   period=dict(period_start="2026-01-01", period_end="2030-12-31", period_granularity="multi_year"))
    answer = ask("Cơ quan nào chủ trì Dự án 6 về đáp ứng y tế trong phòng, chống ma túy?", plan)
    assert not answer.abstained and "chỉ tiêu kế hoạch" not in answer.text


def test_a_list_item_carries_the_terms_of_its_heading():
    """"- Thời gian thực hiện: 05 ngày" answers for the procedure its heading names, not for another's."""
    text = ("1. Tên thủ tục hành chính: Cấp giấy phép hoạt động dịch vụ việc làm\n- Thời gian thực hiện: 05 ngày.\n"
            "2. Tên thủ tục hành chính: Xác nhận phiên hiệu thanh niên xung phong\n- Thời gian thực hiện: 30 ngày.\n")
    decision = Passage(chunk_id="hcm:0001", report_id="hcm", section="PL", section_title="PHỤ LỤC", text=text,
                       score=1.0, locality="thành phố Hồ Chí Minh", document_type="quyết định",
                       subsections=((0, "PL.1", "Tên thủ tục hành chính: Cấp giấy phép hoạt động dịch vụ việc làm"),
                                    (100, "PL.2", "Tên thủ tục hành chính: Xác nhận phiên hiệu thanh niên xung phong")))
    answer = ask("Thời gian thực hiện thủ tục xác nhận phiên hiệu thanh niên xung phong là bao nhiêu ngày?", decision)
    assert not answer.abstained and "30 ngày" in answer.text and "05 ngày" not in answer.text


def test_sibling_items_that_answer_alike_are_both_shown():
    """Two items under one heading answer the question as well as each other (the time "theo quy định"
    and the time after simplification): both are shown, so the reader sees the difference."""
    text = ("1. Tên thủ tục hành chính: Cấp giấy phép hoạt động dịch vụ việc làm\n"
            "- Thời gian giải quyết theo quy định: 07 ngày.\n- Thời gian thực hiện: 05 ngày.\n")
    decision = Passage(chunk_id="hcm:0001", report_id="hcm", section="PL", section_title="PHỤ LỤC", text=text,
                       score=1.0, locality="thành phố Hồ Chí Minh", document_type="quyết định",
                       subsections=((0, "PL.1", "Tên thủ tục hành chính: Cấp giấy phép hoạt động dịch vụ việc làm"),))
    answer = ask("Sau khi đơn giản hóa, thủ tục cấp giấy phép hoạt động dịch vụ việc làm còn bao nhiêu ngày?", decision)
    assert not answer.abstained and "07 ngày" in answer.text and "05 ngày" in answer.text


@pytest.mark.parametrize("question, agencies", [
    ("Quyết định 2843 đơn giản hóa bao nhiêu thủ tục hành chính thuộc Sở Y tế?", ("Sở Y tế",)),
    ("Sở Văn hóa, Thể thao và Du lịch phải hoàn thành khi nào?", ("Sở Văn hóa",)),
    ("Bộ Công an giao nhiệm vụ gì?", ("Bộ Công an",)),
    ("Trung tâm Hành chính công tiếp nhận bao nhiêu hồ sơ?", ()),  # a centre is named in many ways
    ("sở y tế chủ trì gì", ()),
])
def test_agencies_named(question, agencies):
    assert analyze_query(question, GAZETTEER).organisations == agencies


def test_another_agency_is_no_answer():
    """Asked about the Sở Y tế, a passage about the Sở Nội vụ's procedures does not answer."""
    decision = passage("Thông qua phương án đơn giản hóa 53 thủ tục hành chính thuộc phạm vi quản lý của Sở Nội vụ.",
                       report_id="hcm", locality="thành phố Hồ Chí Minh", document_type="quyết định")
    assert ask("Quyết định này đơn giản hóa bao nhiêu thủ tục hành chính thuộc Sở Y tế?", decision).abstained
    assert "53" in ask("Quyết định này đơn giản hóa bao nhiêu thủ tục hành chính thuộc Sở Nội vụ?", decision).text
