"""The public Python API: `answer()` and `retrieve()` over the default (or a given) index."""
from __future__ import annotations

import sys
import threading
from datetime import date
from collections.abc import Sequence
from pathlib import Path

from rag.config import Config
from rag.followup import Turn, bot_turns, resolve, user_turns
from rag.question import clean_question
from rag.store import Store, reachable
from rag.types import Answer, Passage

_indexes: dict[Config, "Index"] = {}
_indexes_lock = threading.Lock()


class Index:
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
        with reachable(self.config.chroma_url):  # a lost server is one ChromaUnavailable, then retried next time
            self.ensure_indexed()
            return self.retriever.retrieve(clean_question(question), k, sources, since, until)

    def answer(self, question: str, k: int | None = None, sources: list[str] | None = None,
               since: date | None = None, until: date | None = None, history: Sequence[Turn] | None = None,
               engine: str | None = None) -> Answer:
        from rag.engines import get_engine
        from rag.verify import verify

        compose = get_engine(engine)
        question = clean_question(question)
        # An engine module may bring its own follow-up step (`condense(question, history, config)`).
        condense = getattr(sys.modules.get(compose.__module__), "condense", None)
        if condense:
            standalone = condense(question, history, self.config)
        else:
            standalone = resolve(question, history)
            if standalone != question and not bot_turns(history):
                # Only questions were given: answer the last one again so the follow-up knows what was said.
                earlier = self.answer(user_turns(history)[-1], k, sources, since, until, None, engine)
                history = [*(history or []), {"role": "assistant", "content": earlier.text}]
        passages = self.retrieve(standalone, k, sources, since, until)
        result = compose(standalone, passages, self.config, history)
        result.question = question
        return verify(result, self.store.body)


def get_index(config: Config | None = None) -> "Index":
    """The shared open Index for `config` (default: `Config.load()`)."""
    config = config or Config.load()
    with _indexes_lock:
        if config not in _indexes:
            _indexes[config] = Index(config)
        return _indexes[config]


def answer(
    question: str,
    *,
    history: Sequence[Turn] | None = None,
    k: int | None = None,
    sources: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    engine: str | None = None,
    config: Config | None = None,
) -> Answer:
    """Answer `question` from the indexed articles; every `[n]` in `Answer.text` is a verified citation.

    `history` holds earlier turns (gradio-style role/content dicts, (user, bot) pairs, or questions) so
    follow-ups like "And who signed it?" are understood. `engine` picks the answer engine
    (`rag.engines.ENGINES`; default "extractive", no generative model). Raises `BadQuestion` (a ValueError) for an
    empty or unusable question.
    """
    return get_index(config).answer(question, k, sources, since, until, history, engine)


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
    return get_index(config).retrieve(question, k, sources, since, until)
