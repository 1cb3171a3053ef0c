"""Per-question work over every chunk, kept cheap at a million chunks: top-n without a full sort, outlet masks
without comparing strings."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from rag.storage.bm25 import KeywordIndex


def top_rows(x: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n largest values of x, largest first (as `np.argsort(-x)[:n]`, ties aside).

    A full argsort of every chunk's score costs ~100 ms at a million chunks; a partition then a sort of
    the n picked costs a tenth of that."""
    if n <= 0 or not len(x):
        return np.zeros(0, dtype=np.int64)
    idx = np.argpartition(-x, n - 1)[:n] if len(x) > n else np.arange(len(x))
    return idx[np.argsort(-x[idx], kind="stable")]


def source_mask(kw: KeywordIndex, sources: Iterable[str]) -> np.ndarray:
    """Which chunks come from these outlets (lower-cased names, as `kw.sources`): `np.isin(kw.sources, sources)`
    over the integer outlet codes (isin over a million strings costs ~150 ms a call)."""
    wanted = [kw.sources.code_of[s] for s in sources if s in kw.sources.code_of]
    return np.isin(kw.sources.codes, wanted) if wanted else np.zeros(len(kw.sources), dtype=bool)
