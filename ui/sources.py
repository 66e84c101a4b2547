"""HTML for answers and their sources: the chat message and the sources panel beside it.

Pure functions over `rag.schema.Answer`; no Gradio here, so every rule is unit-tested.

- In the chat message every "[n]" marker becomes a link `#bc-src-<turn>-<n>`; the page script
  (static/app.js) opens the matching source in the panel when it is clicked. Gradio's sanitiser keeps
  `class` and `href` on links (it drops `data-*`), so the link carries everything in its href.
- The sources panel holds one block per turn of the conversation; the newest is shown, a click on a
  marker of an older answer shows that answer's block.
- In each source the quoted sentence is highlighted with <mark> inside the whole passage. The quote
  comes from the answerer and is meant to be a substring of the passage; when whitespace, case or
  tone-mark convention differ, a looser match finds it, and when nothing matches the quote is shown
  above the passage so the reader still sees what the answer rests on.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

from ingest.dates import written_date as format_date  # dates as Vietnamese text writes them
from ingest.ocr import OCR_NOTE
from rag.schema import Answer, Citation, Passage

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# Markdown characters that would turn report text into emphasis or code in the chat bubble.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~])")
_SENTENCE_END = re.compile(r"(?<=[.!?;…])\s+")
CLOSEST_SHOWN = 3


def source_anchor(turn: int, n: int | str) -> str:
    return f"bc-src-{turn}-{n}"


# --- dates and metadata -----------------------------------------------------------------------------



def section_label(section: str, section_title: str = "") -> str:
    if not section:
        return "Phần mở đầu"
    label = f"Mục {section}"
    if section_title:
        label += f" — {section_title}"
    return label


# --- highlighting -----------------------------------------------------------------------------------

def _fold_char(ch: str) -> str:
    """One character, NFC, lower-cased; characters whose lower case is longer stay as they are so
    that folded and original text keep a one-to-one index map."""
    lowered = ch.lower()
    return lowered if len(lowered) == 1 else ch


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """Text NFC-normalised, lower-cased, with whitespace runs collapsed to one space, and for every
    character of the result its index in `text` (the NFC form of it)."""
    out: list[str] = []
    index: list[int] = []
    previous_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if previous_space or not out:
                continue
            out.append(" ")
            index.append(i)
            previous_space = True
            continue
        previous_space = False
        out.append(_fold_char(ch))
        index.append(i)
    return "".join(out), index


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def _tone_fold(text: str) -> str:
    """Tone marks removed, so "hoà" and "hòa" compare equal; keeps length (one char per char)."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)
        stripped = "".join(c for c in base if unicodedata.category(c) != "Mn")
        out.append(stripped if len(stripped) == 1 else ch)
    return "".join(out)


def find_quote(text: str, quote: str) -> list[tuple[int, int]]:
    """Spans of `text` (NFC) that show `quote`: the whole quote, or failing that each of its
    sentences that can be found. Matching ignores case, whitespace runs and tone-mark placement."""
    text, quote = _nfc(text), _nfc(quote).strip()
    if not text or not quote:
        return []
    start = text.find(quote)
    if start >= 0:
        return [(start, start + len(quote))]
    folded, index = _folded_with_map(text)
    toneless = _tone_fold(folded)

    def locate(piece: str) -> tuple[int, int] | None:
        needle, _ = _folded_with_map(piece.strip())
        if len(needle) < 8:
            return None
        for haystack, probe in ((folded, needle), (toneless, _tone_fold(needle))):
            pos = haystack.find(probe)
            if pos >= 0:
                return index[pos], index[pos + len(probe) - 1] + 1
        return None

    whole = locate(quote)
    if whole:
        return [whole]
    spans = [span for piece in _SENTENCE_END.split(quote) if (span := locate(piece))]
    return sorted(set(spans))


def highlight(text: str, quote: str) -> tuple[str, bool]:
    """HTML of `text` with the quote's spans in <mark>; and whether the quote was found."""
    text = _nfc(text)
    spans = find_quote(text, quote)
    out, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        out.append(html.escape(text[last:start]))
        out.append(f'<mark class="bc-quote">{html.escape(text[start:end])}</mark>')
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out), bool(spans)


# --- the chat message -------------------------------------------------------------------------------

