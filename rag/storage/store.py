"""Where the index lives: chunk vectors in Chroma (embedded or server), article bodies in SQLite."""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

from rag.core.config import Config
from rag.core.errors import ChromaUnavailable, RagError
from rag.core.records import Article, chunk_metadata
from rag.storage import bm25, onnx_embed
from rag.storage.backends import models_dir, resolve
from rag.storage.bm25 import Batch, KeywordRows
from rag.storage.catalogue import SHARED_INFO, Catalogue, refresh
from rag.storage.meaning import SentenceVectors

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


class ChunkIndex(Protocol):
    """A second index over the same chunks as Chroma (the keyword index), written and pruned in step with it."""

    def write(self, items: Batch) -> None: ...

    def forget(self, article_ids: list[str]) -> None: ...

    def problems(self, n_chunks: int) -> list[str]: ...


_SYSTEM_AT: dict[str, int] = {}  # Chroma folder -> change counter when this process's shared instance opened


def _forget_shared_system(path: Path) -> None:
    """Make the next PersistentClient for `path` open Chroma afresh instead of reusing this process's instance.

    chromadb keeps one System per path per process and hands it to every new client; that instance caches the
    segments it read. Clients and collections opened before keep their own (older) instance.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    with SharedSystemClient._refcount_lock:
        for identifier in [i for i in SharedSystemClient._identifier_to_system if Path(i).resolve() == path.resolve()]:
            SharedSystemClient._identifier_to_system.pop(identifier, None)
            SharedSystemClient._identifier_to_refcount.pop(identifier, None)


def _say(message: str) -> None:
    import sys

    print(f"rag: {message}", file=sys.stderr, flush=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """One index: a Chroma collection of chunks plus an SQLite table of articles, both under `home`.

    `indexes` are the other indexes over the same chunks (default: the keyword rows and the sentence vectors
    under `home`); every write and delete reaches them between Chroma and the article row's commit.
    """

    def __init__(self, config: Config | None = None, indexes: Sequence[ChunkIndex] | None = None) -> None:
        self.config = config or Config.load()
        self.home = Path(self.config.home)
        self._lock = threading.Lock()
        self.meaning = SentenceVectors(self.home)  # read by questions even when another process writes it
        self.indexes: list[ChunkIndex] = (list(indexes) if indexes is not None
                                          else [KeywordRows(self.home), self.meaning])
        self._opened_at: int | None = None  # the change counter when the embedded Chroma client was opened
        self._chroma_key = str((self.home / "chroma").resolve())
        onnx_embed.use_dir(models_dir(self.config))  # where this process finds (or exports) the ONNX MiniLM

    # --- other processes' writes ---------------------------------------------------------------
    # Every write and delete bumps a change counter in articles.sqlite. Embedded Chroma does not see another
    # process's writes: a client opened before them cannot find the new chunks ("Error finding id"). So each
    # question first checks the counter and, when another process changed the index, reopens Chroma.
    def changes(self) -> int:
        """How many writes this index has seen (any process); moves whenever articles are added or removed."""
        return int(self.info("changes", 0) or 0)

    def _bump_changes(self) -> None:
        before = self.changes()
        with self._lock, self._db:
            self._db.execute("INSERT INTO info VALUES ('changes', '1') ON CONFLICT(key) DO UPDATE "
                             "SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)")
        if self._opened_at == before:  # our own write: this client saw it, no need to reopen
            self._opened_at = _SYSTEM_AT[self._chroma_key] = self.changes()

    def moved(self) -> bool:
        """Whether another process wrote since this process opened embedded Chroma (a `sync` would reopen it)."""
        return self._opened_at is not None and self.changes() != self._opened_at

    def sync(self) -> None:
        """See writes made by other processes since Chroma was opened here (embedded mode; a server always does)
        or, in server mode, other machines' writes: the local cache is refreshed from the server."""
        if self.config.chroma_url:
            self._refresh_from_server()
            return
        if self._opened_at is None or self.changes() == self._opened_at:
            return
        with self._lock:
            for name in ("collection", "vector_store", "client"):
                self.__dict__.pop(name, None)
            self._opened_at = None
        _forget_shared_system(self.home / "chroma")

    @contextmanager
    def writer(self, wait_message: Callable[[str], None] | None = None) -> Iterator[None]:
        """One writer at a time per index folder (an exclusive file lock); others wait, saying who holds it.

        Every indexing run (CLI, chat upload, prune) holds it from reading the stored hashes to its last commit.
        In server mode it also takes the server's writer lease (best effort across machines, see catalogue.py).
        """
        with self._file_lock(wait_message):
            if self.catalogue is None:
                yield
                return
            with reachable(self.config.chroma_url), self.catalogue.lease(wait_message or _say):
                yield

    @contextmanager
    def _file_lock(self, wait_message: Callable[[str], None] | None = None) -> Iterator[None]:
        import fcntl
        import os

        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / "write.lock", "a+", encoding="utf-8") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip() or "?"
                (wait_message or _say)(f"waiting for another indexer (pid {holder}) to finish with {self.home}…")
                fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                lock.seek(0)
                lock.truncate()
                lock.write(str(os.getpid()))
                lock.flush()
                yield
            finally:
                lock.truncate(0)
                fcntl.flock(lock, fcntl.LOCK_UN)

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
            now = self.changes()
            if _SYSTEM_AT.get(self._chroma_key, now) != now:  # this process's shared instance predates a write
                _forget_shared_system(self.home / "chroma")
            _SYSTEM_AT[self._chroma_key] = self._opened_at = now
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
    def vector_store(self) -> ChromaVectorStore:
        """llama-index's view of the collection (used for adding nodes and for retrieval)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    @cached_property
    def catalogue(self) -> Catalogue | None:
        """Server mode: the article records and change stamp in the Chroma server (None for embedded Chroma)."""
        if not self.config.chroma_url:
            return None
        with reachable(self.config.chroma_url):
            return Catalogue(self.client, self.config.collection)

    def _refresh_from_server(self) -> None:
        if "_db" in self.__dict__ and not (self.home / "articles.sqlite").exists():  # the cache was deleted:
            with self._lock:  # start a new one (and forget the keyword index loaded from the old one)
                self.__dict__.pop("_db").close()
            bm25.forget_loaded(self.home)
        with reachable(self.config.chroma_url):
            if self.catalogue is not None:
                refresh(self, self.catalogue)

    def rows(self) -> list[tuple[Any, ...]]:
        """Every article row as stored here (what an index built before the server catalogue publishes)."""
        with self._lock, closing(self._db.execute("SELECT * FROM articles")) as cur:
            return cur.fetchall()

    def mirror(self, rows: list[tuple[Any, ...]], gone: list[str], info: dict[str, Any] | None = None) -> None:
        """Server mode: copy article rows (and settings) from the server into the local cache; drop `gone`."""
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            self._db.executemany("DELETE FROM articles WHERE article_id = ?", [(i,) for i in gone])
            self._db.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)",
                                 [(k, json.dumps(v)) for k, v in (info or {}).items()])

    def chunk_count(self) -> int:
        return int(self.collection.count())

    def chunk_pages(self, page: int = 2000) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]:
        """Every stored chunk as (ids, texts, metadatas), `page` at a time (what derived indexes rebuild from)."""
        offset = 0
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return
            yield got["ids"], [d or "" for d in got["documents"]], [m or {} for m in got["metadatas"]]
            offset += len(got["ids"])

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

    def list_articles(self, offset: int = 0, limit: int = 50, query: str | None = None,
                      source: str | None = None) -> tuple[int, list[dict[str, Any]]]:
        """(how many match, one page of them newest first): id, title, outlet, date, chunks, file, indexed time."""
        where, args = ["content_hash != ?"], [PENDING]
        if query:
            where.append("title LIKE ? ESCAPE '\\'")
            args.append("%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if source:
            where.append("source = ?")
            args.append(source)
        sql = " AND ".join(where)
        cols = ("article_id", "title", "source", "published", "n_chunks", "path", "indexed_at")
        with self._lock:
            (total,) = self._db.execute(f"SELECT COUNT(*) FROM articles WHERE {sql}", args).fetchone()
            with closing(self._db.execute(
                f"SELECT {', '.join(cols)} FROM articles WHERE {sql} "
                "ORDER BY COALESCE(published, '') DESC, title LIMIT ? OFFSET ?", [*args, limit, offset])) as cur:
                rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        return int(total), rows

    def remove(self, ids: list[str]) -> list[str]:
        """Take these articles out of the index (under the writer lock); returns the ids that were there."""
        with self.writer():
            self.sync()
            known = set(self.content_hashes())
            found = [i for i in dict.fromkeys(ids) if i in known]
            self.delete_articles(found)
        return found

    def set_paths(self, paths: dict[str, str]) -> None:
        """Record that unchanged articles now come from other files."""
        if paths:
            with self._lock, self._db:
                self._db.executemany("UPDATE articles SET path = ? WHERE article_id = ?", [(p, a) for a, p in paths.items()])
            if self.catalogue is not None:
                self.catalogue.set_paths(paths)
                self.catalogue.bump()

    # --- writing ----------------------------------------------------------------------------------
    # Crash safety: a row is first marked PENDING, then Chroma is changed, then the row is committed
    # with its real hash. A crash at any point leaves a row whose hash matches no content, so the next
    # `rag index` redoes that article (delete-by-article then add: no duplicates, nothing missing).
    def put(self, items: Batch) -> None:
        """Replace these articles (chunks + vectors + row) in one batch; re-running it is harmless."""
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

        nodes: list[BaseNode] = []
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
        if self.catalogue is not None:  # the same PENDING step on the server, for other machines
            self.catalogue.begin([a for a, *_ in items], PENDING)
        # Old chunks of a changed article have other ids: drop them before adding the new ones.
        self._delete_chunks(ids)
        if nodes:
            self.vector_store.add(nodes)
        self._bump_changes()
        # The keyword index: the same chunks' terms, written after Chroma and before the commit below, so a
        # crash in between leaves the article PENDING and the next run redoes both.
        for index in self.indexes:
            index.write(items)
        rows = [(a.article_id, a.title, a.source, a.published, a.url, a.byline, a.path, a.body, h, len(c), now)
                for a, h, c, _ in items]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        if self.catalogue is not None:  # then the server's record, and a new stamp so other machines refresh
            self.catalogue.commit(rows)
            self.catalogue.bump()

    def delete_articles(self, ids: list[str]) -> None:
        """Remove these articles everywhere (chunks first, then rows, so a crash leaves them prunable)."""
        if not ids:
            return
        self._delete_chunks(ids)
        self._bump_changes()
        for index in self.indexes:
            index.forget(ids)
        with self._lock, self._db:
            self._db.executemany("DELETE FROM articles WHERE article_id = ?", [(i,) for i in ids])
        if self.catalogue is not None:
            self.catalogue.delete(ids)
            self.catalogue.bump()

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
        pending = [r[0] for r in rows if r[2] == PENDING]
        n_chunks = self.chunk_count()
        if not pending and n_chunks == sum(r[1] for r in rows):
            # Totals agree: skip reading every chunk's metadata (minutes at a million chunks). A lost or stray
            # chunk changes the total; only an exact trade between two articles would go unseen here.
            return [p for index in self.indexes for p in index.problems(n_chunks)]
        in_chroma = self.chunk_article_ids()
        problems: list[str] = []
        if pending:
            problems.append(f"{len(pending)} article(s) interrupted mid-write (re-run `rag index`): {', '.join(pending[:5])}")
        wrong = [r[0] for r in rows if r[2] != PENDING and in_chroma.get(r[0], 0) != r[1]]
        if wrong:
            problems.append(f"{len(wrong)} article(s) whose chunk count in Chroma differs from SQLite: {', '.join(wrong[:5])}")
        known = {r[0] for r in rows}
        orphans = [a for a in in_chroma if a not in known]
        if orphans:
            problems.append(f"{len(orphans)} article id(s) have chunks in Chroma but no SQLite row: {', '.join(orphans[:5])}")
        n_chunks = sum(in_chroma.values())
        return problems + [p for index in self.indexes for p in index.problems(n_chunks)]

    def disk_bytes(self) -> int | None:
        """Bytes under `home` (Chroma + SQLite), or None when the vectors live on a server."""
        if self.config.chroma_url:
            return sum(f.stat().st_size for f in self.home.glob("articles.sqlite*"))
        return sum(f.stat().st_size for f in self.home.rglob("*") if f.is_file())

    def embed_precision(self) -> str:
        """The precision this index's vectors were embedded with (questions must use the same), else the setting."""
        return str((self.info("embedder", {}) or {}).get("precision") or resolve(self.config.embed_precision))

    def set_info(self, key: str, value: Any) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, json.dumps(value)))
        if key in SHARED_INFO and self.catalogue is not None:
            self.catalogue.set_info(key, value)

    def info(self, key: str, default: Any = None) -> Any:
        with self._lock, closing(self._db.execute("SELECT value FROM info WHERE key = ?", (key,))) as cur:
            row = cur.fetchone()
        return json.loads(row[0]) if row else default
