"""Sentence spans and token counts: the two text measures chunking and evidence scoring share."""
from __future__ import annotations

import re
from functools import lru_cache

_PARAGRAPH = re.compile(r"[^\n]+")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")


@lru_cache(maxsize=1)
def _punkt():
    """NLTK's Punkt model from llama-index's bundled nltk_cache (never downloaded)."""
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    from rag.offline import _llama_static

    static = _llama_static()
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
