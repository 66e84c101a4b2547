"""The "Tìm tiền lệ" tab: which reports dealt with a topic (or a figure across places), one row per report.

Pure helpers first (table rows, the passage panel, the status line), tested without Gradio; then
`build_precedents_tab`, called by ui/app.py inside its tabs. The search runs through
`BaocaoService.precedents` / the figure comparison (rag/figure_table.py); nothing is decided here.

- The table is Gradio's Dataframe: a click on a column header sorts it. A click on a row opens that
  report's passage, the quoted sentence highlighted, in the panel beside it; the row is found by its
  report id (the last column), so a sorted table opens the right passage.
- A figure comparison reads each report in turn, and the status line counts them ("3/10 báo cáo").
- The export buttons (CSV, XLSX, DOCX) are an editor's action when the app has logins (ui/auth.py):
  a reader does not see them and the endpoints refuse.
"""


import html
import tempfile
import time
from pathlib import Path
from typing import Any

from ingest.gazetteer import ADMIN_LEVELS
from rag.figure_table import FigureRow, FigureTable, figure_rows
from rag.precedent_exports import FigureExportTable, PrecedentTable, export
from rag.precedents import PrecedentFilters, PrecedentResult, PrecedentRow
from rag.schema import QueryFilters
from ui.sources import format_date, highlight, section_label

PRECEDENT_HEADERS = ["Hạng", "Mức độ", "Điểm", "Địa phương", "Cấp", "Tỉnh/thành", "Loại", "Kỳ báo cáo", "Mục",
                     "Câu trích", "Mã báo cáo"]
FIGURE_HEADERS = ["Hạng", "Địa phương", "Tỉnh/thành", "Kỳ báo cáo", "Giá trị", "Đơn vị", "Kỳ của số liệu",
                  "Câu trả lời", "Mục", "Mã báo cáo"]
MODES = [("Tiền lệ: nơi nào đã làm, làm thế nào", "precedents"), ("So sánh một số liệu giữa các nơi/kỳ", "figures")]
EMPTY_PANEL = ('<div class="bc-sources"><p class="bc-empty">Bấm vào một dòng của bảng để xem đoạn báo cáo gốc, '
               'câu được trích tô sáng.</p></div>')
EXAMPLE_TOPIC = "Những địa phương nào đã xây dựng mô hình Dân vận khéo?"


def precedent_table(result: PrecedentResult) -> list[list[Any]]:
    return [[rank, row.kind_label, round(row.score, 3), row.locality, row.locality_level, row.province,
             row.document_type, row.period, row.section or "(mở đầu)", row.quote, row.report_id]
            for rank, row in enumerate([*result.rows, *result.mentions], 1)]


def figure_table_rows(rows: list[FigureRow]) -> list[list[Any]]:
    return [[rank, row.locality, row.province, row.report_period, row.value if row.found else "—",
             row.unit if row.found else "", row.period, row.answer, row.section, row.report_id]
            for rank, row in enumerate(rows, 1)]


def status_line(result: PrecedentResult | FigureTable, seconds: float) -> str:
    rows = result.rows
    notices = "".join(f"\n\n⚠️ {html.escape(n)}" for n in result.notices)
    if not rows and not getattr(result, "mentions", None):
        return f"Không tìm thấy báo cáo nào về chủ đề này ({seconds:.1f} giây).{notices}"
    if isinstance(result, FigureTable):
        found = sum(r.found for r in rows)
        return (f"**{len(rows)} báo cáo**, {found} có số liệu đúng loại và kỳ được hỏi ({seconds:.1f} giây). "
                f"Dòng “—” là báo cáo không có số liệu đó.{notices}")
    topic = html.escape(result.topic or result.query)
    return (f"**{len(rows)} báo cáo** mô tả việc đã làm về “{topic}”, {len(result.mentions)} báo cáo chỉ nhắc qua "
            f"(xếp sau) ({seconds:.1f} giây). Bấm tiêu đề cột để sắp xếp, bấm một dòng để xem đoạn gốc.{notices}")


