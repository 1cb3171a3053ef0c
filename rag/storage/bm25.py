"""Keyword search: a BM25 index (bm25s) over the same chunks as Chroma, kept under RAG_HOME.

The store writes each chunk's terms here through `KeywordRows` (one SQLite file, `keyword.sqlite`); the BM25
matrices are derived from those rows, saved under `keyword/` and rebuilt whenever the rows changed. If the
rows are missing, disagree with Chroma (an index built before keyword search existed, a crash between
the two writes) or were written in an older format, they are rebuilt from the chunks stored in Chroma,
so both stay consistent.

Two BM25 matrices: one over whole chunks (headline and outlet included), one over the chunks' single
sentences. A question's clause paraphrases one sentence of its evidence, and a chunk's best sentence
tells which chunk of an article holds it (`sentence_scores`).
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.core.records import Article, Chunk, chunk_metadata
from rag.core.terms import terms
from rag.core.text import sentence_spans
from rag.core.tuning import TUNING

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, article_id TEXT NOT NULL, position INTEGER, start INTEGER, "end" INTEGER,
    title TEXT, source TEXT, published TEXT, published_day INTEGER, url TEXT, terms TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
K1, B = TUNING.bm25.k1, TUNING.bm25.b
# Row format 2: "headline+outlet terms | sentence 1 terms | sentence 2 terms ...". Format 1 had no "|"
# and is rebuilt from Chroma on load.
FORMAT = 2
SEP = "|"
_COLUMNS = ("chunk_id", "article_id", "position", "start", "end", "title", "source", "published", "published_day", "url")
_lock = threading.Lock()
_loaded: dict[str, KeywordIndex] = {}
Batch = list[tuple[Article, str, list[Chunk], Any]]  # (article, content hash, chunks, vectors), as the store writes


class ChunkSource(Protocol):
    """Where the chunks of record live (Chroma): what a missing or stale set of keyword rows is rebuilt from."""

    home: Path

    def chunk_count(self) -> int: ...

    def chunk_pages(self, page: int) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]: ...


def _db(home: Path) -> sqlite3.Connection:
    home.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(home / "keyword.sqlite", check_same_thread=False, timeout=30)
    db.executescript(_SCHEMA)
    if db.execute("SELECT 1 FROM info WHERE key = 'format'").fetchone() is None:
        # A new file starts in the current format; rows without a format key predate it.
        empty = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 0
        with db:
            db.execute("INSERT OR IGNORE INTO info VALUES ('format', ?)", (str(FORMAT if empty else 1),))
    return db


def _format(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT value FROM info WHERE key = 'format'").fetchone()[0])


def _bump(db: sqlite3.Connection) -> None:
    (gen,) = db.execute("SELECT COALESCE(MAX(CAST(value AS INTEGER)), 0) FROM info WHERE key = 'generation'").fetchone()
    db.execute("INSERT OR REPLACE INTO info VALUES ('generation', ?)", (str(gen + 1),))


def _row(chunk_id: str, text: str, meta: dict[str, Any]) -> tuple:
    # The headline and outlet go into every chunk's terms: questions name them ("as reported by The Verge").
    # Each sentence's terms follow as their own group, for the sentence matrix.
    groups = [terms(f"{meta.get('title', '')} {meta.get('source', '')}")]
    groups += [terms(text[s:e]) for s, e in sentence_spans(text)]
    return (chunk_id, *(meta.get(c) for c in _COLUMNS[1:]), f" {SEP} ".join(" ".join(g) for g in groups))


class KeywordRows:
    """The keyword side of a store write: each chunk's terms, replaced and removed together with Chroma's."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)

    def write(self, items: Batch) -> None:
        """Replace these articles' chunks in the keyword rows (same ids as Chroma)."""
        rows = [_row(c.chunk_id, c.text, chunk_metadata(c, a) | {"chunk_id": c.chunk_id})
                for a, _, chunks, _ in items for c in chunks]
        with closing(_db(self.home)) as db, db:
            db.executemany("DELETE FROM chunks WHERE article_id = ?", [(a.article_id,) for a, *_ in items])
            db.executemany(f"INSERT OR REPLACE INTO chunks VALUES ({','.join('?' * 11)})", rows)
            _bump(db)

    def forget(self, article_ids: list[str]) -> None:
        """Drop these articles' keyword rows."""
        with closing(_db(self.home)) as db, db:
            db.executemany("DELETE FROM chunks WHERE article_id = ?", [(a,) for a in article_ids])
            _bump(db)

    def problems(self, n_chunks: int) -> list[str]:
        """For `rag status`: a line if the keyword rows and Chroma disagree (the next query rebuilds them)."""
        with closing(_db(self.home)) as db:
            n_rows = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        if n_rows == n_chunks:
            return []
        return [f"keyword index holds {n_rows} chunks, Chroma {n_chunks} (rebuilt from Chroma on the next question)"]


