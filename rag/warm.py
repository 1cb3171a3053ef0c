"""Work done before a question needs it: models loaded at start-up, an index refreshed after other writers.

Cold start: ONNX Runtime reads and optimises its graph, and Punkt loads, largely outside Python; done on a
second thread while the main one runs `import chromadb`, they cost little of the wall time of a fresh `rag ask`.

Long-running servers: another process's `rag index` makes the next question reopen embedded Chroma (at a
million chunks, seconds of reading its vector index) and read the new keyword segments. `keep_fresh` does
that in the background as soon as the write lands, so the question after an update is as fast as any other.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

from rag.core.config import Config

if TYPE_CHECKING:
    from rag.api import Index


def _load(config: Config) -> None:
    from rag.core.text import sentence_spans
    from rag.engines.extractive.parts import meaning
    from rag.storage.embedder import embedder
    from rag.storage.store import Store

    try:
        store = Store(config, indexes=[])  # SQLite only: Chroma is opened by the main thread
        embedder(config.embed_batch, store.embed_precision(), config.embed_runtime).get_query_embedding("warm")
        meaning("warm", ["Up."])  # the int8 model that scores candidate sentences
        sentence_spans("Warm. Up.")
    except Exception:  # noqa: BLE001 - a warm-up failure shows up again, with its message, on the real path
        pass


def start(config: Config) -> threading.Thread:
    """Begin loading the embedder and sentence splitter for questions to the index of `config` (daemon thread)."""
    thread = threading.Thread(target=_load, args=(config,), name="rag-warm", daemon=True)
    thread.start()
    return thread


def refresh(index: Index) -> bool:
    """If another writer changed the index, reopen it now and load what a question reads; True if it did
    (server mode: always, since only the server's change stamp, read by `sync`, says whether anything moved)."""
    store = index.store
    if not (store.config.chroma_url or store.moved()):
        return False
    store.sync()  # embedded: drops the stale client; server mode: fetches the changed articles
    if store.config.chroma_url:
        index.keywords()
        return True
    got = store.collection.get(limit=1, include=["embeddings"])
    if len(got["ids"]):  # a one-result search loads the vector index from disk
        store.collection.query(query_embeddings=[list(got["embeddings"][0])], n_results=1, include=[])
    index.keywords()
    return True


def keep_fresh(index: Index, every: float = 1.0) -> threading.Thread:
    """Check every `every` seconds whether another process changed the index and, if so, `refresh` it
    (daemon thread, for `rag ui` and `rag serve`)."""
    def loop() -> None:
        said = False
        while True:
            time.sleep(every)
            try:
                refresh(index)
                said = False
            except Exception as exc:  # noqa: BLE001 - a question meets the same problem and reports it
                if not said:
                    print(f"rag: background refresh failed (the next question retries): {exc}", file=sys.stderr)
                    said = True

    thread = threading.Thread(target=loop, name="rag-refresh", daemon=True)
    thread.start()
    return thread
