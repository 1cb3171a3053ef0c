"""The segmented keyword index: incremental writes and deletes score exactly like a full rebuild (and like
bm25s itself), an add costs in proportion to what it adds, and a new process reads the segments back."""
from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.core.records import Article, Chunk
from rag.core.terms import terms
from rag.core.tuning import TUNING
from rag.storage import bm25, segment, segments
from rag.storage.kwrows import RowSentences
from rag.storage.kwview import View

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("minister parliament budget election vote coalition strike union wage inflation bank rate market "
         "shares profit loss merger court judge trial verdict appeal police arrest protest border refugee "
         "missile launch test treaty sanction embargo drought flood harvest wheat quinoa tonnes satellite "
         "orbit rocket vaccine virus hospital nurse teacher school exam football league striker goal coach "
         "Gabon Ghana Kenya Mexico Russia China India Oruro Zorblax Reuters Fortune").split()
OUTLETS = ["The Guardian", "Fortune", "TechCrunch", None]


class Rows:
    """A ChunkSource over the keyword rows themselves (no Chroma: the rows are the truth in these tests)."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def chunk_count(self) -> int:
        with closing(sqlite3.connect(self.home / "keyword.sqlite")) as db:
            return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def chunk_pages(self, page: int):  # noqa: ANN201 - never called: counts always agree
        raise AssertionError("rows and source agree; no rebuild expected")


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return "It was said that it is so."  # stop words only: a sentence without terms
    n = rng.randint(3, 14)
    # Zipf-like: a few words are everywhere (high df), most are rare.
    return " ".join(WORDS[min(int(rng.paretovariate(1.2)) - 1, len(WORDS) - 1)] for _ in range(n)).capitalize() + "."


def article(rng: random.Random, aid: str) -> tuple[Article, str, list[Chunk], None]:
    """A synthetic article cut into 1-4 chunks of 1-5 sentences each (offsets into its body)."""
    body, chunks, pos = "", [], 0
    for _ in range(rng.randint(1, 4)):
        text = " ".join(sentence(rng) for _ in range(rng.randint(1, 5)))
        start = len(body) + (1 if body else 0)
        body = f"{body} {text}" if body else text
        cid = hashlib.sha1(f"{aid}:{start}".encode()).hexdigest()[:20]
        chunks.append(Chunk(cid, aid, text, start, start + len(text), pos))
        pos += 1
    day = rng.choice([None, "2023-10-07", "2024-01-02"])
    a = Article(aid, f"{rng.choice(WORDS)} {rng.choice(WORDS)} report", body, rng.choice(OUTLETS), day)
    return a, "h", chunks, None


def reference(home: Path) -> tuple[list[str], object, object, np.ndarray]:
    """A full rebuild with bm25s from the same rows: the way the index was built before segments."""
    import bm25s

    with closing(sqlite3.connect(home / "keyword.sqlite")) as db:
        rows = db.execute("SELECT chunk_id, terms FROM chunks ORDER BY chunk_id").fetchall()
    groups = [[g.split() for g in t.split("|")] for _, t in rows]
    model = sent = None  # bm25s cannot index nothing
    if groups:
        model = bm25s.BM25(k1=TUNING.bm25.k1, b=TUNING.bm25.b)
        model.index([[t for g in gs for t in g] or [""] for gs in groups], show_progress=False)
    if any(gs[1:] for gs in groups):
        sent = bm25s.BM25(k1=TUNING.bm25.k1, b=TUNING.bm25.b)
        sent.index([g or [""] for gs in groups for g in gs[1:]], show_progress=False)
    chunk_of = np.array([r for r, gs in enumerate(groups) for _ in gs[1:]], dtype=np.int64)
    return [r[0] for r in rows], model, sent, chunk_of


def ref_scores(model, query: str, n: int) -> np.ndarray:  # noqa: ANN001
    if model is None:
        return np.zeros(n, dtype=np.float32)
    q = [t for t in terms(query) if t in model.vocab_dict]
    return np.asarray(model.get_scores(q), dtype=np.float32) if q else np.zeros(n, dtype=np.float32)


QUERIES = ["Gabon Ghana Kenya missile test", "budget vote", "quinoa harvest tonnes in Oruro", "the minister said",
           "court verdict appeal judge judge", "Fortune merger profit shares market", "zzzz", "school exam teacher",
           "Reuters report on the Zorblax wheat drought", "rocket satellite orbit launch"]


def assert_same_as_rebuild(home: Path, queries: list[str] = QUERIES) -> None:
    kw = bm25.load(Rows(home))
    ids, model, sent, chunk_of = reference(home)
    assert [m["chunk_id"] for m in kw.meta] == ids  # same rows, same order as a full rebuild
    with closing(sqlite3.connect(home / "keyword.sqlite")) as db:  # each row's outlet, as its row says
        outlets = [(s or "").lower() for (s,) in db.execute("SELECT source FROM chunks ORDER BY chunk_id")]
    assert list(kw.sources[np.arange(len(ids))]) == outlets
    from rag.retrieval.fast import source_mask
    for wanted in (["the guardian"], ["fortune", "techcrunch"], [""], ["nobody"]):
        assert source_mask(kw, wanted).tolist() == [o in wanted for o in outlets]
    for q in queries:
        want = ref_scores(model, q, len(ids))
        got = kw.scores(q)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
        best = np.zeros(len(ids), dtype=np.float32)
        np.maximum.at(best, chunk_of, ref_scores(sent, q, len(chunk_of)))
        got_sentences = kw.sentence_scores(q)
        np.testing.assert_allclose(got_sentences, best, rtol=1e-5, atol=1e-7)
        # Stronger than the tolerance: the same float steps as bm25s, so ties rank the same as before.
        assert np.array_equal(got, want) and np.array_equal(got_sentences, best)
        # The same scores from only some rows' postings (what a question's candidate pool needs).
        some = np.arange(len(ids))[:: 3][::-1]
        assert np.array_equal(kw.sentence_scores_at(q, some), got_sentences[some])
        # Both ways of leaving dead chunks' sentences out of a term's document frequency give the same.
        for share in (0.0, float("inf")) if kw.view is not None else ():
            assert np.array_equal(RowSentences(kw.view, share).scores_at(terms(q), some), got_sentences[some])
    for t in {t for q in queries for t in terms(q)}:
        known = model is not None and t in model.vocab_dict
        want = int(np.diff(model.scores["indptr"])[model.vocab_dict[t]]) if known else 0
        assert kw.df(t) == want


def apply(home: Path, ops: list[tuple[str, list[str]]], seed: int) -> None:
    """Writes (new or replaced articles) and removals, each its own generation, as the store does them."""
    rng = random.Random(seed)
    writer = bm25.KeywordRows(home)
    for op, aids in ops:
        if op == "write":
            writer.write([article(rng, a) for a in aids])
        else:
            writer.forget(aids)


@pytest.fixture
def small_fanout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments, "FANOUT", 3)  # merges after a few writes, so merged segments are tested too
    monkeypatch.setattr(segments, "MAX_SEGMENTS", 6)


op = st.tuples(st.sampled_from(["write", "write", "forget"]),
               st.lists(st.sampled_from([f"a{i}" for i in range(30)]), min_size=1, max_size=6, unique=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=14), seed=st.integers(0, 10_000))
def test_incremental_writes_and_deletes_score_like_a_full_rebuild(tmp_path_factory, small_fanout, ops, seed):
    home = tmp_path_factory.mktemp("kw")
    reader = Rows(home)
    apply(home, ops[: len(ops) // 2], seed)
    if ops[: len(ops) // 2]:
        bm25.load(reader)  # a reader that follows along, loading only what is new
    apply(home, ops[len(ops) // 2 :], seed + 1)
    assert_same_as_rebuild(home)
    bm25._loaded.clear()  # and a reader that starts from the segments on disk
    assert_same_as_rebuild(home)


def test_many_writes_with_merges_score_like_a_full_rebuild(tmp_path, small_fanout):
    rng = random.Random(7)
    ops = [("write", [f"b{rng.randint(0, 120)}" for _ in range(rng.randint(1, 8))]) for _ in range(40)]
    ops += [("forget", [f"b{rng.randint(0, 120)}" for _ in range(5)]) for _ in range(5)]
    rng.shuffle(ops)
    apply(home := tmp_path / "h", ops, 3)
    with closing(sqlite3.connect(home / "keyword.sqlite")) as db:
        names = segments.read_manifest(db)[1]["names"]
    assert len(names) <= 6  # 45 writes, merged along the way
    assert_same_as_rebuild(home, QUERIES + [" ".join(WORDS[i : i + 3]) for i in range(0, len(WORDS), 3)])


def test_per_segment_statistics_would_fail_the_comparison(tmp_path):
    # The comparison is sharp: BM25 with each segment's own N, df and mean length (what scoring segments
    # independently would give) differs from the full rebuild.
    apply(home := tmp_path / "h", [("write", [f"c{i}" for i in range(10)]), ("write", ["d1", "d2"])], 5)
    kw = bm25.load(Rows(home))
    ids, model, _, _ = reference(home)
    naive = np.zeros(len(ids), dtype=np.float32)
    for s in kw.view.segs:
        alone = View.advance(None, [s])
        rows = [kw.row_of[i.decode()] for i in alone.ids]
        naive[rows] = alone.scores(terms("Gabon Ghana Kenya missile test budget"))
    want = ref_scores(model, "Gabon Ghana Kenya missile test budget", len(ids))
    assert not np.allclose(naive, want, rtol=1e-5)
    np.testing.assert_allclose(kw.scores("Gabon Ghana Kenya missile test budget"), want, rtol=1e-5)


def test_an_add_costs_what_it_adds(tmp_path, monkeypatch):
    home = tmp_path / "h"
    apply(home, [("write", [f"base{i}" for i in range(400)])], 11)  # ~1,000 chunks in one segment
    reader = Rows(home)
    before = bm25.load(reader)
    built, merged, loaded = [], [], []
    real_build, real_merge, real_load = segments.build, segments.merge, segment.load
    monkeypatch.setattr(segments, "build", lambda n, rows, d: built.append(len(rows)) or real_build(n, rows, d))
    monkeypatch.setattr(segments, "merge", lambda n, s, a, drop_deletes: merged.append(sum(x.docs for x in s))
                        or real_merge(n, s, a, drop_deletes))
    monkeypatch.setattr(segment, "load", lambda f, n: (s := real_load(f, n), loaded.append(s.docs))[0])
    new = [article(random.Random(i), f"new{i}") for i in range(3)]
    bm25.KeywordRows(home).write(new)
    after = bm25.load(reader)
    n_new = sum(len(c) for _, _, c, _ in new)
    assert built == [n_new] and merged == []  # the writer counted only the new chunks
    assert loaded == [n_new]  # the reader read only the new segment (the base stayed in memory)
    assert len(after.meta) == len(before.meta) + n_new
    bm25.KeywordRows(home).forget(["new1"])
    last = bm25.load(reader)
    assert built[-1] == 0 and loaded[-1] == 0 and len(last.meta) == len(after.meta) - len(new[1][2])
    assert_same_as_rebuild(home)


def test_merges_are_logarithmic(tmp_path, monkeypatch):
    merged: list[int] = []
    real_merge = segments.merge
    monkeypatch.setattr(segments, "merge", lambda n, s, a, drop_deletes: merged.append(sum(x.docs for x in s))
                        or real_merge(n, s, a, drop_deletes))
    monkeypatch.setattr(segments, "FANOUT", 4)
    home = tmp_path / "h"
    rng = random.Random(1)
    added = 0
    for i in range(64):
        batch = [article(rng, f"w{i}_{j}") for j in range(3)]
        added += sum(len(c) for _, _, c, _ in batch)
        bm25.KeywordRows(home).write(batch)
    # Each chunk is rewritten about log_4(64) = 3 times, not once per later write.
    assert sum(merged) <= 4 * added
    with closing(sqlite3.connect(home / "keyword.sqlite")) as db:
        assert len(segments.read_manifest(db)[1]["names"]) <= 8


def test_a_new_process_reads_the_segments_and_scores_the_same(tmp_path):
    home = tmp_path / "h"
    apply(home, [("write", [f"p{i}" for i in range(30)]), ("forget", ["p3", "p4"]), ("write", ["p5", "q1"])], 21)
    kw = bm25.load(Rows(home))
    here = {q: kw.scores(q).tolist() for q in QUERIES} | {"s:" + q: kw.sentence_scores(q).tolist() for q in QUERIES}
    code = f"""
import json, sys
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from rag.storage import bm25
from tests.test_keyword_incremental import Rows, QUERIES
import rag.storage.segments as s
s.rebuild = lambda *a: (_ for _ in ()).throw(AssertionError("rebuilt"))  # must load, not rebuild
kw = bm25.load(Rows(Path({str(home)!r})))
out = {{q: kw.scores(q).tolist() for q in QUERIES}} | {{"s:" + q: kw.sentence_scores(q).tolist() for q in QUERIES}}
print(json.dumps(out))
"""
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == here


def test_lost_segment_files_are_rebuilt_from_the_rows(tmp_path):
    import shutil

    home = tmp_path / "h"
    apply(home, [("write", [f"r{i}" for i in range(12)]), ("write", ["r1", "x"])], 2)
    shutil.rmtree(home / "keyword")
    bm25._loaded.clear()
    assert_same_as_rebuild(home)
