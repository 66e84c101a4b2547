"""The precedent finder (issue 14): topic reading, the describe/mention rule, filters, the CLI JSON, the
exports opened with openpyxl and python-docx, the figure comparison, and the precedent eval gated on
an index of data/reports and data/corpus-dev."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from conftest import BINH_SON, HA_LONG, QUY_NHON, ROOT, TINH_AN

from evals.precedents import (
    MIN_PRECISION_AT_5,
    MIN_RECALL_AT_10,
    baseline_search,
    finder_search,
    format_summary,
    load_items,
    order_pairs,
    precision_at,
    recall_at,
    run,
)
from rag.figure_table import first_figure
from rag.precedent_exports import PrecedentTable, export
from rag.precedents import (
    DESCRIBES,
    FOLDED_FUNCTION_WORDS,
    FUNCTION_WORDS,
    MENTIONS,
    PrecedentFilters,
    PrecedentResult,
    PrecedentRow,
    ReportEvidence,
    TopicWeights,
    order_rows,
    survey_topic,
    topic_tokens,
)

CORPUS_DEV = ROOT / "data" / "corpus-dev"
TOPIC = "Những địa phương nào đã xây dựng mô hình Dân vận khéo?"


# --- reading the topic ------------------------------------------------------------------------------

@pytest.mark.parametrize("query, topic", [
    (TOPIC, "xây dựng mô hình Dân vận khéo"),
    ("xã nào đã số hóa hồ sơ hộ tịch?", "số hóa hồ sơ hộ tịch"),
    ("các nơi xử lý đơn thư tồn đọng thế nào?", "xử lý đơn thư tồn đọng"),
    ("nhung dia phuong nao da xay dung mo hinh dan van kheo", "xay dung mo hinh dan van kheo"),
    ("số đơn thư tiếp nhận của các địa phương năm 2024", "số đơn thư tiếp nhận"),
    ("CPI từng tháng năm 2025 tăng bao nhiêu so với tháng trước", "CPI, tăng, so với tháng trước"),
    ("Thành phố thông minh", "Thành phố thông minh"),  # a level word that is the topic stays
])
def test_the_survey_frame_and_periods_leave_the_topic(query, topic):
    assert survey_topic(query) == topic


def test_topic_tokens_are_bm25_tokens_without_function_words_and_with_abbreviations_expanded():
    tokens = topic_tokens("thực hiện QCDC ở cơ sở")
    assert {"qcdc", "quy_che", "dan_chu", "co_so"} <= set(tokens)
    assert not set(tokens) & FOLDED_FUNCTION_WORDS - {"co"}
    assert "hien_co" not in tokens  # no pair across the removed "ở"


def test_function_words_are_grammar_words_and_never_eat_a_content_word_with_marks():
    assert {"đã", "các", "những", "của", "và", "ở", "có"} <= FUNCTION_WORDS
    assert {"co_so", "ma", "ma_tuy", "de_an"} <= set(topic_tokens("cơ sở phòng chống ma túy theo đề án"))
    assert "co_so" not in topic_tokens("co so")  # typed without marks, "co" may be "có": dropped


def test_rare_words_weigh_more():
    weights = TopicWeights.of(["dan_van", "van_kheo"], {"dan_van": 900, "van_kheo": 30}, 1000)
    assert weights.weights["van_kheo"] > 3 * weights.weights["dan_van"]
    assert weights.match(frozenset({"van_kheo"})) > 0.75 > weights.match(frozenset({"dan_van"}))


def _evidence(rid: str, rank: int, best: float, heading: float, sentences: int) -> ReportEvidence:
    e = ReportEvidence(rid, rank, best=best, heading=heading)
    e.on_topic = {f"s{i}" for i in range(sentences)}
    return e


def test_a_report_that_describes_ranks_above_one_that_mentions_even_when_retrieved_first():
    mention = _evidence("a", 0, best=0.95, heading=0.0, sentences=1)
    section = _evidence("b", 5, best=0.6, heading=0.8, sentences=1)
    paragraph = _evidence("c", 9, best=0.7, heading=0.2, sentences=3)
    off_topic = _evidence("d", 1, best=0.3, heading=0.1, sentences=0)
    assert [mention.kind, section.kind, paragraph.kind] == [MENTIONS, DESCRIBES, DESCRIBES]
    assert [e.report_id for e in order_rows([mention, section, paragraph, off_topic])] == ["c", "b", "a"]


# --- eval metrics -----------------------------------------------------------------------------------

def test_eval_metrics():
    ranked = ["a", "m", "b", "x"]
    assert recall_at(ranked, ["a", "b", "c"]) == pytest.approx(2 / 3)
    assert precision_at(ranked, ["a", "b"]) == 0.5
    assert precision_at([], ["a"]) == 0.0
    assert order_pairs(ranked, ["a", "b"], ["m"]) == (1, 2)


def test_the_precedent_dataset_is_valid_and_large_enough():
    items = load_items()
    known = {p.stem for p in (ROOT / "data" / "reports").glob("*.txt")} | {p.stem for p in CORPUS_DEV.glob("*.md")}
    assert len(items) >= 25 and len({i.id for i in items}) == len(items)
    for item in items:
        assert set(item.reports) <= known and set(item.mentions) <= known, item.id
        assert not set(item.reports) & set(item.mentions), item.id
    covered = {rid for item in items for rid in item.reports}
    assert {QUY_NHON, HA_LONG, BINH_SON, TINH_AN} <= covered
    assert len(covered & {p.stem for p in CORPUS_DEV.glob("*.md")}) >= 10


# --- exports ----------------------------------------------------------------------------------------

def _result() -> PrecedentResult:
    rows = [PrecedentRow(
        report_id=QUY_NHON, title="Kết quả thực hiện công tác dân vận chính quyền", document_type="báo cáo",
        locality="thành phố Quy Nhơn", locality_level="thành phố", province="Bình Định",
        period="6 tháng đầu năm 2024", date="2024-06-17", section="III.3", section_title="Dân vận khéo",
        passage="Tổng số mô hình “Dân vận khéo” trên địa bàn đến 31/5/2024 là 77 mô hình.",
        quote="Tổng số mô hình “Dân vận khéo” trên địa bàn đến 31/5/2024 là 77 mô hình.", score=0.81),
        PrecedentRow(report_id=TINH_AN, title="Báo cáo xã Tịnh An", document_type="báo cáo", locality="xã Tịnh An",
                     locality_level="xã", province="Quảng Ngãi", period="năm 2024", date="2024-10", section="II.2.1",
                     section_title="", passage="Đã xây dựng được 07 mô hình.", quote="Đã xây dựng được 07 mô hình.",
                     score=0.5, kind=MENTIONS)]
    return PrecedentResult(query=TOPIC, filters=PrecedentFilters(levels=("xã",)), rows=rows[:1], mentions=rows[1:],
                           topic="xây dựng mô hình Dân vận khéo")


def test_csv_export_opens_with_its_diacritics_and_one_line_per_report(tmp_path):
    path = export(PrecedentTable(_result()), tmp_path / "tien-le.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 by its BOM
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Mã báo cáo"] for r in rows] == [QUY_NHON, TINH_AN]
    assert rows[0]["Địa phương"] == "thành phố Quy Nhơn" and rows[0]["Mức độ"] == "mô tả"
    assert rows[1]["Mức độ"] == "nhắc qua" and "mục III.3" in rows[0]["Trích dẫn"]


def test_xlsx_export_opens_with_openpyxl(tmp_path):
    from openpyxl import load_workbook

    path = export(PrecedentTable(_result()), tmp_path / "tien-le.xlsx")
    sheet = load_workbook(path).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    headers = values[0]
    assert headers[:4] == ["Hạng", "Mức độ", "Điểm", "Địa phương"] and "Trích dẫn" in headers
    assert len(values) == 3 and values[1][headers.index("Điểm")] == 0.81
    assert values[1][headers.index("Câu trích")].endswith("77 mô hình.")


def test_docx_export_is_a_memo_with_a_citation_per_row(tmp_path):
    from docx import Document

    path = export(PrecedentTable(_result()), tmp_path / "tien-le.docx")
    document = Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Tiền lệ: xây dựng mô hình Dân vận khéo" in text
    assert "thành phố Quy Nhơn" in text and "77 mô hình" in text
    assert text.count("Nguồn [") == 2 and "mục III.3" in text and "mục II.2.1" in text
    assert document.tables and document.tables[0].rows[1].cells[1].text == "thành phố Quy Nhơn"


def test_an_unknown_export_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="chỉ hỗ trợ"):
        export(PrecedentTable(_result()), tmp_path / "tien-le.pdf")


# --- figures ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, figure", [
    ("Theo báo cáo 6 tháng đầu năm 2024 của thành phố Quy Nhơn, Thành phố đã tiếp nhận 147 vụ khiếu nại [1].",
     ("147", "vụ khiếu nại")),
    ("Cấp thành phố: đạt tỷ lệ là 99,5% (10.312 hồ sơ/10.361 hồ sơ) [1]", ("99,5%", "%")),
    ("Ngày 17/6/2024 thành phố tổ chức 3 hội nghị [2]", ("3", "hội nghị")),
    ("Không tìm thấy thông tin này trong các báo cáo đã nạp.", ("", "")),
])
def test_first_figure_of_an_answer_skips_dates_and_periods(answer, figure):
    assert first_figure(answer) == figure


# --- on the sample index --------------------------------------------------------------------------------

def test_cli_json_has_one_row_per_report_in_the_contract_shape(sample_service, capsys):
    from baocao_cli.main import main

    code = main(["precedents", TOPIC, "--json", "--db", str(sample_service.settings.db)])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["query"] == TOPIC and payload["filters"]["levels"] == []
    rows = payload["rows"]
    ids = [r["report_id"] for r in rows]
    assert len(ids) == len(set(ids)) and {QUY_NHON, HA_LONG, BINH_SON, TINH_AN} <= set(ids)
    contract = {"report_id", "title", "document_type", "locality", "locality_level", "province", "period", "date",
                "section", "section_title", "passage", "quote", "score"}
    for row in rows:
        assert contract <= set(row) and row["quote"] in row["passage"]
    kinds = [r["kind"] for r in rows]
    assert kinds == sorted(kinds, key=lambda k: k != DESCRIBES)  # describing reports first
    scores = [r["score"] for r in rows if r["kind"] == DESCRIBES]
    assert scores == sorted(scores, reverse=True)


def test_cli_filters_and_export(sample_service, tmp_path, capsys):
    from baocao_cli.main import main

    db = str(sample_service.settings.db)
    assert main(["precedents", TOPIC, "--json", "--db", db, "--level", "xã"]) == 0
    assert [r["report_id"] for r in json.loads(capsys.readouterr().out)["rows"]] == [TINH_AN]
    assert main(["precedents", "tiếp công dân", "--json", "--db", db, "--province", "Quảng Ngãi"]) == 0
    assert {r["report_id"] for r in json.loads(capsys.readouterr().out)["rows"]} <= {BINH_SON, TINH_AN}
    assert main(["precedents", "cải cách thủ tục hành chính", "--json", "--db", db,
                 "--period", "6 tháng đầu năm 2024"]) == 0
    assert [r["report_id"] for r in json.loads(capsys.readouterr().out)["rows"]] == [QUY_NHON]
    out = tmp_path / "tien-le.xlsx"
    assert main(["precedents", TOPIC, "--db", db, "--export", str(out)]) == 0
    assert out.is_file() and "Đã ghi" in capsys.readouterr().out
    assert main(["precedents", TOPIC, "--db", db, "--level", "làng"]) == 2
    assert "cấp không hợp lệ" in capsys.readouterr().err


def test_figure_comparison_applies_the_evidence_policy_row_by_row(sample_service):
    table = sample_service.compare_figures("Số vụ khiếu nại tiếp nhận của các địa phương 6 tháng đầu năm 2024")
    by_report = {row.report_id: row for row in table.rows}
    assert len(by_report) == len(table.rows) and QUY_NHON in by_report
    assert by_report[QUY_NHON].found and by_report[QUY_NHON].value == "147"
    others = [row for row in table.rows if row.report_id != QUY_NHON]
    # no other report is about the first half of 2024 and counts complaints received then: each says so
    assert others and all(not row.found and row.value == "" for row in others)
    assert all("không" in row.answer.lower()[:60] for row in others)  # "Không tìm thấy …", "… không có số liệu …"


# --- the eval, gated --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def full_service(sample_service, tmp_path_factory):
    """The sample index with data/corpus-dev ingested too (a private copy)."""
    from rag import BaocaoService, BaocaoSettings

    sample_service.list_reports()
    db = tmp_path_factory.mktemp("precedents") / "index"
    shutil.copytree(sample_service.settings.db, db)
    service = BaocaoService(BaocaoSettings(db=db))
    summary = service.ingest([CORPUS_DEV], show_progress=False)
    assert not summary.failed, summary.failed
    return service


def test_precedent_eval_meets_the_targets_and_beats_the_retrieval_order(full_service):
    items = load_items()
    finder = run(finder_search(full_service), items)
    baseline = run(baseline_search(full_service), items)
    ours, plain = finder.summary(), baseline.summary()
    print("\n" + format_summary("tìm tiền lệ", ours) + "\n" + format_summary("thứ tự truy hồi", plain))
    misses = [(r["id"], r["ranked"][:5], r["gold"]) for r in finder.rows if r["precision5"] < 1 or r["recall10"] < 1]
    assert ours["recall10"] >= MIN_RECALL_AT_10, misses
    assert ours["precision5"] >= MIN_PRECISION_AT_5, misses
    assert ours["precision5"] > plain["precision5"]  # the cut between reports on the topic and the rest
    assert ours["order"] is not None and ours["order"] >= 0.9  # describing reports above passing mentions


def test_figure_comparison_over_a_monthly_series(tmp_path):
    """"CPI từng tháng năm 2025": one row per monthly report, each with its own month's figure
    (hand-written fixtures, tests/fixtures/series)."""
    from rag import BaocaoService, BaocaoSettings

    service = BaocaoService(BaocaoSettings(db=tmp_path / "index"))
    assert not service.ingest([ROOT / "tests" / "fixtures" / "series"], show_progress=False).failed
    table = service.compare_figures("CPI từng tháng năm 2025 tăng bao nhiêu so với tháng trước")
    figures = {row.report_id: (row.found, row.value, row.period) for row in table.rows}
    assert figures == {"sonla-bc-2025-07": (True, "0,21%", "tháng 7 năm 2025"),
                       "sonla-bc-2025-08": (True, "0,34%", "tháng 8 năm 2025"),
                       "sonla-bc-2025-09": (True, "0,42%", "tháng 9 năm 2025")}
