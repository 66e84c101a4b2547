"""The app's endpoints through gradio_client, on a running app (a copy of the sample index).

Each endpoint the app exposes is called as a program would call it: ask (with filters, follow-ups,
abstention, several sessions at once), upload (good and bad files together, progress, and questions
answered while an upload is in progress), reindex, delete, feedback and export (the export is read
back with the eval-set loader), evaluate, and the login.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from ui_support import TINY_QUESTION, TINY_REPORT_ID, copy_index, free_port, write_tiny_report

pytest.importorskip("gradio")
from gradio_client import Client, handle_file

from evals.dataset import load_dataset
from ui.chat import make_filters
from ui.library import TABLE_HEADERS

QUY_NHON_Q = "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại trong 6 tháng đầu năm 2024?"
QUY_NHON = "000_3221774fd58b1c41"
HA_LONG = "001_920123d9554d1714"
PUBLIC_ENDPOINTS = {"/ask", "/upload", "/delete", "/reindex", "/feedback", "/export", "/evaluate", "/precedents",
                    "/precedents_export_csv", "/precedents_export_xlsx", "/precedents_export_docx"}


@pytest.fixture(scope="module")
def app(sample_service, tmp_path_factory):
    from ui.app import launch

    service = copy_index(sample_service, tmp_path_factory.mktemp("ui-app") / "index")
    demo, url = launch(service, "127.0.0.1", free_port())
    yield demo, url, service
    demo.close(verbose=False)


def client_for(url: str, tmp_path: Path, **kwargs) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, download_files=str(tmp_path), **kwargs)


@pytest.fixture
def client(app, tmp_path):
    return client_for(app[1], tmp_path)


def text_of(message: dict) -> str:
    """A chat message's text (Gradio returns the content as a list of typed parts)."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def ask(client: Client, question: str, localities=(), years=(), reports=(), k=10):
    """One /ask call; returns the chat as [{"role", "text"}], the sources HTML and the plain text."""
    chat, sources, cleared, plain = client.predict(question, list(localities), list(years), list(reports), k,
                                                   api_name="/ask")
    assert cleared == ""
    return [{"role": m["role"], "text": text_of(m)} for m in chat], sources, plain


def test_exactly_the_documented_endpoints_are_public(client):
    endpoints = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert endpoints == PUBLIC_ENDPOINTS


def test_ask_answers_with_linked_markers_highlighted_quote_and_plain_text(client):
    chat, sources, plain = ask(client, QUY_NHON_Q)
    assert [m["role"] for m in chat] == ["user", "assistant"]
    answer_html = chat[1]["text"]
    assert "147" in answer_html
    assert 'class="bc-cite" href="#bc-src-0-1"' in answer_html
    assert 'id="bc-src-0-1"' in sources and QUY_NHON in sources
    assert '<mark class="bc-quote">' in sources
    marked = sources.split('<mark class="bc-quote">', 1)[1].split("</mark>", 1)[0]
    assert "147 vụ khiếu nại" in marked
    assert "thành phố Quy Nhơn" in sources and "17/6/2024" in sources and "Mục III.6" in sources
    assert "Tiếp nhận 147 vụ khiếu nại" in plain.split("\nNguồn:")[0] and "\nNguồn:\n[1] " in plain and "mục III.6" in plain
    assert "data-copy=" in sources  # the copy button carries the same plain text


def test_follow_up_question_uses_the_conversation(client):
    ask(client, QUY_NHON_Q)
    chat, sources, _ = ask(client, "còn Hạ Long thì sao?")
    assert [m["role"] for m in chat] == ["user", "assistant"] * 2
    # The service rewrote the follow-up from the first question; the sources panel says how.
    assert "Hiểu là: “thành phố Hạ Long tiếp nhận bao nhiêu vụ khiếu nại" in sources
    assert 'id="bc-turn-0" hidden' in sources and 'id="bc-turn-1">' in sources


def test_filters_restrict_the_sources_and_are_shown(client):
    _, sources, _ = ask(client, "Tổng số đơn thư tiếp nhận là bao nhiêu?", localities=["thành phố Hạ Long"], k=5)
    assert "Bộ lọc: địa phương: thành phố Hạ Long" in sources
    cited = {part.split("</span>")[0] for part in sources.split('class="bc-report-id" title="Mã báo cáo">')[1:]}
    assert cited == {HA_LONG}


def test_filter_matching_nothing_abstains_with_a_notice(client):
    # Quy Nhơn's report is about 2024 only.
    chat, _, _ = ask(client, "Tổng số đơn thư tiếp nhận là bao nhiêu?", localities=["thành phố Quy Nhơn"],
                     years=[2020])
    assert "Không có báo cáo nào khớp với bộ lọc đã chọn." in chat[-1]["text"]
    assert "bc-abstain" in chat[-1]["text"]


