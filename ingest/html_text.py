"""HTML saved as .txt or .md (a web page "Save as", a copy of a portal's page): read as HTML.

Only whole pages are taken for HTML: a document that declares itself (`<!DOCTYPE html>`, `<html>`,
`<body>`) or whose text is mostly tags. A Markdown report with a stray `<br>` stays Markdown. The
page's text is taken with the standard library's parser: scripts, styles and the page's head are
dropped, block elements (paragraphs, headings, list items, table rows, line breaks) end a paragraph,
and a table row keeps its cells on one line joined by " | ", as the .docx reader does.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DECLARED = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<head[\s>]", re.IGNORECASE)
_TAG = re.compile(r"<[!/]?[A-Za-z][^<>]*>")
_SKIP = {"script", "style", "head", "title", "noscript", "template", "svg"}
_BLOCKS = {"p", "div", "section", "article", "header", "footer", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
           "h6", "blockquote", "pre", "table", "tr", "br", "hr", "main", "nav", "aside", "dd", "dt", "figure"}
_CELLS = {"td", "th"}


def looks_like_html(text: str) -> bool:
    """A declared HTML document, or text in which tags take more room than a third of it."""
    head = text[:4096]
    if _DECLARED.search(head):
        return True
    tags = _TAG.findall(text)
    return len(tags) >= 5 and sum(map(len, tags)) > len(text) / 3


class _PageText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._line: list[str] = []
        self._skipping = 0

    def _end_paragraph(self) -> None:
        line = " ".join(" ".join(self._line).split())
        if line.strip(" |"):
            self.paragraphs.append(line.strip(" |").strip())
        self._line = []

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001 - HTMLParser's signature
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCKS:
            self._end_paragraph()
        elif tag in _CELLS and self._line:
            self._line.append("|")

    def handle_startendtag(self, tag: str, attrs) -> None:  # noqa: ANN001
        if tag in _BLOCKS:
            self._end_paragraph()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self._line.append(data.strip())


def html_paragraphs(text: str) -> list[str]:
    """The visible text of an HTML page, one paragraph per block element."""
    parser = _PageText()
    parser.feed(text)
    parser.close()
    parser._end_paragraph()
    return parser.paragraphs
