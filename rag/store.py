"""Where the index lives: chunk vectors in Chroma (embedded or server), article bodies in SQLite."""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from rag.config import Config
from rag.errors import RagError
from rag.types import Article, Chunk

if TYPE_CHECKING:
    from llama_index.vector_stores.chroma import ChromaVectorStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT, published TEXT, url TEXT,
    byline TEXT, path TEXT, body TEXT NOT NULL, content_hash TEXT NOT NULL,
    n_chunks INTEGER NOT NULL, indexed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def chunk_metadata(chunk: Chunk, article: Article) -> dict[str, Any]:
    """Flat metadata stored beside each vector (Chroma takes no None values, hence the "")."""
    day = int(article.published.replace("-", "")) if article.published else 0
    return {
        "article_id": article.article_id,
        "title": article.title,
        "source": article.source or "",
        "published": article.published or "",
        "published_day": day,  # YYYYMMDD as an int, so date filters are range queries
        "url": article.url or "",
        "start": chunk.start,
        "end": chunk.end,
        "position": chunk.position,
    }


class Store:
    """One index: a Chroma collection of chunks plus an SQLite table of articles, both under `home`."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config.load()
        self.home = Path(self.config.home)
        self._lock = threading.Lock()

    # --- Chroma -------------------------------------------------------------------------------
    @cached_property
    def client(self) -> Any:
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        url = self.config.chroma_url
        try:
            if url:
                parts = urlparse(url if "://" in url else f"http://{url}")
                return chromadb.HttpClient(
                    host=parts.hostname or "127.0.0.1",
                    port=parts.port or 8000,
                    ssl=parts.scheme == "https",
                    settings=settings,
                )
            self.home.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(self.home / "chroma"), settings=settings)
        except Exception as exc:  # chromadb raises bare Exceptions/ValueErrors for connection problems
            where = url or self.home / "chroma"
            raise RagError(f"cannot open the Chroma index at {where}: {exc}") from exc

    @cached_property
    def collection(self) -> Any:
        try:
            return self.client.get_or_create_collection(
                self.config.collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except Exception as exc:
            raise RagError(f"cannot open Chroma collection {self.config.collection!r}: {exc}") from exc

    @cached_property
    def vector_store(self) -> "ChromaVectorStore":
        """llama-index's view of the collection (used for adding nodes and for retrieval)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def chunk_count(self) -> int:
        return int(self.collection.count())

    # --- SQLite ---------------------------------------------------------------------------------
    @cached_property
    def _db(self) -> sqlite3.Connection:
        self.home.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.home / "articles.sqlite", check_same_thread=False, timeout=30)
        db.executescript(_SCHEMA)
        return db

    def article(self, article_id: str) -> Article | None:
        with self._lock, closing(self._db.execute(
            "SELECT article_id, title, body, source, published, url, byline, path FROM articles WHERE article_id = ?",
            (article_id,),
        )) as cur:
            row = cur.fetchone()
        return Article(*row) if row else None

    def body(self, article_id: str) -> str | None:
        """The cleaned body that every offset of this article points into."""
        with self._lock, closing(self._db.execute("SELECT body FROM articles WHERE article_id = ?", (article_id,))) as cur:
            row = cur.fetchone()
        return row[0] if row else None

    def content_hashes(self) -> dict[str, str]:
        with self._lock, closing(self._db.execute("SELECT article_id, content_hash FROM articles")) as cur:
            return dict(cur.fetchall())

    def article_count(self) -> int:
        with self._lock, closing(self._db.execute("SELECT COUNT(*) FROM articles")) as cur:
            return int(cur.fetchone()[0])

    def last_indexed(self) -> str | None:
        with self._lock, closing(self._db.execute("SELECT MAX(indexed_at) FROM articles")) as cur:
            return cur.fetchone()[0]

    def sources(self) -> list[str]:
        with self._lock, closing(self._db.execute(
            "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL AND source != '' ORDER BY source"
        )) as cur:
            return [r[0] for r in cur.fetchall()]

    # --- writing ----------------------------------------------------------------------------------
    def put(self, items: list[tuple[Article, str, list[Chunk], list[list[float]]]]) -> None:
        """Replace these articles (chunks + vectors + row) in one batch; re-running it is harmless."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes: list[TextNode] = []
        for article, _, chunks, vectors in items:
            for chunk, vector in zip(chunks, vectors, strict=True):
                nodes.append(
                    TextNode(
                        id_=chunk.chunk_id,
                        text=chunk.text,
                        embedding=vector,
                        metadata=chunk_metadata(chunk, article),
                        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article.article_id)},
                    )
                )
        # Old chunks of a changed article have other ids: drop them before adding the new ones.
        ids = [a.article_id for a, *_ in items]
        if ids:
            self.collection.delete(where={"document_id": {"$in": ids}})
        if nodes:
            self.vector_store.add(nodes)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (a.article_id, a.title, a.source, a.published, a.url, a.byline, a.path, a.body, h, len(c), now)
                    for a, h, c, _ in items
                ],
            )
        # Keyword index (issue 3): the same chunks' BM25 terms, written together with Chroma.
        from rag.keyword import record_chunks

        record_chunks(self, items)

    def set_info(self, key: str, value: Any) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, json.dumps(value)))

    def info(self, key: str, default: Any = None) -> Any:
        with self._lock, closing(self._db.execute("SELECT value FROM info WHERE key = ?", (key,))) as cur:
            row = cur.fetchone()
        return json.loads(row[0]) if row else default
