"""The citation check every engine's output passes through: markers, citations and bodies must agree."""
from __future__ import annotations

import re
from collections.abc import Callable

from rag.errors import RagError
from rag.types import Answer

_MARKER = re.compile(r"\[(\d+)\]")


class CitationError(RagError):
    """An answer whose citations do not match its markers or its articles."""


def citation_problems(answer: Answer, body_of: Callable[[str], str | None]) -> list[str]:
    """Everything wrong with an answer's citations (empty list when it is sound)."""
    problems: list[str] = []
    markers = {int(m) for m in _MARKER.findall(answer.text)}
    numbers = [c.n for c in answer.citations]
    if answer.refused and (answer.citations or markers):
        problems.append("a refused answer has citations or markers")
    if len(numbers) != len(set(numbers)):
        problems.append(f"duplicate citation numbers {numbers}")
    for n in sorted(markers - set(numbers)):
        problems.append(f"marker [{n}] has no citation")
    for n in sorted(set(numbers) - markers):
        problems.append(f"citation {n} has no marker in the text")
    for c in answer.citations:
        body = body_of(c.article_id)
        if body is None:
            problems.append(f"citation {c.n}: article {c.article_id} is not in the index")
        elif not (0 <= c.start <= c.end <= len(body)) or body[c.start : c.end] != c.text:
            problems.append(f"citation {c.n}: text is not the article's body[{c.start}:{c.end}]")
    return problems


def verify(answer: Answer, body_of: Callable[[str], str | None]) -> Answer:
    """Return the answer unchanged if every citation checks out; raise `CitationError` otherwise."""
    problems = citation_problems(answer, body_of)
    if problems:
        raise CitationError("citation check failed: " + "; ".join(problems))
    return answer
