"""Hybrid retrieval: the keyword index kept with Chroma (persisted, rebuilt, updated), filters,
question hints and diversification."""
from __future__ import annotations

import shutil
from datetime import date

import numpy as np
import pytest

from rag import retrieve
from rag.core.config import Config
from rag.retrieval.hints import clauses, question_hints
from rag.retrieval.retriever import Retriever, diversify, interleave_sources
from rag.storage import bm25
from rag.storage.store import Store


def test_keyword_index_is_written_with_chroma(config):
    store = Store(config)
    kw = bm25.load(store)
    assert len(kw.meta) == store.chunk_count() > 0
    assert (config.home / "keyword.sqlite").is_file() and any((config.home / "keyword" / "segments").iterdir())
    assert {m["source"] for m in kw.meta} == {"The Guardian", "The Independent"}


def test_keyword_index_is_rebuilt_from_chroma_when_missing(config, tmp_path):
    home = tmp_path / "copy"
    shutil.copytree(config.home, home)
    (home / "keyword.sqlite").unlink()
    shutil.rmtree(home / "keyword")
    cfg = Config.load(home=home, articles_dir=config.articles_dir)
    store = Store(cfg)
    kw = bm25.load(store)
    assert len(kw.meta) == store.chunk_count()
    q = "Who refused to sign the statement?"
    assert [p.chunk_id for p in Retriever(store).retrieve(q)] == [p.chunk_id for p in retrieve(q, config=config)]


def test_new_articles_are_searchable_by_keyword(config, tmp_path):
    from index.pipeline import index_paths

    home = tmp_path / "copy"
    shutil.copytree(config.home, home)
    cfg = Config.load(home=home, articles_dir=config.articles_dir)
    before = bm25.load(Store(cfg)).generation
    doc = tmp_path / "new.txt"
    doc.write_text("Zorblax harvest report\n\nThe Zorblax cooperative harvested 4,200 tonnes of quinoa in Oruro this spring, "
                   "its chair told the regional assembly on Monday.\n")
    assert index_paths([doc], cfg, progress=False).added == 1
    kw = bm25.load(Store(cfg))
    assert kw.generation > before and len(kw.meta) == Store(cfg).chunk_count()
    top = Retriever(Store(cfg)).retrieve("How much quinoa did the Zorblax cooperative harvest?", k=3)
    assert "Zorblax" in top[0].text


def test_filters_restrict_both_retrievers(config):
    only = retrieve("missile launches in January", k=10, sources=["The Independent"], config=config)
    assert only and all(p.source == "The Independent" for p in only)
    assert retrieve("missile launches", k=5, since=date(2031, 1, 1), config=config) == []


def test_scores_are_best_first_and_passages_are_body_slices(config):
    store = Store(config)
    passages = retrieve("How many weapons tests did North Korea carry out in January?", k=10, config=config)
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    for p in passages:
        assert store.body(p.article_id)[p.start : p.end] == p.text


def test_question_hints_find_outlets_and_days():
    known = ["The Verge", "TechCrunch", "The Independent - Sports", "The Independent - Travel", "Fortune"]
    h = question_hints("As reported by The Verge and TechCrunch on October 7, 2023, who ...?", known)
    assert h.sources == {"the verge", "techcrunch"} and h.days == {20231007}
    assert question_hints("Did The Independent say ...?", known).sources == {"the independent - sports", "the independent - travel"}
    assert question_hints("What did 'The Independent - Travel' report?", known).sources == {"the independent - travel"}
    assert question_hints("Between the article published on 2023-10-02 and 2023-13-40 ...?", known).days == {20231002}


def test_clauses_split_a_multi_hop_question():
    q = ("Which individual inflated the apartment's value, according to Fortune, and is also accused of "
         "hiding losses as reported by TechCrunch?")
    assert clauses(q) == ["Which individual inflated the apartment's value", "accused of hiding losses as reported by TechCrunch"]


def test_keyword_scores_are_scaled_to_the_best_chunk(config):
    from rag.retrieval.retriever import fuse_keyword, keyword_parts

    kw = bm25.load(Store(config))
    whole, parts = keyword_parts(kw, "Gabon Ghana Kenya, weapons tests January")
    assert len(parts) == 2
    for weight in (0.0, 1.0):
        s = fuse_keyword(whole, parts, weight)
        assert s.max() == pytest.approx(1.0) and s.min() >= 0
    assert fuse_keyword(*keyword_parts(kw, "zzzz qqqq"), 1.0).max() == 0


def test_diversify_lets_other_articles_in():
    class KW:
        meta = [{"article_id": a} for a in "AAAAB"]

    scored = [(0.9, 0), (0.8, 1), (0.7, 2), (0.6, 3), (0.5, 4)]
    picked = diversify(scored, KW(), k=4, per_article=2)
    assert [i for _, i in picked] == [0, 1, 4, 2]


def test_named_outlets_first_and_their_picks_count_towards_the_article_cap():
    class KW:
        meta = [{"article_id": a} for a in "AAAACD"]
        sources = ["x", "x", "x", "x", "y", "z"]

    scored = [(0.9, 0), (0.8, 1), (0.7, 2), (0.6, 3), (0.5, 4), (0.4, 5)]
    picked = [i for _, i in interleave_sources(scored, KW(), {"x", "y"}, k=4, per_article=2, per_source=1)]
    # outlet x's best (0) and y's best (4) go first; article A then has one more slot (1), then D (5)
    assert picked == [0, 4, 1, 5]


def test_keyword_scores_match_terms(config):
    kw = bm25.load(Store(config))
    s = kw.scores("Gabon Ghana Kenya")
    assert s.max() > 0 and np.count_nonzero(s) >= 1
    assert kw.scores("zzzz qqqq").max() == 0


def test_sentence_scores_point_at_the_chunk_holding_the_sentence(config):
    store = Store(config)
    kw = bm25.load(store)
    assert kw.sentence_model is not None and len(kw.sentence_chunk) > len(kw.meta)  # several sentences per chunk
    s = kw.sentence_scores("Gabon Ghana Kenya Mexico refused to sign")
    best = kw.meta[int(np.argmax(s))]
    body = store.body(best["article_id"])
    assert "China, Gabon, Ghana, India, Kenya, Mexico and Russia" in body[best["start"] : best["end"]]
    assert kw.sentence_scores("zzzz qqqq").max() == 0


def test_old_format_keyword_rows_are_rebuilt_with_sentences(config, tmp_path):
    import sqlite3

    home = tmp_path / "copy"
    shutil.copytree(config.home, home)
    with sqlite3.connect(home / "keyword.sqlite") as db:  # what an index written before format 2 looks like
        db.execute("UPDATE chunks SET terms = replace(terms, ' | ', ' ')")
        db.execute("DELETE FROM info WHERE key = 'format'")
    bm25._loaded.clear()
    cfg = Config.load(home=home, articles_dir=config.articles_dir)
    kw = bm25.load(Store(cfg))
    assert kw.sentence_model is not None and len(kw.sentence_chunk) == len(bm25.load(Store(config)).sentence_chunk)
    with sqlite3.connect(home / "keyword.sqlite") as db:
        assert db.execute("SELECT value FROM info WHERE key = 'format'").fetchone()[0] == str(bm25.FORMAT)
        assert all(" | " in t for (t,) in db.execute("SELECT terms FROM chunks"))
