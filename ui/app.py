"""The Gradio app: chat with cited sources and filters, the report library, feedback, evaluation.

`build_app(service)` assembles the page from the modules beside this one (chat, sources, library,
feedback, evaluation, auth); `serve(service, host, port)` starts it. The page is Vietnamese, loads
fonts and scripts only from the gradio package, sends no analytics and asks no outside host for
anything; there is no share link.

Endpoints a client can call (gradio_client, all under their api_name):
  /ask (question, localities, years, reports, k)  -> chat, sources HTML, "", answer as plain text
  /upload (files)                                 -> progress HTML, library table, … (streams)
  /delete (report_id), /reindex (report_id)       -> message, library table, …
  /feedback (turn, rating "up"|"down", comment)   -> message
  /export ()                                      -> the feedback as eval-set JSON Lines
  /evaluate (split)                               -> status, metrics per type, failed questions
  /precedents (topic, mode, levels, provinces, years, period, k) -> status, table, … (streams; ui/precedents.py)
  /precedents_export_csv|xlsx|docx ()             -> the last search of the session as a file (editors)
The other events of the page (a thumb click, a filter change, refresh) are private.

With a login (BAOCAO_AUTH, ui/auth.py) a reader may only /ask, /feedback and /precedents: /upload,
/delete, /reindex, /evaluate, /export and the precedent exports answer with a refusal, and the page hides their buttons. /upload reads
only files inside Gradio's upload folder (ui/library.py `Library.refusal`).
"""

from __future__ import annotations

import os

# Before gradio is imported: no analytics, no version check, no Hugging Face telemetry.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import html
import tempfile
import time
from importlib.resources import files
from pathlib import Path

import gradio as gr
from gradio import utils as gr_utils
from starlette.middleware import Middleware

from rag.service import BaocaoService
from ui.auth import Roles, VietnameseLoginPage, checker, parse_auth
from ui.chat import ChatController, Conversation, filters_summary, make_filters
from ui.evaluation import FAILURE_HEADERS, METRICS_HEADERS, SPLIT_CHOICES, Evaluation, failures_table
from ui.feedback import DOWN, UP, FeedbackStore
from ui.library import ACCEPTED_TYPES, EMPTY_LIBRARY, TABLE_HEADERS, Library
from ui.precedents import build_precedents_tab
from ui.sources import render_sources
from ui.texts import (
    AUTH_MESSAGE,
    CHAT_PLACEHOLDER,
    CHAT_PLACEHOLDER_EMPTY,
    GRADIO_VI,
    INTRO,
    QUESTION_PLACEHOLDER,
    TITLE,
    example_questions,
)

STATIC = files("ui") / "static"
ASK_CONCURRENCY = 4


def _core_module() -> str | None:
    """File name of Gradio's frontend module that exports `changeLocale` (hashed per release)."""
    assets = Path(gr.__file__).parent / "templates" / "frontend" / "assets"
    for path in sorted(assets.glob("core-*.js")):
        if "changeLocale" in path.read_text(encoding="utf-8", errors="ignore"):
            return path.name
    return None


def page_head() -> str:
    """What goes into <head>: Vietnamese as the page language (Gradio picks it from the browser and
    knows no Vietnamese; our translations are registered as `vi`), and the page script."""
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    core = _core_module()
    locale = (f'<script type="module">import {{ changeLocale }} from "./assets/{core}"; changeLocale("vi");</script>'
              if core else "")
    return f'<meta name="google" content="notranslate">{locale}<script>{script}</script>'


