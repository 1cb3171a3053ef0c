"""What a question says about where to look: outlets it names and dates it mentions."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
_DATE = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december)"
    r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I)
_NORM = re.compile(r"[^a-z0-9]+")


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
    for month, day, year in _DATE.findall(question):
        try:
            d = date(int(year), _MONTHS[month.lower()], int(day))
        except ValueError:
            continue
        hints.days.add(int(d.strftime("%Y%m%d")))
    return hints
