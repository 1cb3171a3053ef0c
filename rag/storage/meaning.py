"""Sentence vectors made at index time and stored by content, so a question does not embed the sentences it weighs.

The extractive engine scores candidate sentences by meaning (MiniLM cosine with each part's claim,
rag/engines/extractive/parts.py). Encoding ~8 sentences per part at question time was about half of a
multi-part answer's time (docs/speed.md, "Sentence meaning"). The indexer now encodes every sentence of every
chunk once, with the same int8 encoder, one text per run, and stores it as float16 under a hash of its text
(a sentence repeated across articles — wire copy — is encoded once). A question looks its sentences up and
encodes only the misses, rounded the same way, so an answer does not depend on where a vector came from.
"""
from __future__ import annotations

import hashlib
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.core.text import sentence_spans
from rag.storage.bm25 import Batch

FILE = "meaning.sqlite"
PRECISION = "onnx-int8"  # what parts.meaning encodes with; vectors of another encoder are not mixed in
MIN_CHARS = 25  # shorter "sentences" (datelines, captions) are never weighed by meaning (parts.rank)
Encoder = Callable[[list[str]], np.ndarray]


def key(text: str) -> bytes:
    """The stored key of a sentence: a hash of its stripped text (what the encoder sees)."""
    return hashlib.blake2b(text.strip().encode("utf-8"), digest_size=16).digest()


def rounded(vector: np.ndarray) -> np.ndarray:
    """A vector as it is stored (float16), back in float32: stored and fresh vectors compare exactly."""
    return np.asarray(vector, dtype=np.float16).astype(np.float32)


@lru_cache(maxsize=4096)  # `prepare` (the encoding thread) and `_save` (the writer) split the same chunks
def sentences_of(chunk_text: str) -> tuple[str, ...]:
    """The sentences of a chunk that the engine may weigh by meaning (as evidence.candidates splits them)."""
    return tuple(s for s in (chunk_text[a:b] for a, b in sentence_spans(chunk_text)) if len(s) > MIN_CHARS)


