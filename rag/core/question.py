"""Validate a question before any work: clear messages instead of odd answers or tracebacks."""
from __future__ import annotations

import re
import unicodedata

from rag.core.errors import BadQuestion

MAX_CHARS = 2000

# Function words: an English question has some; one in another language has its own instead.
_ENGLISH = set("the an of to in on at for and or is are was were did does do who what when where why how which whom with by "
               "from that this it".split())
_FOREIGN = set(
    """el la los las del que qué quién quien cuándo dónde por para una es con como no se le les des est qui quoi où
    pourquoi comment une avec de du dans sur der die das und ist wer was wann wo warum wie nicht ein eine mit den dem il
    chi che cosa perché dove quando o os um uma não em""".split()
)


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
    if not _looks_english(text):
        raise BadQuestion("please ask in English: the articles and the models behind the answers are English")
    return text


def _looks_english(text: str) -> bool:
    """False for questions mostly in a non-Latin script, or Latin-script ones with only foreign function words."""
    letters = [ch for ch in text if ch.isalpha()]
    latin = sum(1 for ch in letters if ch.isascii() or "LATIN" in unicodedata.name(ch, ""))
    if letters and latin / len(letters) < 0.5:
        return False
    tokens = [t.strip("¿?¡!.,;:'\"").lower() for t in text.split()]
    english = sum(t in _ENGLISH for t in tokens)
    foreign = sum(t in _FOREIGN for t in tokens)
    return not (foreign >= 2 and english == 0)
