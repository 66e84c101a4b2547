"""What a search of either store returns: one chunk with its score and Chroma metadata.

Defined apart from both stores so that the dense side (`chroma_store`) and the lexical side
(`lexical`) share it without importing each other; `report_index` composes the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChunkHit:
    chunk_id: str
    report_id: str
    section: str
    section_title: str
    text: str
    score: float
    metadata: dict[str, Any]
