"""`Store.check` (what `rag status` reports) stays cheap on a consistent index and still names what is wrong."""
from __future__ import annotations

import numpy as np
import pytest

from index.chunk import chunk_article
from rag.core.records import Article
from rag.storage.store import Store


def _items(n: int) -> list:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        body = " ".join(f"Sentence {j} of the harbour report number {i} says little." for j in range(40))
        a = Article(article_id=f"a{i}", title=f"Report {i}", body=body, source="Wire", published="2023-10-01")
        chunks = chunk_article(a, 64)
        vecs = rng.standard_normal((len(chunks), 8))
        out.append((a, f"h{i}", chunks, (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).tolist()))
    return out


@pytest.fixture
def store(empty_config) -> Store:
    s = Store(empty_config)
    s.put(_items(3))
    assert s.chunk_count() > 3
    return s


def test_consistent_index_is_checked_without_reading_every_chunk(store, monkeypatch):
    def scan(*_a, **_k):
        raise AssertionError("a consistent index must not be scanned chunk by chunk")

    monkeypatch.setattr(Store, "chunk_article_ids", scan)
    assert store.check() == []


def test_a_stray_chunk_is_still_named(store):
    store.collection.add(ids=["stray"], embeddings=[[1.0] + [0.0] * 7], documents=["x"],
                         metadatas=[{"article_id": "ghost"}])
    problems = store.check()
    assert any("ghost" in p and "no SQLite row" in p for p in problems), problems


def test_a_lost_chunk_is_still_named(store):
    lost = store.collection.get(where={"article_id": "a1"}, limit=1)["ids"]
    store.collection.delete(ids=lost)
    problems = store.check()
    assert any("a1" in p and "differs" in p for p in problems), problems


def test_an_interrupted_write_is_still_reported(store):
    with store._db:
        store._db.execute("UPDATE articles SET content_hash = 'pending' WHERE article_id = 'a2'")
    assert any("interrupted" in p and "a2" in p for p in store.check())
