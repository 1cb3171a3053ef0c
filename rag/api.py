"""The public Python API: an open `Index` answers questions; `answer()` and `retrieve()` use the default one.

Every answer takes one path, whatever the entry point (Python, CLI, chat UI, streaming):
clean the question → the engine's follow-up step → retrieve → the engine → the citation check.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.core.config import Config
from rag.core.question import clean_question
from rag.core.records import Answer, Passage
from rag.core.terms import idf_from, terms
from rag.engines.base import Engine
from rag.engines.followup import Turn, bot_turns, resolve, user_turns
from rag.engines.registry import check_available, get_engine
from rag.engines.verify import citation_problems, verify
from rag.retrieval.retriever import Retriever
from rag.storage import bm25
from rag.storage.feedback import FeedbackLog
from rag.storage.store import Store, reachable

if TYPE_CHECKING:
    import numpy as np

    from rag.storage.embedder import TextEmbedder

FirstUse = Callable[["Index"], object]  # fills an empty index (e.g. with the bundled articles)
FIRST_USE_GROUP = "newsrag.first_use"  # entry points: what an empty default index is filled with

_indexes: dict[Config, Index] = {}
_indexes_lock = threading.Lock()


def installed_first_use() -> FirstUse | None:
    """The first-use step an installed package registers (the indexer's: index `articles_dir`), if any."""
    for ep in entry_points(group=FIRST_USE_GROUP):
        step: FirstUse = ep.load()
        return step
    return None


class Index:
    """An open index (store + retriever + shared models) that answers questions; one per Config, reused.

    It owns what engines share and hands it to them (`rag.engines.base.Resources`): the settings, the
    embedder (in the precision the index was built with), IDF weights from the keyword index, other engines.
    `first_use` fills an empty index before its first question (default: the installed one, see
    `installed_first_use`; pass `lambda index: None` for none).
    """

    def __init__(self, config: Config, first_use: FirstUse | None = None) -> None:
        self.config = config
        self.store = Store(config)
        self.retriever = Retriever(self.store, config)
        self._first_use = first_use
        self._ready = False
        self._index_lock = threading.Lock()

    # --- resources lent to engines ----------------------------------------------------------------
    def embedder(self) -> TextEmbedder:
        from rag.storage.embedder import embedder

        return embedder(self.config.embed_batch, self.store.embed_precision(), self.config.embed_runtime)

    def idf(self, passages: list[Passage]) -> Callable[[str], float]:
        kw = self.keywords()
        if kw.meta:
            return idf_from(kw.df, len(kw.meta))
        docs = [set(terms(p.text)) for p in passages]
        return idf_from(lambda t: sum(t in d for d in docs), len(docs))

    def keywords(self) -> bm25.KeywordIndex:
        return bm25.load(self.store)

    def body(self, article_id: str) -> str | None:
        return self.store.body(article_id)

    def sentence_vectors(self, texts: list[str]) -> dict[str, np.ndarray]:
        return self.store.meaning.lookup(texts)

    def engine(self, name: str) -> Engine:
        return get_engine(name)

    # --- answering --------------------------------------------------------------------------------
    def ensure_indexed(self) -> None:
        """On first use of an empty index, run the first-use step (index the bundled articles)."""
        if self._ready:
            return
        with self._index_lock:
            self.store.sync()  # server mode: an empty local cache is filled from the server, not from articles_dir
            if not self._ready and self.store.article_count() == 0:
                step = self._first_use or installed_first_use()
                if step is not None:
                    step(self)
            self._ready = True

    def retrieve(self, question: str, k: int | None = None, sources: list[str] | None = None,
                 since: date | None = None, until: date | None = None) -> list[Passage]:
        """The top-k passages for `question`, best first."""
        with reachable(self.config.chroma_url):  # a lost server is one ChromaUnavailable, then retried next time
            self.ensure_indexed()
            return self.retriever.retrieve(clean_question(question), k, sources, since, until)

    def answer(self, question: str, k: int | None = None, sources: list[str] | None = None,
               since: date | None = None, until: date | None = None, history: Sequence[Turn] | None = None,
               engine: str | None = None) -> Answer:
        """The verified answer to `question` (with `history`, a follow-up is read against the conversation)."""
        *_, final = self.stream(question, k, sources, since, until, history, engine)  # every engine yields its final answer
        return final

    def stream(self, question: str, k: int | None = None, sources: list[str] | None = None,
               since: date | None = None, until: date | None = None, history: Sequence[Turn] | None = None,
               engine: str | None = None) -> Iterator[Answer]:
        """Verified answers as the engine writes them (one for engines that do not stream); the last is final."""
        chosen = check_available(engine, self.config)
        asked = clean_question(question)
        standalone, history = self._standalone(asked, history, chosen, k, sources, since, until)
        for attempt in (1, 2):
            passages = self.retrieve(standalone, k, sources, since, until)
            vanished = False
            for partial in chosen.stream(standalone, passages, history, self):
                partial.question = asked
                problems = citation_problems(partial, self.store.body)
                # An article removed by another writer while this answer was written: not an error. Skip that
                # step; if the final answer cites it, answer once more over the index as it is now (once: a
                # second vanishing is reported by the citation check like any other problem).
                vanished = attempt == 1 and bool(problems) and all(p.endswith("is not in the index") for p in problems)
                if not vanished:
                    yield verify(partial, self.store.body)
            if not vanished:
                return

    def judge(self, answer: Answer | dict[str, Any], verdict: str, *, history: Sequence[Turn] | None = None,
              expected: str | None = None, note: str | None = None) -> int:
        """Record that `answer` (an Answer or its `to_dict()`) was right or wrong, with the expected answer or a
        note; `rag eval export-feedback` turns the judgements into gold cases. Returns the judgement's number."""
        given = answer.to_dict() if isinstance(answer, Answer) else answer
        stored = self.store.paths()
        files = {c["article_id"]: stored.get(c["article_id"]) or "" for c in given.get("citations", [])}
        record = {
            "question": given["question"], "history": [t if isinstance(t, dict) else list(t) for t in history or []],
            "answer": given, "engine": given.get("engine"), "expected": (expected or "").strip() or None,
            "note": (note or "").strip() or None,
            "files": {aid: Path(path).name for aid, path in files.items() if path},
            "index": {"home": str(self.config.home), "articles": self.store.article_count(),
                      "changes": self.store.changes(), "last_indexed": self.store.last_indexed()},
        }
        return FeedbackLog(self.config.home).add(verdict, record)

    def _standalone(self, question: str, history: Sequence[Turn] | None, engine: Engine, k: int | None,
                    sources: list[str] | None, since: date | None,
                    until: date | None) -> tuple[str, Sequence[Turn] | None]:
        """The follow-up step: the engine's own, else the rule-based resolver (and the history to answer with)."""
        if history and user_turns(history):
            condensed = engine.condense(question, history, self)
            if condensed is not None:
                return condensed, history
        standalone = resolve(question, history)
        if standalone != question and not bot_turns(history):
            # Only questions were given: answer the last one again so the follow-up knows what was said.
            earlier = self.answer(user_turns(history)[-1], k, sources, since, until, None, engine.name)
            history = [*(history or []), {"role": "assistant", "content": earlier.text}]
        return standalone, history


def get_index(config: Config | None = None) -> Index:
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
    (`rag.engines.registry.ENGINES`; default "extractive", no generative model). Raises `BadQuestion` (a
    ValueError) for an empty or unusable question.
    """
    return get_index(config).answer(question, k, sources, since, until, history, engine)


def retrieve(
    question: str,
    k: int | None = None,
    *,
    sources: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    config: Config | None = None,
) -> list[Passage]:
    """The top-k indexed chunks for `question`, best first (what the answerer reads); k defaults to `top_k`."""
    return get_index(config).retrieve(question, k, sources, since, until)
