"""Synthetic news indexes of N chunks for benchmarks/scale.py, written through the real store (no MiniLM).

Articles are MultiHop-RAG sentences recombined into new stories with varied headlines, outlets and dates;
they are chunked by the real chunker and written with `Store.put` (Chroma + keyword rows + SQLite). The
vectors are random unit vectors (seeded per chunk), not MiniLM's: HNSW's cost depends on the dimension and
the number of vectors, not on what they mean. Random vectors are, if anything, harder for HNSW than real
ones (no clusters, all nearly equidistant), so dense search times here are a pessimistic bound. While
building, sentences are split by a punctuation rule instead of Punkt (`fast_sentence_spans`: Punkt was
most of the build time); everything else is the real write path.

Resumable: articles are numbered and deterministic, so a killed build restarts after the last committed
batch (`Store.put` commits whole batches; the count of stored articles says where to resume).

    python benchmarks/scale_build.py --chunks 1000000 --cache /work/cache/scale
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: import the repository's packages, not an installed copy
    sys.path.insert(0, str(ROOT))

from benchmarks import MULTIHOP  # noqa: E402
from rag.core.config import Config  # noqa: E402
from rag.core.records import Article  # noqa: E402

DIM = 384  # all-MiniLM-L6-v2
CACHE = Path("/work/cache/scale")
EXTRA_OUTLETS = ("Harbor Ledger", "Northern Courier", "Valley Tribune", "Metro Dispatch", "Coastal Herald",
                 "Summit Post", "Prairie Gazette", "Lakeside Journal", "Capital Wire", "Island Chronicle")


_CUT = re.compile(r"[.!?][\"”’)]*(\s+)(?=[\"“‘(]?[A-Z0-9])")


def fast_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans by punctuation rule: the build's stand-in for Punkt (same contract, much faster).

    The corpus sentences were already split by Punkt; recombined, they end where a sentence mark is followed
    by a capital. Only the build uses this (chunk boundaries and keyword rows); questions use Punkt as ever.
    """
    out: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        piece, base, start = para.group(), para.start(), 0
        cuts = [(start, m.start(1)) for m in _CUT.finditer(piece)]
        ends = [m.end(1) for m in _CUT.finditer(piece)]
        bounds = list(zip([0, *ends], [c[1] for c in cuts] + [len(piece)]))
        for s, e in bounds:
            chunk = piece[s:e]
            lead, trail = len(chunk) - len(chunk.lstrip()), len(chunk) - len(chunk.rstrip())
            if e - s - lead - trail > 0:
                out.append((base + s + lead, base + e - trail))
    return out


def home_for(n_chunks: int, cache: Path = CACHE) -> Path:
    """The cached index folder for a target size (10k → <cache>/10000)."""
    return cache / str(n_chunks)


def config_for(home: Path) -> Config:
    """Settings of a scale index: its own folder, defaults otherwise (no rag.toml or RAG_* leaking in)."""
    return Config(home=home)


class Generator:
    """Deterministic synthetic articles: article i is the same in every run and every size."""

    def __init__(self, corpus: Path = MULTIHOP / "corpus.json") -> None:
        from rag.core.text import sentence_spans

        docs = json.loads(corpus.read_text(encoding="utf-8"))
        saved = CACHE / "sentences.json"  # Punkt over the corpus takes ~10 s: once per machine
        if saved.exists():
            self.sentences: list[str] = json.loads(saved.read_text())
        else:
            self.sentences = [body[s:e] for body in (d.get("body") or "" for d in docs)
                              for s, e in sentence_spans(body) if 30 <= e - s <= 600]
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(self.sentences))
        self.title_words = [w for d in docs for w in (d.get("title") or "").split() if w.isalpha()]
        self.outlets = sorted({d["source"] for d in docs if d.get("source")}) + list(EXTRA_OUTLETS)

    def article(self, i: int, prefix: str = "syn") -> Article:
        """Article number i: 12-60 sentences in paragraphs of 1-4, a headline of 5-10 corpus title words."""
        rng = random.Random(i * 7919 + 17)
        n = rng.randint(12, 60)
        picked = [self.sentences[rng.randrange(len(self.sentences))] for _ in range(n)]
        paras, j = [], 0
        while j < n:
            step = rng.randint(1, 4)
            paras.append(" ".join(picked[j : j + step]))
            j += step
        title = " ".join(rng.choice(self.title_words) for _ in range(rng.randint(5, 10)))
        day = date(2019, 1, 1) + timedelta(days=rng.randrange(8 * 365))
        outlet = self.outlets[rng.randrange(len(self.outlets))]
        aid = f"{prefix}-{i:07d}"
        return Article(article_id=aid, title=title.capitalize(), body="\n".join(paras), source=outlet,
                       published=day.isoformat(), url=f"https://example.org/{prefix}/{i}", path=None)


