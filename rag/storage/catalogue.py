"""Server mode: the articles (bodies + row fields), a change stamp and a writer lease, kept in the Chroma server.

With `RAG_CHROMA_URL` set, everything needed to answer lives in the server, so a worker on any machine answers
from it: the chunks (text, offsets, metadata) in the chunk collection, and here, in `<collection>__articles`,
each article's cleaned body (the Chroma document, stored as-is: every citation's `body[start:end]` is rebuilt
exactly) with its row fields as metadata. `<collection>__state` holds a stamp every writer replaces after each
write, shared settings (the embedder's precision) and a best-effort writer lease.

`$RAG_HOME` is then a cache of the server (`articles.sqlite`, the keyword rows and their BM25 matrices):
`refresh` compares the stamp before each question and, when it moved, fetches only the articles whose
content hash (or file) changed and drops the ones that vanished. Delete `$RAG_HOME` and the next question
rebuilds it from the server.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from rag.core.records import Article, Chunk

# Chroma wants a vector per record and would otherwise download its default embedding model to make one.
# Nothing searches these collections by similarity (records are read by id), so one constant number will do.
NO_VECTOR = [1.0]
SHARED_INFO = ("embedder",)  # settings every worker must agree with (queries are embedded in the index's precision)
LEASE_S = 300.0  # a writer's lease lasts this long unless renewed (each batch renews it); a crashed writer's expires
_FIELDS = ("title", "source", "published", "url", "byline", "path")
Row = tuple[Any, ...]  # one articles.sqlite row, in column order


class Cache(Protocol):
    """What `refresh` needs of the local store (rag.storage.store.Store): its rows, its indexes, its chunks."""

    indexes: Any  # the keyword rows (ChunkIndex): write(batch), forget(ids)

    @property
    def collection(self) -> Any: ...  # the chunk collection on the server

    def info(self, key: str, default: Any = None) -> Any: ...

    def content_hashes(self) -> dict[str, str]: ...

    def paths(self) -> dict[str, str | None]: ...

    def mirror(self, rows: list[Row], gone: list[str], info: dict[str, Any] | None = None) -> None: ...

    def rows(self) -> list[Row]: ...

    def chunk_article_ids(self) -> dict[str, int]: ...


class Catalogue:
    """The server-side article records and state of one chunk collection (through a chromadb HttpClient)."""

    def __init__(self, client: Any, collection: str) -> None:
        self.articles = client.get_or_create_collection(f"{collection}__articles", embedding_function=None)
        self.state = client.get_or_create_collection(f"{collection}__state", embedding_function=None)
        self.lease_owner: str | None = None  # set while this process holds the writer lease
        self.refreshing = threading.Lock()

    # --- the change stamp ---------------------------------------------------------------------------
    def stamp(self) -> str | None:
        """A token that changes with every write on any machine (one small request; None before any write)."""
        return self._state("stamp").get("value")

    def bump(self) -> None:
        """After a write: a fresh random stamp (no read-modify-write, so concurrent writers cannot lose a bump)."""
        self._set_state("stamp", {"value": uuid.uuid4().hex})
        self.renew()

    # --- articles -----------------------------------------------------------------------------------
    def versions(self, page: int = 5000) -> dict[str, tuple[str, str | None]]:
        """article_id → (content hash, file) of every article on the server, read page by page."""
        out: dict[str, tuple[str, str | None]] = {}
        offset = 0
        while True:
            got = self.articles.get(include=["metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return out
            for aid, m in zip(got["ids"], got["metadatas"], strict=True):
                out[aid] = (str((m or {}).get("content_hash", "")), (m or {}).get("path"))
            offset += len(got["ids"])

    def rows(self, ids: list[str]) -> list[Row]:
        """The articles.sqlite rows of these articles (those still on the server)."""
        if not ids:
            return []
        got = self.articles.get(ids=ids, include=["documents", "metadatas"])
        out = []
        for aid, body, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            m = m or {}
            out.append((aid, m.get("title", ""), *(m.get(f) for f in _FIELDS[1:]), body or "",
                        m.get("content_hash", ""), int(m.get("n_chunks", 0)), m.get("indexed_at", "")))
        return out

    def begin(self, articles: list[Article], pending: str) -> None:
        """Before chunks change: new articles get a record marked `pending`; existing ones keep their body
        (what their current chunks point into) and only their hash is voided, as in articles.sqlite."""
        ids = [a.article_id for a in articles]
        there = set(self.articles.get(ids=ids, include=[])["ids"]) if ids else set()
        new = [a for a in articles if a.article_id not in there]
        if new:
            self.articles.upsert(ids=[a.article_id for a in new], documents=[a.body for a in new],
                                 embeddings=[NO_VECTOR] * len(new),
                                 metadatas=[_meta(a, pending, 0, "") for a in new])
        old = [i for i in ids if i in there]
        if old:  # update merges metadata: only the hash changes
            self.articles.update(ids=old, metadatas=[{"content_hash": pending}] * len(old))

    def commit(self, rows: list[Row]) -> None:
        """After chunks are written: the full records (body + fields + real hash)."""
        if rows:
            self.articles.upsert(
                ids=[r[0] for r in rows], documents=[r[7] for r in rows], embeddings=[NO_VECTOR] * len(rows),
                metadatas=[_meta(Article(r[0], r[1], r[7], *r[2:7]), r[8], r[9], r[10]) for r in rows])

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 500):
            self.articles.delete(ids=ids[i : i + 500])

    def set_paths(self, paths: dict[str, str]) -> None:
        if paths:
            self.articles.update(ids=list(paths), metadatas=[{"path": p} for p in paths.values()])

    # --- shared settings ------------------------------------------------------------------------------
    def set_info(self, key: str, value: Any) -> None:
        self._set_state(f"info:{key}", {"value": json.dumps(value)})

    def info(self, key: str) -> Any:
        raw = self._state(f"info:{key}").get("value")
        return json.loads(raw) if raw is not None else None

    # --- the writer lease -------------------------------------------------------------------------------
    @contextmanager
    def lease(self, say: Callable[[str], None], ttl: float = LEASE_S) -> Iterator[None]:
        """Best effort, one writer at a time across machines: a lease record (owner + expiry) in the server.

        Chroma has no compare-and-set, so two writers that take a free lease within the same instant can both
        win (the re-read after a pause narrows that window, it cannot close it); expiry also trusts the clocks.
        What makes that survivable is that every write is per article and idempotent (see docs/scaling.md).
        """
        me = f"{socket.gethostname()} pid {os.getpid()} {uuid.uuid4().hex[:6]}"
        told = False
        while True:
            held = self._state("lease")
            if not held or held.get("owner") == me or float(held.get("expires", 0)) < time.time():
                self._set_state("lease", {"owner": me, "expires": time.time() + ttl})
                time.sleep(0.3)  # another writer that read the same free lease overwrites it now: re-read
                if self._state("lease").get("owner") == me:
                    break
            elif not told:
                say(f"waiting for another indexer ({held.get('owner')}) to finish with this Chroma server…")
                told = True
            time.sleep(1.0)
        self.lease_owner, self._ttl = me, ttl
        try:
            yield
        finally:
            if self._state("lease").get("owner") == me:
                self.state.delete(ids=["lease"])
            self.lease_owner = None

    def renew(self) -> None:
        """Extend this process's lease (each committed batch does, so a long run keeps it)."""
        if self.lease_owner:
            self._set_state("lease", {"owner": self.lease_owner, "expires": time.time() + self._ttl})

    def _state(self, key: str) -> dict[str, Any]:
        got = self.state.get(ids=[key], include=["metadatas"])
        return dict(got["metadatas"][0] or {}) if got["ids"] else {}

    def _set_state(self, key: str, meta: dict[str, Any]) -> None:
        self.state.upsert(ids=[key], documents=[key], embeddings=[NO_VECTOR], metadatas=[meta])


