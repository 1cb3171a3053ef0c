"""Answer engines: turn retrieved passages into an `Answer`. Registered by name, imported lazily."""
from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from typing import Protocol

from rag.config import Config
from rag.errors import RagError
from rag.followup import Turn
from rag.types import Answer, Passage


class Composer(Protocol):
    """An engine: question + passages (+ history) → Answer whose citations point into the passages."""

    def __call__(self, question: str, passages: list[Passage], config: Config,
                 history: Sequence[Turn] | None = None) -> Answer: ...


# name -> "module:function"; the default engine needs no generative model.
ENGINES: dict[str, str] = {
    "extractive": "rag.compose:compose_answer",
    "llm": "rag.llm:compose_answer",
}
DEFAULT_ENGINE = "extractive"


def available() -> list[str]:
    """Engine names whose module is installed."""
    return [name for name, target in ENGINES.items() if importlib.util.find_spec(target.split(":")[0])]


def get_engine(name: str | None) -> Composer:
    """The composer registered as `name` (default: extractive)."""
    name = name or DEFAULT_ENGINE
    if name not in ENGINES:
        raise RagError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    module, func = ENGINES[name].split(":")
    try:
        return getattr(importlib.import_module(module), func)
    except ModuleNotFoundError as exc:
        raise RagError(f"engine {name!r} is not available here ({exc.name} is not installed)") from exc
