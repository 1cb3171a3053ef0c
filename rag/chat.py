"""A conversation: `Chat().ask(question)` answers with the earlier turns as context for follow-ups."""
from __future__ import annotations

from datetime import date
from typing import Any

from rag.core.config import Config
from rag.core.records import Answer
from rag.core.text import MARKER


class Chat:
    """Keeps the questions and answers so far; "And who signed it?" is read against them.

        >>> chat = Chat()
        >>> chat.ask("Who refused to sign the statement?").text
        >>> chat.ask("And who signed it?").text
    """

    def __init__(self, config: Config | None = None, engine: str | None = None, k: int | None = None) -> None:
        self.config = config
        self.engine = engine
        self.k = k
        self.history: list[dict[str, str]] = []  # gradio-style {"role", "content"} turns
        self.answers: list[Answer] = []

    def ask(self, question: str, *, sources: list[str] | None = None, since: date | None = None,
            until: date | None = None) -> Answer:
        """Answer `question` in the context of this conversation and remember the turn."""
        from rag.api import answer

        result = answer(question, history=self.history, k=self.k, sources=sources, since=since, until=until,
                        engine=self.engine, config=self.config)
        self.history += [{"role": "user", "content": result.question}, {"role": "assistant", "content": result.text}]
        self.answers.append(result)
        return result

    def to_markdown(self) -> str:
        """The conversation as Markdown, each answer's citations as footnotes (title, outlet, date, the sentence)."""
        return conversation_markdown([(a.question, a.to_dict()) for a in self.answers])

    def reset(self) -> None:
        """Forget the conversation (the next question stands on its own)."""
        self.history.clear()
        self.answers.clear()


def conversation_markdown(turns: list[tuple[str, dict[str, Any]]]) -> str:
    """(question, `Answer.to_dict()`) pairs as Markdown; `[n]` becomes a footnote holding the cited sentence verbatim."""
    out = ["# Conversation", ""]
    for number, (question, answer) in enumerate(turns, 1):
        text = MARKER.sub(f"[^{number}-\\1]", answer["text"])
        out += [f"**Q{number}.** {question}", "", text, ""]
        for c in answer.get("citations", []):
            meta = ", ".join(x for x in (c.get("source"), c.get("published")) if x)
            where = f"{c['title']} ({meta})" if meta else c["title"]
            out.append(f"[^{number}-{c['n']}]: {where}: \u201c{c['text']}\u201d")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