def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def link_markers(text: str, turn: int, known: Sequence[int] | None = None) -> str:
    """Answer text escaped for the chat's Markdown, each [n] (or [1, 2]) turned into source links.
    Numbers that are not citations of the answer (`known`) stay plain text."""
    allowed = set(known) if known is not None else None
    out, last = [], 0
    for match in _MARKER.finditer(text):
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1))]
        if allowed is not None and not all(n in allowed for n in numbers):
            continue
        out.append(escape_markdown(text[last:match.start()]))
        links = ", ".join(
            f'<a class="bc-cite" href="#{source_anchor(turn, n)}" title="Xem nguồn [{n}]">{n}</a>' for n in numbers)
        out.append(f'<sup class="bc-cite-group">[{links}]</sup>')
        last = match.end()
    out.append(escape_markdown(text[last:]))
    return "".join(out)


def render_pending(text: str, turn: int) -> str:
    """A message while the answer is being written (streamed text, or a waiting line)."""
    if not text.strip():
        return '<span class="bc-pending">Đang tìm trong các báo cáo…</span>'
    return link_markers(text, turn)


def render_answer(answer: Answer, turn: int) -> str:
    """The final chat message of one answer (Markdown with inline HTML)."""
    parts = []
    for notice in answer.notices:
        parts.append(f'<div class="bc-notice">ℹ️ {html.escape(notice)}</div>\n\n')
    if answer.abstained:
        parts.append(f'<div class="bc-abstain">🔎 {html.escape(answer.answer)}</div>\n\n')
        if answer.retrieved:
            parts.append('<span class="bc-hint">Các đoạn gần nhất được liệt kê ở khung <b>Nguồn</b> bên cạnh '
                         '(chúng không đủ để trả lời).</span>')
        return "".join(parts)
    parts.append(link_markers(answer.answer, turn, [c.n for c in answer.citations]))
    if answer.citations:
        parts.append('\n\n<span class="bc-hint">Bấm vào số trong ngoặc để xem đoạn báo cáo gốc.</span>')
    return "".join(parts)


def chat_messages(questions_and_answers: Sequence[tuple[str, Answer]]) -> list[dict]:
    """The Chatbot value for a whole conversation: user/assistant pairs, turn t at index 2t, 2t+1."""
    messages = []
    for turn, (question, answer) in enumerate(questions_and_answers):
        messages.append({"role": "user", "content": escape_markdown(question)})
        messages.append({"role": "assistant", "content": render_answer(answer, turn)})
    return messages


# --- the sources panel ------------------------------------------------------------------------------

SOURCE_NOTE_HINT = "Đoạn này được nhận dạng chữ (OCR) từ bản scan, có thể đọc sai chữ hoặc số: hãy đối chiếu với bản gốc."


def _meta_line(locality: str, date: str, section: str, section_title: str, report_id: str,
               note: str = "") -> str:
    """Where the passage comes from; `note` says how its text was obtained (Citation.source_note:
    recognised from a scan), because a figure read by OCR may be misread."""
    bits = [b for b in (locality, format_date(date)) if b]
    where = " · ".join(html.escape(b) for b in bits)
    shown_note = (f'<span class="bc-source-note" title="{html.escape(SOURCE_NOTE_HINT)}">'
                  f'{html.escape(note)}</span>') if note else ""
    return (f'<div class="bc-meta">{where}{" · " if where else ""}'
            f'<span class="bc-section">{html.escape(section_label(section, section_title))}</span>'
            f'<span class="bc-report-id" title="Mã báo cáo">{html.escape(report_id)}</span>{shown_note}</div>')


OPEN_SOURCES = 3


def _citation_block(turn: int, citation: Citation) -> str:
    passage, found = highlight(citation.text or citation.quote, citation.quote)
    missing = "" if found or not citation.quote else (
        f'<div class="bc-quote-alone">Câu trích: <mark class="bc-quote">{html.escape(citation.quote)}</mark></div>')
    opened = " open" if citation.n <= OPEN_SOURCES else ""
    return (
        f'<details class="bc-src" id="{source_anchor(turn, citation.n)}"{opened}>'
        f'<summary><span class="bc-n">[{citation.n}]</span> '
        f'<span class="bc-title">{html.escape(citation.title or citation.report_id)}</span>'
        f'{_meta_line(citation.locality, citation.date, citation.section, citation.section_title, citation.report_id, citation.source_note)}'
        f'</summary>{missing}<div class="bc-passage">{passage}</div></details>'
    )


