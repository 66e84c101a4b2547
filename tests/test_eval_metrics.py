"""Eval metrics on hand-written ask/search objects (DESIGN.md contracts), no system involved."""

from __future__ import annotations

import pytest

from evals.dataset import EvalItem
from evals.metrics import (
    aggregate,
    citation_support,
    contains_fact,
    fact_recall,
    percentile,
    rank_scores,
    retrieval_ranks,
    score_item,
    section_matches,
    unsupported_figures,
)

QN = "000_3221774fd58b1c41"
HL = "001_920123d9554d1714"
BS = "002_189a1961355b855e"


def item(**overrides) -> EvalItem:
    data = {
        "id": "q-1",
        "question": "Quy Nhơn 6 tháng đầu năm 2024 tiếp nhận bao nhiêu vụ khiếu nại, tố cáo?",
        "answerable": True,
        "must_include": ["147", "01 vụ tố cáo"],
        "reports": [QN],
        "section": "III.6",
        "type": "numeric",
    }
    data.update(overrides)
    return EvalItem.model_validate(data)


def citation(n=1, report_id=QN, quote="", text="", section="III.6") -> dict:
    return {"n": n, "report_id": report_id, "title": "", "locality": "", "date": "", "section": section,
            "section_title": "", "quote": quote, "text": text, "score": 0.8}


def ask(answer, citations=(), retrieved=(), abstained=False, total=120) -> dict:
    return {"question": "", "answer": answer, "abstained": abstained, "citations": list(citations),
            "retrieved": list(retrieved), "timings_ms": {"retrieve": 10, "answer": 100, "total": total}}


def passage(report_id, section) -> dict:
    return {"report_id": report_id, "section": section, "chunk_id": f"{report_id}:{section}", "score": 0.5}


SOURCE = "Tiếp nhận 147 vụ khiếu nại, 01 vụ tố cáo và 192 vụ yêu cầu, kiến nghị, phản ánh."


# --- folding and number-aware matching ---------------------------------------------------------



@pytest.mark.parametrize(
    "answer, fact",
    [
        ("trao 7986 suất quà", "7.986"),
        ("trao 7.986 suất quà", "7986"),
        ("đạt 99,5 % hồ sơ", "99,5%"),
        ("đạt 99,5% hồ sơ", "99,5 %"),
        ("tiếp nhận 3 vụ", "03"),
        ("tiếp nhận 03 vụ", "3"),
        ("có 1 vụ TỐ CÁO", "01 vụ tố cáo"),
        ("giải quyết 96/139 vụ [1].", "96/139"),
        ("trên 2,8 tỷ đồng.", "2,8 tỷ"),
        ("1.234.567 lượt", "1234567"),
        ("mô hình “Camera an ninh” ở xã", "Camera an ninh"),
        ("Cổng trường an toàn giao thông – bảo đảm ANTT", "Cổng trường an toàn giao thông - bảo đảm ANTT"),
    ],
)
def test_same_number_or_text_matches(answer, fact):
    assert contains_fact(answer, fact)


@pytest.mark.parametrize(
    "answer, fact",
    [
        ("trao 7,986 suất quà", "7.986"),  # 7,986 is seven point nine eight six
        ("trao 7.986 suất quà", "7,986"),
        ("tiếp nhận 1470 vụ", "147"),
        ("tiếp nhận 2147 vụ", "147"),
        ("tiếp nhận 147,5 vụ", "147"),
        ("đạt 99,5 hồ sơ", "99,5%"),
        ("giải quyết 96 trên 139 vụ", "96/139"),
        ("có 2 vụ tố cáo", "01 vụ tố cáo"),
        ("bất kỳ", ""),
    ],
)
def test_different_number_does_not_match(answer, fact):
    assert not contains_fact(answer, fact)


# --- retrieval -------------------------------------------------------------------------------------

def test_section_prefix_match():
    assert section_matches("III.6", "III.6")
    assert section_matches("III.6", "III.6.a")
    assert not section_matches("III.6", "III.60")
    assert not section_matches("III.6", "III")
    assert not section_matches("III.6", "")
    assert section_matches("P1.I.2.3", "P1.I.2.3.b")


def test_retrieval_ranks_and_mrr():
    obj = ask("", retrieved=[passage(HL, "III.6"), passage(QN, "III.1"), passage(QN, "III.6.b")])
    ranks = retrieval_ranks(obj, item())
    assert ranks == {"report_rank": 2, "section_rank": 3}
    row = score_item(obj, item())
    assert row["hit1_report"] == 0.0 and row["hit5_report"] == 1.0 and row["mrr10_report"] == 0.5
    assert row["hit1_section"] == 0.0 and row["hit5_section"] == 1.0 and row["mrr10_section"] == pytest.approx(1 / 3)


def test_mrr_cut_at_ten_and_missing():
    assert rank_scores(1) == {"hit1": 1.0, "hit5": 1.0, "mrr10": 1.0}
    assert rank_scores(10)["mrr10"] == 0.1
    assert rank_scores(11) == {"hit1": 0.0, "hit5": 0.0, "mrr10": 0.0}
    assert rank_scores(None) == {"hit1": 0.0, "hit5": 0.0, "mrr10": 0.0}


