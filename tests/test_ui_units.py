"""The app's pure parts, without a server or an index: source rendering and quote highlighting, the
login setting, feedback storage and its eval-set export, upload progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.dataset import load_dataset
from rag.schema import ABSTENTION_MESSAGE, Answer, Citation, Passage
from ui.auth import Account, AuthConfigError, Roles, checker, hash_password, parse_auth
from ui.chat import filters_summary, make_filters
from ui.feedback import DOWN, UP, FeedbackStore, guess_type
from ui.library import FileState, IngestJob
from ui.sources import (
    find_quote,
    format_date,
    highlight,
    link_markers,
    render_answer,
    render_sources,
)
from vectorstore.indexer import FAILED, INDEXED, FileOutcome

PASSAGE = ("Thành phố tổ chức tiếp dân định kỳ. Tiếp nhận 147 vụ khiếu nại, 01 vụ tố cáo và 192 vụ "
           "yêu cầu, kiến nghị, phản ánh. Xử lý đơn, hướng dẫn đương sự.")
QUOTE = "Tiếp nhận 147 vụ khiếu nại, 01 vụ tố cáo và 192 vụ yêu cầu, kiến nghị, phản ánh."


def citation(n: int = 1, quote: str = QUOTE, text: str = PASSAGE, report_id: str = "000_q") -> Citation:
    return Citation(n=n, report_id=report_id, title="Báo cáo 6 tháng", locality="thành phố Quy Nhơn",
                    date="2024-06-17", section="III.6", section_title="Giải quyết khiếu nại", quote=quote,
                    text=text, score=0.8, chunk_id=f"c{n}")


def answer(text: str = "Tiếp nhận 147 vụ khiếu nại [1].", **kwargs) -> Answer:
    defaults = {"question": "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?", "answer": text, "abstained": False,
                "citations": [citation()], "filters": {"report_ids": [], "localities": [], "years": []}}
    defaults.update(kwargs)
    return Answer(**defaults)


# --- highlighting -------------------------------------------------------------------------------

def test_quote_found_exactly():
    (start, end), = find_quote(PASSAGE, QUOTE)
    assert PASSAGE[start:end] == QUOTE


@pytest.mark.parametrize("quote", [
    "Tiếp nhận  147 vụ khiếu nại,\n01 vụ tố cáo",            # whitespace differs
    "TIẾP NHẬN 147 vụ khiếu nại, 01 vụ tố cáo",              # case differs
])
def test_quote_found_despite_whitespace_and_case(quote):
    spans = find_quote(PASSAGE, quote)
    assert len(spans) == 1 and PASSAGE[spans[0][0]:spans[0][1]].startswith("Tiếp nhận 147")


def test_quote_found_across_tone_mark_conventions():
    text = "Xã đã tổ chức hoà giải thành công 19 vụ trong kỳ."
    spans = find_quote(text, "tổ chức hòa giải thành công 19 vụ")
    assert [text[a:b] for a, b in spans] == ["tổ chức hoà giải thành công 19 vụ"]


def test_each_sentence_of_a_quote_is_found_on_its_own():
    text = "Câu một nói về đất đai. Câu giữa không trích. Câu ba nói về môi trường."
    spans = find_quote(text, "Câu một nói về đất đai. Câu ba nói về môi trường.")
    assert [text[a:b] for a, b in spans] == ["Câu một nói về đất đai.", "Câu ba nói về môi trường."]


def test_highlight_escapes_html_and_reports_a_missing_quote():
    marked, found = highlight("a <b> & " + PASSAGE, QUOTE)
    assert found and "a &lt;b&gt; &amp; " in marked and f'<mark class="bc-quote">{QUOTE}</mark>' in marked
    _, found = highlight(PASSAGE, "một câu không có trong đoạn này")
    assert not found


def test_unfound_quote_is_shown_above_the_passage():
    html = render_sources([answer(citations=[citation(quote="Câu không có trong đoạn văn này.")])])
    assert 'Câu trích: <mark class="bc-quote">Câu không có trong đoạn văn này.</mark>' in html


# --- chat message and sources panel -------------------------------------------------------------

def test_markers_become_source_links_and_text_is_escaped():
    out = link_markers("Có 5 * 3 <mô hình> [1] và [1, 2]; còn [9] thì không.", turn=4, known=[1, 2])
    assert '<a class="bc-cite" href="#bc-src-4-1"' in out and '<a class="bc-cite" href="#bc-src-4-2"' in out
    assert "[9]" in out and "bc-src-4-9" not in out
    assert r"5 \* 3 &lt;mô hình&gt;" in out


def test_answer_with_notice_and_abstention_rendering():
    shown = render_answer(answer(notices=["Không có báo cáo nào khớp với bộ lọc đã chọn."]), turn=0)
    assert "bc-notice" in shown and "bc-src-0-1" in shown
    near = Passage(chunk_id="x", report_id="001_h", section="II.1", section_title="Đơn thư", text="Đoạn gần nhất.",
                   score=0.4, title="Báo cáo Hạ Long", locality="thành phố Hạ Long", date="2020-11")
    abstained = answer(text=ABSTENTION_MESSAGE, abstained=True, citations=[], retrieved=[near])
    shown = render_answer(abstained, turn=0)
    assert "bc-abstain" in shown and "bc-cite" not in shown
    panel = render_sources([abstained])
    assert "Các đoạn gần nhất" in panel and 'id="bc-src-0-p1"' in panel and "11/2020" in panel


def test_sources_panel_shows_metadata_and_only_the_newest_turn():
    panel = render_sources([answer(), answer(question="Câu thứ hai?")])
    assert 'id="bc-turn-0" hidden' in panel and 'id="bc-turn-1">' in panel
    assert "thành phố Quy Nhơn · 17/6/2024" in panel and "Mục III.6 — Giải quyết khiếu nại" in panel
    assert "Không lọc: tìm trong mọi báo cáo" in panel
    assert 'data-copy="Tiếp nhận 147 vụ khiếu nại [1].\n\nNguồn:\n[1] Báo cáo 6 tháng' in panel


def test_sources_panel_says_when_a_passage_was_read_from_a_scan():
    from dataclasses import replace

    from ingest.ocr import OCR_NOTE

    scanned = answer(citations=[replace(citation(), source_note=OCR_NOTE), citation(n=2)])
    panel = render_sources([scanned])
    first, second = panel.split('id="bc-src-0-2"')
    assert 'class="bc-source-note"' in first and "văn bản nhận dạng từ ảnh quét" in first
    assert "bc-source-note" not in second  # a text-layer passage carries no note
    assert "văn bản nhận dạng từ ảnh quét" not in render_sources([answer()])
    near = Passage(chunk_id="x", report_id="001_h", section="II.1", section_title="Đơn thư", text="Đoạn gần nhất.",
                   score=0.4, title="Báo cáo Hạ Long", locality="thành phố Hạ Long", date="2020-11", ocr=True)
    abstained = answer(text=ABSTENTION_MESSAGE, abstained=True, citations=[], retrieved=[near])
    assert "văn bản nhận dạng từ ảnh quét" in render_sources([abstained])


@pytest.mark.parametrize("iso, shown", [("2024-06-17", "17/6/2024"), ("2024-03", "3/2024"), ("2024", "2024"),
                                        ("", "")])
def test_dates_in_vietnamese_order(iso, shown):
    assert format_date(iso) == shown


def test_filters_are_summarised_and_bad_years_ignored():
    filters = make_filters(["thành phố Hạ Long"], [2020, "x"], ["001_h"])
    assert filters.years == (2020,) and filters.localities == ("thành phố Hạ Long",)
    line = filters_summary(["thành phố Hạ Long"], [2020], [], 5)
    assert line == "Câu hỏi tiếp theo — bộ lọc: địa phương: thành phố Hạ Long; năm: 2020; dùng tối đa 5 đoạn nguồn."


# --- login --------------------------------------------------------------------------------------

def test_auth_accounts_roles_and_hashed_file(tmp_path):
    assert parse_auth("") == []
    assert parse_auth("an:một:hai, binh:x:editor") == [Account("an", "một:hai", "reader"), Account("binh", "x", "editor")]
    file = tmp_path / "users.txt"
    file.write_text(f"# người dùng\nan:{hash_password('mk1')}:reader\n\nbinh:{hash_password('mk2')}:editor\n",
                    encoding="utf-8")
    accounts = parse_auth(str(file))
    assert [(a.user, a.role, a.hashed) for a in accounts] == [("an", "reader", True), ("binh", "editor", True)]
    check = checker(accounts)
    assert check("an", "mk1") and not check("an", "mk2") and not check("chi", "mk1")
    roles = Roles(accounts)
    assert roles.may_edit("binh") and not roles.may_edit("an") and not roles.may_edit("chi")
    assert Roles([]).may_edit(None)  # no login: the one local user edits
    file.write_text("an:mk1:editor\n", encoding="utf-8")  # a password in a file must be hashed
    with pytest.raises(AuthConfigError, match="baocao hash-password"):
        parse_auth(str(file))


@pytest.mark.parametrize("value, words", [("an", "không có tệp"), ("an:,binh:x", "mục “an”"),
                                           (":mk", "không đúng dạng")])
def test_bad_auth_setting_is_explained(value, words):
    with pytest.raises(AuthConfigError, match=words):
        parse_auth(value)


# --- feedback -----------------------------------------------------------------------------------

def test_feedback_upserts_per_answer_and_removes_a_cleared_thumb(tmp_path):
    store = FeedbackStore.beside_index(tmp_path / "index")
    assert (tmp_path / "index" / "feedback.sqlite3").is_file()
    first = store.record("conv", 0, answer(), UP)
    assert store.record("conv", 0, answer(), UP, "đúng") == first
    assert store.record("conv", 0, answer(), DOWN) == first  # a comment stays when only the thumb changes
    (row,) = store.records()
    assert (row.rating, row.comment, row.citations[0]["quote"]) == (DOWN, "đúng", QUOTE)
    store.record("conv", 0, answer(), None)
    assert store.records() == []
    with pytest.raises(ValueError):
        store.record("conv", 0, answer(), "meh")


def test_feedback_export_follows_the_documented_rules(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.record("c", 0, answer(), UP, "chính xác", username="an")
    store.record("c", 1, answer(text=ABSTENTION_MESSAGE, abstained=True, citations=[],
                                question="Giá vàng hôm nay?"), UP)
    store.record("c", 2, answer(question="Những xã nào làm mô hình dân vận khéo?"), DOWN, "thiếu xã Tịnh An")
    path = store.export_jsonl(tmp_path / "out" / "gop-y.jsonl")
    up, unanswerable, down = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert up == {"id": up["id"], "question": "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?", "answerable": True,
                  "must_include": [], "reports": ["000_q"], "section": "III.6", "type": "numeric",
                  "note": up["note"]}
    assert "👍" in up["note"] and "của an" in up["note"] and "chính xác" in up["note"]
    assert (unanswerable["answerable"], unanswerable["type"], unanswerable["reports"]) == (False, "unanswerable", [])
    assert (down["answerable"], down["reports"], down["type"]) == (True, [], "list")
    assert "thiếu xã Tịnh An" in down["note"] and "000_q mục III.6" in down["note"]
    assert [item.id for item in load_dataset(path)] == [up["id"], unanswerable["id"], down["id"]]


@pytest.mark.parametrize("question, kind", [("Quy Nhơn tiếp nhận bao nhiêu vụ?", "numeric"),
                                            ("quy nhon tiep nhan bao nhieu vu", "no_diacritics"),
                                            ("Những địa phương nào có mô hình?", "list"),
                                            ("Ai ký báo cáo của Hạ Long?", "entity")])
def test_type_guess(question, kind):
    assert guess_type(question) == kind


# --- upload progress ----------------------------------------------------------------------------

def test_upload_progress_lists_every_file_with_its_reason():
    job = IngestJob(files=[FileState("a.txt", Path("a.txt"), 1000, "done", FileOutcome(Path("a"), "a", INDEXED,
                                                                                        chunks=12), seconds=2.0),
                           FileState("b.pdf", Path("b.pdf"), 10, "done",
                                     FileOutcome(Path("b"), "b", FAILED, "tệp PDF bị mã hóa")),
                           FileState("c.docx", Path("c.docx"), 3000, "running", started=0.0),
                           FileState("d.md", Path("d.md"), 500)])
    html = job.render()
    assert "Đang nạp 3/4 tệp · 12 đoạn" in html and "còn khoảng" in html
    assert "a.txt — đã nạp (12 đoạn" in html and "b.pdf — không nạp được: tệp PDF bị mã hóa" in html
    assert "c.docx — đang đọc và chia đoạn" in html and "d.md — đang chờ" in html
    job.files[2].chunks_done, job.files[2].chunks_total = 32, 120
    assert "c.docx — đã nhúng 32/120 đoạn" in job.render()
    for f in job.files[2:]:
        f.state, f.outcome = "done", FileOutcome(f.path, f.path.stem, INDEXED, chunks=1)
    job.done.set()
    assert "Đã xong 4 tệp: 3 tệp đã nạp (14 đoạn), 1 tệp lỗi" in job.render()
