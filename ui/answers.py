"""Answers as the chat shows them: growing steps from the LLM engine, or simulated streaming of the extractive one."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from rag.api import Index
from rag.types import Answer

STREAM_STEPS = 24  # yields per simulated answer: enough to look live, few enough not to flood the socket
GROWING = " …"  # appended while an answer is still being written (the browser tests wait for it to go)


def _prefixes(answer: Answer) -> Iterator[Answer]:
    """Word-by-word prefixes of a finished answer (markers stay whole)."""
    words = answer.text.split(" ")
    step = max(1, len(words) // STREAM_STEPS)
    for i in range(step, len(words), step):
        yield replace(answer, text=" ".join(words[:i]) + GROWING)


def steps(index: Index, question: str, *, engine: str | None, history: list[dict[str, str]] | None,
          sources: list[str] | None, since: date | None, until: date | None) -> Iterator[tuple[Answer, bool]]:
    """(answer so far, is it final) pairs; the last pair is the final answer, with its notes.

    The llm engine streams for real through `rag.llm.stream`: every step holds only sentences already
    checked against their cited passages and verified, so each step's `[n]` has a source card.
    """
    if engine == "llm":
        from rag.llm import stream

        last = None
        for last in stream(question, history=history, sources=sources, since=since, until=until,
                           config=index.config):
            yield replace(last, text=last.text + GROWING), False
        if last is not None:
            yield last, True
        return
    answer = index.answer(question, sources=sources, since=since, until=until, history=history, engine=engine)
    for partial in _prefixes(answer):
        yield partial, False
    yield answer, True
