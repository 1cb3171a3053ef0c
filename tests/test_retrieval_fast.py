"""The cheap per-question helpers give what the full sort and string isin gave."""
from __future__ import annotations

import numpy as np

from rag.retrieval.fast import source_mask, top_rows
from rag.storage.bm25 import KeywordIndex, Sources


def test_top_rows_is_the_head_of_a_full_sort():
    x = np.random.default_rng(3).permutation(5000).astype(np.float32)  # distinct values: no ties to break
    for n in (1, 4, 120, 4999, 5000, 6000):
        assert top_rows(x, n).tolist() == np.argsort(-x)[:n].tolist()
    assert top_rows(x, 0).tolist() == [] and top_rows(np.zeros(0), 5).tolist() == []


def test_source_mask_matches_isin_and_ignores_unknown_outlets():
    sources = np.array(["the verge", "", "bbc", "techcrunch", "bbc", "the verge"], dtype=object)
    kw = KeywordIndex(1, None, [{}] * len(sources), Sources.of(sources), np.zeros(len(sources), dtype=np.int64))
    for wanted in (["bbc"], ["the verge", "techcrunch"], ["nobody"], [], ["bbc", "nobody"]):
        assert source_mask(kw, wanted).tolist() == np.isin(sources, wanted).tolist(), wanted
