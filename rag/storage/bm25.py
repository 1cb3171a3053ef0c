"""Keyword search: BM25 over the same chunks as Chroma, kept under RAG_HOME.

The store writes each chunk's terms here through `KeywordRows` (one SQLite file, `keyword.sqlite`). Each
write also adds a small immutable segment of term counts under `keyword/segments/` (`rag.storage.segment`),
listed in the same transaction (`rag.storage.segments`); a reader that has generation g loads only the
segments added since, and BM25's collection statistics are taken over all live segments at query time
(`rag.storage.kwview`), so scores equal a full rebuild's. If the rows are missing, disagree with Chroma (an
index built before keyword search existed, a crash between the two writes) or were written in an older
format, they are rebuilt from the chunks stored in Chroma, so both stay consistent.

Two collections: whole chunks (headline and outlet included), and the chunks' single sentences. A
question's clause paraphrases one sentence of its evidence, and a chunk's best sentence tells which chunk
of an article holds it (`sentence_scores`).
"""
from __future__ import annotations

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
from rag.storage import segment, segments
from rag.storage.kwview import Meta, RowOf, View
from rag.storage.segment import NONE

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
        """Replace these articles' chunks in the keyword rows (same ids as Chroma), plus one new segment."""
        rows = [_row(c.chunk_id, c.text, chunk_metadata(c, a) | {"chunk_id": c.chunk_id})
                for a, _, chunks, _ in items for c in chunks]
        ids = [a.article_id for a, *_ in items]
        with closing(_db(self.home)) as db, db:
            db.execute("BEGIN IMMEDIATE")  # the old chunk ids read below are the ones this write replaces
            gone = _chunk_ids(db, ids)
            db.executemany("DELETE FROM chunks WHERE article_id = ?", [(a,) for a in ids])
            db.executemany(f"INSERT OR REPLACE INTO chunks VALUES ({','.join('?' * 11)})", rows)
            _bump(db)
            segments.append(db, self.home, _generation(db), rows, gone + [r[0] for r in rows])

    def forget(self, article_ids: list[str]) -> None:
        """Drop these articles' keyword rows (a segment of tombstones)."""
        with closing(_db(self.home)) as db, db:
            db.execute("BEGIN IMMEDIATE")
            gone = _chunk_ids(db, article_ids)
            db.executemany("DELETE FROM chunks WHERE article_id = ?", [(a,) for a in article_ids])
            _bump(db)
            segments.append(db, self.home, _generation(db), [], gone)

    def problems(self, n_chunks: int) -> list[str]:
        """For `rag status`: a line if the keyword rows and Chroma disagree (the next query rebuilds them)."""
        with closing(_db(self.home)) as db:
            n_rows = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        if n_rows == n_chunks:
            return []
        return [f"keyword index holds {n_rows} chunks, Chroma {n_chunks} (rebuilt from Chroma on the next question)"]


def _chunk_ids(db: sqlite3.Connection, article_ids: list[str]) -> list[str]:
    out: list[str] = []
    for i in range(0, len(article_ids), 500):
        part = article_ids[i : i + 500]
        out += [r[0] for r in db.execute(
            f"SELECT chunk_id FROM chunks WHERE article_id IN ({','.join('?' * len(part))})", part)]
    return out


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


class Sources:
    """Each chunk's lower-cased outlet, held as an integer code per chunk plus the sorted names.

    Indexing gives names, as the object array it replaces did (`sources[rows]`, `sources[i]`); `codes` lets a
    mask over a million chunks compare integers. Made from the segments' own codes in a few integer passes:
    after a write it costs milliseconds, where `np.unique` over a million strings cost seconds.
    """

    def __init__(self, codes: np.ndarray, names: np.ndarray) -> None:
        self.codes, self.names = codes, names
        self.code_of = {str(n): i for i, n in enumerate(names)}

    @classmethod
    def of(cls, values: Any) -> Sources:
        """From one name per chunk (tests, small indexes)."""
        names, codes = np.unique(np.asarray(values, dtype=str), return_inverse=True)
        return cls(codes.astype(np.int32), names.astype(object))

    def __getitem__(self, rows: Any) -> Any:
        return self.names[self.codes[rows]]

    def __len__(self) -> int:
        return len(self.codes)


