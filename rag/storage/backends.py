"""Which embedding precision an index is built and queried with: the machine's choice, or what the index holds."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from rag.core.config import Config
from rag.core.errors import RagError


class Store(Protocol):
    """What is read of a `rag.storage.store.Store` here (not imported: the store imports this module)."""

    def info(self, key: str, default: Any = None) -> Any: ...

    def article_count(self) -> int: ...

# benchmarks/embedding_backends.py (docs/speed.md): on MultiHop-RAG dev, the precisions within 0.005 of fp32 in
# MRR@10 and fact recall, fastest first. ONNX Runtime fp32 computes fp32's numbers, so "fp32" is always there.
QUALITY_KEPT = ("fp32",)


def models_dir(config: Config) -> Path:
    """Where the exported ONNX model is cached: the embed_cache setting, else <home>/models."""
    return Path(config.embed_cache) if config.embed_cache else Path(config.home) / "models"


def machine_default() -> str:
    """The precision a new index gets on this machine with embed_precision=auto."""
    return QUALITY_KEPT[0]


def resolve(setting: str) -> str:
    """A precision setting with `auto` replaced by this machine's choice."""
    return machine_default() if setting == "auto" else setting


def index_precision(config: Config, store: Store) -> str:
    """The precision to embed new chunks with: the index's own when it has articles (refusing a setting that
    would mix two kinds of vectors in one index), else the setting."""
    stored = (store.info("embedder", {}) or {}).get("precision")
    wanted = config.embed_precision
    if stored and store.article_count():
        if wanted in ("auto", stored):
            return str(stored)
        raise RagError(f"the index at {config.home} holds {stored} vectors and embed_precision is {wanted}: "
                       f"set embed_precision to {stored} or auto, or index into a new --home")
    return resolve(wanted)


def bulk_runtime(config: Config) -> str:
    """The runtime that encodes many chunks at once (the indexer): the embed_runtime setting, and for auto torch
    when it is installed — on this machine torch encodes 256-token chunks faster than ONNX Runtime (same
    numbers; docs/speed.md), while questions, one short text at a time, go through ONNX Runtime (no torch import)."""
    if config.embed_runtime != "auto":
        return config.embed_runtime
    import importlib.util

    return "torch" if importlib.util.find_spec("torch") is not None else "auto"