def test_abstention_is_shown_with_the_closest_passages(client):
    chat, sources, _ = ask(client, "Giá vàng hôm nay là bao nhiêu?")
    assert "bc-abstain" in chat[-1]["text"] and "Không tìm thấy thông tin" in chat[-1]["text"]
    assert "Các đoạn gần nhất" in sources and 'id="bc-src-0-p1"' in sources
    assert "bc-cite" not in chat[-1]["text"]


def test_blank_question_adds_nothing(client):
    chat, _, _ = ask(client, "   ")
    assert chat == []


def test_sessions_are_separate_and_answered_concurrently(app, tmp_path):
    questions = [QUY_NHON_Q, "Năm 2023 xã Tịnh An giảm được bao nhiêu hộ nghèo?",
                 "Huyện Bình Sơn đã thành lập được bao nhiêu tổ An ninh nhân dân, tổ bảo vệ dân phố?"]
    results: dict[int, list] = {}

    def run(i: int) -> None:
        results[i] = ask(client_for(app[1], tmp_path / str(i)), questions[i])[0]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for i, question in enumerate(questions):
        assert len(results[i]) == 2 and results[i][0]["text"] == question


def test_feedback_is_stored_with_the_answer_and_exported_as_eval_jsonl(app, client, tmp_path):
    ask(client, QUY_NHON_Q)
    ask(client, "Giá vàng hôm nay là bao nhiêu?")
    assert "Cảm ơn" in client.predict(0, "up", "Đúng số liệu", api_name="/feedback")
    assert "Cảm ơn" in client.predict(1, "down", "", api_name="/feedback")
    # A second rating of the same answer updates it instead of adding one.
    client.predict(0, "up", "Đúng số liệu, trích đúng mục", api_name="/feedback")
    assert "Hãy chọn" in client.predict(0, None, "", api_name="/feedback")

    store = app[0].baocao["feedback"]
    mine = [r for r in store.records() if r.question in (QUY_NHON_Q, "Giá vàng hôm nay là bao nhiêu?")]
    up = next(r for r in mine if r.rating == "up" and r.question == QUY_NHON_Q)
    assert up.comment == "Đúng số liệu, trích đúng mục"
    assert "147" in up.answer and up.citations[0]["report_id"] == QUY_NHON and up.citations[0]["quote"]
    assert sum(1 for r in mine if r.conversation == up.conversation) == 2

    exported, summary = client.predict(api_name="/export")
    assert "1 👍 hữu ích, 1 👎 chưa đúng" in summary
    path = Path(exported)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    items = {item.id: item for item in load_dataset(path)}
    assert len(items) == len(lines)
    good = next(line for line in lines if line["question"] == QUY_NHON_Q and "trích đúng mục" in line["note"])
    assert good["answerable"] is True and good["reports"] == [QUY_NHON] and good["section"] == "III.6"
    assert good["must_include"] == [] and good["type"] == "numeric"
    bad = next(line for line in lines if line["question"] == "Giá vàng hôm nay là bao nhiêu?")
    assert bad["answerable"] is True and bad["reports"] == [] and "👎" in bad["note"]
    assert set(good) == {"id", "question", "answerable", "must_include", "reports", "section", "type", "note"}


def test_upload_ingests_good_files_lists_bad_ones_then_reindex_and_delete(app, client, tmp_path):
    _, _, service = app
    before = {r.report_id for r in service.list_reports()}
    good = write_tiny_report(tmp_path / "in")
    broken = tmp_path / "in" / "hong.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    empty = tmp_path / "in" / "trong.txt"
    empty.write_text("   \n", encoding="utf-8")

    outputs = client.predict([handle_file(good), handle_file(broken), handle_file(empty)], api_name="/upload")
    status, table = outputs[0], outputs[1]
    assert f"{TINY_REPORT_ID}.txt — đã nạp" in status
    assert "hong.pdf — không nạp được:" in status and "trong.txt — không nạp được:" in status
    assert "Các tệp lỗi không ảnh hưởng đến báo cáo khác." in status
    after = {r.report_id for r in service.list_reports()}
    assert after == before | {TINY_REPORT_ID}
    rows = table["data"] if isinstance(table, dict) else table
    locality = TABLE_HEADERS.index("Địa phương")
    assert any(row[0] == TINY_REPORT_ID and row[locality] == "xã Hòa Bình" for row in rows)
    uploads = Path(service.settings.db) / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == [f"{TINY_REPORT_ID}.txt"]

    _, sources, _ = ask(client, TINY_QUESTION)
    assert TINY_REPORT_ID in sources and "37 lượt công dân" in sources

    message = client.predict(TINY_REPORT_ID, api_name="/reindex")[0]
    assert "Đã nạp lại" in message
    message = client.predict(TINY_REPORT_ID, api_name="/delete")[0]
    assert "Đã xóa báo cáo" in message
    assert {r.report_id for r in service.list_reports()} == before
    assert not (uploads / f"{TINY_REPORT_ID}.txt").exists()
    assert "Không có báo cáo" in client.predict(TINY_REPORT_ID, api_name="/delete")[0]