def _passage_block(turn: int, rank: int, passage: Passage) -> str:
    return (
        f'<details class="bc-src bc-near" id="{source_anchor(turn, f"p{rank}")}"{" open" if rank == 1 else ""}>'
        f'<summary><span class="bc-n">{rank}.</span> '
        f'<span class="bc-title">{html.escape(passage.title or passage.report_id)}</span>'
        f'{_meta_line(passage.locality, passage.date, passage.section, passage.section_title, passage.report_id, OCR_NOTE if passage.ocr else "")}'
        f'</summary><div class="bc-passage">{html.escape(passage.text)}</div></details>'
    )


def describe_filters(filters: dict) -> str:
    """"Bộ lọc: …" for the filters an answer was given (explicit ones and those read from the question)."""
    bits = []
    if filters.get("localities"):
        bits.append("địa phương: " + ", ".join(filters["localities"]))
    if filters.get("years"):
        bits.append("năm: " + ", ".join(str(y) for y in filters["years"]))
    if filters.get("report_ids"):
        count = len(filters["report_ids"])
        bits.append(f"{count} báo cáo đã chọn")
    from_question = list(filters.get("localities_in_question") or []) + [
        str(y) for y in filters.get("years_in_question") or []]
    text = ("Bộ lọc: " + "; ".join(bits)) if bits else "Không lọc: tìm trong mọi báo cáo"
    if from_question:
        text += " · Câu hỏi nhắc đến: " + ", ".join(from_question)
    return text


def render_turn_sources(answer: Answer, turn: int, visible: bool = True) -> str:
    """The sources block of one answer: header (question, filters, copy button) and its sources."""
    hidden = "" if visible else " hidden"
    copy = html.escape(answer.to_plain_text(), quote=True)
    resolved = ""
    if answer.resolved_question and answer.resolved_question != answer.question:
        resolved = f'<div class="bc-resolved">Hiểu là: “{html.escape(answer.resolved_question)}”</div>'
    head = (
        f'<div class="bc-turn-head"><div class="bc-turn-q">Câu hỏi: “{html.escape(answer.question)}”</div>'
        f'{resolved}<div class="bc-filters">{html.escape(describe_filters(answer.filters or {}))}</div>'
        f'<button type="button" class="bc-copy" title="Sao chép câu trả lời kèm nguồn để dán vào văn bản" '
        f'data-copy="{copy}">📋 Sao chép câu trả lời kèm nguồn</button></div>'
    )
    if answer.abstained:
        near = answer.retrieved[:CLOSEST_SHOWN]
        if near:
            body = ('<div class="bc-abstain-note">Không có đoạn nào đủ để trả lời. Các đoạn gần nhất:</div>'
                    + "".join(_passage_block(turn, i, p) for i, p in enumerate(near, 1)))
        else:
            body = '<div class="bc-abstain-note">Không tìm thấy đoạn nào liên quan.</div>'
    elif answer.citations:
        body = "".join(_citation_block(turn, c) for c in answer.citations)
    else:
        body = '<div class="bc-abstain-note">Câu trả lời không kèm trích dẫn.</div>'
    return f'<section class="bc-turn" id="bc-turn-{turn}"{hidden}>{head}{body}</section>'


EMPTY_SOURCES = ('<div class="bc-sources-empty">Nguồn của câu trả lời sẽ hiện ở đây: tên báo cáo, địa phương, '
                 'ngày, mục, và đoạn văn gốc với câu được trích <mark class="bc-quote">tô sáng</mark>.</div>')


def render_sources(answers: Sequence[Answer]) -> str:
    """The whole sources panel: one block per answer, the newest shown."""
    if not answers:
        return f'<div class="bc-sources">{EMPTY_SOURCES}</div>'
    last = len(answers) - 1
    blocks = "".join(render_turn_sources(a, t, visible=(t == last)) for t, a in enumerate(answers))
    return f'<div class="bc-sources">{blocks}</div>'
