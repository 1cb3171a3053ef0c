"""What an answer engine is: question + passages (+ the conversation) → an `Answer` citing the passages.

Engines do not open indexes or load models themselves: the `Index` that runs them hands over what they need
as `Resources` (its settings, the shared embedder, IDF weights from its keyword index, other engines).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from rag.core.config import Config
from rag.core.records import Answer, Passage
from rag.engines.followup import Turn
from rag.storage.bm25 import KeywordIndex

if TYPE_CHECKING:
    import numpy as np

    from rag.storage.embedder import TextEmbedder


class Resources(Protocol):
    """What an open index lends its engines."""

    config: Config

    def embedder(self) -> TextEmbedder:
        """The shared MiniLM embedder, in the precision the index was built with."""
        ...

    def idf(self, passages: list[Passage]) -> Callable[[str], float]:
        """IDF weights of index terms (from the keyword index; from `passages` when it is empty)."""
        ...

    def keywords(self) -> KeywordIndex:
        """The index's keyword index, current (per-part searches, the outlets it holds)."""
        ...

    def body(self, article_id: str) -> str | None:
        """An article's cleaned body (what every offset points into)."""
        ...

    def sentence_vectors(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The meaning vectors the indexer stored for these sentences (those it has; rag/storage/meaning.py)."""
        ...

    def engine(self, name: str) -> Engine:
        """Another registered engine (the llm engine falls back to the extractive one)."""
        ...


class Engine(Protocol):
    """An answer engine, registered by name in `rag.engines.registry`."""

    name: str
    streams: bool  # True when `stream` yields growing answers as they are written (the UI shows them live)

    def unavailable(self, config: Config) -> str | None:
        """Why this engine cannot run under `config` (a missing package or setting), or None when it can."""
        ...

    def condense(self, question: str, history: Sequence[Turn], resources: Resources) -> str | None:
        """Its own follow-up step: a standalone question, or None to use the rule-based resolver."""
        ...

    def answer(self, question: str, passages: list[Passage], history: Sequence[Turn] | None,
               resources: Resources) -> Answer:
        """The answer to `question` (already standalone) from `passages`; citations point into them."""
        ...

    def stream(self, question: str, passages: list[Passage], history: Sequence[Turn] | None,
               resources: Resources) -> Iterator[Answer]:
        """Answers that grow as they are written; the last one is the final answer."""
        ...
