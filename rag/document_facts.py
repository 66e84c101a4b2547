"""Questions about a document itself, answered from its header and signature block.

"Ai ký Kế hoạch 144/KH-UBND?" asks who signed the document, which no passage says: the signature
block is read into the report's metadata at ingest (`ReportMetadata.signer`, `signer_title`) and is
not chunked. The answer quotes that block and cites the document; the report is the one the question
names by its number, else the one its best passage belongs to (retrieval has already applied the
place and period asked).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest import ReportMetadata, fold
from ingest.dates import written_date
from ingest.document_form import AUTHORITY_MARK, AUTHORITY_WORDS, document_references
from rag.query_analysis import AnalyzedQuery
from rag.schema import Citation, DraftAnswer, Passage

SIGNATURE_SECTION = "Chữ ký"


def referenced_report(question: str, reports: Sequence[ReportMetadata]) -> ReportMetadata | None:
    """The report whose số hiệu the question names ("Kế hoạch 144/KH-UBND", "QĐ 2843", "chỉ thị 012")."""
    for start, end in document_references(question):
        number = re.search(r"\d+", question[start:end])
        if number is None:
            continue
        written = fold(question[start:end])
        for meta in reports:
            own = re.match(r"\s*(\d+)", meta.so_hieu or "")
            if own and own.group(1) == number.group() and (
                    "/" not in written or fold(meta.so_hieu).split("/")[0] in written):
                return meta
    return None


def signer_answer(query: AnalyzedQuery, reports: Sequence[ReportMetadata],
                  passages: Sequence[Passage]) -> DraftAnswer | None:
    """Who signed the document asked about, from its signature block; None when the question does not
    ask that, or the document's signer was not read."""
    if not query.asks_signer:
        return None
    by_id = {meta.report_id: meta for meta in reports}
    meta = referenced_report(query.text, reports)
    if meta is None and passages:
        meta = by_id.get(passages[0].report_id)
    if meta is None or not meta.signer:
        return None
    block = [line.strip() for line in meta.signer_title.split("/") if line.strip()]
    role = _sentence_case(block[-1]) if block else ""
    document = " ".join(part for part in (
        meta.document_type.capitalize() if meta.document_type else "Văn bản",
        f"số {meta.so_hieu}" if meta.so_hieu else "",
        f"ngày {written_date(meta.date)}" if meta.date else "",
        f"của {meta.locality}" if meta.locality else "",
    ) if part)
    signed = f"{role} {meta.signer}" if role else meta.signer
    authority = ", ".join(_spelled_out(line) for line in reversed(block[:-1]))
    text = f"{document} do {signed} ký{f' ({authority})' if authority else ''} [1]."
    quote = "\n".join([*block, meta.signer])
    # what the citation shows: the header's number and date, then the signature block it quotes
    header = ", ".join(part for part in (f"Số: {meta.so_hieu}" if meta.so_hieu else "",
                                         f"ngày {written_date(meta.date)}" if meta.date else "") if part)
    citation = Citation(n=1, report_id=meta.report_id, title=meta.title, locality=meta.locality, date=meta.date,
                        section="", section_title=SIGNATURE_SECTION, quote=quote,
                        text=f"{header}\n…\n{quote}" if header else quote, score=1.0, period=meta.period)
    return DraftAnswer(text=text, citations=[citation], abstained=False)


def _sentence_case(title: str) -> str:
    """"PHÓ CHỦ TỊCH" -> "Phó Chủ tịch": an office as Vietnamese running text writes it."""
    words = title.lower().split()
    if words[:2] == ["chủ", "tịch"] or words[1:3] == ["chủ", "tịch"]:
        return " ".join(w.capitalize() if w in ("phó", "chủ") else w for w in words)
    return title.capitalize()


def _spelled_out(line: str) -> str:
    """"KT. CHỦ TỊCH" -> "ký thay Chủ tịch", "TM. ỦY BAN NHÂN DÂN" -> "thay mặt Ủy ban nhân dân"."""
    mark = AUTHORITY_MARK.match(line)
    if mark is None:
        return _sentence_case(line)
    words = AUTHORITY_WORDS.get(mark.group().strip().rstrip(".").upper(), mark.group().strip())
    return f"{words} {_sentence_case(line[mark.end():])}"
