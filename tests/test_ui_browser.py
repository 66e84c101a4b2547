"""End to end in a real browser: Debian's chromium driven by Playwright, against `baocao serve` started
as a person starts it (a subprocess on 127.0.0.1, on a copy of the sample index).

The tests run in order on one page, as one visit: first page, a question, its sources, a click on a
citation, the copy button, feedback, an upload seen in the library. They take the screenshots shown
in the README (docs/screenshot-*.png) and print the two timings the README quotes: from `baocao
serve` to a usable page, and from pressing "Gửi" to the answer with its sources on screen.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from ui_support import TINY_REPORT_ID, copy_index, free_port, write_tiny_report

CHROMIUM = Path("/usr/bin/chromium")
DOCS = Path(__file__).resolve().parent.parent / "docs"
QUESTION = "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại trong 6 tháng đầu năm 2024?"
# English words Gradio shows when its labels are not translated; none may be on screen.
ENGLISH = re.compile(r"\b(Drop File Here|Click to Upload|Loading|Submit|Clear|Like|Dislike|Copy|Error|Use via API|"
                     r"Built with Gradio|Settings|Upload|Download|Remove|Fullscreen|Textbox|Chatbot|Dropdown|"
                     r"Slider|processing|queue|Retry|Undo)\b")

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="cần chromium của Debian: apt-get install -y chromium (.ci/run tự cài)")


@pytest.fixture(scope="module")
def server(sample_service, tmp_path_factory):
    """`baocao serve` in a subprocess; yields (url, seconds from start to an answering HTTP server, proc)."""
    folder = tmp_path_factory.mktemp("ui-browser")
    service = copy_index(sample_service, folder / "index")
    port = free_port()
    env = dict(os.environ, BAOCAO_DB=str(service.settings.db), BAOCAO_AUTH="", HF_HUB_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", PYTHONUNBUFFERED="1")
    log = (folder / "serve.log").open("w")
    started = time.monotonic()
    script = Path(sys.executable).parent / "baocao"  # the command a person types
    command = [str(script)] if script.exists() else [sys.executable, "-m", "baocao_cli"]
    proc = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = started + 120
    while True:
        assert proc.poll() is None, (folder / "serve.log").read_text(encoding="utf-8")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, "baocao serve did not answer within 120 s"
        time.sleep(0.2)
    yield {"url": url, "started": started, "proc": proc, "log": folder / "serve.log", "folder": folder}
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def visit(server, browser):
    """One browser page for the whole visit, recording every request it makes."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="vi-VN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server["url"].rstrip("/"))
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server["url"])
    page.wait_for_selector("#bc-question textarea", state="visible")
    page.wait_for_selector("#bc-chat button.example", state="visible")
    ready = time.monotonic() - server["started"]
    print(f"\n[thời gian] từ `baocao serve` đến trang dùng được: {ready:.1f} s")
    yield {"page": page, "requests": requests, "ready_s": ready}
    context.close()


def on_screen_text(page) -> str:
    """What a person can read: the visible text, tooltips and placeholders."""
    return page.evaluate("""() => [document.body.innerText,
        ...Array.from(document.querySelectorAll('[title],[placeholder]'))
            .map(e => (e.getAttribute('title') || '') + ' ' + (e.getAttribute('placeholder') || ''))].join('\\n')""")


def test_first_visit_is_vietnamese_with_example_questions(visit):
    page = visit["page"]
    examples = page.locator("#bc-chat button.example").all_inner_texts()
    assert any(QUESTION in text for text in examples) and len(examples) >= 3
    assert "Hỏi gì về các báo cáo?" in page.inner_text("#bc-chat")
    assert page.evaluate("document.documentElement.lang") == "vi"
    assert not ENGLISH.findall(on_screen_text(page))


