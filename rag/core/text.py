"""Text rules shared by every layer: sentence spans, token counts, words, citation markers, numbers, months.

Each rule is defined here once; engines, the UI and the evals import it from here."""
from __future__ import annotations

import re
from functools import lru_cache

_PARAGRAPH = re.compile(r"[^\n]+")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")

# A citation marker in an answer's text: "[3]" refers to `Citation.n == 3`.
MARKER = re.compile(r"\[(\d+)\]")
# Spelled-out numbers news copy uses ("seven weapons tests", "a dozen countries").
NUMBER_WORDS: dict[str, int] = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
                                                      "dozen": 12}
MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                           "October", "November", "December")
MONTH = "(?:" + "|".join(MONTHS) + ")"  # a month name, as a regex group (match case-insensitively where needed)
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def month_number(name: str) -> int:
    """1-12 for a month name or its three-letter abbreviation (any case)."""
    return [m[:3].lower() for m in MONTHS].index(name[:3].lower()) + 1


def squash(text: str) -> str:
    """Text with all whitespace removed (how MultiHop-RAG matches a gold fact to a chunk)."""
    return "".join(text.split())


@lru_cache(maxsize=1)
def _punkt():
    """NLTK's Punkt model from llama-index's bundled nltk_cache (never downloaded)."""
    from rag.core.light_nltk import install

    install()  # Punkt alone, without the rest of nltk's imports (scipy, scikit-learn)
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    from rag.core.offline import llama_static

    static = llama_static()
    if static is not None and str(static / "nltk_cache") not in nltk.data.path:
        nltk.data.path.insert(0, str(static / "nltk_cache"))
    return PunktTokenizer("english")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence; a line break always ends a sentence, spans hold no edge spaces."""
    spans: list[tuple[int, int]] = []
    punkt = _punkt()
    for para in _PARAGRAPH.finditer(text):
        base = para.start()
        for s, e in punkt.span_tokenize(para.group()):
            piece = text[base + s : base + e]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if e - s - lead - trail > 0:
                spans.append((base + s + lead, base + e - trail))
    return spans


@lru_cache(maxsize=1)
def _encoding():
    """tiktoken's cl100k encoding, loaded from llama-index's offline cache (TIKTOKEN_CACHE_DIR)."""
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in `text` (what chunk sizes are measured in)."""
    return len(_encoding().encode(text, disallowed_special=()))


def words(text: str) -> list[str]:
    """Lower-cased word tokens, for keyword overlap."""
    return [w.lower() for w in _WORD.findall(text.replace("’", "'"))]
