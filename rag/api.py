"""The public Python API: `answer()` and `retrieve()` over the default (or a given) index."""
from __future__ import annotations

import sys
import threading
from datetime import date
from collections.abc import Sequence
from pathlib import Path

from rag.config import Config
from rag.followup import Turn, resolve
from rag.question import clean_question
from rag.store import Store
from rag.types import Answer, Passage

_engines: dict[Config, "Engine"] = {}
_engines_lock = threading.Lock()


class Engine:
    """An open index (store + retriever) that answers questions; one per Config, reused across calls."""

    def __init__(self, config: Config) -> None:
        from rag.retrieve import Retriever

        self.config = config
        self.store = Store(config)
        self.retriever = Retriever(self.store, config)
        self._ready = False
        self._index_lock = threading.Lock()

    def ensure_indexed(self) -> None:
        """On first use of an empty index, index the bundled articles (and say so on stderr)."""
        if self._ready:
            return
        with self._index_lock:
            if not self._ready and self.store.article_count() == 0:
                folder = Path(self.config.articles_dir)
                if folder.is_dir():
                    from index.pipeline import index_paths

                    print(f"rag: the index at {self.config.home} is empty; indexing {folder}/ first", file=sys.stderr)
                    report = index_paths([folder], self.config, self.store)
                    print(f"rag: {report.summary()}", file=sys.stderr)
            self._ready = True

    def retrieve(self, question: str, k: int | None = None, sources: list[str] | None = None,
                 since: date | None = None, until: date | None = None) -> list[Passage]:
        self.ensure_indexed()
        return self.retriever.retrieve(clean_question(question), k, sources, since, until)

    def answer(self, question: str, k: int | None = None, sources: list[str] | None = None,
               since: date | None = None, until: date | None = None, history: Sequence[Turn] | None = None) -> Answer:
        from rag.compose import compose
        from rag.models import embedder
        from rag.verify import verify

        question = clean_question(question)
        standalone = resolve(question, history)
        passages = self.retrieve(standalone, k, sources, since, until)
        result = compose(standalone, passages, embedder(self.config.embed_batch),
                         self.config.max_sentences, self.config.min_support)
        result.question = question
        return verify(result, self.store.body)


def engine(config: Config | None = None) -> Engine:
    """The shared Engine for `config` (default: `Config.load()`)."""
    config = config or Config.load()
    with _engines_lock:
        if config not in _engines:
            _engines[config] = Engine(config)
        return _engines[config]


def answer(
    question: str,
    *,
    history: Sequence[Turn] | None = None,
    k: int | None = None,
    sources: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    config: Config | None = None,
) -> Answer:
    """Answer `question` from the indexed articles; every `[n]` in `Answer.text` is a verified citation.

    `history` holds earlier turns (gradio-style role/content dicts, (user, bot) pairs, or questions) so
    follow-ups like "And who signed it?" are understood. Raises `BadQuestion` (a ValueError) for an
    empty or unusable question.
    """
    return engine(config).answer(question, k, sources, since, until, history)


def retrieve(
    question: str,
    k: int = 10,
    *,
    sources: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    config: Config | None = None,
) -> list[Passage]:
    """The top-k indexed chunks for `question`, best first (what the answerer reads)."""
    return engine(config).retrieve(question, k, sources, since, until)
