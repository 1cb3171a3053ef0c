"""Cold start: load the question's models on a second thread while the main one opens Chroma (~1 s of imports).

ONNX Runtime reads and optimises its graph, and Punkt loads, largely outside Python; done in parallel with
`import chromadb` they cost little of the wall time of a fresh `rag ask`.
"""
from __future__ import annotations

import threading

from rag.core.config import Config


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
