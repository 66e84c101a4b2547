"""Extractive answers: the sentences of the retrieved passages that answer the question. (first cut)"""

from __future__ import annotations

from ingest import split_sentences, strip_diacritics
from rag.schema import ABSTENTION_MESSAGE, Citation, DraftAnswer, Passage


class ExtractiveAnswerer:
    def answer(self, question: str, passages: list[Passage]) -> DraftAnswer:
        words = set(strip_diacritics(question).split())
        best = None
        for passage in passages[:5]:
            for sentence in split_sentences(passage.text):
                overlap = len(words & set(strip_diacritics(sentence).split()))
                if best is None or overlap > best[0]:
                    best = (overlap, sentence, passage)
        if best is None or best[0] < 2:
            return DraftAnswer(text=ABSTENTION_MESSAGE, citations=[], abstained=True)
        _, sentence, passage = best
        return DraftAnswer(text=f"{sentence} [1]", citations=[Citation.from_passage(1, passage, sentence)],
                           abstained=False)
