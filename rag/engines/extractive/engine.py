"""The extractive engine: answer with the retrieved articles' own sentences, each cited `[n]`.

It leads with the exact words that answer a who / when / where / how-many question, reports both
figures when the sources disagree, says the same wire copy once (citing every article that carries it),
and refuses with `REFUSAL` when the best evidence scores below `min_support`.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from rag.core.config import Config
from rag.core.records import Answer, Citation, Passage
from rag.core.tuning import TUNING
from rag.engines.base import Resources
from rag.engines.extractive import asked
from rag.engines.extractive.evidence import Evidence, candidates, new_names, normal, question_kind, score
from rag.engines.extractive.spans import Figure, direct_span, figures, related_figures
from rag.engines.followup import Turn, split_resolved

REFUSAL = "The indexed articles do not contain an answer to this question."


class _Citer:
    """Numbers cited sentences in order of first use; the same sentence keeps its number."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._n: dict[tuple[str, int, int], int] = {}

    def mark(self, e: Evidence) -> str:
        key = (e.passage.article_id, e.start, e.end)
        if key not in self._n:
            p = e.passage
            self._n[key] = n = len(self.citations) + 1
            self.citations.append(Citation(n, p.article_id, p.title, p.source, p.published, p.url,
                                           e.text, e.start, e.end, round(e.score, 4)))
        return f"[{self._n[key]}]"


def _groups(ranked: list[Evidence], floor: float, limit: int) -> list[list[Evidence]]:
    """The best distinct statements; a sentence repeated word for word in other articles joins its group."""
    groups: dict[str, list[Evidence]] = {}
    for e in ranked:
        if e.score < floor:
            break
        key = normal(e.text)
        if key in groups:
            if all(x.passage.article_id != e.passage.article_id for x in groups[key]):
                groups[key].append(e)
        elif len(groups) < limit and not any(_similar(key, k) for k in groups):
            groups[key] = [e]
    return list(groups.values())


def _similar(a: str, b: str) -> bool:
    wa, wb = set(a.split()), set(b.split())
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > 0.6


def _conflict(figs: list[Figure], citer: _Citer) -> str | None:
    """ "The articles give different figures: seven (The Guardian [1]); nine (...)" when values differ."""
    by_value: dict[float, list[Figure]] = {}
    for f in figs:
        by_value.setdefault(f.value, []).append(f)
    if len(by_value) < 2:
        return None
    parts = []
    for same in sorted(by_value.values(), key=lambda fs: -max(f.evidence.score for f in fs)):
        word = same[0].evidence.text[same[0].start : same[0].end]
        who = ", ".join(f"{f.evidence.passage.source or f.evidence.passage.title} {citer.mark(f.evidence)}" for f in same)
        parts.append(f"{word} ({who})")
    return "The articles give different figures: " + "; ".join(parts) + "."


def question_share(evidence: list[Evidence]) -> float:
    """How much of the question the best sentence (with its headline) holds: what refusal is decided on."""
    return max((e.share for e in evidence), default=0.0)


def compose(question: str, passages: list[Passage], *, idf: Callable[[str], float],
            similar: Callable[[str, list[str]], list[float]], max_sentences: int = 3,
            min_support: float = 0.2, context: str = "", avoid: str = "", asked_for: bool = False) -> Answer:
    """Pick the best-supported sentences, lead with the direct answer; refuse when support is too weak, and
    with `asked_for`, when the sentences are on topic but lack the asked-for thing (a count of it, an age,
    the named speaker's words)."""
    evidence = candidates(passages)
    score(question, evidence, idf, context=context, avoid=avoid, both_ways=asked_for)
    evidence.sort(key=lambda e: e.score, reverse=True)
    # Refuse when no sentence holds enough of the question's (IDF-weighted) words, whatever ranks first.
    if question_share(evidence) < min_support:
        return Answer(question=question, text=REFUSAL, refused=True, related=passages[:3])

    kind = question_kind(question)
    if asked_for and asked.no_age(question, evidence[:10]):
        return Answer(question=question, text=REFUSAL, refused=True, related=passages[:3])
    citer = _Citer()
    lead, conflict = "", False
    if kind == "count":
        # Figures that count the asked-for thing, from sentences that are about the question at all.
        pool = [e for e in evidence[:30] if e.coverage > 0]
        figs = related_figures(question, figures(question, evidence), figures(question, pool), similar)
        if asked_for and asked.no_count(question, figs):
            return Answer(question=question, text=REFUSAL, refused=True, related=passages[:3])
        lead = _conflict(figs, citer) or ""
        conflict = bool(lead)
        if not lead and figs:
            f = max(figs, key=lambda f: f.evidence.score)
            lead = f"{f.evidence.text[f.start : f.end]} {f.noun} {citer.mark(f.evidence)}"
    elif kind in ("who", "when", "where"):
        # Among the well-supported sentences, the one naming the most (new) things answers best.
        best: tuple[int, Evidence, tuple[int, int]] | None = None
        for e in evidence[:10]:
            span = direct_span(kind, question, e.text) if e.score >= TUNING.evidence.lead_band * evidence[0].score else None
            if span:
                size = len(new_names(e.text[span[0] : span[1]], question)) if kind == "who" else 1
                if best is None or size > best[0]:
                    best = (size, e, span)
        if best:
            _, e, (s, t) = best
            lead = f"{e.text[s:t]} {citer.mark(e)}"

    groups = _groups(evidence, TUNING.evidence.group_band * evidence[0].score, max_sentences)
    if asked_for and not lead and asked.not_the_speaker(question, passages, [e for g in groups for e in g]):
        return Answer(question=question, text=REFUSAL, refused=True, related=passages[:3])
    # Sentences behind the lead come first in the evidence list, so the reader sees them in full
    # (with their wire-copy twins from other articles).
    first: list[list[Evidence]] = []
    for c in list(citer.citations):
        key = normal(c.text)
        if all(normal(g[0].text) != key for g in first):
            twins = [e for e in evidence if normal(e.text) == key]
            lead_e = next(e for e in twins if (e.passage.article_id, e.start) == (c.article_id, c.start))
            first.append([lead_e] + [e for e in twins if e.passage.article_id != c.article_id][:3])
    seen = {normal(g[0].text) for g in first}
    body = first + [g for g in groups if normal(g[0].text) not in seen]
    parts = [f"{g[0].text} {''.join(citer.mark(e) for e in g)}" for g in body]
    text = (f"{lead}\n\n" if lead else "") + " ".join(parts)
    return Answer(question=question, text=text, refused=False, citations=citer.citations, conflict=conflict,
                  kind="entity" if lead else "passage")


