"""Chunking: packing under lead-ins, legal section paths, precise citations, and linear cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT
from ingest import parse_report
from ingest.chunker import MAX_TOKENS, MIN_TOKENS, SectionChunker, chunks_without_lead_in, estimate_tokens
from ingest.headings import detect_heading, is_enumeration_item

CORPUS_FILES = sorted((ROOT / "data" / "reports").glob("*.txt")) + sorted((ROOT / "data" / "corpus-dev").glob("*.md"))

LEAD_IN = "Phạm tội thuộc một trong các trường hợp sau đây, thì bị phạt tù từ 08 năm đến 15 năm:"
# The shape of an article of the Penal Code (Bộ luật Hình sự 2015, Điều 150), written for the test.
LAW = f"""QUỐC HỘI
BỘ LUẬT HÌNH SỰ
Chương XIV
CÁC TỘI XÂM PHẠM TÍNH MẠNG, SỨC KHỎE, NHÂN PHẨM, DANH DỰ CỦA CON NGƯỜI
Điều 149. Tội làm nhục người khác
Người nào xúc phạm nghiêm trọng nhân phẩm, danh dự của người khác, thì bị phạt cảnh cáo hoặc phạt cải tạo không giam giữ đến 03 năm.
Điều 150. Tội mua bán người
1. Người nào dùng vũ lực, đe dọa dùng vũ lực, lừa gạt hoặc thủ đoạn khác thực hiện một trong các hành vi sau đây, thì bị phạt tù từ 05 năm đến 10 năm:
a) Chuyển giao hoặc tiếp nhận người để giao, nhận tiền, tài sản hoặc lợi ích vật chất khác;
b) Chuyển giao hoặc tiếp nhận người để bóc lột tình dục, cưỡng bức lao động, lấy bộ phận cơ thể của nạn nhân hoặc vì mục đích vô nhân đạo khác;
c) Tuyển mộ, vận chuyển, chứa chấp người khác để thực hiện hành vi quy định tại điểm a hoặc điểm b khoản này.
2. {LEAD_IN}
a) Có tổ chức;
b) Vì động cơ đê hèn;
c) Gây thương tích, gây tổn hại cho sức khỏe hoặc gây rối loạn tâm thần và hành vi của nạn nhân mà tỷ lệ tổn thương cơ thể từ 11% đến 45%;
d) Đưa nạn nhân ra khỏi biên giới của nước Cộng hòa xã hội chủ nghĩa Việt Nam;
đ) Đối với từ 02 người đến 05 người;
e) Phạm tội 02 lần trở lên.
3. Người phạm tội còn có thể bị phạt tiền từ 20.000.000 đồng đến 100.000.000 đồng, cấm đảm nhiệm chức vụ, cấm hành nghề hoặc làm công việc nhất định từ 01 năm đến 05 năm hoặc tịch thu một phần hoặc toàn bộ tài sản.
"""


@pytest.fixture(scope="module")
def law(tmp_path_factory):
    path = tmp_path_factory.mktemp("law") / "bo-luat.txt"
    path.write_text(LAW, encoding="utf-8")
    return parse_report(path)


def _chunk_with(chunks, text):
    return next(chunk for chunk in chunks if text in chunk.text)


# --- headings ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, kind, label, title", [
    ("Chương XIV", "chapter", "Chương XIV", ""),
    ("CHƯƠNG 2. QUY ĐỊNH CHUNG", "chapter", "Chương 2", "QUY ĐỊNH CHUNG"),
    ("Mục 1. CÁC TỘI XÂM PHẠM TÍNH MẠNG", "legal_section", "Mục 1", "CÁC TỘI XÂM PHẠM TÍNH MẠNG"),
    ("Điều 150. Tội mua bán người", "article", "Điều 150", "Tội mua bán người"),
    ("**Điều 1.**", "article", "Điều 1", ""),
    ("Điều 3: Hiệu lực thi hành", "article", "Điều 3", "Hiệu lực thi hành"),
    ("Phần thứ hai", "part", "P2", ""),
    ("PHẦN I. NHỮNG QUY ĐỊNH CHUNG", "part", "P1", "NHỮNG QUY ĐỊNH CHUNG"),
    # Report headings read as before.
    ("III. KẾT QUẢ THỰC HIỆN", "roman", "III", "KẾT QUẢ THỰC HIỆN"),
    ("2.1. Khó khăn, hạn chế", "arabic", "2.1", "Khó khăn, hạn chế"),
    ("b) Kết quả đẩy mạnh ứng dụng công nghệ thông tin", "letter", "b", "Kết quả đẩy mạnh ứng dụng công nghệ thông tin"),
    ("PHỤ LỤC SỐ LIỆU", "appendix", "PL", "PHỤ LỤC SỐ LIỆU"),
])
def test_legal_and_report_headings(line, kind, label, title):
    heading = detect_heading(line)
    assert heading is not None and (heading.kind, heading.label, heading.title) == (kind, label, title)


@pytest.mark.parametrize("line", [
    "Điều 5 của Luật Tổ chức chính quyền địa phương quy định", "Mục tiêu chung của kế hoạch",
    "Chương trình mục tiêu quốc gia xây dựng nông thôn mới", "Phần lớn các xã đã hoàn thành", "Mục c của khoản 2",
])
def test_running_text_is_not_a_legal_heading(line):
    assert detect_heading(line) is None


def test_report_heading_ranks_keep_their_order():
    ranks = [detect_heading(line).rank for line in ("Phần thứ nhất", "I. A", "1. B", "2.1 C", "2.1.1 D", "a) E")]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


def test_enumeration_items():
    assert all(is_enumeration_item(x) for x in ("- Một", "+ Hai", "a) Ba", "đ) Bốn", "1. Năm", "2) Sáu"))
    assert not any(is_enumeration_item(x) for x in ("Điều 1. Một", "I. Hai", "2.000 hộ nghèo", "-5%"))


# --- legal structure as section paths ----------------------------------------------------------------

def test_the_article_restarts_the_path_and_the_chapter_goes_to_the_context(law):
    paths = [str(section.path) for section in law.sections]
    assert {"Chương XIV", "Điều 149", "Điều 150", "Điều 150.1", "Điều 150.1.a", "Điều 150.2.d", "Điều 150.3"} <= set(paths)
    point = law.section("Điều 150.2.d")
    assert point.enclosing == (
        "Chương XIV — CÁC TỘI XÂM PHẠM TÍNH MẠNG, SỨC KHỎE, NHÂN PHẨM, DANH DỰ CỦA CON NGƯỜI",
        "Điều 150 — Tội mua bán người")
    chunks = SectionChunker().chunk(law)
    chunk = _chunk_with(chunks, "Có tổ chức;")
    assert "Chương XIV" in chunk.context and "Điều 150 — Tội mua bán người" in chunk.context


def test_a_point_keeps_its_lead_in_and_its_citation_names_the_point(law):
    chunks = SectionChunker().chunk(law)
    chunk = _chunk_with(chunks, "Có tổ chức;")
    assert chunk.text.index(LEAD_IN) < chunk.text.index("a) Có tổ chức;")
    assert chunk.section_at(chunk.text.index("Có tổ chức;"))[0] == "Điều 150.2.a"
    assert chunk.section_at(chunk.text.index("Vì động cơ đê hèn"))[0] == "Điều 150.2.b"
    assert chunk.section_at(chunk.text.index(LEAD_IN))[0] in ("Điều 150", "Điều 150.2")
    assert not chunks_without_lead_in(law, chunks)


def test_items_that_need_several_chunks_each_repeat_the_lead_in(law):
    chunks = SectionChunker(max_tokens=150, min_tokens=10).chunk(law)
    with_points = [c for c in chunks if any(path.startswith("Điều 150.2.") for _, path, _ in c.subsections)]
    assert len(with_points) >= 2
    for chunk in with_points:
        assert chunk.text.startswith(LEAD_IN) or chunk.text.startswith(f"2. {LEAD_IN}"), chunk.text[:120]
    assert not chunks_without_lead_in(law, chunks)
    assert all(estimate_tokens(c.embedding_text) <= 150 + 4 for c in chunks)


def test_bullets_inside_one_section_keep_their_lead_in(tmp_path):
    bullets = "\n".join(f"- Xã số {i} hoàn thành {i} tiêu chí nông thôn mới trong kỳ báo cáo năm 2024;" for i in range(40))
    path = tmp_path / "bao-cao.txt"
    path.write_text(f"BÁO CÁO\nI. KẾT QUẢ\nMột câu mở đầu không liên quan.\nCác xã đạt tiêu chí như sau:\n{bullets}\n",
                    encoding="utf-8")
    report = parse_report(path)
    chunks = SectionChunker().chunk(report)
    listing = [c for c in chunks if "- Xã số" in c.text]
    assert len(listing) >= 3
    assert all(c.text.split("\n", 1)[0] in ("Các xã đạt tiêu chí như sau:",) or
               c.text.startswith("Một câu mở đầu") for c in listing)
    assert not chunks_without_lead_in(report, chunks)


# --- both corpora ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_chunks():
    chunker = SectionChunker()
    result = []
    for path in CORPUS_FILES:
        report = parse_report(path)
        result.append((report, chunker.chunk(report)))
    return result


def test_no_chunk_in_either_corpus_starts_with_an_item_cut_from_its_lead_in(corpus_chunks):
    orphans = [(report.report_id, chunk.text[:80]) for report, chunks in corpus_chunks
               for chunk in chunks_without_lead_in(report, chunks)]
    assert not orphans


def test_short_chunks_only_where_nothing_fits_beside_them(corpus_chunks):
    for report, chunks in corpus_chunks:
        for i, chunk in enumerate(chunks):
            tokens = estimate_tokens(chunk.text)
            assert estimate_tokens(chunk.embedding_text) <= MAX_TOKENS + 4
            if tokens >= MIN_TOKENS:
                continue
            neighbours = [chunks[j] for j in (i - 1, i + 1) if 0 <= j < len(chunks)]
            assert all(tokens + estimate_tokens(n.embedding_text) > MAX_TOKENS for n in neighbours), chunk.text


def test_subsections_point_inside_the_text_at_their_heading(corpus_chunks):
    for report, chunks in corpus_chunks:
        known = {str(s.path) for s in report.sections}
        for chunk in chunks:
            assert chunk.section in {s.path for s in report.sections}
            for offset, path, _title in chunk.subsections:
                assert path in known and 0 < offset < len(chunk.text) and chunk.text[offset - 1] == "\n"


# --- linear cost -------------------------------------------------------------------------------------

class CountingCounter:
    def __init__(self):
        self.calls = 0
        self.chars = 0

    def __call__(self, text: str) -> int:
        self.calls += 1
        self.chars += len(text)
        return estimate_tokens(text)


def _cost(tmp_path: Path, text: str) -> tuple[int, int, int]:
    path = tmp_path / f"x{len(text)}.txt"
    path.write_text(f"BÁO CÁO\nI. KẾT QUẢ\n{text}\n", encoding="utf-8")
    report = parse_report(path)
    counter = CountingCounter()
    chunks = SectionChunker(count_tokens=counter).chunk(report)
    assert "".join(c.text for c in chunks).replace(" ", "").replace("\n", "").endswith(text.replace(" ", ""))
    return counter.calls, counter.chars, len(text)


@pytest.mark.parametrize("unit", ["tiếp nhận đơn thư của công dân ", "x" * 997 + " "])
def test_chunking_cost_is_linear_in_the_text(tmp_path, unit):
    """A paragraph without sentence punctuation (and one of very long words): calls and characters
    counted per character of text stay flat when the text grows 16 times."""
    small = _cost(tmp_path, (unit * (20_000 // len(unit))).strip())
    large = _cost(tmp_path, (unit * (320_000 // len(unit))).strip())
    calls_per_char = [calls / size for calls, _, size in (small, large)]
    chars_per_char = [chars / size for _, chars, size in (small, large)]
    assert calls_per_char[1] <= 1.3 * calls_per_char[0]
    assert chars_per_char[1] <= 1.3 * chars_per_char[0] and chars_per_char[1] < 30


# --- the layers above: Chroma metadata, passages, citations, the eval's section match ----------------

def test_subsections_travel_to_the_passage_and_the_citation(law):
    from llama_index.core.schema import NodeWithScore, TextNode

    from evals.dataset import EvalItem
    from evals.metrics import retrieval_ranks
    from rag.retrievers import node_to_passage
    from rag.schema import Citation
    from vectorstore.chroma_store import _chunk_metadata

    chunk = _chunk_with(SectionChunker().chunk(law), "Có tổ chức;")
    meta = _chunk_metadata(chunk, law)
    assert isinstance(meta["subsections"], str) and json.loads(meta["subsections"])
    passage = node_to_passage(NodeWithScore(node=TextNode(id_=chunk.chunk_id, text=chunk.text, metadata=meta), score=0.5))
    assert passage.subsections == chunk.subsections
    citation = Citation.from_passage(1, passage, "Vì động cơ đê hèn;")
    assert citation.section == "Điều 150.2.b"
    assert Citation.from_passage(1, passage, "not in the text").section == str(chunk.section)
    retrieved = passage.to_retrieved_dict()
    assert "Điều 150.2.d" in retrieved["sections"] and retrieved["section"] == str(chunk.section)
    item = EvalItem(id="q", question="?", answerable=True, must_include=(), reports=(law.report_id,),
                    section="Điều 150.2.d", type="entity")
    assert retrieval_ranks({"retrieved": [retrieved]}, item)["section_rank"] == 1
    old_shape = {k: v for k, v in retrieved.items() if k != "sections"}
    assert retrieval_ranks({"retrieved": [old_shape]}, item)["section_rank"] is None