def test_questions_are_answered_while_an_upload_is_in_progress(app, client, tmp_path):
    demo, url, _ = app
    library = demo.baocao["library"]
    path = write_tiny_report(tmp_path / "in", "bao-cao-dang-nap")
    with library.write_lock:  # the upload waits for the index; questions must not
        job = client.submit([handle_file(path)], api_name="/upload")
        deadline = time.monotonic() + 30
        while not any(j.files[0].state == "running" for j in library.jobs) and time.monotonic() < deadline:
            time.sleep(0.1)
        chat, _, _ = ask(client_for(url, tmp_path / "other"), QUY_NHON_Q)
        assert "147" in chat[-1]["text"]
        assert not job.done()
    status = job.result()[0]
    assert "bao-cao-dang-nap.txt — đã nạp" in status
    assert "Đã xóa" in client.predict("bao-cao-dang-nap", api_name="/delete")[0]


def test_evaluate_runs_the_eval_set_and_keeps_the_last_run(app, tmp_path):
    from evals.dataset import EvalItem
    from ui.evaluation import Evaluation, failures_table

    _, _, service = app
    evaluation = Evaluation(service, results_dir=tmp_path / "eval")
    items = [
        EvalItem(id="u1", question=QUY_NHON_Q, answerable=True, must_include=["147"], reports=[QUY_NHON],
                 section="III.6", type="numeric"),
        EvalItem(id="u2", question="Giá vàng hôm nay là bao nhiêu?", answerable=False, must_include=[], reports=[],
                 type="unanswerable"),
        EvalItem(id="u3", question=QUY_NHON_Q, answerable=True, must_include=["999"], reports=[QUY_NHON],
                 section="III.6", type="numeric"),
    ]
    steps = list(evaluation.run(items, "thử"))
    rows = steps[-1][2]
    assert [s[:2] for s in steps] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert [r[0] for r in failures_table(rows)] == ["u3"]
    assert "thiếu dữ kiện: “999”" in failures_table(rows)[0][3]
    meta, saved = evaluation.last_run()
    assert saved == rows and "3 câu hỏi, 2 đạt, 1 chưa đạt" in evaluation.describe(meta, saved)
    table = evaluation.summary(rows)
    assert table[-1][0] == "TỔNG" and table[-1][1] == 3


def test_empty_index_explains_how_to_add_reports(tmp_path):
    from rag import BaocaoService, BaocaoSettings
    from ui.app import build_app
    from ui.chat import NO_REPORTS

    service = BaocaoService(BaocaoSettings(db=tmp_path / "empty", auth=""))
    demo = build_app(service)
    blocks = {getattr(b, "elem_id", None): b for b in demo.blocks.values()}
    assert "Chưa có báo cáo nào để hỏi" in blocks["bc-chat"].placeholder and not blocks["bc-chat"].examples
    assert blocks["bc-library-empty"].visible and "Chọn tệp báo cáo để nạp" in blocks["bc-library-empty"].value
    steps = list(demo.baocao["chat"].ask("Quy Nhơn có bao nhiêu mô hình?", None, make_filters([], [], []), 10))
    assert steps[-1].conversation.messages[-1]["content"] == NO_REPORTS


def test_login_is_required_when_configured(app, tmp_path):
    from rag import BaocaoService, BaocaoSettings
    from ui.app import launch

    service = BaocaoService(BaocaoSettings(db=app[2].settings.db, auth="an:mật-khẩu-1,binh:khac"))
    demo, url = launch(service, "127.0.0.1", free_port())
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain ValueError/HTTP error
            client_for(url, tmp_path, auth=("an", "sai"))
        client = client_for(url, tmp_path, auth=("an", "mật-khẩu-1"))
        assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    finally:
        demo.close(verbose=False)