def passage_panel(row: PrecedentRow | FigureRow | None) -> str:
    """The sources panel for one row: title, place, period, section, and the passage with its sentence marked."""
    if row is None:
        return EMPTY_PANEL
    if isinstance(row, FigureRow):
        title, locality, section, section_title = row.title, row.locality, row.section, row.section_title
        text, quote, period, date = row.quote or row.answer, row.quote, row.period or row.report_period, ""
    else:
        title, locality, section, section_title = row.title, row.locality, row.section, row.section_title
        text, quote, period, date = row.passage, row.quote, row.period, row.date
    body, found = highlight(text, quote)
    shown = body if found or not quote else f'<p><mark class="bc-quote">{html.escape(quote)}</mark></p><p>{body}</p>'
    meta = " · ".join(html.escape(part) for part in (locality, period, format_date(date)) if part)
    return (f'<div class="bc-sources"><div class="bc-source" id="bc-prec-source">'
            f'<div class="bc-source-title">{html.escape(title or row.report_id)}</div>'
            f'<div class="bc-source-meta">{meta} · {html.escape(section_label(section, section_title))} · '
            f'<code>{html.escape(row.report_id)}</code></div>'
            f'<div class="bc-passage">{shown}</div></div></div>')


def make_filters(levels, provinces, years, period) -> PrecedentFilters:
    return PrecedentFilters(levels=tuple(levels or ()), provinces=tuple(provinces or ()),
                            years=tuple(int(y) for y in years or () if str(y).strip().isdigit()),
                            period=(period or "").strip())


def row_for(result: PrecedentResult | FigureTable | None, report_id: str) -> PrecedentRow | FigureRow | None:
    if result is None:
        return None
    listed = [*result.rows, *getattr(result, "mentions", [])]
    return next((row for row in listed if row.report_id == report_id), None)


def export_result(result: PrecedentResult | FigureTable | None, suffix: str) -> Path | None:
    if result is None or not (result.rows or getattr(result, "mentions", None)):
        return None
    table = FigureExportTable(result) if isinstance(result, FigureTable) else PrecedentTable(result)
    folder = Path(tempfile.mkdtemp(prefix="baocao-tien-le-"))
    name = "so-sanh-so-lieu" if isinstance(result, FigureTable) else "tien-le"
    return export(table, folder / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}{suffix}")


# --- the tab ------------------------------------------------------------------------------------------

