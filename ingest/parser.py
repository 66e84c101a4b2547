"""`parse_report`: one file in, one structured `Report` out (reading, cleaning, sections, metadata)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.errors import UnreadableReportError
from ingest.metadata import extract_metadata, read_header
from ingest.models import Block, Report, Section, SectionPath
from ingest.readers import read_bytes, read_document
from ingest.structure import layout_report

PREAMBLE_TITLE = "Mở đầu"


def report_id_for(path: Path) -> str:
    """A report is identified by its file name without extension."""
    return path.stem


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_report(path: Path | str, data: bytes | None = None) -> Report:
    """Parse one report file. Raises `UnreadableReportError` naming the file and the reason."""
    path = Path(path)
    if data is None:
        data = read_bytes(path)
    raw = read_document(path, data)
    layout = layout_report(raw.paragraphs)
    header = read_header(layout.preamble)
    sections = list(layout.sections)
    opening = [text for text in (header.title, *header.introduction) if text]
    if opening:
        sections.insert(0, Section(SectionPath(), PREAMBLE_TITLE, [Block(text) for text in opening]))
    if not any(section.blocks for section in sections):
        raise UnreadableReportError(path, "không tìm thấy nội dung báo cáo sau khi bỏ phần đầu và phần ký; "
                                         "hãy kiểm tra đã chọn đúng tệp báo cáo đầy đủ chưa")
    metadata = extract_metadata(report_id_for(path), path.name, header, layout.sections, layout.closing)
    metadata.ocr, metadata.source_encoding = raw.ocr_pages > 0, raw.encoding
    return Report(metadata=metadata, sections=sections, content_hash=content_hash(data), source=path)
