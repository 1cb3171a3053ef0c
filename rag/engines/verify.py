"""The citation check every engine's output passes through: markers, citations and bodies must agree."""
from __future__ import annotations

from collections.abc import Callable

from rag.core.errors import RagError
from rag.core.records import Answer
from rag.core.text import MARKER


class CitationError(RagError):
    """An answer whose citations do not match its markers or its articles."""


def citation_problems(answer: Answer, body_of: Callable[[str], str | None]) -> list[str]:
    """Everything wrong with an answer's citations (empty list when it is sound)."""
    problems: list[str] = []
    markers = {int(m) for m in MARKER.findall(answer.text)}
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
        problem = span_problem(c.article_id, c.start, c.end, c.text, body_of)
        if problem:
            problems.append(f"citation {c.n}: {problem}")
    return problems


def span_problem(article_id: str, start: int, end: int, text: str, body_of: Callable[[str], str | None]) -> str | None:
    """What is wrong with one cited span (its text must be the article's `body[start:end]`), or None."""
    body = body_of(article_id)
    if body is None:
        return f"article {article_id} is not in the index"
    if not (0 <= start <= end <= len(body)) or body[start:end] != text:
        return f"text is not the article's body[{start}:{end}]"
    return None


def verify(answer: Answer, body_of: Callable[[str], str | None]) -> Answer:
    """Return the answer unchanged if every citation checks out; raise `CitationError` otherwise."""
    problems = citation_problems(answer, body_of)
    if problems:
        raise CitationError("citation check failed: " + "; ".join(problems))
    return answer
