"""Validate a question before any work: clear messages instead of odd answers or tracebacks."""
from __future__ import annotations

import re
import unicodedata

from rag.errors import BadQuestion

MAX_CHARS = 2000


def clean_question(question: object) -> str:
    """The question with control characters removed and spaces collapsed; `BadQuestion` if unusable."""
    if not isinstance(question, str):
        raise BadQuestion(f"the question must be text, not {type(question).__name__}")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise BadQuestion("the question is empty; ask something about the articles")
    if len(text) > MAX_CHARS:
        raise BadQuestion(f"the question is {len(text):,} characters long; the limit is {MAX_CHARS:,}")
    if not any(ch.isalnum() for ch in text):
        raise BadQuestion("the question has no words in it")
    return text
