"""Text helpers shared by the metrics: normalising, fact matching, token F1, span overlap."""
from __future__ import annotations

import re
from collections import Counter

from rag.core.text import MARKER, squash  # noqa: F401  (squash: re-exported for the metrics)

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_WORD = re.compile(r"[a-z0-9]+")
_ARTICLES = {"a", "an", "the"}


def plain(text: str) -> str:
    """Answer text without [n] markers, with straight quotes and dashes and single spaces."""
    return " ".join(MARKER.sub(" ", text).translate(_QUOTES).split())


def has_fact(text: str, variants: list[str]) -> bool:
    """Does `text` state the fact, i.e. contain any variant as whole words?

    Short all-capital variants ("US", "UK") match case-sensitively so the pronoun "us" is not "US".
    """
    body = plain(text)
    for v in variants:
        v = plain(v)
        acronym = len(v.replace(".", "")) <= 4 and v.isupper()
        pattern = rf"(?<!\w){re.escape(v)}(?!\w)"
        if re.search(pattern, body, 0 if acronym else re.IGNORECASE):
            return True
    return False


def tokens(text: str) -> list[str]:
    """SQuAD-style tokens: lower case, punctuation and articles dropped."""
    return [w for w in _WORD.findall(plain(text).lower()) if w not in _ARTICLES]


def token_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of token precision and recall (SQuAD's F1)."""
    p, r = tokens(prediction), tokens(reference)
    common = sum((Counter(p) & Counter(r)).values())
    if not p or not r or not common:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Do two half-open character spans share at least one character?"""
    return a_start < b_end and b_start < a_end

