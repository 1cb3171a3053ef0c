"""What a question says about where to look: outlets it names and dates it mentions."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rag.core.terms import terms

_MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
_DATE = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december)"
    r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NORM = re.compile(r"[^a-z0-9]+")
# Where a multi-hop question moves on to its next part ("..., according to X, and is also ... as reported by Y").
_CLAUSE = re.compile(r"\s*(?:[,;?]|\b(?:and|while|whereas|but|both|also)\b)\s*", re.I)


def _norm(text: str) -> str:
    """Lower-case words joined by single spaces, with a leading "the" dropped ("The Verge" ~ "Verge")."""
    words = _NORM.sub(" ", text.lower()).split()
    return " ".join(words[1:] if words[:1] == ["the"] and len(words) > 1 else words)


@dataclass
class Hints:
    """Outlets named in the question (exact names from the index) and the calendar days it mentions."""

    sources: set[str] = field(default_factory=set)  # lower-cased outlet names as stored
    days: set[int] = field(default_factory=set)  # YYYYMMDD


def question_hints(question: str, known_sources: list[str]) -> Hints:
    """Find indexed outlet names in the question (full name, else its part before " - " / " | ")."""
    q = f" {_norm(question)} "
    hints = Hints()
    heads: dict[str, set[str]] = {}
    for name in known_sources:
        full = _norm(name)
        if full and f" {full} " in q:
            hints.sources.add(name.lower())
            continue
        head = _norm(re.split(r"\s[-|]\s", name)[0])
        if head and head != full:
            heads.setdefault(head, set()).add(name.lower())
    # "The Independent" names every "The Independent - ..." section only when no section was named.
    named_heads = {_norm(re.split(r"\s[-|]\s", s)[0]) for s in hints.sources}
    for head, names in heads.items():
        if f" {head} " in q and head not in named_heads:
            hints.sources |= names
    found = [(int(y), _MONTHS[m.lower()], int(d)) for m, d, y in _DATE.findall(question)]
    found += [(int(y), int(m), int(d)) for y, m, d in _ISO.findall(question)]
    for ymd in found:
        try:
            hints.days.add(int(date(*ymd).strftime("%Y%m%d")))
        except ValueError:
            continue
    return hints


def clauses(question: str) -> list[str]:
    """The parts of a question between commas and conjunctions that hold at least two content words."""
    return [p for p in _CLAUSE.split(question) if len(terms(p)) >= 2]