def build_precedents_tab(demo, service, library, roles, username) -> None:
    """The tab's components and events; call inside `gr.Tabs()`. `username(request)` names the user."""
    import gradio as gr

    reports = library.reports()
    provinces = sorted({p for r in reports for p in (r.metadata.province, r.metadata.current_province) if p})
    with gr.Tab("🧭 Tìm tiền lệ", id="precedents") as tab:
        gr.Markdown("Tìm các báo cáo đã làm một việc (“những địa phương nào đã xây dựng mô hình Dân vận khéo?”), "
                    "mỗi báo cáo một dòng: báo cáo mô tả việc đã làm xếp trên báo cáo chỉ nhắc qua. Hoặc so sánh một "
                    "số liệu giữa các nơi, các kỳ.")
        with gr.Row(equal_height=True):
            topic = gr.Textbox(label="Chủ đề", placeholder=EXAMPLE_TOPIC, scale=6, elem_id="bc-prec-topic")
            search = gr.Button("Tìm", variant="primary", scale=1, min_width=90, elem_id="bc-prec-search")
        mode = gr.Radio(MODES, value="precedents", label="Loại tìm kiếm", elem_id="bc-prec-mode")
        with gr.Accordion("🔎 Bộ lọc", open=False):
            with gr.Row():
                levels = gr.Dropdown(list(ADMIN_LEVELS), multiselect=True, label="Cấp", elem_id="bc-prec-level")
                province = gr.Dropdown(provinces, multiselect=True, allow_custom_value=True, label="Tỉnh/thành",
                                       elem_id="bc-prec-province")
                years = gr.Dropdown(library.year_choices(reports), multiselect=True, allow_custom_value=True,
                                    label="Năm báo cáo", elem_id="bc-prec-year")
                period = gr.Textbox(label="Kỳ báo cáo", placeholder="ví dụ: 6 tháng đầu năm 2024",
                                    elem_id="bc-prec-period")
                k = gr.Slider(1, 30, value=10, step=1, label="Số báo cáo tối đa", elem_id="bc-prec-k")
        status = gr.Markdown(elem_id="bc-prec-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                table = gr.Dataframe(headers=PRECEDENT_HEADERS, interactive=False, wrap=True, buttons=[],
                                     label="Kết quả (bấm tiêu đề cột để sắp xếp)", elem_id="bc-prec-table",
                                     max_height=600)
                with gr.Row(equal_height=True):
                    export_csv = gr.Button("⬇ CSV", size="sm", elem_id="bc-prec-csv")
                    export_xlsx = gr.Button("⬇ Excel (XLSX)", size="sm", elem_id="bc-prec-xlsx")
                    export_docx = gr.Button("⬇ Word (DOCX, kèm trích dẫn)", size="sm", elem_id="bc-prec-docx")
                export_file = gr.File(label="Tệp xuất (bấm để tải về)", interactive=False, height=80,
                                      elem_id="bc-prec-file", visible=False)
            with gr.Column(scale=2):
                gr.Markdown("### 📄 Đoạn báo cáo")
                panel = gr.HTML(EMPTY_PANEL, elem_id="bc-prec-passage")
        last = gr.State(None)

    def run(topic_text, mode_value, level_values, province_values, year_values, period_text, k_value):
        started = time.monotonic()
        if not (topic_text or "").strip():
            yield "Hãy nhập một chủ đề.", gr.skip(), None, EMPTY_PANEL
            return
        try:
            filters = make_filters(level_values, province_values, year_values, period_text)
            yield "⏳ Đang tìm các báo cáo…", gr.skip(), gr.skip(), gr.skip()
            found = service.precedents(topic_text, filters, k=int(k_value or 10))
            if mode_value != "figures":
                yield (status_line(found, time.monotonic() - started),
                       gr.Dataframe(value=precedent_table(found), headers=PRECEDENT_HEADERS), found, EMPTY_PANEL)
                return
            rows: list[FigureRow] = []
            listed = [*found.rows, *found.mentions]
            for n, row in enumerate(listed, 1):
                yield f"⏳ Đang đọc số liệu: {n}/{len(listed)} báo cáo…", gr.skip(), gr.skip(), gr.skip()
                rows += figure_rows(topic_text, [row], lambda rid: service.ask(
                    topic_text, QueryFilters(report_ids=(rid,))))
            table_value = FigureTable(topic_text, found.filters, rows, found.notices)
            yield (status_line(table_value, time.monotonic() - started),
                   gr.Dataframe(value=figure_table_rows(rows), headers=FIGURE_HEADERS), table_value, EMPTY_PANEL)
        except ValueError as exc:
            yield f"⚠️ {html.escape(str(exc))}", gr.skip(), gr.skip(), gr.skip()

    gr.on([search.click, topic.submit], run, [topic, mode, levels, province, years, period, k],
          [status, table, last, panel], api_name="precedents", show_progress="hidden", concurrency_limit=4,
          concurrency_id="ask")

    def open_row(result, event: gr.SelectData):
        values = getattr(event, "row_value", None) or []
        report_id = str(values[-1]) if values else ""
        return passage_panel(row_for(result, report_id))

    table.select(open_row, [last], panel, api_visibility="private", queue=False)

    def make_export(suffix: str):
        def handler(result, request: gr.Request):
            if not roles.may_edit(username(request)):
                return gr.File(visible=False), f"⚠️ {roles.refusal(username(request))}"
            path = export_result(result, suffix)
            if path is None:
                return gr.File(visible=False), "Chưa có kết quả để xuất: hãy tìm trước."
            return gr.File(value=str(path), visible=True), gr.skip()
        return handler

    for button, suffix, name in ((export_csv, ".csv", "export_csv"), (export_xlsx, ".xlsx", "export_xlsx"),
                                 (export_docx, ".docx", "export_docx")):
        button.click(make_export(suffix), [last], [export_file, status], api_name=f"precedents_{name}")

    def role_view(request: gr.Request):
        editor = roles.may_edit(username(request))
        return gr.Button(visible=editor), gr.Button(visible=editor), gr.Button(visible=editor)

    demo.load(role_view, None, [export_csv, export_xlsx, export_docx], api_visibility="private", queue=False)

    def refresh_choices():
        current = library.reports()
        names = sorted({p for r in current for p in (r.metadata.province, r.metadata.current_province) if p})
        return gr.Dropdown(choices=names), gr.Dropdown(choices=library.year_choices(current))

    tab.select(refresh_choices, None, [province, years], api_visibility="private", queue=False)
