"""The chat: one conversation per browser session, answers streamed from `BaocaoService.ask_stream`,
follow-ups resolved by the service from the earlier answers, feedback on each answer.

The handlers here are plain generators and functions over a `Conversation`; `ui.app` wires them to
Gradio components. They hold no retrieval or answering logic: they build `QueryFilters`, call the
service and render what it returns with `ui.sources`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rag.schema import Answer, QueryFilters
from rag.service import BaocaoService
from ui.feedback import UP, FeedbackStore
from ui.sources import (
    describe_filters,
    escape_markdown,
    render_answer,
    render_pending,
    render_sources,
)

log = logging.getLogger(__name__)

NO_REPORTS = ("Chỉ mục chưa có báo cáo nào nên chưa thể trả lời. Hãy vào thẻ **📚 Thư viện báo cáo** "
              "để tải lên báo cáo (.docx, .pdf, .txt, .md).")


@dataclass
class Conversation:
    """What one browser session has asked and been answered. `turns` maps a chat message index to the
    answer it shows (error messages and notes have none)."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    messages: list[dict] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    turns: dict[int, int] = field(default_factory=dict)
    ratings: dict[int, str] = field(default_factory=dict)


def make_filters(localities: Sequence[str] | None, years: Sequence[int | str] | None,
                 report_ids: Sequence[str] | None) -> QueryFilters:
    """QueryFilters from the filter widgets; a year that is not a number is ignored."""
    clean_years = tuple(int(y) for y in years or () if str(y).strip().isdigit())
    return QueryFilters(report_ids=tuple(report_ids or ()), localities=tuple(localities or ()), years=clean_years)


def filters_summary(localities, years, report_ids, k) -> str:
    """The line under the question box: what the next question will be restricted to."""
    text = describe_filters(make_filters(localities, years, report_ids).to_dict())
    return f"Câu hỏi tiếp theo — {text[0].lower()}{text[1:]}; dùng tối đa {int(k)} đoạn nguồn."


@dataclass
class ChatStep:
    """One update of the chat panel."""

    conversation: Conversation
    sources_html: str
    plain_text: str


class ChatController:
    def __init__(self, service: BaocaoService, feedback: FeedbackStore) -> None:
        self.service = service
        self.feedback = feedback

    def ask(self, question: str, conversation: Conversation | None, filters: QueryFilters,
            k: int | None) -> Iterator[ChatStep]:
        """Append a question and stream its answer; the last step has the final answer rendered."""
        conv = conversation or Conversation()
        question = (question or "").strip()
        sources = render_sources(conv.answers)
        if not question:
            yield ChatStep(conv, sources, "")
            return
        conv.messages.append({"role": "user", "content": escape_markdown(question)})
        reply_index = len(conv.messages)
        turn = len(conv.answers)
        conv.messages.append({"role": "assistant", "content": render_pending("", turn)})
        if not self.service.list_reports():
            conv.messages[reply_index] = {"role": "assistant", "content": NO_REPORTS}
            yield ChatStep(conv, sources, "")
            return
        yield ChatStep(conv, sources, "")
        answer = None
        try:
            for progress in self.service.ask_stream(question, filters=filters, history=list(conv.answers), k=k):
                if progress.answer is not None:
                    answer = progress.answer
                    break
                conv.messages[reply_index] = {"role": "assistant", "content": render_pending(progress.text, turn)}
                yield ChatStep(conv, sources, "")
        except Exception as exc:
            log.exception("ask failed: %s", question)
            conv.messages[reply_index] = {
                "role": "assistant",
                "content": f'<div class="bc-error">⚠️ Có lỗi khi trả lời câu hỏi này ({type(exc).__name__}: '
                           f"{escape_markdown(str(exc))}). Hãy thử lại; nếu lỗi lặp lại, hãy báo người quản trị.</div>",
            }
            yield ChatStep(conv, sources, "")
            return
        if answer is None:  # pragma: no cover - ask_stream always ends with the final answer
            return
        conv.answers.append(answer)
        conv.turns[reply_index] = turn
        conv.messages[reply_index] = {"role": "assistant", "content": render_answer(answer, turn)}
        yield ChatStep(conv, render_sources(conv.answers), answer.to_plain_text())

    # --- feedback ----------------------------------------------------------------------------------

    def turn_of(self, conversation: Conversation | None, message_index: int | Sequence[int]) -> int | None:
        if conversation is None:
            return None
        if not isinstance(message_index, int):
            message_index = message_index[0]
        return conversation.turns.get(message_index)

    def rate(self, conversation: Conversation | None, turn: int | None, rating: str | None,
             comment: str | None = None, username: str = "") -> str:
        """Store 👍/👎 (and a comment) for one answer; returns the message shown to the person."""
        if conversation is None or turn is None or not 0 <= turn < len(conversation.answers):
            return "Không tìm thấy câu trả lời để góp ý (hãy đặt câu hỏi trước)."
        answer = conversation.answers[turn]
        self.feedback.record(conversation.id, turn, answer, rating, comment, username=username)
        if rating is None:
            conversation.ratings.pop(turn, None)
            return "Đã bỏ đánh giá cho câu trả lời này."
        conversation.ratings[turn] = rating
        thanks = "Cảm ơn, đã ghi nhận câu trả lời hữu ích." if rating == UP else \
            "Cảm ơn, đã ghi nhận câu trả lời chưa đúng."
        if comment:
            thanks += " Ý kiến của bạn đã được lưu."
        return thanks
