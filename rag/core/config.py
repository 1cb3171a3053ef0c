"""Settings: defaults, overridden by a TOML file, overridden by RAG_* environment variables."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from rag.core.errors import RagError


@dataclass(frozen=True)
class Config:
    """Everything tunable; `Config.load()` is what every entry point uses."""

    home: Path = Path(".rag")  # index location (RAG_HOME)
    chroma_url: str | None = None  # http://host:port switches to a Chroma server (RAG_CHROMA_URL)
    collection: str = "news_chunks"
    articles_dir: Path = Path("articles")  # the default corpus indexed on first use
    chunk_tokens: int = 256  # chunk size in tiktoken (cl100k) tokens
    top_k: int = 10  # passages retrieved per question
    # Off by default: the learned ranker (rag/ranker.npz) was trained on MultiHop-RAG and, tested on articles it
    # never saw, ranks worse than the fused score (benchmarks/results/ranker_generalization.md).
    rerank: bool = False
    max_sentences: int = 3  # evidence sentences in an extractive answer
    min_support: float = 0.225  # share of the question the best sentence must hold (benchmarks/refusal.py)
    embed_batch: int = 64
    # auto (this machine's fastest choice that keeps fp32 quality, docs/speed.md) | fp32 | int8 (dynamic
    # quantization of MiniLM's Linear layers) | bf16 | onnx-int8; an existing index keeps what it was built with.
    embed_precision: str = "auto"
    embed_runtime: str = "auto"  # fp32 on: auto (ONNX Runtime when it can, else torch) | onnx | torch
    embed_cache: str = ""  # folder of the exported ONNX model (RAG_EMBED_CACHE); default <home>/models
    json_fields: str = ""  # extra JSON record keys, e.g. "body=story,title=hed|headline"
    max_file_mb: float = 32.0  # bigger files are skipped with a reason, never read (RAG_MAX_FILE_MB)
    ui_auth: str | None = field(default=None, repr=False)  # RAG_UI_AUTH: "user:password" login for `rag ui`
    api_key: str | None = field(default=None, repr=False)  # RAG_API_KEY: bearer token the HTTP API requires
    # The optional "llm" engine (rag/engines/llm/); nothing here is used by the default extractive engine.
    llm_provider: str = "openai-like"  # openai-like (vLLM, llama.cpp server, LM Studio...) | openai | ollama | gguf
    llm_url: str | None = None  # RAG_LLM_URL: base URL, e.g. http://127.0.0.1:8080/v1 (Ollama: http://127.0.0.1:11434)
    llm_model: str | None = None  # model name the server knows (openai default: gpt-4o-mini)
    llm_api_key: str | None = field(default=None, repr=False)  # RAG_LLM_API_KEY, else $OPENAI_API_KEY
    llm_gguf: str | None = None  # path of a local .gguf file (provider gguf, runs llama-cpp-python in-process)
    llm_timeout: float = 120.0  # seconds per LLM request
    llm_max_tokens: int = 320  # longest generated answer
    llm_context_window: int = 8192
    llm_passages: int = 6  # how many of the retrieved passages the LLM reads
    llm_min_support: float = 0.66  # per-sentence support needed to keep an LLM sentence (calibrated on MultiHop-RAG dev)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, **overrides: Any) -> Config:
        """Defaults < TOML file (`path`, $RAG_CONFIG, ./rag.toml) < RAG_* env vars < `overrides`."""
        values: dict[str, Any] = {}
        file = Path(path) if path else Path(os.environ.get("RAG_CONFIG", "rag.toml"))
        if file.is_file():
            try:
                values.update(tomllib.loads(file.read_text(encoding="utf-8")).get("rag", {}))
            except tomllib.TOMLDecodeError as exc:
                raise RagError(f"config file {file}: {exc}") from exc
        elif path:
            raise RagError(f"config file not found: {file}")
        for f in fields(cls):
            env = os.environ.get(f"RAG_{f.name.upper()}")
            if env not in (None, ""):
                values[f.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls()._with(values)

    def _with(self, values: dict[str, Any]) -> Config:
        known = {f.name: f for f in fields(self)}
        typed: dict[str, Any] = {}
        for key, raw in values.items():
            if key not in known:
                raise RagError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
            default = getattr(self, key)
            try:
                if isinstance(default, Path):
                    typed[key] = Path(raw)
                elif isinstance(default, bool):
                    typed[key] = str(raw).lower() in ("1", "true", "yes")
                elif isinstance(default, int):
                    typed[key] = int(raw)
                elif isinstance(default, float):
                    typed[key] = float(raw)
                else:
                    typed[key] = None if raw in ("", None) else str(raw)
            except ValueError as exc:
                raise RagError(f"setting {key}={raw!r}: {exc}") from exc
        return replace(self, **typed)
