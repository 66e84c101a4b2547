"""Query side of baocao: settings, retrieval, answering, and the service API the CLI, the UI and the evals use.

    from rag import BaocaoService, BaocaoSettings, QueryFilters
    service = BaocaoService(BaocaoSettings(db="data/index"))
    answer = service.ask("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại?", QueryFilters(years=(2024,)))
    print(answer.answer, [c.section for c in answer.citations])
"""

from rag.schema import ABSTENTION_MESSAGE, Answer, AnswerProgress, Citation, DraftAnswer, Passage, QueryFilters
from rag.service import BaocaoService
from rag.settings import BaocaoSettings

__all__ = ["ABSTENTION_MESSAGE", "Answer", "AnswerProgress", "BaocaoService", "BaocaoSettings", "Citation",
           "DraftAnswer", "Passage", "QueryFilters"]
