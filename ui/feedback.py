"""Feedback on answers: 👍/👎 and an optional comment, kept in SQLite beside the index, exported as
eval-set JSON Lines (the DESIGN.md schema) so that staff can grow the eval set from real questions.

One row per (conversation, turn): a second click or a comment updates the row instead of adding one.
Each row keeps the question, the answer, its citations and the whole `ask` object, so an export never
depends on the index still holding the report.

Export rules (one JSON line per rated answer, oldest first):
- 👍 on an answer: `answerable: true`, `reports` = the cited report ids, `section` = the first
  citation's section. The person confirmed the answer, so the gold is what it cites.
- 👍 on an abstention: `answerable: false`, type `unanswerable`: the person confirmed that the reports
  do not say.
- 👎: `answerable: true` (someone who marks an answer wrong expected one), `reports` and `section`
  empty: staff fill them in from the reports. What the system answered and cited goes into `note`.
- `must_include` is always []: staff copy the exact figures or names from the report.
- `type`: "unanswerable" for the case above, otherwise a first guess from the question's words
  (numeric / list / no_diacritics / entity) for staff to correct; `note` says it is a draft.
Every line loads with `evals.dataset.load_dataset`, so `baocao eval --dataset feedback.jsonl` runs as is.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest import has_diacritics
from rag.schema import Answer

UP, DOWN = "up", "down"
RATING_LABELS = {UP: "👍", DOWN: "👎"}
FEEDBACK_FILE = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation TEXT NOT NULL,
    turn INTEGER NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    resolved_question TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    citations TEXT NOT NULL,
    ask_json TEXT NOT NULL,
    username TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (conversation, turn)
);
"""

_NUMERIC = re.compile(r"\b(bao nhiêu|mấy|số lượng|tỷ lệ|tỉ lệ|bao nhieu|may)\b", re.IGNORECASE)
_LIST = re.compile(r"\b(những|các|nhung|cac)\b.*\b(nào|nao)\b", re.IGNORECASE)


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    conversation: str
    turn: int
    rating: str
    comment: str
    question: str
    resolved_question: str
    answer: str
    abstained: bool
    citations: list[dict[str, Any]]
    username: str
    created_at: str
    updated_at: str


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def guess_type(question: str) -> str:
    """A first guess of the eval type from the question's words; staff correct it."""
    if not has_diacritics(question):
        return "no_diacritics"
    if _NUMERIC.search(question):
        return "numeric"
    if _LIST.search(question):
        return "list"
    return "entity"


class FeedbackStore:
    """SQLite file `<db>/feedback.sqlite3`; safe to use from the app's worker threads (one connection
    per operation, WAL journal, writes serialised by a lock)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @classmethod
    def beside_index(cls, db_dir: Path | str) -> FeedbackStore:
        return cls(Path(db_dir) / FEEDBACK_FILE)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30)
        connection.row_factory = sqlite3.Row
        try:
            with connection:
                yield connection
        finally:
            connection.close()

    def record(self, conversation: str, turn: int, answer: Answer, rating: str | None,
               comment: str | None = None, username: str = "") -> int | None:
        """Store or update the feedback of one answer; returns the row id.

        `rating` None removes the rating (a thumb clicked off): the row is deleted unless a comment
        is kept. `comment` None leaves an existing comment as it is.
        """
        if rating not in (UP, DOWN, None):
            raise ValueError(f"rating must be 'up', 'down' or None, not {rating!r}")
        now = _now()
        with self._lock, self._connect() as db:
            row = db.execute("SELECT id, comment FROM feedback WHERE conversation = ? AND turn = ?",
                             (conversation, turn)).fetchone()
            if rating is None:
                if row is not None:
                    db.execute("DELETE FROM feedback WHERE id = ?", (row["id"],))
                return None
            ask = answer.to_dict()
            values = {
                "rating": rating,
                "comment": (comment if comment is not None else (row["comment"] if row else "")).strip(),
                "question": answer.question,
                "resolved_question": answer.resolved_question or answer.question,
                "answer": answer.answer,
                "abstained": int(answer.abstained),
                "citations": json.dumps(ask["citations"], ensure_ascii=False),
                "ask_json": json.dumps(ask, ensure_ascii=False),
                "username": username or "",
                "updated_at": now,
            }
            if row is None:
                values.update(conversation=conversation, turn=turn, created_at=now)
                columns = ", ".join(values)
                marks = ", ".join("?" for _ in values)
                cursor = db.execute(f"INSERT INTO feedback ({columns}) VALUES ({marks})", tuple(values.values()))
                return int(cursor.lastrowid)
            assignments = ", ".join(f"{key} = ?" for key in values)
            db.execute(f"UPDATE feedback SET {assignments} WHERE id = ?", (*values.values(), row["id"]))
            return int(row["id"])

    def records(self) -> list[FeedbackRecord]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        return [
            FeedbackRecord(
                id=r["id"], conversation=r["conversation"], turn=r["turn"], rating=r["rating"],
                comment=r["comment"], question=r["question"], resolved_question=r["resolved_question"],
                answer=r["answer"], abstained=bool(r["abstained"]), citations=json.loads(r["citations"]),
                username=r["username"], created_at=r["created_at"], updated_at=r["updated_at"],
            )
            for r in rows
        ]

    def counts(self) -> dict[str, int]:
        with self._connect() as db:
            rows = db.execute("SELECT rating, COUNT(*) AS n FROM feedback GROUP BY rating").fetchall()
        counts = {UP: 0, DOWN: 0}
        counts.update({r["rating"]: r["n"] for r in rows})
        return counts

    def export_items(self) -> list[dict[str, Any]]:
        return [eval_item(record) for record in self.records()]

    def export_jsonl(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            for item in self.export_items():
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        return path


def _cited_reports(citations: list[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for citation in citations:
        rid = citation.get("report_id") or ""
        if rid and rid not in seen:
            seen.append(rid)
    return seen


def eval_item(record: FeedbackRecord) -> dict[str, Any]:
    """One DESIGN.md eval line from one feedback row (rules in the module docstring)."""
    stamp = record.created_at[:10]
    note_bits = [f"Góp ý {RATING_LABELS[record.rating]} ngày {stamp}"]
    if record.username:
        note_bits[0] += f" của {record.username}"
    if record.comment:
        note_bits.append(f"ý kiến: {record.comment}")
    question = record.question
    if record.rating == UP and record.abstained:
        answerable, reports, section, kind = False, [], "", "unanswerable"
    elif record.rating == UP:
        reports = _cited_reports(record.citations)
        section = record.citations[0].get("section", "") if record.citations else ""
        answerable, kind = True, guess_type(question)
        note_bits.append("loại câu hỏi là phỏng đoán, cần rà soát; cần điền must_include")
    else:
        answerable, reports, section, kind = True, [], "", guess_type(question)
        cited = ", ".join(f"{c.get('report_id')} mục {c.get('section') or '(mở đầu)'}" for c in record.citations)
        said = "không tìm thấy" if record.abstained else f"“{record.answer[:300]}”"
        note_bits.append(f"hệ thống đã trả lời {said}" + (f" (trích: {cited})" if cited else ""))
        note_bits.append("cần điền reports, section, must_include")
    return {
        "id": f"fb-{record.id:05d}",
        "question": question,
        "answerable": answerable,
        "must_include": [],
        "reports": reports,
        "section": section,
        "type": kind,
        "note": "; ".join(note_bits),
    }
