"""A self-contained HTML page of an eval run, for a person to read (Vietnamese, like the CLI).

One file, no external URL (no fonts, scripts or images fetched): inline CSS and inline SVG charts. It
holds the metrics per type, a bar chart of the overall metrics against the baseline (and Hit@5 per type
against the baseline), and a table of every failed question with what was retrieved and, once `ask`
exists, the answer and its citations.
"""

from __future__ import annotations

import datetime as _dt
from html import escape
from pathlib import Path
from typing import Any

from evals.metrics import ANSWER_METRICS, RETRIEVAL_METRICS, contains_fact

METRIC_NAMES = {
    "hit1_report": "Hit@1 báo cáo", "hit5_report": "Hit@5 báo cáo", "mrr10_report": "MRR@10 báo cáo",
    "hit1_section": "Hit@1 báo cáo + mục", "hit5_section": "Hit@5 báo cáo + mục",
    "mrr10_section": "MRR@10 báo cáo + mục", "fact_recall": "Tỷ lệ dữ kiện", "all_facts": "Đủ mọi dữ kiện",
    "citation_support": "Dữ kiện có trích dẫn", "abstention": "Từ chối đúng",
}
RATE_METRICS = (*RETRIEVAL_METRICS, *ANSWER_METRICS, "abstention")
SHOWN_RETRIEVED = 5

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:24px;color:#1f2328;max-width:1400px}
h1{font-size:1.5em;margin-bottom:4px}h2{font-size:1.2em;margin-top:32px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#59636e;margin-top:0}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600;background:#f6f8fa}
.up{color:#1a7f37}.down{color:#cf222e}
.gold{background:#dafbe1}.miss{color:#cf222e;font-weight:600}
ol{margin:0;padding-left:20px}li{margin:1px 0}
code{font-size:12px}.small{font-size:12px;color:#59636e}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
"""
COLOR_NOW = "#0969da"
COLOR_BASE = "#8c959f"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _delta(now: float | None, base: float | None) -> str:
    if now is None or base is None:
        return ""
    diff = now - base
    if abs(diff) < 5e-4:
        return '<span class="small">±0</span>'
    cls = "up" if diff > 0 else "down"
    return f' <span class="{cls} small">({diff:+.3f})</span>'


def bar_chart(title: str, entries: list[tuple[str, float | None, float | None]]) -> str:
    """Inline SVG: per entry a bar for now and one for the baseline, on a 0..1 scale."""
    label_w, bar_w, row_h, top = 190, 420, 34, 28
    height = top + row_h * len(entries) + 24
    width = label_w + bar_w + 70
    parts = [f'<svg width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}" font-family="system-ui,Arial,sans-serif" font-size="12">',
             f'<text x="0" y="16" font-weight="600" font-size="13">{escape(title)}</text>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + bar_w * tick
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#d0d7de"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#59636e">{tick:g}</text>')
    for i, (label, now, base) in enumerate(entries):
        y = top + i * row_h
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>')
        for j, (value, color) in enumerate(((now, COLOR_NOW), (base, COLOR_BASE))):
            if value is None:
                continue
            yy = y + 3 + j * 13
            parts.append(f'<rect x="{label_w}" y="{yy}" width="{bar_w * max(0.0, min(1.0, value)):.1f}" '
                         f'height="11" fill="{color}"><title>{"hiện tại" if j == 0 else "baseline"}: '
                         f'{value:.3f}</title></rect>')
            parts.append(f'<text x="{label_w + bar_w * max(0.0, min(1.0, value)) + 4:.1f}" y="{yy + 10}" '
                         f'fill="#59636e" font-size="11">{value:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def failure_reasons(row: dict[str, Any]) -> list[str]:
    """Why a question counts as failed; empty when it passed.

    Retrieval: an answerable question fails when no gold report is in the top 5. Answers (once the
    output is an ask object): a wrong abstention, a missing must_include fact, an unsupported figure.
    """
    scores = row["scores"]
    gold = row.get("gold") or {}
    output = row.get("output") or {}
    reasons = []
    if scores.get("answerable") and scores.get("hit5_report") == 0:
        rank = scores.get("report_rank")
        fetched = len(output.get("retrieved") or output.get("results") or [])
        reasons.append("báo cáo đúng không có trong top 5"
                       + (f" (hạng {rank})" if rank else f" (không có trong {fetched} đoạn lấy về)"))
    if scores.get("abstention") == 0:
        reasons.append("lẽ ra phải từ chối trả lời" if not scores.get("answerable") else "từ chối trả lời sai")
    if scores.get("fact_recall") is not None and scores["fact_recall"] < 1:
        answer = output.get("answer") or ""
        missing = [f for f in gold.get("must_include", []) if not contains_fact(answer, f)]
        reasons.append("thiếu dữ kiện: " + ", ".join(f"«{m}»" for m in missing) if missing else "thiếu dữ kiện")
    if scores.get("unsupported_figures"):
        reasons.append("số liệu không có trong trích dẫn: " + ", ".join(scores["unsupported_figures"]))
    return reasons


def _report_label(report_id: str, names: dict[str, str]) -> str:
    name = names.get(report_id)
    return f"{report_id[:3]} {name}" if name else report_id


def _retrieved_html(row: dict[str, Any], names: dict[str, str]) -> str:
    gold = set((row.get("gold") or {}).get("reports", []))
    output = row.get("output") or {}
    passages = output.get("retrieved") or output.get("results") or []
    if not passages:
        return '<span class="miss">(không lấy được đoạn nào)</span>'
    items = []
    for p in passages[:SHOWN_RETRIEVED]:
        cls = ' class="gold"' if p.get("report_id") in gold else ""
        score = p.get("score")
        items.append(f"<li{cls}>{escape(_report_label(p.get('report_id', ''), names))} "
                     f"<code>{escape(p.get('section') or '(mở đầu)')}</code>"
                     + (f' <span class="small">{score:.3f}</span>' if isinstance(score, (int, float)) else "")
                     + "</li>")
    more = len(passages) - SHOWN_RETRIEVED
    tail = f'<div class="small">… và {more} đoạn nữa</div>' if more > 0 else ""
    return f"<ol>{''.join(items)}</ol>{tail}"


def _answer_html(row: dict[str, Any], names: dict[str, str]) -> str:
    output = row.get("output") or {}
    if "answer" not in output:
        return '<span class="small">(chưa có bước trả lời)</span>'
    parts = []
    if output.get("abstained"):
        parts.append('<div class="small">[từ chối trả lời]</div>')
    parts.append(f"<div>{escape(output.get('answer') or '')}</div>")
    cites = []
    for c in output.get("citations") or []:
        quote = c.get("quote") or (c.get("text") or "")[:200]
        cites.append(f"<li>[{escape(str(c.get('n', '')))}] {escape(_report_label(c.get('report_id', ''), names))} "
                     f"<code>{escape(c.get('section') or '')}</code>: {escape(quote)}</li>")
    if cites:
        parts.append(f'<ul class="small">{"".join(cites)}</ul>')
    return "".join(parts)


def _metrics_table(aggregate: dict[str, Any], baseline: dict[str, Any] | None, metrics: list[str]) -> str:
    head = "".join(f"<th>{escape(METRIC_NAMES.get(m, m))}</th>" for m in metrics)
    extra = any(aggregate["overall"].get(m) is not None for m in ("latency_p50_ms", "latency_p95_ms"))
    head += "<th>p50 ms</th><th>p95 ms</th>" if extra else ""
    rows = []
    summaries = list(aggregate["by_type"].items()) + [("TỔNG", aggregate["overall"])]
    for name, s in summaries:
        base = (baseline or {}).get("overall" if name == "TỔNG" else "by_type", {})
        base = base if name == "TỔNG" else base.get(name, {})
        cells = "".join(f'<td class="num">{_pct(s.get(m))}{_delta(s.get(m), base.get(m) if base else None)}</td>'
                        for m in metrics)
        if extra:
            cells += "".join(f'<td class="num">{"-" if s.get(m) is None else f"{s[m]:.0f}"}</td>'
                             for m in ("latency_p50_ms", "latency_p95_ms"))
        cls = ' class="total"' if name == "TỔNG" else ""
        rows.append(f'<tr{cls}><td>{escape(name)}</td><td class="num">{s["n"]}</td>'
                    f'<td class="num">{s["n_answerable"]}</td>{cells}</tr>')
    return (f"<table><tr><th>Loại</th><th>Số câu</th><th>Có đáp án</th>{head}</tr>{''.join(rows)}</table>")


def render_report(rows: list[dict[str, Any]], aggregate: dict[str, Any],
                  baseline_aggregate: dict[str, Any] | None = None, title: str = "Kết quả đánh giá baocao",
                  report_names: dict[str, str] | None = None) -> str:
    names = report_names or {}
    metrics = [m for m in RATE_METRICS if aggregate["overall"].get(m) is not None]
    overall = aggregate["overall"]
    base_overall = (baseline_aggregate or {}).get("overall", {})
    chart = bar_chart("Chỉ số tổng: hiện tại và baseline",
                      [(METRIC_NAMES.get(m, m), overall.get(m), base_overall.get(m)) for m in metrics])
    base_types = (baseline_aggregate or {}).get("by_type", {})
    type_chart = bar_chart("Hit@5 báo cáo theo loại câu hỏi",
                           [(t, s.get("hit5_report"), base_types.get(t, {}).get("hit5_report"))
                            for t, s in aggregate["by_type"].items() if s.get("hit5_report") is not None])
    legend = (f'<div class="legend small"><span style="background:{COLOR_NOW}"></span>hiện tại'
              + (f'<span style="background:{COLOR_BASE}"></span>baseline' if baseline_aggregate else
                 " (không có baseline)") + "</div>")

    failed = [(row, failure_reasons(row)) for row in rows]
    failed = [(row, reasons) for row, reasons in failed if reasons]
    body = []
    for row, reasons in failed:
        gold = row.get("gold") or {}
        gold_html = ("<br>".join(escape(_report_label(r, names)) for r in gold.get("reports", []))
                     + (f' <code>{escape(gold["section"])}</code>' if gold.get("section") else "")
                     + ("<div class='small'>" + escape(" · ".join(gold.get("must_include", []))) + "</div>"
                        if gold.get("must_include") else "")) or '<span class="small">(không có: câu không trả lời được)</span>'
        s = row["scores"]
        ranks = (f'báo cáo: {s.get("report_rank") or "—"}<br>mục: {s.get("section_rank") or "—"}'
                 if s.get("answerable") else "—")
        body.append(
            f"<tr id=\"{escape(row['id'])}\"><td><code>{escape(row['id'])}</code></td><td>{escape(row['type'])}</td>"
            f"<td>{escape((row.get('output') or {}).get('question', ''))}</td><td>{gold_html}</td>"
            f"<td class=\"num\">{ranks}</td><td>{_retrieved_html(row, names)}</td>"
            f"<td>{_answer_html(row, names)}</td><td class=\"miss\">{escape('; '.join(reasons))}</td></tr>")
    failed_html = (
        "<table><tr><th>Id</th><th>Loại</th><th>Câu hỏi</th><th>Đáp án đúng (báo cáo, mục, dữ kiện)</th>"
        f"<th>Hạng</th><th>Đã lấy về (top {SHOWN_RETRIEVED}; xanh = báo cáo đúng)</th><th>Câu trả lời và trích dẫn</th>"
        f"<th>Lý do trượt</th></tr>{''.join(body)}</table>" if body else "<p>Không có câu nào trượt.</p>")

    section_misses = [row for row in rows if not failure_reasons(row) and row["scores"].get("answerable")
                      and row["scores"].get("hit5_section") == 0]
    miss_rows = "".join(
        f"<tr><td><code>{escape(row['id'])}</code></td><td>{escape(row['type'])}</td>"
        f"<td>{escape((row.get('output') or {}).get('question', ''))}</td>"
        f"<td><code>{escape((row.get('gold') or {}).get('section', ''))}</code></td>"
        f"<td class=\"num\">{row['scores'].get('section_rank') or '—'}</td><td>{_retrieved_html(row, names)}</td></tr>"
        for row in section_misses)
    section_html = (
        f"<details><summary>Đúng báo cáo nhưng mục đúng không có trong top 5 ({len(section_misses)})</summary>"
        "<table><tr><th>Id</th><th>Loại</th><th>Câu hỏi</th><th>Mục đúng</th><th>Hạng mục</th>"
        f"<th>Đã lấy về (top {SHOWN_RETRIEVED})</th></tr>{miss_rows}</table></details>" if section_misses else "")

    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">{len(rows)} câu hỏi, {overall['n_answerable']} câu có đáp án · {len(failed)} câu trượt · tạo lúc {stamp}</p>
<h2>Chỉ số theo loại câu hỏi</h2>
<p class="small">Trong ngoặc: chênh lệch so với baseline. Hit@k: báo cáo đúng (và mục đúng) nằm trong k đoạn đầu;
MRR@10: nghịch đảo hạng của đoạn đúng đầu tiên trong 10 đoạn đầu.</p>
{_metrics_table(aggregate, baseline_aggregate, metrics)}
<h2>Biểu đồ so với baseline</h2>
{legend}
{chart}
{type_chart}
<h2>Các câu trượt ({len(failed)})</h2>
<p class="small">Trượt: báo cáo đúng không nằm trong 5 đoạn đầu; khi đã có bước trả lời, cả từ chối sai,
thiếu dữ kiện, hoặc số liệu không có trong trích dẫn.</p>
{failed_html}
{section_html}
</body></html>
"""


def write_report(path: str | Path, rows: list[dict[str, Any]], aggregate: dict[str, Any],
                 baseline_aggregate: dict[str, Any] | None = None, *, title: str = "Kết quả đánh giá baocao",
                 report_names: dict[str, str] | None = None) -> Path:
    """Write the HTML page; `report_names` (report_id -> locality) labels report ids for readers."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(rows, aggregate, baseline_aggregate, title, report_names), encoding="utf-8")
    return path