def unit_vectors(seed: int, n: int) -> list[list[float]]:
    """n random unit vectors of MiniLM's dimension (seeded, so a resumed build writes the same ones)."""
    v = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.tolist()


def _fast_split() -> None:
    """Punkt was ~60% of the build's time; both places the build splits sentences get the fast rule instead."""
    import index.chunk
    import rag.storage.bm25

    index.chunk.sentence_spans = rag.storage.bm25.sentence_spans = fast_sentence_spans


def _store(config: Config) -> Any:
    """The build's store: Chroma and the keyword rows. Sentence vectors are not made per chunk (the whole
    point of the build is not to pay for model work); `sentence_pool` stores them once for the pool."""
    from rag.storage.bm25 import KeywordRows
    from rag.storage.store import Store

    return Store(config, indexes=[KeywordRows(Path(config.home))])


def sentence_pool(home: Path, gen: Generator | None = None) -> int:
    """Real int8 sentence vectors (as `rag index` stores them) for every sentence of the pool the synthetic
    articles are made of, and every article counted as covered; returns how many were new. The table then
    holds ~51k rows where a real index of the same size would hold one per distinct sentence (~8 per chunk):
    lookups touch fewer pages, questions see the same vectors."""
    import sqlite3
    from contextlib import closing

    from rag.storage.meaning import SentenceVectors

    gen = gen or Generator()
    with closing(sqlite3.connect(home / "articles.sqlite")) as db:
        ids = [r[0] for r in db.execute("SELECT article_id FROM articles")]
    return SentenceVectors(home).put_texts(gen.sentences, covering=ids)


def as_is(n_chunks: int, cache: Path = CACHE) -> dict:
    """What a (possibly unfinished) build holds, read from its SQLite table without opening Chroma."""
    import sqlite3
    from contextlib import closing

    home = home_for(n_chunks, cache)
    _fast_split()
    repair(_store(config_for(home)), Generator(), config_for(home))  # a build stopped mid-batch
    sentence_pool(home)
    if (home / "built.json").exists():
        return json.loads((home / "built.json").read_text())
    progress = home / "progress.json"
    secs = json.loads(progress.read_text())["seconds"] if progress.exists() else None
    with closing(sqlite3.connect(home / "articles.sqlite")) as db:
        chunks, articles = db.execute("SELECT COALESCE(SUM(n_chunks), 0), COUNT(*) FROM articles").fetchone()
    return {"chunks": chunks, "articles": articles, "build_seconds": secs, "unfinished": True}


def _items(gen: Generator, config: Config, numbers: list[int]) -> list:
    """Store.put items (article, hash, chunks, vectors) for these article numbers."""
    from index.chunk import chunk_article
    from index.pipeline import content_hash

    items = []
    for a in (gen.article(j) for j in numbers):
        cs = chunk_article(a, config.chunk_tokens)
        items.append((a, content_hash(a, config.chunk_tokens, config.embed_precision), cs,
                      unit_vectors(int(a.article_id.split("-")[1]), len(cs))))
    return items


DEFERRED_SYNC, DEFAULT_SYNC = 20_000, 1000  # Chroma's hnsw sync_threshold while building / after (default)


def _sync_threshold(config: Config, n: int) -> None:
    """Set how many additions Chroma's vector index takes between writes to disk; later clients use it."""
    from rag.storage.store import Store, _forget_shared_system

    store = Store(config)
    store.collection.modify(configuration={"hnsw": {"sync_threshold": n}})
    _forget_shared_system(Path(config.home) / "chroma")  # the writer reads the setting when it opens


_WORKER: dict[str, Any] = {}


def _start_worker(home: Path) -> None:
    _fast_split()
    _WORKER.update(gen=Generator(), config=config_for(home))


def _worker_items(numbers: list[int]) -> list:
    return _items(_WORKER["gen"], _WORKER["config"], numbers)


def repair(store: Any, gen: Generator, config: Config) -> None:
    """Write again the articles a killed build left PENDING (mid-batch), as `rag index` would redo them."""
    from rag.storage.store import PENDING

    with store._lock:
        pending = [r[0] for r in store._db.execute("SELECT article_id FROM articles WHERE content_hash = ?", (PENDING,))]
    if pending:
        store.put(_items(gen, config, sorted(int(a.split("-")[1]) for a in pending)))


