"""A conversation: `Chat().ask(question)` answers with the earlier turns as context for follow-ups."""
from __future__ import annotations

from datetime import date

from rag.core.config import Config
from rag.core.records import Answer


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

    def reset(self) -> None:
        """Forget the conversation (the next question stands on its own)."""
        self.history.clear()
        self.answers.clear()
