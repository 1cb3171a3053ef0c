"""Judged answers ("right" / "wrong", with an optional expected answer or note), kept under RAG_HOME.

Each judgement keeps what is needed to replay it as a gold case: the question, the conversation before it,
the answer with its citations (and the files they came from), the engine and the state of the index.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.core.errors import RagError

VERDICTS = ("right", "wrong")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS judgements (
    id INTEGER PRIMARY KEY AUTOINCREMENT, judged_at TEXT NOT NULL, verdict TEXT NOT NULL, record TEXT NOT NULL
);
"""


class FeedbackLog:
    """The judgements of one index, in `feedback.sqlite` beside it."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / "feedback.sqlite"

    def _db(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.executescript(_SCHEMA)
        return db

    def add(self, verdict: str, record: dict[str, Any]) -> int:
        """Store one judgement; returns its number."""
        if verdict not in VERDICTS:
            raise RagError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
        when = datetime.now(UTC).isoformat(timespec="seconds")
        with closing(self._db()) as db, db:
            cur = db.execute("INSERT INTO judgements (judged_at, verdict, record) VALUES (?, ?, ?)",
                             (when, verdict, json.dumps(record, ensure_ascii=False)))
            return int(cur.lastrowid or 0)

    def all(self) -> list[dict[str, Any]]:
        """Every judgement, oldest first, as {"id", "judged_at", "verdict", **record}."""
        if not self.path.is_file():
            return []
        with closing(self._db()) as db:
            rows = db.execute("SELECT id, judged_at, verdict, record FROM judgements ORDER BY id").fetchall()
        return [{"id": i, "judged_at": at, "verdict": v, **json.loads(r)} for i, at, v, r in rows]