def test_upload_refuses_a_path_on_the_server_that_was_not_uploaded(app, client, tmp_path, monkeypatch):
    """A FileData is only a path: /upload must not read a server file that a client names (issue 11)."""
    from gradio_client.client import Endpoint

    _, _, service = app
    secret = write_tiny_report(tmp_path / "khong-tai-len", "bi-mat-tren-may-chu")
    before = {r.report_id for r in service.list_reports()}
    # gradio_client would upload a local file first; a client on another machine sends just the path
    monkeypatch.setattr(Endpoint, "_upload_file", lambda self, f, data_index: f)
    payload = {"path": str(secret), "orig_name": secret.name, "meta": {"_type": "gradio.FileData"}}
    try:  # Gradio 6 itself refuses a path outside its upload folder in most cases; the library always does
        status = client.predict([payload], api_name="/upload")[0]
        assert "bi-mat-tren-may-chu.txt — không nạp được" in status and "không được tải lên qua ứng dụng" in status
    except Exception as exc:  # noqa: BLE001 - gradio_client raises AppError with Gradio's own reason
        assert "not uploaded by a user" in str(exc)
    job = app[0].baocao["library"].submit([secret])  # what /upload hands the library
    assert job.done.wait(60)
    outcome = job.outcomes[0]
    assert outcome.status == "failed" and "không được tải lên qua ứng dụng" in outcome.reason
    assert {r.report_id for r in service.list_reports()} == before
    assert not (Path(service.settings.db) / "uploads" / secret.name).exists()


def test_readers_ask_and_give_feedback_editors_also_change_the_library(app, tmp_path):
    from rag import BaocaoService, BaocaoSettings
    from ui.app import launch
    from ui.auth import hash_password

    users = tmp_path / "nguoi-dung.txt"
    users.write_text(f"doc:{hash_password('mk-doc')}:reader\nsua:{hash_password('mk-sua')}:editor\n", encoding="utf-8")
    service = BaocaoService(BaocaoSettings(db=app[2].settings.db, auth=str(users)))
    demo, url = launch(service, "127.0.0.1", free_port())
    try:
        reader = client_for(url, tmp_path / "doc", auth=("doc", "mk-doc"))
        chat, _, _ = ask(reader, QUY_NHON_Q)
        assert "147" in chat[-1]["text"]
        assert "Cảm ơn" in reader.predict(0, "up", "", api_name="/feedback")
        path = write_tiny_report(tmp_path / "in", "bao-cao-cua-nguoi-doc")
        refused = "chỉ có quyền đọc"
        assert refused in reader.predict([handle_file(path)], api_name="/upload")[0]
        assert refused in reader.predict(QUY_NHON, api_name="/delete")[0]
        assert refused in reader.predict(QUY_NHON, api_name="/reindex")[0]
        assert refused in reader.predict("test", api_name="/evaluate")[0]
        exported, message = reader.predict(api_name="/export")
        assert exported is None and refused in message
        status, table = reader.predict("Dân vận khéo", "precedents", [], [], [], "", 10, api_name="/precedents")[:2]
        assert QUY_NHON in {row[-1] for row in table_data(table)}  # a reader searches precedents
        exported, message = reader.predict(api_name="/precedents_export_xlsx")
        assert not (exported or {}).get("value") and refused in message  # exports are an editor's
        assert QUY_NHON in {r.report_id for r in service.list_reports()}
        assert "bao-cao-cua-nguoi-doc" not in {r.report_id for r in service.list_reports()}

        editor = client_for(url, tmp_path / "sua", auth=("sua", "mk-sua"))
        assert "bao-cao-cua-nguoi-doc.txt — đã nạp" in editor.predict([handle_file(path)], api_name="/upload")[0]
        assert "Đã xóa" in editor.predict("bao-cao-cua-nguoi-doc", api_name="/delete")[0]
    finally:
        demo.close(verbose=False)


def table_data(table) -> list[list]:
    """The rows of a Dataframe output, given as its value or as an update holding it."""
    value = table.get("value", table) if isinstance(table, dict) else table
    assert isinstance(value, dict) and "data" in value, table
    return value["data"]


def test_precedents_endpoint_one_row_per_report_and_its_export(client, tmp_path):
    """/precedents (issue 14): one row per report, report id last; the session's result exports as XLSX."""
    from openpyxl import load_workbook

    status, table = client.predict("Những địa phương nào đã xây dựng mô hình Dân vận khéo?", "precedents", [], [], [],
                                   "", 10, api_name="/precedents")[:2]
    ids = [row[-1] for row in table_data(table)]
    assert len(ids) == len(set(ids)) and QUY_NHON in ids and "mô tả việc đã làm" in status
    exported, _ = client.predict(api_name="/precedents_export_xlsx")
    path = exported["value"] if isinstance(exported, dict) else exported
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]][:2] == ["Hạng", "Mức độ"] and sheet.max_row == len(ids) + 1
