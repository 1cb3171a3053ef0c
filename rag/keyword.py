"""Keyword search: a BM25 index (bm25s) over the same chunks as Chroma, kept under RAG_HOME.

The indexer writes each chunk's terms here from `Store.put` (one SQLite file, `keyword.sqlite`); the BM25
matrix is derived from those rows, saved under `keyword/` and rebuilt whenever the rows changed. If the
rows are missing or disagree with Chroma (an index built before keyword search existed, a crash between
the two writes), they are rebuilt from the chunks stored in Chroma, so both stay consistent.
"""
from __future__ import annotations

import json

import sqlite3
import threading
from contextlib import closing
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.text import words

if TYPE_CHECKING:
    from rag.store import Store
    from rag.types import Article, Chunk

STOP = set(
    """a an the and or but if of to in on at by for with from as is are was were be been being do does did
    what who whom whose which when where why how many much that this these those it its it's he she they them
    their his her we you your i me my our us not no there here than then so such can could would should will
    shall may might must have has had about into over under after before during between any all some each
    say said says tell told according article articles report reported out up off also""".split()
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, article_id TEXT NOT NULL, position INTEGER, start INTEGER, "end" INTEGER,
    title TEXT, source TEXT, published TEXT, published_day INTEGER, url TEXT, terms TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# BM25 saturation and length normalisation, lower than bm25s's 1.5 / 0.75: a news chunk that names a
# question's rare words once is as good as one repeating them (chosen on MultiHop-RAG dev, see benchmarks/).
K1, B = 0.7, 0.5
_COLUMNS = ("chunk_id", "article_id", "position", "start", "end", "title", "source", "published", "published_day", "url")
_lock = threading.Lock()
_loaded: dict[str, "KeywordIndex"] = {}


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


def _db(home: Path) -> sqlite3.Connection:
    home.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(home / "keyword.sqlite", check_same_thread=False, timeout=30)
    db.executescript(_SCHEMA)
    return db


def _bump(db: sqlite3.Connection) -> None:
    (gen,) = db.execute("SELECT COALESCE(MAX(CAST(value AS INTEGER)), 0) FROM info WHERE key = 'generation'").fetchone()
    db.execute("INSERT OR REPLACE INTO info VALUES ('generation', ?)", (str(gen + 1),))


def _row(chunk_id: str, text: str, meta: dict[str, Any]) -> tuple:
    # The headline and outlet go into every chunk's terms: questions name them ("as reported by The Verge").
    t = terms(f"{meta.get('title', '')} {meta.get('source', '')} {text}")
    return (chunk_id, *(meta.get(c) for c in _COLUMNS[1:]), " ".join(t))


def record_chunks(store: "Store", items: list[tuple["Article", str, list["Chunk"], Any]]) -> None:
    """Called by `Store.put`: replace these articles' chunks in the keyword rows (same ids as Chroma)."""
    from rag.store import chunk_metadata

    rows = [_row(c.chunk_id, c.text, chunk_metadata(c, a) | {"chunk_id": c.chunk_id}) for a, _, chunks, _ in items for c in chunks]
    with closing(_db(store.home)) as db, db:
        db.executemany("DELETE FROM chunks WHERE article_id = ?", [(a.article_id,) for a, *_ in items])
        db.executemany(f"INSERT OR REPLACE INTO chunks VALUES ({','.join('?' * 11)})", rows)
        _bump(db)


def forget_articles(store: "Store", article_ids: list[str]) -> None:
    """For a store delete: drop these articles' keyword rows."""
    with closing(_db(store.home)) as db, db:
        db.executemany("DELETE FROM chunks WHERE article_id = ?", [(a,) for a in article_ids])
        _bump(db)


def _rebuild_rows_from_chroma(store: "Store", db: sqlite3.Connection) -> None:
    """Re-derive every keyword row from the chunks stored in Chroma (the source of truth)."""
    db.execute("DELETE FROM chunks")
    offset, page = 0, 2000
    while True:
        got = store.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
        ids = got["ids"]
        if not ids:
            break
        db.executemany(
            f"INSERT OR REPLACE INTO chunks VALUES ({','.join('?' * 11)})",
            [_row(i, d or "", m or {}) for i, d, m in zip(ids, got["documents"], got["metadatas"])],
        )
        offset += len(ids)
    _bump(db)


@dataclass
class KeywordIndex:
    """The loaded BM25 model plus per-chunk metadata arrays (row i of each ↔ BM25 document i)."""

    generation: int
    model: Any  # bm25s.BM25, or None for an empty index
    meta: list[dict[str, Any]]
    sources: np.ndarray  # lower-cased outlet per chunk
    days: np.ndarray  # YYYYMMDD per chunk (0 = unknown)
    row_of: dict[str, int] = field(default_factory=dict)  # chunk id -> row
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def cached(self, key: Any, make: Any, *args: Any) -> Any:
        """`make(*args)`, remembered under `key` for the life of this index generation (bounded)."""
        got = self._cache.get(key)
        if got is None:
            if len(self._cache) > 200_000:  # a long-running server on a huge corpus: start over
                self._cache.clear()
            got = self._cache[key] = make(*args)
        return got

    def title_terms(self, row: int) -> frozenset[str]:
        """Content words of the chunk's headline."""
        return self.cached(("title", row), lambda: frozenset(terms(self.meta[row]["title"] or "")))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no query term is indexed)."""
        q = [t for t in terms(query) if t in self.model.vocab_dict] if self.model is not None else []
        if not q:
            return np.zeros(len(self.meta), dtype=np.float32)
        return np.asarray(self.model.get_scores(q), dtype=np.float32)

    def df(self, term: str) -> int:
        """Number of chunks containing `term` (for IDF weights elsewhere)."""
        if self.model is None or term not in self.model.vocab_dict:
            return 0
        tid = self.model.vocab_dict[term]
        ptr = self.model.scores["indptr"]
        return int(ptr[tid + 1] - ptr[tid])


def load(store: "Store") -> KeywordIndex:
    """The current keyword index of `store`: from memory, from disk, or rebuilt if missing/stale."""
    home = Path(store.home)
    key = str(home.resolve())
    with _lock, closing(_db(home)) as db:
        cached = _loaded.get(key)
        if cached is not None and cached.generation == _generation(db):
            return cached  # every write bumps the generation; checking Chroma per question costs ~5 ms
        n_rows = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        if n_rows != store.chunk_count():  # missing or out of step with Chroma: re-derive from it
            with db:
                _rebuild_rows_from_chroma(store, db)
        gen = _generation(db)
        if cached is not None and cached.generation == gen:
            return cached
        idx = _read_saved(home / "keyword", gen, db) or _build(home / "keyword", gen, db)
        _loaded[key] = idx
        return idx


def _generation(db: sqlite3.Connection) -> int:
    return int((db.execute("SELECT value FROM info WHERE key = 'generation'").fetchone() or ["0"])[0])


def check(store: "Store") -> list[str]:
    """For `rag status`: a line if the keyword rows and Chroma disagree (the next query rebuilds them)."""
    with closing(_db(Path(store.home))) as db:
        n_rows = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    n_chunks = store.chunk_count()
    if n_rows == n_chunks:
        return []
    return [f"keyword index holds {n_rows} chunks, Chroma {n_chunks} (rebuilt from Chroma on the next question)"]


def current(home: Path) -> KeywordIndex | None:
    """The keyword index last loaded for `home` in this process (no freshness check), if any."""
    return _loaded.get(str(Path(home).resolve()))


def _meta_rows(db: sqlite3.Connection) -> tuple[list[dict[str, Any]], list[list[str]]]:
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    rows = db.execute(f"SELECT {cols}, terms FROM chunks ORDER BY chunk_id").fetchall()
    return [dict(zip(_COLUMNS, r[:-1])) for r in rows], [r[-1].split() for r in rows]


def _finish(gen: int, model: Any, meta: list[dict[str, Any]]) -> KeywordIndex:
    sources = np.array([(m["source"] or "").lower() for m in meta], dtype=object)
    days = np.array([int(m["published_day"] or 0) for m in meta], dtype=np.int64)
    return KeywordIndex(gen, model, meta, sources, days, {m["chunk_id"]: i for i, m in enumerate(meta)})


def _build(folder: Path, gen: int, db: sqlite3.Connection) -> KeywordIndex:
    import bm25s

    meta, docs = _meta_rows(db)
    model = None
    if meta:
        model = bm25s.BM25(k1=K1, b=B)
        # A document without terms would break bm25s; "" is its reserved empty token.
        model.index([d or [""] for d in docs], show_progress=False)
        folder.mkdir(parents=True, exist_ok=True)
        model.save(str(folder), show_progress=False)
        (folder / "generation.json").write_text(json.dumps({"generation": gen, "chunks": len(meta), "k1": K1, "b": B}))
    return _finish(gen, model, meta)


def _read_saved(folder: Path, gen: int, db: sqlite3.Connection) -> KeywordIndex | None:
    """The BM25 matrix saved by an earlier process, if it was built from the current rows."""
    import bm25s

    marker = folder / "generation.json"
    try:
        saved = json.loads(marker.read_text())
        if (saved["generation"], saved.get("k1"), saved.get("b")) != (gen, K1, B):
            return None
        model = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
    except (OSError, ValueError, KeyError):
        return None
    meta, _ = _meta_rows(db)
    if model.scores["num_docs"] != len(meta):
        return None
    return _finish(gen, model, meta)