def _rebuild_rows(source: ChunkSource, db: sqlite3.Connection) -> None:
    """Re-derive every keyword row from the chunks of record (Chroma, the source of truth)."""
    db.execute("DELETE FROM chunks")
    db.execute("INSERT OR REPLACE INTO info VALUES ('format', ?)", (str(FORMAT),))
    for ids, documents, metadatas in source.chunk_pages(2000):
        db.executemany(
            f"INSERT OR REPLACE INTO chunks VALUES ({','.join('?' * 11)})",
            [_row(i, d or "", m or {}) for i, d, m in zip(ids, documents, metadatas)],
        )
    _bump(db)


@dataclass
class KeywordIndex:
    """The loaded BM25 model plus per-chunk metadata arrays (row i of each ↔ BM25 document i)."""

    generation: int
    model: Any  # bm25s.BM25 over chunks, or None for an empty index
    meta: list[dict[str, Any]]
    sources: np.ndarray  # lower-cased outlet per chunk
    days: np.ndarray  # YYYYMMDD per chunk (0 = unknown)
    sentence_model: Any = None  # bm25s.BM25 over single sentences
    sentence_chunk: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # sentence -> row
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
        return _bm25(self.model, query, len(self.meta))

    def sentence_scores(self, query: str) -> np.ndarray:
        """Per chunk, the BM25 score of its best-matching sentence for `query`."""
        best = np.zeros(len(self.meta), dtype=np.float32)
        if self.sentence_model is not None:
            np.maximum.at(best, self.sentence_chunk, _bm25(self.sentence_model, query, len(self.sentence_chunk)))
        return best

    def df(self, term: str) -> int:
        """Number of chunks containing `term` (for IDF weights elsewhere)."""
        if self.model is None or term not in self.model.vocab_dict:
            return 0
        tid = self.model.vocab_dict[term]
        ptr = self.model.scores["indptr"]
        return int(ptr[tid + 1] - ptr[tid])


def _bm25(model: Any, query: str, n: int) -> np.ndarray:
    q = [t for t in terms(query) if t in model.vocab_dict] if model is not None else []
    if not q:
        return np.zeros(n, dtype=np.float32)
    return np.asarray(model.get_scores(q), dtype=np.float32)


def load(store: ChunkSource) -> KeywordIndex:
    """The current keyword index of `store`: from memory, from disk, or rebuilt if missing/stale."""
    home = Path(store.home)
    key = str(home.resolve())
    with _lock, closing(_db(home)) as db:
        cached = _loaded.get(key)
        if cached is not None and cached.generation == _generation(db):
            return cached  # every write bumps the generation; checking Chroma per question costs ~5 ms
        n_rows = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        if n_rows != store.chunk_count() or _format(db) != FORMAT:  # missing, out of step, or old: re-derive
            with db:
                _rebuild_rows(store, db)
        gen = _generation(db)
        if cached is not None and cached.generation == gen:
            return cached
        idx = _read_saved(home / "keyword", gen, db) or _build(home / "keyword", gen, db)
        _loaded[key] = idx
        return idx


