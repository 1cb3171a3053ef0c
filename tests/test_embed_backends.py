"""The light embedding path: ONNX Runtime vectors equal torch fp32's, `rag ask` runs without torch, and an
index keeps the precision it was built with."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from rag.core.errors import RagError
from tests.conftest import ARTICLES, ROOT

QUESTIONS = [
    "Who refused to sign the statement?",
    "Did China sign the US-drafted security council statement?",
    "What did the ambassador say about North Korea's missile launches?",
    "  Which members of the council stayed silent?  ",  # edge spaces: sentence-transformers strips them
    "UN",
]


def _news_sentences() -> list[str]:
    from rag.core.text import sentence_spans

    out = []
    for f in sorted(ARTICLES.glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        out += [text[s:e] for s, e in sentence_spans(text)]
    long = " ".join(out)  # longer than 256 tokens: both sides must truncate the same way
    return out[:40] + [long]


def test_onnx_vectors_match_torch_fp32(config):
    from rag.storage.embedder import backend, embed_query, encode

    assert backend("fp32", "onnx") == "onnx-fp32"
    texts = _news_sentences() + QUESTIONS
    torch_v = np.asarray(encode(texts, 16, "fp32", "torch"), dtype=np.float64)
    onnx_v = np.asarray(encode(texts, 16, "fp32", "onnx"), dtype=np.float64)
    cos = (torch_v * onnx_v).sum(axis=1) / np.linalg.norm(torch_v, axis=1) / np.linalg.norm(onnx_v, axis=1)
    assert cos.min() > 1 - 1e-4, sorted(zip(cos, texts))[:3]
    assert np.allclose(np.linalg.norm(onnx_v, axis=1), 1, atol=1e-5)
    # Questions go through llama-index's query path on torch (any query instruction would show here).
    for q in QUESTIONS:
        assert float(embed_query(q, 64, "fp32", "torch") @ embed_query(q, 64, "fp32", "onnx")) > 1 - 1e-4


def test_rag_ask_does_not_import_torch(config):
    """A question from a fresh process: answered, and nothing heavy it does not need was imported."""
    code = (
        "import json, sys\n"
        "from rag.cli import main\n"
        f"assert main(['ask', {QUESTIONS[0]!r}, '--json']) == 0\n"
        "heavy = ['torch', 'transformers', 'sentence_transformers', 'sklearn', 'scipy.stats',\n"
        "         'llama_index.embeddings.huggingface', 'llama_index.core']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_HOME": str(config.home)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    answer_line, imported_line = out.stdout.strip().splitlines()[-2:]
    assert "China" in json.loads(answer_line)["text"]
    assert json.loads(imported_line) == []


def test_index_keeps_its_precision(config):
    """An fp32 index is not extended with int8 vectors (refused in one line); auto follows the index."""
    from index.pipeline import index_paths
    from rag.storage.backends import index_precision
    from rag.storage.store import Store

    store = Store(config)
    assert index_precision(replace(config, embed_precision="auto"), store) == "fp32"
    with pytest.raises(RagError, match="holds fp32 vectors and embed_precision is int8") as err:
        index_paths([ARTICLES], replace(config, embed_precision="int8"), progress=False)
    assert "\n" not in str(err.value)
    assert store.embed_precision() == "fp32"


def test_status_says_how_questions_are_embedded(config, capsys):
    from rag.cli import main

    assert main(["--home", str(config.home), "status"]) == 0
    out = capsys.readouterr().out
    assert "embed_backend: onnx-fp32 (auto on this machine: " in out
