"""Questions about a document itself (who signed it), answered from its signature block."""

from __future__ import annotations

import pytest

from evals.metrics import unsupported_figures
from ingest import ReportMetadata
from rag.document_facts import referenced_report, signer_answer
from rag.query_analysis import LocalityGazetteer, analyze_query
from rag.schema import Passage

PLANS = [
    ReportMetadata(report_id="bn-144", locality="tỉnh Bắc Ninh", locality_level="tỉnh", document_type="kế hoạch",
                   so_hieu="144/KH-UBND", date="2025-11-24", signer="Mai Sơn",
                   signer_title="TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"),
    ReportMetadata(report_id="bn-12", locality="tỉnh Bắc Ninh", locality_level="tỉnh", document_type="quyết định",
                   so_hieu="12/QĐ-UBND", date="2025-01-03", signer="Nguyễn Văn A", signer_title="CHỦ TỊCH"),
    ReportMetadata(report_id="unsigned", locality="tỉnh Bắc Ninh", locality_level="tỉnh", so_hieu="7/BC-UBND"),
]
GAZETTEER = LocalityGazetteer(PLANS)


def _passage(report_id: str) -> Passage:
    return Passage(chunk_id=f"{report_id}:0001", report_id=report_id, section="I", section_title="",
                   text="Phát triển kinh tế số.", score=1.0, locality="tỉnh Bắc Ninh")


@pytest.mark.parametrize("question", [
    "Ai ký ban hành Kế hoạch 144/KH-UBND của tỉnh Bắc Ninh?",
    "ai ky ke hoach 144 bac ninh",
    "Người ký Kế hoạch số 144 của Bắc Ninh là ai?",
])
def test_the_signer_comes_from_the_signature_block_of_the_document_named(question):
    query = analyze_query(question, GAZETTEER)
    answer = signer_answer(query, PLANS, [_passage("bn-12")])  # the number named wins over the best passage
    assert answer is not None and not answer.abstained
    assert answer.text.startswith("Kế hoạch số 144/KH-UBND ngày 24/11/2025 của tỉnh Bắc Ninh do Phó Chủ tịch Mai Sơn ký")
    assert "ký thay Chủ tịch, thay mặt Ủy ban nhân dân" in answer.text
    assert answer.citations[0].report_id == "bn-144" and "Mai Sơn" in answer.citations[0].quote
    # the number and date the answer names are shown by its citation
    assert unsupported_figures({"answer": answer.text, "citations": [c.to_dict() for c in answer.citations]}) == []


def test_without_a_number_the_best_passage_names_the_document():
    query = analyze_query("Ai ký quyết định này của Bắc Ninh?", GAZETTEER)
    answer = signer_answer(query, PLANS, [_passage("bn-12")])
    assert answer is not None and "do Chủ tịch Nguyễn Văn A ký" in answer.text


def test_no_answer_when_not_asked_or_not_read():
    assert signer_answer(analyze_query("Bắc Ninh có bao nhiêu tập dữ liệu mở?", GAZETTEER), PLANS,
                         [_passage("bn-144")]) is None
    assert signer_answer(analyze_query("Ai ký báo cáo 7/BC-UBND?", GAZETTEER), PLANS, [_passage("bn-144")]) is None
    assert not analyze_query("Doanh nghiệp nào đã ký kết hợp đồng?", GAZETTEER).asks_signer


def test_a_number_names_a_document_only_with_its_type():
    assert referenced_report("Kế hoạch 144/KH-UBND", PLANS).report_id == "bn-144"
    assert referenced_report("QĐ 12", PLANS).report_id == "bn-12"
    assert referenced_report("có 144 doanh nghiệp", PLANS) is None


@pytest.mark.parametrize("question, signer", [
    ("Ai ký Kế hoạch 153/KH-UBND về phòng, chống ma túy của thành phố Cần Thơ?", "Trương Cảnh Tuyên"),
    ("ai ky quyet dinh 2843 cua tp hcm", "Nguyễn Mạnh Cường"),
])
def test_through_the_service_on_real_documents(corpus_dev_service, question, signer):
    answer = corpus_dev_service.ask(question)
    assert not answer.abstained and signer in answer.answer
    assert answer.citations[0].section_title == "Chữ ký" and signer in answer.citations[0].quote
