"""Files -> `Report` (clean text, metadata, section tree) -> `Chunk`s. Imports nothing of the project."""

from ingest.chunker import SectionChunker, split_sentences
from ingest.errors import UnreadableReportError
from ingest.models import Block, BlockKind, Chunk, Report, ReportMetadata, Section, SectionPath
from ingest.normalize import casefold_text, fold, has_diacritics, normalize_text, remove_marks, strip_diacritics
from ingest.parser import content_hash, parse_report, report_id_for
from ingest.readers import SUPPORTED_SUFFIXES

__all__ = [
    "Block", "BlockKind", "Chunk", "Report", "ReportMetadata", "Section", "SectionChunker", "SectionPath",
    "SUPPORTED_SUFFIXES", "UnreadableReportError", "casefold_text", "content_hash", "fold", "has_diacritics", "normalize_text", "parse_report",
    "remove_marks", "report_id_for", "split_sentences", "strip_diacritics",
]