def int8_encode(texts: list[str]) -> np.ndarray:
    """The engine's sentence encoder: int8 ONNX MiniLM, one text per run (a batch-mate would move a vector)."""
    from rag.core import parallel
    from rag.storage.embedder import encode

    ordered = sorted(texts, key=len)  # dealt alternately to two threads: halves of similar cost
    vectors = dict(zip(ordered, parallel.map_split(lambda part: encode(part, 1, PRECISION), ordered, least=2)))
    return np.asarray([vectors[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)


class SentenceVectors:
    """<home>/meaning.sqlite: float16 MiniLM vectors of chunk sentences by content hash (a ChunkIndex:
    written and pruned with the chunks)."""

    def __init__(self, home: Path, encode: Encoder | None = None) -> None:
        self.path = Path(home) / FILE
        self._encode = encode or int8_encode
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._prepared: dict[bytes, np.ndarray] = {}
        self._off: str | None = None  # why nothing is written (the int8 model could not be made here)

    def _db(self, create: bool) -> sqlite3.Connection | None:
        if self._conn is None and (create or self.path.exists()):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=60)
            conn.execute("PRAGMA journal_mode=WAL")  # readers (servers) never wait for the indexer
            conn.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, article_id TEXT, vec BLOB)"
                         " WITHOUT ROWID")
            conn.execute("CREATE INDEX IF NOT EXISTS vectors_article ON vectors(article_id)")
            conn.execute("CREATE TABLE IF NOT EXISTS covered (article_id TEXT PRIMARY KEY)")
            conn.commit()
            self._conn = conn
        return self._conn

    # --- reading ------------------------------------------------------------------------------------
    def lookup(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these texts (float32 from float16); texts not stored are left out."""
        by_key = {key(t): t for t in texts}
        with self._lock:
            db = self._db(create=False)
            if db is None or not by_key:
                return {}
            keys = list(by_key)
            rows = [r for i in range(0, len(keys), 500) for r in db.execute(
                f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(keys[i:i + 500]))})", keys[i:i + 500])]
        return {by_key[k]: np.frombuffer(v, dtype=np.float16).astype(np.float32) for k, v in rows}

    def count(self) -> int:
        """How many sentence vectors are stored."""
        with self._lock:
            db = self._db(create=False)
            return db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] if db is not None else 0

    def missing(self, article_ids: Iterable[str]) -> list[str]:
        """The articles whose sentences were never stored (indexed before this existed, or skipped)."""
        ids = list(article_ids)
        with self._lock:
            db = self._db(create=True)
            assert db is not None
            have = {r[0] for r in db.execute("SELECT article_id FROM covered")}
        return [a for a in ids if a not in have]

    # --- writing ------------------------------------------------------------------------------------
    def prepare(self, chunk_texts: Iterable[str]) -> int:
        """Encode the chunks' sentences not stored yet, ahead of `write` (the indexer calls this on its
        encoding thread); returns how many were encoded."""
        if self._off:
            return 0
        todo = {key(s): s for text in chunk_texts for s in sentences_of(text)}
        todo = {k: s for k, s in todo.items() if k not in self._prepared}
        stored = self.lookup(todo.values())
        todo = {k: s for k, s in todo.items() if s not in stored}
        if not todo:
            return 0
        try:
            vectors = self._encode(list(todo.values()))
        except (OSError, ImportError) as exc:  # no models folder, or the int8 export failed
            self._off = str(exc)
            print(f"rag: sentence vectors not stored (int8 ONNX model unavailable: {exc}); questions will "
                  "encode sentences themselves", file=sys.stderr)
            return 0
        with self._lock:
            self._prepared.update(zip(todo, (np.asarray(v, dtype=np.float16) for v in vectors)))
        return len(todo)

    def write(self, items: Batch) -> None:
        """Store the sentences of these articles' chunks (encoding any `prepare` did not)."""
        self.prepare(c.text for _, _, chunks, _ in items for c in chunks)
        if not self._off:
            self._save([(a.article_id, c.text) for a, _, chunks, _ in items for c in chunks],
                       [a.article_id for a, *_ in items])

    def forget(self, article_ids: list[str]) -> None:
        """Drop the vectors first stored for these articles (a sentence another article shares is then
        encoded again when asked about: correct, only slower)."""
        with self._lock:
            db = self._db(create=False)
            if db is None:
                return
            with db:
                for i in range(0, len(article_ids), 500):
                    ids = article_ids[i : i + 500]
                    marks = ",".join("?" * len(ids))
                    db.execute(f"DELETE FROM vectors WHERE article_id IN ({marks})", ids)
                    db.execute(f"DELETE FROM covered WHERE article_id IN ({marks})", ids)

    def problems(self, n_chunks: int) -> list[str]:
        """Nothing here can be inconsistent with the chunks: a missing vector is encoded when needed."""
        return []

    def put_texts(self, texts: list[str], covering: Iterable[str] = ()) -> int:
        """Store vectors for bare sentences, owned by no article, and count the `covering` articles as done
        (benchmarks/scale_build.py: its synthetic articles are made of a fixed pool of corpus sentences);
        returns how many vectors were new."""
        n = self.prepare(texts)
        self._save([(None, t) for t in texts], covering)
        return n

    def _save(self, owned: list[tuple[str | None, str]], covering: Iterable[str]) -> None:
        """Write the prepared vectors of the sentences of these (owner article, chunk text) pairs, and count the
        `covering` articles as done."""
        with self._lock:
            rows = []
            for owner, text in owned:
                for s in sentences_of(text):
                    k = key(s)
                    if k in self._prepared:
                        rows.append((k, owner, self._prepared.pop(k).tobytes()))
            db = self._db(create=True)
            assert db is not None
            with db:
                db.executemany("INSERT OR IGNORE INTO vectors VALUES (?,?,?)", rows)
                db.executemany("INSERT OR IGNORE INTO covered VALUES (?)", [(a,) for a in covering])