def test_answer_and_sources_render_with_the_quote_highlighted(visit, record_property):
    page = visit["page"]
    page.fill("#bc-question textarea", QUESTION)
    started = time.monotonic()
    page.click("#bc-send")
    page.wait_for_selector("#bc-sources mark.bc-quote", state="visible")
    page.wait_for_selector("#bc-chat a.bc-cite", state="visible")
    latency = time.monotonic() - started
    print(f"\n[thời gian] từ lúc bấm Gửi đến câu trả lời có nguồn trên màn hình: {latency:.2f} s")
    record_property("answer_latency_s", round(latency, 2))
    assert "147 vụ khiếu nại" in page.inner_text("#bc-chat")
    assert "147 vụ khiếu nại" in page.inner_text("#bc-sources mark.bc-quote")
    sources = page.inner_text("#bc-sources")
    for expected in ("thành phố Quy Nhơn", "17/6/2024", "Mục III.6", "Kết quả thực hiện công tác dân vận"):
        assert expected in sources
    page.wait_for_timeout(300)
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "screenshot-chat.png"))


def test_clicking_a_citation_opens_its_source(visit):
    page = visit["page"]
    page.evaluate("document.querySelector('#bc-src-0-1').open = false; window.scrollTo(0, 0)")
    page.click("#bc-chat a.bc-cite")
    source = page.locator("#bc-src-0-1")
    page.wait_for_function("document.querySelector('#bc-src-0-1').classList.contains('bc-active')")
    assert source.evaluate("e => e.open")
    page.wait_for_timeout(600)  # smooth scrolling
    assert source.evaluate("e => { const r = e.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0 }")
    assert "#" not in page.url  # the page script handled the link; the browser did not navigate


def test_copy_button_puts_the_answer_with_its_sources_on_the_clipboard(visit):
    page = visit["page"]
    page.click("#bc-sources button.bc-copy")
    page.wait_for_selector("#bc-sources button.bc-copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "147 vụ khiếu nại" in copied and "\nNguồn:\n[1] " in copied and "mục III.6" in copied
    assert "<" not in copied


def test_thumb_and_comment_are_recorded(visit, server):
    page = visit["page"]
    page.locator("#bc-chat").get_by_role("button", name="Hữu ích").first.click()
    page.wait_for_selector("#bc-feedback", state="visible")
    page.fill("#bc-feedback-comment textarea", "Đúng số liệu")
    page.click("#bc-feedback-send")
    page.wait_for_function("document.querySelector('#bc-feedback-status').innerText.includes('Ý kiến của bạn đã được lưu')")
    from ui.feedback import FeedbackStore

    records = FeedbackStore.beside_index(server["folder"] / "index").records()
    assert [(r.rating, r.comment, r.question) for r in records] == [("up", "Đúng số liệu", QUESTION)]


def test_uploaded_file_appears_in_the_library(visit, server):
    page = visit["page"]
    page.get_by_role("tab", name=re.compile("Thư viện báo cáo")).click()
    page.wait_for_selector("#bc-library", state="visible")
    report = write_tiny_report(server["folder"] / "tai-len")
    with page.expect_file_chooser() as chooser:
        page.click("#bc-upload")
    chooser.value.set_files(str(report))
    page.wait_for_function("document.querySelector('#bc-upload-status').innerText.includes('Đã xong')",
                           timeout=120_000)
    assert f"{TINY_REPORT_ID}.txt — đã nạp" in page.inner_text("#bc-upload-status")
    page.wait_for_function(f"document.querySelector('#bc-library').innerText.includes('{TINY_REPORT_ID}')")
    assert "xã Hòa Bình" in page.inner_text("#bc-library")
    page.wait_for_timeout(300)
    page.screenshot(path=str(DOCS / "screenshot-library.png"))
    assert not ENGLISH.findall(on_screen_text(page))


def test_precedent_tab_lists_reports_opens_a_passage_and_exports(visit):
    """The "Tìm tiền lệ" tab (issue 14): one row per report, a click on a row opens its passage with the
    quoted sentence marked, and the XLSX export gives a file (the local user is an editor)."""
    page = visit["page"]
    page.get_by_role("tab", name=re.compile("Tìm tiền lệ")).click()
    page.fill("#bc-prec-topic textarea", "Những địa phương nào đã xây dựng mô hình Dân vận khéo?")
    started = time.monotonic()
    page.click("#bc-prec-search")
    page.wait_for_function("document.querySelector('#bc-prec-status').innerText.includes('mô tả việc đã làm')",
                           timeout=60_000)
    print(f"\n[thời gian] tìm tiền lệ, từ lúc bấm Tìm đến bảng kết quả: {time.monotonic() - started:.2f} s")
    def cells(text: str):  # the table's visible cells (Gradio keeps a hidden row to measure columns)
        return page.locator("#bc-prec-table").get_by_text(text, exact=True).locator("visible=true")

    for place in ("thành phố Quy Nhơn", "thành phố Hạ Long", "huyện Bình Sơn", "xã Tịnh An"):
        assert cells(place).count() == 1, place  # one row per report
    cells("thành phố Quy Nhơn").first.click()
    page.wait_for_selector("#bc-prec-passage mark.bc-quote", state="visible")
    assert "thành phố Quy Nhơn" in page.inner_text("#bc-prec-passage")
    page.click("#bc-prec-xlsx")
    page.wait_for_function("document.querySelector('#bc-prec-file') && "
                           "document.querySelector('#bc-prec-file').innerText.includes('.xlsx')", timeout=30_000)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(DOCS / "screenshot-precedents.png"))
    assert not ENGLISH.findall(on_screen_text(page))


