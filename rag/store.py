"""Where the index lives: chunk vectors in Chroma (embedded or server), article bodies in SQLite."""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from rag.config import Config
from rag.errors import ChromaUnavailable, RagError
from rag.types import Article, Chunk

if TYPE_CHECKING:
    from llama_index.vector_stores.chroma import ChromaVectorStore

PENDING = "pending"  # content_hash of a row whose chunks are being rewritten

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


def connection_lost(exc: BaseException) -> bool:
    """True for what chromadb's HttpClient raises when its server is down or drops a request (httpx errors)."""
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx comes with chromadb
        return False
    return isinstance(exc, (httpx.TransportError, ConnectionError)) and not isinstance(exc, ChromaUnavailable)


def unreachable(url: str, exc: BaseException) -> ChromaUnavailable:
    """The one-line error for a Chroma server that is down (the next request tries again)."""
    return ChromaUnavailable(f"cannot reach the Chroma server at {url}: {exc}")


@contextmanager
def reachable(url: str | None) -> Iterator[None]:
    """Turn a lost Chroma server connection into one `ChromaUnavailable` line instead of an httpx traceback.

    Nothing is cached across the failure: HTTP is stateless, so the same client (and `Index`) works
    again as soon as the server is back on the same address.
    """
    try:
        yield
    except Exception as exc:
        if url and connection_lost(exc):
            raise unreachable(url, exc) from exc
        raise


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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
            if url:
                raise unreachable(url, exc) from exc
            raise RagError(f"cannot open the Chroma index at {self.home / 'chroma'}: {exc}") from exc

    @cached_property
    def collection(self) -> Any:
        try:
            return self.client.get_or_create_collection(
                self.config.collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except RagError:
            raise
        except Exception as exc:
            if self.config.chroma_url and connection_lost(exc):
                raise unreachable(self.config.chroma_url, exc) from exc
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

    def paths(self) -> dict[str, str | None]:
        """article_id → the file it was read from (what `rag index --prune` checks)."""
        with self._lock, closing(self._db.execute("SELECT article_id, path FROM articles")) as cur:
            return dict(cur.fetchall())

    def set_paths(self, paths: dict[str, str]) -> None:
        """Record that unchanged articles now come from other files."""
        if paths:
            with self._lock, self._db:
                self._db.executemany("UPDATE articles SET path = ? WHERE article_id = ?", [(p, a) for a, p in paths.items()])

    # --- writing ----------------------------------------------------------------------------------
    # Crash safety: a row is first marked PENDING, then Chroma is changed, then the row is committed
    # with its real hash. A crash at any point leaves a row whose hash matches no content, so the next
    # `rag index` redoes that article (delete-by-article then add: no duplicates, nothing missing).
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
        ids = [a.article_id for a, *_ in items]
        if not ids:
            return
        now = _now()
        with self._lock, self._db:
            # New articles get a PENDING row (so prune can find their chunks after a crash);
            # existing ones keep their body until the commit below, only the hash is voided.
            self._db.executemany(
                "INSERT OR IGNORE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(a.article_id, a.title, a.source, a.published, a.url, a.byline, a.path, a.body, PENDING, 0, now)
                 for a, *_ in items],
            )
            self._db.executemany("UPDATE articles SET content_hash = ? WHERE article_id = ?", [(PENDING, i) for i in ids])
        # Old chunks of a changed article have other ids: drop them before adding the new ones.
        self._delete_chunks(ids)
        if nodes:
            self.vector_store.add(nodes)
        # Keyword index: the same chunks' BM25 terms, written together with Chroma and before the commit
        # below, so a crash in between leaves the article PENDING and the next run redoes both.
        from rag.keyword import record_chunks

        record_chunks(self, items)
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (a.article_id, a.title, a.source, a.published, a.url, a.byline, a.path, a.body, h, len(c), now)
                    for a, h, c, _ in items
                ],
            )

    def delete_articles(self, ids: list[str]) -> None:
        """Remove these articles everywhere (chunks first, then rows, so a crash leaves them prunable)."""
        if not ids:
            return
        self._delete_chunks(ids)
        from rag.keyword import forget_articles

        forget_articles(self, ids)
        with self._lock, self._db:
            self._db.executemany("DELETE FROM articles WHERE article_id = ?", [(i,) for i in ids])

    def _delete_chunks(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 500):
            self.collection.delete(where={"document_id": {"$in": ids[i : i + 500]}})

    # --- health -----------------------------------------------------------------------------------
    def chunk_article_ids(self) -> dict[str, int]:
        """article_id → number of chunks Chroma holds for it (read page by page)."""
        counts: dict[str, int] = {}
        total, page = self.chunk_count(), 5000
        for offset in range(0, total, page):
            got = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            for m in got["metadatas"] or []:
                aid = (m or {}).get("article_id", "?")
                counts[aid] = counts.get(aid, 0) + 1
        return counts

    def check(self) -> list[str]:
        """Every disagreement between SQLite and Chroma, as one line each (empty when consistent)."""
        with self._lock, closing(self._db.execute("SELECT article_id, n_chunks, content_hash FROM articles")) as cur:
            rows = cur.fetchall()
        in_chroma = self.chunk_article_ids()
        problems: list[str] = []
        pending = [r[0] for r in rows if r[2] == PENDING]
        if pending:
            problems.append(f"{len(pending)} article(s) interrupted mid-write (re-run `rag index`): {', '.join(pending[:5])}")
        wrong = [r[0] for r in rows if r[2] != PENDING and in_chroma.get(r[0], 0) != r[1]]
        if wrong:
            problems.append(f"{len(wrong)} article(s) whose chunk count in Chroma differs from SQLite: {', '.join(wrong[:5])}")
        known = {r[0] for r in rows}
        orphans = [a for a in in_chroma if a not in known]
        if orphans:
            problems.append(f"{len(orphans)} article id(s) have chunks in Chroma but no SQLite row: {', '.join(orphans[:5])}")
        return problems + self._keyword_problems()

    def _keyword_problems(self) -> list[str]:
        """Hook for the keyword index: `rag.keyword.check(store) -> list[str]`, if that module offers it."""
        try:
            from rag import keyword  # type: ignore[attr-defined]
        except ImportError:
            return []
        check = getattr(keyword, "check", None)
        return list(check(self)) if callable(check) else []

    def disk_bytes(self) -> int | None:
        """Bytes under `home` (Chroma + SQLite), or None when the vectors live on a server."""
        if self.config.chroma_url:
            return sum(f.stat().st_size for f in self.home.glob("articles.sqlite*"))
        return sum(f.stat().st_size for f in self.home.rglob("*") if f.is_file())

    def set_info(self, key: str, value: Any) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, json.dumps(value)))

    def info(self, key: str, default: Any = None) -> Any:
        with self._lock, closing(self._db.execute("SELECT value FROM info WHERE key = ?", (key,))) as cur:
            row = cur.fetchone()
        return json.loads(row[0]) if row else default
