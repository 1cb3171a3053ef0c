"""The answer engines by name, imported on first use: "extractive" (default, no model) and "llm"."""
from __future__ import annotations

import importlib

from rag.core.config import Config
from rag.core.errors import RagError
from rag.engines.base import Engine

# name -> "module:attribute" of an Engine instance; a new engine registers here.
ENGINES: dict[str, str] = {
    "extractive": "rag.engines.extractive.engine:ENGINE",
    "llm": "rag.engines.llm.engine:ENGINE",
}
DEFAULT_ENGINE = "extractive"


def get_engine(name: str | None) -> Engine:
    """The engine registered as `name` (default: extractive)."""
    name = name or DEFAULT_ENGINE
    if name not in ENGINES:
        raise RagError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    module, attribute = ENGINES[name].split(":")
    engine: Engine = getattr(importlib.import_module(module), attribute)
    return engine


def available(config: Config) -> list[str]:
    """Names of the engines that can actually run under `config` (installed and configured)."""
    return [name for name in ENGINES if get_engine(name).unavailable(config) is None]


def check_available(name: str | None, config: Config) -> Engine:
    """The engine `name`, or a one-line `RagError` saying why it cannot run here."""
    engine = get_engine(name)
    reason = engine.unavailable(config)
    if reason:
        raise RagError(f"engine {engine.name!r} is not available: {reason}")
    return engine
