"""Query analysis, follow-up resolution and the answerer's guards, on hand-made metadata and passages:
the rules that stop a confident wrong figure, each on the input that used to break it."""

from __future__ import annotations

import pytest

from ingest import ReportMetadata
from rag.conversation import resolve_follow_up
from rag.extractive import ExtractiveAnswerer, _counts, place_name, sentence_period_years
from rag.query_analysis import LocalityGazetteer, analyze_query, measures_asked, years_in
from rag.schema import Answer, Passage

REPORTS = [
    ReportMetadata(report_id="qn", locality="thành phố Quy Nhơn", locality_level="thành phố", province="Bình Định",
                   period="6 tháng đầu năm 2024", years=[2024]),
    ReportMetadata(report_id="hl", locality="thành phố Hạ Long", locality_level="thành phố", province="Quảng Ninh",
                   period="năm 2020", years=[2020, 2021]),
    ReportMetadata(report_id="ta", locality="xã Tỉnh An", locality_level="xã", period="năm 2024", years=[2024]),
    ReportMetadata(report_id="qm", locality="phường Quảng Minh", locality_level="phường", period="Quý 2 năm 2024",
                   years=[2024]),
]
GAZETTEER = LocalityGazetteer(REPORTS)
PREVIOUS = "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại năm 2024?"


def ask(question: str, *passages: Passage, mentions=lambda name: False):
    return ExtractiveAnswerer(corpus_mentions=mentions).answer(analyze_query(question, GAZETTEER), list(passages))


def passage(text: str, report_id="qn", locality="thành phố Quy Nhơn", period="6 tháng đầu năm 2024") -> Passage:
    return Passage(chunk_id=f"{report_id}:0001", report_id=report_id, section="III.6", section_title="", text=text,
                   score=1.0, locality=locality, period=period)


@pytest.mark.parametrize("text, expected", [
    ("Tịnh An", {"ta"}), ("tinh an", {"ta"}), ("xã Tinh An", {"ta"}), ("Quy Nhon", {"qn"}),
    ("chỉ số hài lòng", set()),          # "hài lòng" is one edit from "Hạ Long" but no name
    ("xã Tịnh Hà", set()),                # two edits away: another commune
    ("tỉnh Quảng Ninh", set()),           # a province is no report's place (not "Quảng Minh")
])
def test_places_in_questions(text, expected):
    assert analyze_query(text, GAZETTEER).report_ids == expected


def test_unknown_place_with_its_level():
    assert analyze_query("Thành phố Cẩm Phả có bao nhiêu mô hình?", GAZETTEER).unknown_places == ("Thành phố Cẩm Phả",)
    assert place_name("Thành phố Cẩm Phả") == "Cẩm Phả" and place_name("xã Tịnh Hà") == "Tịnh Hà"


@pytest.mark.parametrize("text, years", [
    ("năm 2020", (2020,)), ("giai đoạn 2021-2024", (2021, 2022, 2023, 2024)), ("quý I/2024", (2024,)),
    ("ngày 17/6/2024", ()), ("tháng 10/2024", (2024,)), ("năm học 2023/2024", (2023, 2024)),
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
    ("hộ nghèo", "Hỗ trợ 30 hồ sơ của hộ nghèo.", False),
    ("hồ sơ", "Tiếp nhận 58 hồ sơ.", True),
    ("doanh nghiệp", "Tổng số doanh nghiệp đã ký kết thỏa ước lao động tập thể: 834/885 bằng 94,2%;", True),
])
def test_a_figure_must_count_the_noun_asked(measure, sentence, counts):
    assert _counts(measure, sentence) is counts


def test_years_mentioned_in_passing_are_not_the_period():
    assert sentence_period_years("Tiếp nhận 147 vụ khiếu nại, tăng 12 vụ so với cùng kỳ năm 2023.") == ()
    assert sentence_period_years("Năm 2023 giảm 11 hộ nghèo.") == (2023,)
    # a span of dates is the period of the figures; a date of a decision is not
    assert sentence_period_years("Từ ngày 03/7/2023 đến ngày 29/9/2023, thành phố tổ chức 23 lớp.") == (2023,)
    assert sentence_period_years("Theo Quyết định số 154/QĐ-UBND ngày 09/01/2024, kiểm tra 5 đơn vị.") == ()
    answer = ask("Năm 2023 Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?",
                 passage("Tiếp nhận 147 vụ khiếu nại, tăng 12 vụ so với cùng kỳ năm 2023."))
    assert answer.abstained


def test_quarter_written_in_digits_is_checked():
    text = "Trong quý, UBND phường tiếp nhận 58 hồ sơ thủ tục hành chính."
    qm = passage(text, report_id="qm", locality="phường Quảng Minh", period="Quý 2 năm 2024")
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