def forget_loaded(home: Path) -> None:
    """Drop the in-memory index of `home` (its files were deleted: generations start again from 0)."""
    with _lock:
        _loaded.pop(str(Path(home).resolve()), None)


def _generation(db: sqlite3.Connection) -> int:
    return int((db.execute("SELECT value FROM info WHERE key = 'generation'").fetchone() or ["0"])[0])


def _meta_rows(db: sqlite3.Connection) -> tuple[list[dict[str, Any]], list[list[list[str]]]]:
    """Chunk metadata and, per chunk, its term groups (headline+outlet, then one per sentence)."""
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    rows = db.execute(f"SELECT {cols}, terms FROM chunks ORDER BY chunk_id").fetchall()
    return [dict(zip(_COLUMNS, r[:-1])) for r in rows], [[g.split() for g in r[-1].split(SEP)] for r in rows]


def _finish(gen: int, model: Any, meta: list[dict[str, Any]], sentence_model: Any = None,
            sentence_chunk: np.ndarray | None = None) -> KeywordIndex:
    sources = np.array([(m["source"] or "").lower() for m in meta], dtype=object)
    days = np.array([int(m["published_day"] or 0) for m in meta], dtype=np.int64)
    return KeywordIndex(gen, model, meta, sources, days, sentence_model,
                        np.zeros(0, dtype=np.int64) if sentence_chunk is None else sentence_chunk,
                        {m["chunk_id"]: i for i, m in enumerate(meta)})


def _build(folder: Path, gen: int, db: sqlite3.Connection) -> KeywordIndex:
    import bm25s

    meta, groups = _meta_rows(db)
    if not meta:
        return _finish(gen, None, meta)
    # A document without terms would break bm25s; "" is its reserved empty token.
    model = bm25s.BM25(k1=K1, b=B)
    model.index([[t for g in gs for t in g] or [""] for gs in groups], show_progress=False)
    sentence_chunk = np.array([row for row, gs in enumerate(groups) for _ in gs[1:]], dtype=np.int64)
    sentence_model = None
    if len(sentence_chunk):
        sentence_model = bm25s.BM25(k1=K1, b=B)
        sentence_model.index([g or [""] for gs in groups for g in gs[1:]], show_progress=False)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(str(folder), show_progress=False)
    if sentence_model is not None:
        sentence_model.save(str(folder / "sentences"), show_progress=False)
        np.save(folder / "sentences" / "chunk_rows.npy", sentence_chunk)
    (folder / "generation.json").write_text(json.dumps(
        {"generation": gen, "chunks": len(meta), "sentences": len(sentence_chunk), "k1": K1, "b": B, "format": FORMAT}))
    return _finish(gen, model, meta, sentence_model, sentence_chunk)


def _read_saved(folder: Path, gen: int, db: sqlite3.Connection) -> KeywordIndex | None:
    """The BM25 matrix saved by an earlier process, if it was built from the current rows."""
    import bm25s

    marker = folder / "generation.json"
    try:
        saved = json.loads(marker.read_text())
        if (saved["generation"], saved.get("k1"), saved.get("b"), saved.get("format")) != (gen, K1, B, FORMAT):
            return None
        model = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        sentence_model, sentence_chunk = None, None
        if saved.get("sentences"):
            sentence_model = bm25s.BM25.load(str(folder / "sentences"), show_progress=False, verbosity=0)
            sentence_chunk = np.load(folder / "sentences" / "chunk_rows.npy")
    except (OSError, ValueError, KeyError):
        return None
    meta, _ = _meta_rows(db)
    if model.scores["num_docs"] != len(meta) or (sentence_chunk is not None and sentence_chunk.max() >= len(meta)):
        return None
    return _finish(gen, model, meta, sentence_model, sentence_chunk)