def build(n_chunks: int, cache: Path = CACHE, batch_articles: int = 200, log: bool = True) -> dict:
    """Fill <cache>/<n_chunks> up to at least n_chunks chunks (resuming), then record how long it took."""
    from rag.storage.backends import resolve

    _fast_split()

    home = home_for(n_chunks, cache)
    done_file = home / "built.json"
    if done_file.exists():
        sentence_pool(home)  # a build finished before sentence vectors were stored gets them once
        return json.loads(done_file.read_text())
    config = config_for(home)
    # Chroma rewrites its whole vector file every `sync_threshold` (default 1000) additions (~0.5 GB each at 300k
    # chunks). The build writes it every 20,000 instead, then restores the default (a client reads it when it
    # opens: the last batch's writer replays at most 20,000 logged additions and writes the file), so the
    # finished index is as `rag index` leaves it. Measured on 2026-12-02 this did not speed the build up
    # noticeably (~130-140 chunks/s at 0.3-0.8M either way): Chroma's `add` itself is the limit.
    _sync_threshold(config, DEFERRED_SYNC)
    store = _store(config)
    # The precision `rag index` would record: the resolved one ("fp32"), never the "auto" setting.
    store.set_info("embedder", {"precision": resolve(config.embed_precision), "chunk_tokens": config.chunk_tokens})
    gen = Generator()
    repair(store, gen, config)
    progress = home / "progress.json"
    state = json.loads(progress.read_text()) if progress.exists() else {"seconds": 0.0}
    i = store.article_count()  # articles 0..i-1 are committed (batches are whole)
    chunks = store.chunk_count()
    t0, last = time.perf_counter(), time.perf_counter()
    # The next batch is generated and chunked in a second process while this one is written (the build's
    # Python work is single-threaded; this keeps both cores busy).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawned, not forked: a child forked from a process that has opened Chroma can hang on its locks
    pool = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"), initializer=_start_worker, initargs=(home,))
    ahead = pool.submit(_worker_items, list(range(i, i + batch_articles)))
    while chunks < n_chunks:
        items = ahead.result()
        ahead = pool.submit(_worker_items, list(range(i + batch_articles, i + 2 * batch_articles)))
        store.put(items)
        i += batch_articles
        chunks += sum(len(c) for _, _, c, _ in items)
        if time.perf_counter() - last > 30:
            last = time.perf_counter()
            secs = state["seconds"] + last - t0
            progress.write_text(json.dumps({"seconds": secs, "chunks": chunks, "articles": i}))
            if log:
                print(f"{n_chunks}: {chunks} chunks, {i} articles, {secs:.0f} s ({chunks / secs:.0f} chunks/s)",
                      file=sys.stderr, flush=True)
    _sync_threshold(config, DEFAULT_SYNC)
    store = _store(config)  # reopened with the default: its first addition writes the vector file once
    items = ahead.result()
    store.put(items)
    i += batch_articles
    pool.shutdown(cancel_futures=True)
    secs = state["seconds"] + time.perf_counter() - t0
    sentence_pool(home, gen)
    result = {"chunks": store.chunk_count(), "articles": store.article_count(), "build_seconds": round(secs, 1)}
    done_file.write_text(json.dumps(result))
    return result


def settle(n_chunks: int, cache: Path = CACHE, batch_articles: int = 200) -> dict:
    """A build stopped before its size, made ready to measure as it is: Chroma's default write interval
    restored and its vector file written (one more batch; the build's own ending), no `built.json`."""
    _fast_split()
    config = config_for(home_for(n_chunks, cache))
    _sync_threshold(config, DEFAULT_SYNC)
    store, gen = _store(config), Generator()
    repair(store, gen, config)
    i = store.article_count()
    store.put(_items(gen, config, list(range(i, i + batch_articles))))
    return {"chunks": store.chunk_count(), "articles": store.article_count()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--cache", type=Path, default=CACHE)
    p.add_argument("--settle", action="store_true",
                   help="after stopping a build early: restore Chroma's defaults so `scale.py --as-is` can measure it")
    args = p.parse_args()
    for n in args.chunks:
        print(json.dumps({n: settle(n, args.cache) if args.settle else build(n, args.cache)}), flush=True)


if __name__ == "__main__":
    main()
