"""Is there a report in this file? A check on the parsed text before anything is indexed.

Files that read without error can still hold no report: a one-byte `.md`, a page of headings, an
HTML page or other markup saved as `.txt`, a table of figures with no sentence, text in another
language. Indexing them fills the index with passages that answer nothing and crowd out the real
ones, so they are refused with a reason.

The thresholds are deliberately low; they come from the language, not from any sample file:
- words: a report states something, and even a one-paragraph notice has a few dozen words
  (`MIN_WORDS` counts words of letters in the body, headings and the preamble title excluded);
- letters: text, not figures or symbols (`MIN_LETTER_SHARE` of the visible characters);
- Vietnamese: written Vietnamese marks most syllables with a tone or a vowel diacritic (about two
  thirds of syllables in running text; only the level tone on a plain vowel goes unmarked), so a
  body where fewer than `MIN_VIETNAMESE_SHARE` of the words carry one is not Vietnamese prose
  (English, or Vietnamese typed without diacritics, which the app cannot quote faithfully);
- markup: leftover tags (`<p>`, `</div>`, `<br/>`) in more than `MAX_TAG_SHARE` of the words mean
  the text is markup, not a report.
"""

from __future__ import annotations

import re

from ingest.errors import UnreadableReportError
from ingest.models import Report
from ingest.normalize import has_diacritics

MIN_WORDS = 20
MIN_LETTER_SHARE = 0.4
MIN_VIETNAMESE_SHARE = 0.3
MAX_TAG_SHARE = 0.1

_WORD = re.compile(r"[^\W\d_]+")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")  # CommonMark: 1-6 '#' then a space or the line's end


def body_text(report: Report) -> str:
    """The report's running text: every block, without the headings (a heading states nothing),
    Markdown headings that reached a block included."""
    lines = (line for section in report.sections for block in section.blocks for line in block.text.split("\n"))
    return "\n".join(line for line in lines if not _ATX_HEADING.match(line))


def check_report_text(report: Report) -> None:
    """Raise `UnreadableReportError` (Vietnamese reason and what to do) when the text is no report."""
    text = body_text(report)
    words = _WORD.findall(text)
    path = report.source
    if len(words) < MIN_WORDS:
        raise UnreadableReportError(
            path, f"tệp gần như không có nội dung ({len(words)} chữ ngoài các đề mục, cần ít nhất {MIN_WORDS}); "
                  "hãy kiểm tra đã chọn đúng tệp báo cáo đầy đủ chưa")
    tags = len(_TAG.findall(text))
    if tags > MAX_TAG_SHARE * len(words):
        raise UnreadableReportError(
            path, f"nội dung là mã đánh dấu (có {tags} thẻ kiểu <p>, <div>), không phải văn bản báo cáo; "
                  "hãy mở tệp gốc và lưu lại dưới dạng .docx hoặc văn bản thuần (.txt)")
    visible = sum(1 for ch in text if not ch.isspace())
    letters = sum(len(w) for w in words)
    if visible and letters < MIN_LETTER_SHARE * visible:
        raise UnreadableReportError(
            path, f"nội dung phần lớn là số và ký hiệu (chữ cái chỉ chiếm {letters * 100 // visible}%), không phải "
                  "văn bản báo cáo; hãy kiểm tra đã chọn đúng tệp chưa")
    vietnamese = sum(1 for w in words if has_diacritics(w))
    if vietnamese < MIN_VIETNAMESE_SHARE * len(words):
        raise UnreadableReportError(
            path, f"không phải văn bản tiếng Việt có dấu (chỉ {vietnamese}/{len(words)} chữ có dấu tiếng Việt); "
                  "hãy nạp bản báo cáo tiếng Việt có dấu, lưu bằng bảng mã Unicode (UTF-8)")
