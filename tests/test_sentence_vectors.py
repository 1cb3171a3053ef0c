"""Sentence vectors stored at index time: every chunk sentence is there, equal to what a question would encode,
questions then encode only their claims, and the answers are the same as without them."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.chunk import chunk_article
from index.pipeline import index_paths
from rag.api import Index
from rag.core.config import Config
from rag.engines.extractive import parts
from rag.storage.meaning import FILE, SentenceVectors, int8_encode, rounded, sentences_of
from rag.storage.store import Store
from tests.conftest import ARTICLES

QUESTION = ("Did the Guardian report that China refused to sign the statement and that Kenya launched a "
            "satellite?")


def chunk_sentences(store: Store, config: Config) -> list[str]:
    """Every sentence the engine may weigh by meaning, from every stored article's chunks."""
    out = []
    for aid in store.content_hashes():
        article = store.article(aid)
        assert article is not None
        out += [s for c in chunk_article(article, config.chunk_tokens) for s in sentences_of(c.text)]
    return out


def test_every_chunk_sentence_is_stored_as_a_question_would_encode_it(config: Config) -> None:
    store = Store(config)
    texts = chunk_sentences(store, config)
    got = store.meaning.lookup(texts)
    assert len(texts) > 20 and set(got) == set(texts)
    assert store.meaning.count() == len(set(texts))  # one row per distinct sentence
    sample = texts[:3] + texts[-3:]
    for text, vector in zip(sample, int8_encode(sample)):
        assert np.array_equal(got[text], rounded(vector))


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the engine encodes at question time (the real encoder still runs)."""
    seen: list[str] = []
    real = parts._encode

    def encode(texts: list[str]):
        seen.extend(texts)
        return real(texts)

    monkeypatch.setattr(parts, "_encode", encode)
    parts._VECTORS.clear()
    yield seen
    parts._VECTORS.clear()


def test_a_question_encodes_only_its_claims_and_answers_the_same(config: Config, spy: list[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    index = Index(config, first_use=lambda _index: None)
    stored = set(chunk_sentences(index.store, config))
    with_stored = index.answer(QUESTION)
    assert spy and not set(spy) & stored  # claims only: no chunk sentence was encoded
    claims = len(spy)

    spy.clear()
    parts._VECTORS.clear()
    monkeypatch.setattr(Index, "sentence_vectors", lambda self, texts: {})  # as an index without them
    without = index.answer(QUESTION)
    assert set(spy) & stored and len(spy) > claims  # now the sentences are encoded here
    assert without.text == with_stored.text
    assert [c.text for c in without.citations] == [c.text for c in with_stored.citations]


def test_removed_articles_lose_their_vectors_and_an_older_index_gets_them(tmp_path: Path) -> None:
    config = Config.load(home=tmp_path / "home", articles_dir=ARTICLES)
    index_paths([ARTICLES], config, progress=False)
    store = Store(config)
    before = store.meaning.count()
    first = sorted(store.content_hashes())[0]
    store.delete_articles([first])
    assert 0 < store.meaning.count() < before
    assert store.meaning.missing(store.content_hashes()) == []

    # An index made before sentence vectors were stored: the next `rag index` run makes them (nothing else
    # changed, so nothing is re-embedded).
    (Path(config.home) / FILE).unlink()
    for extra in Path(config.home).glob(FILE + "-*"):
        extra.unlink()
    report = index_paths([ARTICLES], config, progress=False)
    assert report.added == 1 and report.unchanged == 1
    assert Store(config).meaning.count() == before


def test_a_sentence_shared_by_two_articles_is_encoded_once(tmp_path: Path) -> None:
    """Wire copy: the second article, indexed in a later run, repeats a sentence of the first."""
    shared = "The council met on Tuesday to discuss the proposal for a new harbour bridge across the bay."
    first = {"title": "Council weighs harbour bridge", "source": "Daily Post", "published_at": "2023-10-02",
             "body": f"{shared} Members asked for a full cost estimate before any vote was taken."}
    second = {"title": "Bridge plan returns to the council", "source": "Evening Star", "published_at": "2023-10-03",
              "body": f"{shared} Residents of the old town said the design would block their view of the sea."}
    encoded: list[str] = []
    vectors = SentenceVectors(tmp_path / "home", encode=lambda texts: (encoded.extend(texts), int8_encode(texts))[1])
    config = Config.load(home=tmp_path / "home", articles_dir=ARTICLES)
    store = Store(config, indexes=[vectors])
    store.meaning = vectors
    for n, record in enumerate([first, second]):
        path = tmp_path / f"{n}.json"
        path.write_text(json.dumps([record]), encoding="utf-8")
        assert index_paths([path], config, store=store, progress=False).added == 1
    assert store.article_count() == 2
    assert encoded.count(shared) == 1  # found stored in the second run, not encoded again
    assert len(encoded) == len(set(encoded)) == vectors.count() == 3
