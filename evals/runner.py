"""Run a gold set through the public API: every conversation, answer, citation, retrieval and timing."""
from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from evals.gold import GoldCase
from rag.core.config import Config


@dataclass
class CaseResult:
    """What the engine did with one gold case (the last turn is the one scored)."""

    case: GoldCase
    answer: dict[str, Any] | None  # Answer.to_dict() of the last turn; None when it raised
    history: list[dict[str, str]]  # the conversation before the last turn, as role/content dicts
    error: str | None
    latency_s: float
    retrieved: list[dict[str, Any]]  # top-k passages for the question (single-turn cases only)
    scores: dict[str, Any] = field(default_factory=dict)  # per-case metric values, filled by metrics

    @property
    def refused(self) -> bool:
        return bool(self.answer and self.answer["refused"])

    @property
    def citations(self) -> list[dict[str, Any]]:
        return list(self.answer["citations"]) if self.answer else []

    @property
    def text(self) -> str:
        return self.answer["text"] if self.answer else ""


@dataclass
class Run:
    """One run of a gold set: settings, results and a body lookup for the metrics."""

    results: list[CaseResult]
    engine: str
    k: int
    gold: str
    body_of: Callable[[str], str | None]
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    seconds: float = 0.0


def _ask(question: str, history: list[dict[str, str]], engine: str | None, config: Config) -> dict[str, Any]:
    from rag.api import answer

    return answer(question, history=history or None, engine=engine, config=config).to_dict()


def run_case(case: GoldCase, config: Config, engine: str | None, k: int) -> CaseResult:
    """Play the conversation (earlier turns get the engine's real answers), time and score the last turn."""
    from rag.api import retrieve

    history: list[dict[str, str]] = []
    try:
        for turn in case.turns[:-1]:
            reply = _ask(turn, history, engine, config)
            history += [{"role": "user", "content": turn}, {"role": "assistant", "content": reply["text"]}]
    except Exception as exc:  # an engine failing on an earlier turn fails the case, not the run
        return CaseResult(case, None, history, f"earlier turn failed: {type(exc).__name__}: {exc}", 0.0, [])
    t0 = time.perf_counter()
    try:
        answer, error = _ask(case.question, history, engine, config), None
    except Exception as exc:
        answer, error = None, f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, ValueError):
            error += "\n" + traceback.format_exc(limit=3)
    latency = time.perf_counter() - t0
    retrieved: list[dict[str, Any]] = []
    if len(case.turns) == 1:  # a follow-up's retrieval depends on the engine's rewriting; scored end to end
        retrieved = [
            {"article_id": p.article_id, "start": p.start, "end": p.end, "score": p.score, "text": p.text}
            for p in retrieve(case.question, k, config=config)
        ]
    return CaseResult(case, answer, history, error, latency, retrieved)


def run_suite(cases: list[GoldCase], config: Config, engine: str | None = None, k: int = 3,
              gold: str = "", progress: bool = True) -> Run:
    """Run every case (with a progress bar on stderr) and return the unscored Run."""
    from tqdm import tqdm

    from rag.engines.registry import DEFAULT_ENGINE, get_engine
    from rag.storage.store import Store

    get_engine(engine)  # unknown or unavailable engine: one clear error before any work
    store = Store(config)
    t0 = time.perf_counter()
    if cases:  # warm up (index on first use, load models) so the first case's latency is not the start-up cost
        try:
            _ask(cases[0].question, [], engine, config)
        except Exception:
            pass  # the case itself will record the error
    results = [run_case(c, config, engine, k)
               for c in tqdm(cases, desc="eval", unit="case", disable=not progress, file=sys.stderr)]
    run = Run(results, engine or DEFAULT_ENGINE, k, gold, store.body)
    run.seconds = time.perf_counter() - t0
    return run


def failures(r: CaseResult) -> list[str]:
    """Why a scored case fails (empty list: it passes). Needs `compute_all` to have filled `r.scores`."""
    s = r.scores
    if r.error:
        return [f"error: {r.error.splitlines()[0]}"]
    if not r.case.answerable:
        return [] if r.refused else ["answered a question the articles cannot answer"]
    if r.refused:
        return ["refused an answerable question"]
    out = []
    if s.get("answer_correctness.missing"):
        out.append("missing facts: " + ", ".join(s["answer_correctness.missing"]))
    if s.get("citation_support.supported") == 0.0:
        out.append("citations do not cover the gold evidence")
    if s.get("citation_validity.bad"):
        out.append(f"invalid citations: {s['citation_validity.bad']}")
    return out