def theme() -> gr.themes.Base:
    # The default theme's fonts ship inside the gradio package (LocalFont): nothing from Google Fonts.
    font = [gr.themes.LocalFont("Source Sans Pro", weights=(400, 600, 700)), "ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(primary_hue="red", secondary_hue="blue", neutral_hue="slate", font=font)


def _username(request: gr.Request | None) -> str:
    return getattr(request, "username", None) or ""


def build_app(service: BaocaoService) -> gr.Blocks:
    feedback = FeedbackStore.beside_index(service.settings.db)
    roles = Roles(parse_auth(service.settings.auth))
    # /upload ingests only what arrived through Gradio's own upload (its upload folder), never a path
    # on the server that a client names in a FileData
    library = Library(service, upload_roots=[gr_utils.get_upload_folder()])
    chat = ChatController(service, feedback)
    evaluation = Evaluation(service)
    reports = library.reports()
    default_k = max(service.settings.search_k, 10)

    def chatbot_intro(report_list) -> dict:
        examples = example_questions(r.report_id for r in report_list)
        return {"placeholder": CHAT_PLACEHOLDER if report_list else CHAT_PLACEHOLDER_EMPTY,
                "examples": [{"text": q} for q in examples] or None}

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True, delete_cache=(3600, 24 * 3600)) as demo:
        conversation = gr.State(None)
        gr.Markdown(f"# {TITLE}\n{INTRO}", elem_id="bc-title")

        with gr.Tabs():
            # --- chat ------------------------------------------------------------------------------
            with gr.Tab("💬 Hỏi đáp", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Cuộc trò chuyện", height=600, elem_id="bc-chat", latex_delimiters=[], buttons=[],
                        feedback_options=("Like", "Dislike"), **chatbot_intro(reports))
                    with gr.Row(equal_height=True):
                        question = gr.Textbox(label="Câu hỏi", show_label=False, placeholder=QUESTION_PLACEHOLDER,
                                              lines=1, max_lines=4, scale=6, elem_id="bc-question", autofocus=True)
                        send = gr.Button("Gửi", variant="primary", scale=1, min_width=90, elem_id="bc-send")
                    filter_line = gr.Markdown(filters_summary([], [], [], default_k), elem_id="bc-filter-summary")
                    new_chat = gr.Button("🗨 Cuộc trò chuyện mới", size="sm", variant="secondary")
                    with gr.Group(visible=False, elem_id="bc-feedback") as feedback_box:
                        feedback_title = gr.Markdown()
                        feedback_rating = gr.Radio([("👍 Hữu ích", UP), ("👎 Chưa đúng", DOWN)], label="Đánh giá")
                        feedback_comment = gr.Textbox(
                            label="Góp ý thêm (không bắt buộc)", lines=2, elem_id="bc-feedback-comment",
                            placeholder="Ví dụ: thiếu số liệu năm 2023; trích nhầm mục; câu trả lời đúng và đủ…")
                        feedback_send = gr.Button("Gửi góp ý", variant="primary", size="sm",
                                                  elem_id="bc-feedback-send")
                    feedback_status = gr.Markdown(elem_id="bc-feedback-status")
                    feedback_turn = gr.Number(visible=False, precision=0)
                    plain_answer = gr.Textbox(visible=False)
                with gr.Column(scale=2):
                    with gr.Accordion("🔎 Bộ lọc (áp dụng cho câu hỏi tiếp theo)", open=True):
                        # Custom values are allowed so that reports uploaded from another tab can be chosen.
                        filter_localities = gr.Dropdown(library.locality_choices(reports), multiselect=True,
                                                        allow_custom_value=True, label="Địa phương",
                                                        elem_id="bc-filter-locality")
                        filter_years = gr.Dropdown(library.year_choices(reports), multiselect=True,
                                                   allow_custom_value=True, label="Năm báo cáo",
                                                   elem_id="bc-filter-year")
                        filter_reports = gr.Dropdown(library.report_choices(reports), multiselect=True,
                                                     allow_custom_value=True, label="Báo cáo",
                                                     elem_id="bc-filter-report")
                        filter_k = gr.Slider(1, 20, value=default_k, step=1, label="Số đoạn nguồn tối đa",
                                             elem_id="bc-filter-k")
                    gr.Markdown("### 📄 Nguồn")
                    sources = gr.HTML(render_sources([]), elem_id="bc-sources")

            # --- precedents (ui/precedents.py) ---------------------------------------------------------
            build_precedents_tab(demo, service, library, roles, _username)

            # --- library ---------------------------------------------------------------------------
            with gr.Tab("📚 Thư viện báo cáo", id="library") as library_tab:
                library_intro = gr.Markdown(EMPTY_LIBRARY, visible=not reports, elem_id="bc-library-empty")
                role_note = gr.Markdown(elem_id="bc-role-note")
                upload = gr.UploadButton("📂 Chọn tệp báo cáo để nạp (.docx, .pdf, .txt, .md; chọn được nhiều tệp)",
                                         file_count="multiple", file_types=list(ACCEPTED_TYPES), variant="primary",
                                         elem_id="bc-upload")
                upload_status = gr.HTML(elem_id="bc-upload-status")
                library_table = gr.Dataframe(library.table(reports), headers=TABLE_HEADERS, interactive=False,
                                             buttons=[], wrap=True, label="Các báo cáo đã nạp", elem_id="bc-library",
                                             column_widths=["15%", "9%", "11%", "8%", "8%", "10%", "27%", "5%", "7%"])
                with gr.Row(equal_height=True):
                    library_pick = gr.Dropdown(library.report_choices(reports), label="Chọn một báo cáo", scale=4,
                                               allow_custom_value=True,
                                               elem_id="bc-library-pick")
                    reindex_button = gr.Button("🔄 Nạp lại từ tệp gốc", scale=1)
                    delete_button = gr.Button("🗑 Xóa khỏi chỉ mục", variant="stop", scale=1)
                with gr.Group(visible=False) as confirm_box:
                    confirm_text = gr.Markdown()
                    with gr.Row():
                        confirm_delete = gr.Button("Xóa hẳn", variant="stop", elem_id="bc-confirm-delete")
                        cancel_delete = gr.Button("Thôi, không xóa")
                library_message = gr.Markdown(elem_id="bc-library-message")
                refresh_button = gr.Button("Làm mới danh sách", size="sm")

            # --- evaluation ------------------------------------------------------------------------
            with gr.Tab("📊 Đánh giá", id="evaluation") as evaluation_tab:
                gr.Markdown("Dành cho người quản trị: chạy bộ câu hỏi mẫu có đáp án để kiểm tra chất lượng trả lời "
                            "trên các báo cáo đang nạp (bộ câu hỏi viết cho 5 báo cáo mẫu).")
                with gr.Row(equal_height=True):
                    eval_split = gr.Radio(SPLIT_CHOICES, value="test", label="Bộ câu hỏi", scale=3)
                    eval_button = gr.Button("▶ Chạy đánh giá", variant="primary", scale=1)
                eval_status = gr.Markdown(elem_id="bc-eval-status")
                eval_metrics = gr.Dataframe(headers=METRICS_HEADERS, interactive=False, wrap=True, buttons=[],
                                            label="Kết quả theo loại câu hỏi", elem_classes=["bc-table"])
                eval_failures = gr.Dataframe(headers=FAILURE_HEADERS, interactive=False, wrap=True, buttons=[],
                                             label="Các câu chưa đạt", elem_classes=["bc-table"],
                                             column_widths=["8%", "10%", "30%", "22%", "30%"])
                gr.Markdown("### Góp ý của người dùng")
                feedback_counts = gr.Markdown(elem_id="bc-feedback-counts")
                export_button = gr.Button("⬇ Xuất góp ý thành bộ câu hỏi đánh giá (JSON Lines)")
                with gr.Column(visible=False) as export_box:
                    export_file = gr.File(label="Tệp góp ý (bấm để tải về)", interactive=False, height=80,
                                          elem_id="bc-export-file")

        # --- chat events ---------------------------------------------------------------------------

        def ask(question_text, localities, years, report_ids, k, conv):
            filters = make_filters(localities, years, report_ids)
            for step in chat.ask(question_text, conv, filters, int(k) if k else None):
                conv = step.conversation
                yield conv.messages, step.sources_html, conv, "", step.plain_text

        ask_inputs = [question, filter_localities, filter_years, filter_reports, filter_k, conversation]
        ask_outputs = [chatbot, sources, conversation, question, plain_answer]
        gr.on([send.click, question.submit], ask, ask_inputs, ask_outputs, api_name="ask",
              concurrency_limit=ASK_CONCURRENCY, concurrency_id="ask", show_progress="hidden")

        def pick_example(event: gr.SelectData):
            value = event.value
            return value.get("text", "") if isinstance(value, dict) else str(value)

        chatbot.example_select(pick_example, None, question, api_visibility="private", queue=False).then(
            ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=ASK_CONCURRENCY,
            concurrency_id="ask", show_progress="hidden")

        def start_over():
            return [], render_sources([]), Conversation(), "", gr.Group(visible=False), ""

        reset_outputs = [chatbot, sources, conversation, plain_answer, feedback_box, feedback_status]
        new_chat.click(start_over, None, reset_outputs, api_visibility="private", queue=False)
        chatbot.clear(start_over, None, reset_outputs, api_visibility="private", queue=False)

        gr.on([filter_localities.change, filter_years.change, filter_reports.change, filter_k.change],
              filters_summary, [filter_localities, filter_years, filter_reports, filter_k], filter_line,
              api_visibility="private", queue=False, show_progress="hidden")

        def on_thumb(conv, data: gr.LikeData, request: gr.Request):
            turn = chat.turn_of(conv, data.index)
            rating = UP if data.liked is True else DOWN if data.liked is False else None
            message = chat.rate(conv, turn, rating, None, username=_username(request))
            if rating is None or turn is None:
                return gr.Group(visible=False), gr.skip(), gr.skip(), gr.skip(), gr.skip(), message
            title = f"**Góp ý cho câu trả lời của câu hỏi:** “{html.escape(conv.answers[turn].question)}”"
            return gr.Group(visible=True), title, rating, "", turn, message

        chatbot.like(on_thumb, [conversation],
                     [feedback_box, feedback_title, feedback_rating, feedback_comment, feedback_turn, feedback_status],
                     api_visibility="private")

        def send_feedback(turn, rating, comment, conv, request: gr.Request):
            if rating not in (UP, DOWN):
                return "Hãy chọn 👍 Hữu ích hoặc 👎 Chưa đúng.", gr.skip()
            turn = int(turn) if turn is not None else None
            message = chat.rate(conv, turn, rating, comment or "", username=_username(request))
            return message, gr.Group(visible=False)

        feedback_send.click(send_feedback, [feedback_turn, feedback_rating, feedback_comment, conversation],
                            [feedback_status, feedback_box], api_name="feedback")

        # --- library events ------------------------------------------------------------------------

        library_outputs = [library_table, library_intro, library_pick, filter_localities, filter_years,
                           filter_reports, chatbot]

        def library_state():
            current = library.reports()
            return (library.table(current), gr.Markdown(visible=not current),
                    gr.Dropdown(choices=library.report_choices(current), value=None),
                    gr.Dropdown(choices=library.locality_choices(current)),
                    gr.Dropdown(choices=library.year_choices(current)),
                    gr.Dropdown(choices=library.report_choices(current)),
                    gr.Chatbot(**chatbot_intro(current)))

        def upload_files(paths, request: gr.Request):
            if not roles.may_edit(_username(request)):
                yield (f"⚠️ {html.escape(roles.refusal(_username(request)))}", *(gr.skip() for _ in library_outputs))
                return
            if not paths:
                yield ("Chưa chọn tệp nào.", *(gr.skip() for _ in library_outputs))
                return
            job = library.submit(paths if isinstance(paths, list) else [paths])
            while not job.done.wait(0.5):
                yield (job.render(), *(gr.skip() for _ in library_outputs))
            yield (job.render(), *library_state())

        upload.upload(upload_files, upload, [upload_status, *library_outputs], api_name="upload",
                      concurrency_limit=ASK_CONCURRENCY, concurrency_id="upload", show_progress="hidden")

        def ask_delete(report_id, request: gr.Request):
            if not roles.may_edit(_username(request)):
                return gr.Group(visible=False), "", roles.refusal(_username(request))
            if not report_id:
                return gr.Group(visible=False), "", "Hãy chọn một báo cáo trong danh sách."
            label = next((lbl for lbl, rid in library.report_choices() if rid == report_id), report_id)
            question = (f"Xóa báo cáo **{html.escape(label)}** ({report_id}) khỏi chỉ mục? Các câu hỏi sau sẽ không "
                        "dùng báo cáo này nữa; muốn dùng lại phải tải tệp lên lại.")
            return gr.Group(visible=True), question, ""

        delete_button.click(ask_delete, library_pick, [confirm_box, confirm_text, library_message],
                            api_visibility="private", queue=False)
        cancel_delete.click(lambda: (gr.Group(visible=False), "Chưa xóa gì."), None, [confirm_box, library_message],
                            api_visibility="private", queue=False)

        def _outcome(ok: bool, message: str) -> str:
            return f"{'✅' if ok else '⚠️'} {message}"

        def delete_report(report_id, request: gr.Request):
            if not roles.may_edit(_username(request)):
                return (_outcome(False, roles.refusal(_username(request))), gr.Group(visible=False),
                        *(gr.skip() for _ in library_outputs))
            ok, message = library.remove(report_id)
            return (_outcome(ok, message), gr.Group(visible=False), *library_state())

        confirm_delete.click(delete_report, library_pick, [library_message, confirm_box, *library_outputs],
                             api_name="delete")

        def reindex_report(report_id, request: gr.Request):
            if not roles.may_edit(_username(request)):
                return (_outcome(False, roles.refusal(_username(request))), *(gr.skip() for _ in library_outputs))
            ok, message = library.reindex(report_id)
            return (_outcome(ok, message), *library_state())

        reindex_button.click(reindex_report, library_pick, [library_message, *library_outputs], api_name="reindex")
        refresh_button.click(library_state, None, library_outputs, api_visibility="private")
        library_tab.select(library_state, None, library_outputs, api_visibility="private")

        # --- evaluation and feedback export ----------------------------------------------------------

        def feedback_summary() -> str:
            counts = feedback.counts()
            total = counts[UP] + counts[DOWN]
            if not total:
                return "Chưa có góp ý nào."
            return f"Đã có {total} góp ý: {counts[UP]} 👍 hữu ích, {counts[DOWN]} 👎 chưa đúng."

        def last_evaluation():
            last = evaluation.last_run()
            if last is None:
                return "Chưa chạy đánh giá lần nào.", [], [], feedback_summary()
            meta, rows = last
            return (evaluation.describe(meta, rows), evaluation.summary(rows), failures_table(rows),
                    feedback_summary())

        def run_evaluation(split, request: gr.Request):
            if not roles.may_edit(_username(request)):
                yield f"⚠️ {roles.refusal(_username(request))}", gr.skip(), gr.skip()
                return
            labels = {value: label for label, value in SPLIT_CHOICES}
            if not library.reports():
                yield "Chỉ mục chưa có báo cáo nào: hãy nạp báo cáo trước.", gr.skip(), gr.skip()
                return
            try:
                items = evaluation.items_for(split or "test")
                for done, total, rows in evaluation.run(items, labels.get(split, split)):
                    if rows is None:
                        yield f"Đang chạy: {done}/{total} câu hỏi…", gr.skip(), gr.skip()
                    else:
                        last = evaluation.last_run()
                        yield (evaluation.describe(last[0], rows) if last else "Xong.", evaluation.summary(rows),
                               failures_table(rows))
            except (RuntimeError, ValueError) as exc:
                yield f"⚠️ {exc}", gr.skip(), gr.skip()

        eval_button.click(run_evaluation, eval_split, [eval_status, eval_metrics, eval_failures], api_name="evaluate",
                          show_progress="hidden")
        evaluation_tab.select(last_evaluation, None, [eval_status, eval_metrics, eval_failures, feedback_counts],
                              api_visibility="private")

        def export_feedback(request: gr.Request):
            if not roles.may_edit(_username(request)):
                return None, f"⚠️ {roles.refusal(_username(request))}"
            folder = Path(tempfile.mkdtemp(prefix="baocao-gop-y-"))
            path = feedback.export_jsonl(folder / f"gop-y-{time.strftime('%Y%m%d-%H%M%S')}.jsonl")
            return str(path), feedback_summary()

        export_button.click(export_feedback, None, [export_file, feedback_counts], api_name="export").then(
            lambda: gr.Column(visible=True), None, export_box, api_visibility="private", queue=False)

        # A page opened after an upload elsewhere sees the current library, filters and examples.
        demo.load(library_state, None, library_outputs, api_visibility="private")

        def role_view(request: gr.Request):
            """A reader does not see the buttons that change the library (the endpoints refuse anyway)."""
            editor = roles.may_edit(_username(request))
            note = "" if editor else f"ℹ️ {roles.refusal(_username(request))}"
            return (gr.UploadButton(visible=editor), gr.Button(visible=editor), gr.Button(visible=editor),
                    gr.Button(visible=editor), gr.Button(visible=editor), note)

        demo.load(role_view, None, [upload, reindex_button, delete_button, eval_button, export_button, role_note],
                  api_visibility="private", queue=False)

    demo.baocao = {"library": library, "feedback": feedback, "chat": chat, "evaluation": evaluation, "roles": roles}
    return demo


