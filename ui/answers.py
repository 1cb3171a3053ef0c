"""Answers as the chat shows them: an engine's own growing answers, or simulated streaming of a finished one."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from rag.api import Index
from rag.core.records import Answer
from rag.engines.registry import get_engine

STREAM_STEPS = 24  # yields per simulated answer: enough to look live, few enough not to flood the socket
GROWING = " …"  # appended while an answer is still being written (the browser tests wait for it to go)


def _prefixes(answer: Answer) -> Iterator[Answer]:
    """Word-by-word prefixes of a finished answer (markers stay whole)."""
    words = answer.text.split(" ")
    step = max(1, len(words) // STREAM_STEPS)
    for i in range(step, len(words), step):
        yield replace(answer, text=" ".join(words[:i]) + GROWING)


def streams(engine: str | None) -> bool:
    """Does this engine write its answer live (else the chat simulates streaming a finished answer)?"""
    return get_engine(engine).streams


def steps(index: Index, question: str, *, engine: str | None, history: list[dict[str, str]] | None,
          sources: list[str] | None, since: date | None, until: date | None) -> Iterator[tuple[Answer, bool]]:
    """(answer so far, is it final) pairs; the last pair is the final answer, with its notes.

    Every step comes from `Index.stream`, so each holds only verified sentences and each `[n]` has a card.
    """
    last = None
    for last in index.stream(question, sources=sources, since=since, until=until, history=history, engine=engine):
        if streams(engine):
            yield replace(last, text=last.text + GROWING), False
    if last is None:
        return
    if not streams(engine):
        yield from ((partial, False) for partial in _prefixes(last))
    yield last, True