class PhraseSimilarity:
    """Cosine similarity of short phrases (a few words each) with one embedder; vectors are cached."""

    def __init__(self, embedder: Any, limit: int = 4096) -> None:
        self.embedder = embedder
        self.limit = limit
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _vector(self, phrase: str) -> np.ndarray:
        with self._lock:
            got = self._vectors.get(phrase)
        if got is None:
            got = np.asarray(self.embedder.get_text_embedding(phrase))
            with self._lock:
                if len(self._vectors) >= self.limit:
                    self._vectors.clear()
                self._vectors[phrase] = got
        return got

    def __call__(self, target: str, phrases: list[str]) -> list[float]:
        t = self._vector(target)
        return [float(self._vector(p) @ t) for p in phrases]


_similarity: dict[int, PhraseSimilarity] = {}  # one per embedder (the embedder is loaded once per process)


def _phrase_similarity(resources: Resources) -> PhraseSimilarity:
    model = resources.embedder()
    if id(model) not in _similarity:
        _similarity[id(model)] = PhraseSimilarity(model)
    return _similarity[id(model)]


def compose_answer(question: str, passages: list[Passage], config: Config, resources: Resources,
                   history: Sequence[Turn] | None = None) -> Answer:
    """The extractive engine as registered in `rag.engines.registry`; `question` may be a resolved follow-up.

    Yes/no, "X or Y" and several-part who/which questions are answered part by part (reasoning.py);
    the rest by sentence extraction."""
    from rag.engines.extractive.reasoning import reason

    own, context, _ = split_resolved(question, history)
    if not context:
        reasoned = reason(own, passages, resources, _Citer, REFUSAL)
        if reasoned is not None:
            reasoned.question = question
            return reasoned
    return previous_answer(question, passages, config, resources, history, asked_for=True)


def previous_answer(question: str, passages: list[Passage], config: Config, resources: Resources,
                    history: Sequence[Turn] | None = None, asked_for: bool = False) -> Answer:
    """Sentence extraction without question analysis (the engine before reasoning.py; a benchmark baseline);
    `asked_for`: refuse on-topic sentences that lack the asked-for thing (the default engine does)."""
    own, context, earlier = split_resolved(question, history)
    avoid = normal(" ".join(earlier))
    # The similarity model loads only when a how-many question needs it.
    similar: Callable[[str, list[str]], list[float]] = lambda t, ps: _phrase_similarity(resources)(t, ps)
    result = compose(own, passages, idf=resources.idf(passages), similar=similar,
                     max_sentences=config.max_sentences, min_support=config.min_support, context=context,
                     avoid=avoid, asked_for=asked_for)
    result.question = question
    return result


class ExtractiveEngine:
    """The default engine (`rag.engines.base.Engine`): no generative model, always available."""

    name = "extractive"
    streams = False

    def unavailable(self, config: Config) -> str | None:
        return None

    def condense(self, question: str, history: Sequence[Turn], resources: Resources) -> str | None:
        return None  # the rule-based resolver (rag.engines.followup) serves this engine

    def answer(self, question: str, passages: list[Passage], history: Sequence[Turn] | None,
               resources: Resources) -> Answer:
        return compose_answer(question, passages, resources.config, resources, history)

    def stream(self, question: str, passages: list[Passage], history: Sequence[Turn] | None,
               resources: Resources) -> Iterator[Answer]:
        yield self.answer(question, passages, history, resources)


ENGINE = ExtractiveEngine()