def launch(service: BaocaoService, host: str = "127.0.0.1", port: int = 7860) -> tuple[gr.Blocks, str]:
    """Build and start the app without blocking; returns it and its local URL."""
    pairs = parse_auth(service.settings.auth)
    demo = build_app(service)
    gradio_limit = int(service.settings.max_file_mb * 2 * 1024 * 1024)  # between 1x and 2x the ingest says why
    demo.queue(default_concurrency_limit=2)
    _, url, _ = demo.launch(
        server_name=host, server_port=port, share=False, prevent_thread_lock=True, quiet=True,
        auth=checker(pairs) if pairs else None, auth_message=AUTH_MESSAGE,
        theme=theme(), css=(STATIC / "app.css").read_text(encoding="utf-8"), head=page_head(),
        i18n=gr.I18n(vi=GRADIO_VI), footer_links=[], ssr_mode=False, mcp_server=False, pwa=False,
        enable_monitoring=False, show_error=True, max_file_size=gradio_limit,
        app_kwargs={"middleware": [Middleware(VietnameseLoginPage)]} if pairs else None,
    )
    return demo, url


def warm_up(service: BaocaoService) -> None:
    """Open the index and load the embedding model now, so that the first question is not the slow one."""
    if service.list_reports():
        service.search("khởi động", k=1)


def serve(service: BaocaoService, host: str = "127.0.0.1", port: int = 7860) -> None:
    started = time.monotonic()
    print("Đang mở chỉ mục và nạp mô hình…", flush=True)
    warm_up(service)
    demo, url = launch(service, host, port)
    shown = url if host not in ("0.0.0.0", "::") else f"http://{host}:{port}/ (mọi địa chỉ của máy này)"
    count = len(service.list_reports())
    print(f"Ứng dụng hỏi đáp đã sẵn sàng sau {time.monotonic() - started:.1f} giây: mở {shown} trong trình duyệt "
          f"({count} báo cáo trong chỉ mục {service.settings.db}). Bấm Ctrl+C để dừng.", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close(verbose=False)
