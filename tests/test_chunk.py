"""Chunks: sentence-aligned, sized in tokens, offsets that round-trip, ids that make re-indexing idempotent."""
from __future__ import annotations

from index.chunk import chunk_article
from index.pipeline import index_paths
from index.read import read_file
from rag.core.text import count_tokens
from rag.storage.store import Store
from tests.conftest import AP, ARTICLES, GUARDIAN


def test_offsets_round_trip_for_every_chunk():
    for path in (GUARDIAN, AP):
        (article,) = read_file(path)
        chunks = chunk_article(article, 256)
        assert len(chunks) >= 2
        for c in chunks:
            assert c.text == article.body[c.start : c.end]
            assert count_tokens(c.text) <= 256 + 8
        # Sentence-aligned: chunks start where a sentence starts, and together cover the body in order.
        assert [c.position for c in chunks] == list(range(len(chunks)))
        assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))
        assert chunks[0].start == 0 and chunks[-1].end == len(article.body)


def test_small_chunks_and_long_sentences():
    (article,) = read_file(GUARDIAN)
    small = chunk_article(article, 40)
    assert all(count_tokens(c.text) <= 48 for c in small)
    assert all(c.text == article.body[c.start : c.end] for c in small)


def test_reindex_twice_same_chunk_count(empty_config):
    store = Store(empty_config)
    first = index_paths([ARTICLES], empty_config, store, progress=False)
    n = store.chunk_count()
    second = index_paths([ARTICLES], empty_config, store, progress=False)
    assert first.added == 2 and second.unchanged == 2 and second.added == 0
    assert store.chunk_count() == n == first.chunks
    # A changed chunk size re-chunks every article but still leaves no stale chunk behind.
    from dataclasses import replace
    smaller = replace(empty_config, chunk_tokens=128)
    third = index_paths([ARTICLES], smaller, Store(smaller), progress=False)
    assert third.updated == 2
    assert Store(smaller).chunk_count() == third.chunks > n