@dataclass
class KeywordIndex:
    """One generation of the keyword index: BM25 over its segments plus per-chunk metadata (row i ↔ the i-th
    live chunk in chunk-id order, as a full rebuild would number them)."""

    generation: int
    view: View | None  # None for an empty index
    meta: Any  # Sequence of metadata dicts (kwview.Meta: built on access)
    sources: Sources  # lower-cased outlet per chunk
    days: np.ndarray  # YYYYMMDD per chunk (0 = unknown)
    row_of: Any = field(default_factory=dict)  # chunk id -> row (kwview.RowOf: binary search)
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
        if self.view is None:
            return np.zeros(len(self.meta), dtype=np.float32)
        return self.view.scores(terms(query))

    def sentence_scores(self, query: str) -> np.ndarray:
        """Per chunk, the BM25 score of its best-matching sentence for `query`."""
        if self.view is None:
            return np.zeros(len(self.meta), dtype=np.float32)
        return self.view.sentence_scores(terms(query))

    def sentence_scores_at(self, query: str, rows: np.ndarray) -> np.ndarray:
        """`sentence_scores(query)[rows]`, computed from these rows' postings only."""
        if self.view is None:
            return np.zeros(len(rows), dtype=np.float32)
        return self.view.sentence_scores_at(terms(query), rows)

    def df(self, term: str) -> int:
        """Number of chunks containing `term` (for IDF weights elsewhere)."""
        if self.view is None:
            return 0
        return int(self.cached(("df", term), self.view.df, term))

    def source_names(self) -> list[str]:
        """The outlets of the indexed chunks, as written (what `{m["source"] for m in meta}` gives, faster)."""
        view = self.view
        if view is None:
            return []
        return self.cached(("source_names",), lambda: sorted({
            s.source_names[c] for s, m in zip(view.segs, view.masks)
            for c in np.unique(np.asarray(s.source_codes)[m]) if s.source_names[c]}))

    @property
    def sentence_model(self) -> View | None:
        """Non-None when sentences are indexed (kept for callers of the bm25s-era attribute)."""
        return self.view if self.view is not None and self.view.n_sent else None

    @property
    def sentence_chunk(self) -> np.ndarray:
        """The row of each indexed sentence (bm25s-era attribute; built on access)."""
        return self.view.sentence_rows() if self.view is not None else np.zeros(0, dtype=np.int64)


def load(store: ChunkSource) -> KeywordIndex:
    """The current keyword index of `store`: from memory (plus any new segments), from disk, or rebuilt."""
    home = Path(store.home)
    key = str(home.resolve())
    with _lock, closing(_db(home)) as db:
        cached = _loaded.get(key)
        gen, manifest = segments.read_manifest(db)
        if cached is not None and cached.generation == gen:
            return cached  # every write bumps the generation; checking Chroma per question costs ~5 ms
        n_rows = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        if n_rows != store.chunk_count() or _format(db) != FORMAT:  # missing, out of step, or old: re-derive
            with db:
                _rebuild_rows(store, db)
                segments.rebuild(db, home, _generation(db))
        for attempt in range(3):
            gen, manifest = segments.read_manifest(db)
            if manifest is None or manifest["generation"] != gen or attempt:
                _rebuild_segments(db, home)  # from before segments, or files lost: re-checked under the lock
                gen, manifest = segments.read_manifest(db)
            assert manifest is not None
            try:
                idx = _open(home, gen, manifest["names"], cached)
                break
            except FileNotFoundError:  # merged away and cleaned while we read the list: read it again
                if attempt == 2:
                    raise
        _loaded[key] = idx
        return idx


def forget_loaded(home: Path) -> None:
    """Drop the in-memory index of `home` (its files were deleted: generations start again from 0)."""
    with _lock:
        _loaded.pop(str(Path(home).resolve()), None)


def _rebuild_segments(db: sqlite3.Connection, home: Path) -> None:
    db.execute("BEGIN IMMEDIATE")  # one rebuild at a time; re-check under the lock
    try:
        gen, manifest = segments.read_manifest(db)
        if manifest is None or manifest["generation"] != gen or not all(
                (segments.folder(home) / n).is_dir() for n in manifest["names"]):
            segments.rebuild(db, home, gen)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _generation(db: sqlite3.Connection) -> int:
    return int((db.execute("SELECT value FROM info WHERE key = 'generation'").fetchone() or ["0"])[0])


def _open(home: Path, gen: int, names: list[str], cached: KeywordIndex | None) -> KeywordIndex:
    """The index of these segments; those `cached` already has are reused, only new ones are read."""
    prev = cached.view if cached is not None else None
    have = {s.name: s for s in prev.segs} if prev is not None else {}
    segs = [have.get(n) or segment.load(segments.folder(home), n) for n in names]
    view = View.advance(prev, segs)
    if not view.n:
        return KeywordIndex(gen, None, Meta(None), Sources.of([]), np.zeros(0, dtype=np.int64), RowOf(None))
    # A segment codes outlets by its own name list (its last code + 1 = none): map each list to global codes.
    lower = [[(n or "").lower() for n in s.source_names] + [""] for s in segs]
    outlets = np.array(sorted({n for lw in lower for n in lw}), dtype=object)
    code_of = {n: i for i, n in enumerate(outlets)}
    codes = np.concatenate([np.array([code_of[n] for n in lw], dtype=np.int32)[np.asarray(s.source_codes)]
                            for lw, s in zip(lower, segs)])[view.order]
    sources = Sources(codes, outlets)
    day = np.concatenate([np.asarray(s.nums)[:, 3] for s in segs])[view.order]
    days = np.where(day == NONE, 0, day).astype(np.int64)
    return KeywordIndex(gen, view, Meta(view), sources, days, RowOf(view))