def _meta(a: Article, content_hash: str, n_chunks: int, indexed_at: str) -> dict[str, Any]:
    # Chroma metadata takes no None: an absent key reads back as None.
    fields = {f: getattr(a, f) for f in _FIELDS if getattr(a, f) is not None}
    return fields | {"content_hash": content_hash, "n_chunks": n_chunks, "indexed_at": indexed_at}


def refresh(store: Cache, catalogue: Catalogue, batch: int = 100) -> bool:
    """Bring the local cache (article rows, keyword rows, shared settings) up to the server; True if it changed.

    The stamp is read first and saved last: a write that lands meanwhile bumps it again after its data, so the
    next question fetches it. Only articles whose hash or file differ are fetched; vanished ones are dropped.
    """
    with catalogue.refreshing:  # one refresh at a time per process (concurrent questions would repeat the work)
        return _refresh(store, catalogue, batch)


def _refresh(store: Cache, catalogue: Catalogue, batch: int) -> bool:
    stamp = catalogue.stamp()
    if stamp is not None and stamp == store.info("server_stamp"):
        return False
    if stamp is None and store.content_hashes():
        publish_local(store, catalogue)
        stamp = catalogue.stamp()
    server = catalogue.versions()
    hashes, paths = store.content_hashes(), store.paths()
    changed = [a for a, (h, p) in server.items() if hashes.get(a) != h or paths.get(a) != p]
    gone = [a for a in hashes if a not in server]
    for i in range(0, len(changed), batch):
        rows = catalogue.rows(changed[i : i + batch])
        chunks = _chunks(store, [r[0] for r in rows])
        items = [(Article(r[0], r[1], r[7], *r[2:7]), r[8], chunks.get(r[0], []), None) for r in rows]
        for index in store.indexes:  # the keyword rows of exactly these articles
            index.write(items)
        store.mirror(rows, [])
    if gone:
        for index in store.indexes:
            index.forget(gone)
        store.mirror([], gone)
    for key in SHARED_INFO:
        value = catalogue.info(key)
        if value is not None and value != store.info(key):
            store.mirror([], [], {key: value})
    store.mirror([], [], {"server_stamp": stamp})
    return bool(changed or gone)


def publish_local(store: Cache, catalogue: Catalogue) -> int:
    """A server index built before this catalogue existed kept its bodies only in a local articles.sqlite:
    publish the rows whose chunks the server holds (instead of dropping them as vanished). Returns how many."""
    on_server = store.chunk_article_ids()
    rows = [r for r in store.rows() if r[0] in on_server]
    for i in range(0, len(rows), 100):
        catalogue.commit(rows[i : i + 100])
    if rows:
        catalogue.bump()
    return len(rows)


def _chunks(store: Cache, article_ids: list[str]) -> dict[str, list[Chunk]]:
    """These articles' chunks as stored in the chunk collection (text and offsets), in order."""
    out: dict[str, list[Chunk]] = {}
    if not article_ids:
        return out
    got = store.collection.get(where={"document_id": {"$in": article_ids}}, include=["documents", "metadatas"])
    for cid, text, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        m = m or {}
        aid = str(m.get("article_id", ""))
        out.setdefault(aid, []).append(Chunk(cid, aid, text or "", int(m.get("start", 0)), int(m.get("end", 0)),
                                             int(m.get("position", 0))))
    for chunks in out.values():
        chunks.sort(key=lambda c: c.position)
    return out