def test_retrieval_from_search_object_and_empty_section():
    search = {"query": "q", "results": [passage(BS, "P1.I"), passage(HL, "PL.3")]}
    cross = item(reports=[QN, HL], section="", type="cross_report")
    assert retrieval_ranks(search, cross) == {"report_rank": 2, "section_rank": 2}
    row = score_item(search, cross)
    assert row["mrr10_report"] == 0.5 and row["fact_recall"] is None and row["abstention"] is None


# --- answers ---------------------------------------------------------------------------------------

def test_fact_recall_all_facts_and_support():
    good = ask("Tiếp nhận 147 vụ khiếu nại và 1 vụ tố cáo [1].", [citation(quote=SOURCE)])
    assert fact_recall(good, item()) == 1.0
    assert citation_support(good, item()) == 1.0
    row = score_item(good, item())
    assert row["all_facts"] == 1.0 and row["abstention"] == 1.0 and row["unsupported_figures"] == []

    half = ask("Tiếp nhận 147 vụ khiếu nại [1].", [citation(quote=SOURCE)])
    assert fact_recall(half, item()) == 0.5
    assert score_item(half, item())["all_facts"] == 0.0


def test_citation_support_needs_a_gold_report_citation():
    wrong_report = ask("Tiếp nhận 147 vụ khiếu nại, 01 vụ tố cáo [1].", [citation(report_id=HL, text=SOURCE)])
    assert fact_recall(wrong_report, item()) == 1.0
    assert citation_support(wrong_report, item()) == 0.0
    partly = ask("147 vụ khiếu nại, 01 vụ tố cáo [1].", [citation(quote="Tiếp nhận 147 vụ khiếu nại")])
    assert citation_support(partly, item()) == 0.5
    assert citation_support(ask("Không rõ."), item()) is None


def test_planted_unsupported_figure():
    answer = "Quy Nhơn tiếp nhận 147 vụ khiếu nại, 01 vụ tố cáo và đã giải quyết 2.150 vụ [1][2]."
    obj = ask(answer, [citation(quote=SOURCE), citation(n=2, text="Tiếp nhận 192 vụ yêu cầu")])
    assert unsupported_figures(obj) == ["2.150"]
    assert score_item(obj, item())["unsupported_figures"] == ["2.150"]


def test_unsupported_figures_compare_by_value_and_skip_markers():
    cited = [citation(quote="trao tặng 7.986 suất quà, đạt 99,5%")]
    assert unsupported_figures(ask("7986 suất quà, 99,5 % [1]", cited)) == []
    assert unsupported_figures(ask("7,986 suất quà [1]", cited)) == ["7,986"]
    assert unsupported_figures(ask("Các mô hình:\n1. Camera an ninh [1]\n2. Cổng trường [1, 2]", cited)) == []
    assert unsupported_figures(ask("Có 5 mô hình [1].", [])) == ["5"]


def test_abstention_on_answerable_question_is_wrong():
    obj = ask("Không tìm thấy thông tin trong các báo cáo.", abstained=True)
    row = score_item(obj, item())
    assert row["abstention"] == 0.0
    assert row["fact_recall"] == 0.0 and row["all_facts"] == 0.0 and row["citation_support"] is None


def test_abstention_on_unanswerable_question():
    unans = item(answerable=False, must_include=[], reports=[], section="", type="unanswerable")
    right = score_item(ask("Không có số liệu năm 2023.", abstained=True), unans)
    assert right["abstention"] == 1.0 and right["fact_recall"] is None and right["hit1_report"] is None
    assert right["unsupported_figures"] == []
    wrong = score_item(ask("Năm 2023 tiếp nhận 120 vụ.", abstained=False), unans)
    assert wrong["abstention"] == 0.0 and wrong["unsupported_figures"] == ["2023", "120"]


def test_aggregate_per_type_and_overall():
    numeric = item()
    listing = item(id="q-2", type="list", must_include=["147"])
    unans = item(id="q-3", answerable=False, must_include=[], reports=[], section="", type="unanswerable")
    rows = [
        score_item(ask("147 vụ khiếu nại, 01 vụ tố cáo [1]", [citation(quote=SOURCE)],
                       [passage(QN, "III.6")], total=100), numeric),
        score_item(ask("999 vụ", [], [passage(HL, "I"), passage(QN, "III.6")], total=200), listing),
        score_item(ask("Không có.", abstained=True, total=300), unans),
    ]
    result = aggregate(rows)
    overall = result["overall"]
    assert overall["n"] == 3 and overall["n_answerable"] == 2
    assert overall["fact_recall"] == 0.5 and overall["all_facts"] == 0.5
    assert overall["hit1_report"] == 0.5 and overall["mrr10_report"] == 0.75
    assert overall["abstention"] == 1.0
    assert overall["unsupported_figures"] == 1
    assert overall["latency_p50_ms"] == 200 and overall["latency_p95_ms"] == pytest.approx(290)
    assert set(result["by_type"]) == {"numeric", "list", "unanswerable"}
    assert result["by_type"]["unanswerable"]["fact_recall"] is None
    assert result["by_type"]["list"]["unsupported_figures"] == 1


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