def test_no_request_left_the_machine(visit, server):
    origin = server["url"].rstrip("/")
    outside = [url for url in visit["requests"] if not url.startswith((origin, "data:", "blob:"))]
    assert outside == []
    log = server["log"].read_text(encoding="utf-8")
    assert "Ứng dụng hỏi đáp đã sẵn sàng" in log and server["url"] in log


def test_login_page_is_vietnamese_and_lets_the_right_person_in(server, browser):
    from rag import BaocaoService, BaocaoSettings
    from ui.app import launch

    service = BaocaoService(BaocaoSettings(db=server["folder"] / "index", auth="an:mật-khẩu-1"))
    demo, url = launch(service, "127.0.0.1", free_port())
    context = browser.new_context(locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("text=Tên đăng nhập")
        assert "Đăng nhập để dùng ứng dụng" in page.inner_text("body")
        assert not ENGLISH.findall(on_screen_text(page)) and "Login" not in page.inner_text("body")
        fields = page.locator("input")
        fields.nth(0).fill("an")
        fields.nth(1).fill("sai")
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_selector("text=Sai tên đăng nhập hoặc mật khẩu")
        page.goto(url)
        page.wait_for_selector("text=Tên đăng nhập")
        fields = page.locator("input")
        fields.nth(0).fill("an")
        fields.nth(1).fill("mật-khẩu-1")
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_selector("#bc-question textarea", state="visible")
    finally:
        context.close()
        demo.close(verbose=False)


def test_a_reader_sees_no_button_that_changes_the_library_and_an_editor_does(server, browser):
    from rag import BaocaoService, BaocaoSettings
    from ui.app import launch

    service = BaocaoService(BaocaoSettings(db=server["folder"] / "index", auth="doc:mk-doc:reader,sua:mk-sua:editor"))
    demo, url = launch(service, "127.0.0.1", free_port())
    try:
        for user, password, editor in (("doc", "mk-doc", False), ("sua", "mk-sua", True)):
            context = browser.new_context(locale="vi-VN")
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("text=Tên đăng nhập")
            fields = page.locator("input")
            fields.nth(0).fill(user)
            fields.nth(1).fill(password)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_selector("#bc-question textarea", state="visible")
            page.get_by_role("tab", name="📚 Thư viện báo cáo").click()
            page.wait_for_selector("#bc-library", state="visible")
            if editor:
                page.wait_for_selector("#bc-upload", state="visible")
                assert "chỉ có quyền đọc" not in page.inner_text("body")
            else:
                page.wait_for_selector("text=chỉ có quyền đọc")
                assert not page.locator("#bc-upload").is_visible()
                assert not page.get_by_role("button", name="🗑 Xóa khỏi chỉ mục").is_visible()
            context.close()
    finally:
        demo.close(verbose=False)
