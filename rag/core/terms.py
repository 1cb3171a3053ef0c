"""Index terms: the stemmed content words that keyword search, evidence scoring and claim checks compare."""
from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

from rag.core.text import words

STOP = set(
    """a an the and or but if of to in on at by for with from as is are was were be been being do does did
    what who whom whose which when where why how many much that this these those it its it's he she they them
    their his her we you your i me my our us not no there here than then so such can could would should will
    shall may might must have has had about into over under after before during between any all some each
    say said says tell told according article articles report reported out up off also""".split()
)


def stem(word: str) -> str:
    """A light suffix stripper, enough to match refused/refusing/refuse and tests/test."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=1 << 17)
def _term(word: str) -> str | None:
    """The indexed form of one lower-cased word (None for stop words); cached: this runs per word per query."""
    return None if word in STOP or len(word) < 2 else stem(word.replace("'s", ""))


def terms(text: str) -> list[str]:
    """Stemmed content words, in order (stop words and one-letter words dropped)."""
    return [t for t in map(_term, words(text)) if t is not None]


def idf_from(count: Callable[[str], int], n_docs: int) -> Callable[[str], float]:
    """IDF weights from document frequencies (rare terms weigh more; unseen terms weigh most)."""
    return lambda t: math.log(1.0 + (n_docs + 1) / (count(t) + 0.5))
