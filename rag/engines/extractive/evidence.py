"""Sentence evidence: split the retrieved passages into sentences and score each against the question.

Scoring is lexical (IDF-weighted share of the question's terms a sentence holds), plus the passage's
retrieval rank (which carries the dense similarity and the ranker), plus answer-type fit.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rag.core.records import Passage
from rag.core.terms import terms
from rag.core.text import MONTHS, NUMBER_WORDS, WEEKDAYS, sentence_spans
from rag.core.tuning import TUNING

_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z\-’']+")
_NUMBER = re.compile(r"\b(\d[\d,.]*|" + "|".join(NUMBER_WORDS) + r")\b", re.I)
_DATE = re.compile(r"\b(" + "|".join(WEEKDAYS + MONTHS) + r"|\d{4}|yesterday|today|last (?:week|month|year))\b", re.I)
# Words that flip a statement: "refused to sign" must not answer "who signed".
NEGATIONS = {"not", "no", "never", "refus", "declin", "reject", "fail", "deni", "deny", "without", "oppos"}
# A name ("Kenya", "the United Arab Emirates") and a list of them ("China, Gabon ... and Russia").
_NAME = r"(?:the\s+)?[A-Z][\w’'\-.]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w’'\-.]*)*"
NAME_LIST = re.compile(
    rf"{_NAME}(?:\s*,\s*{_NAME})*(?:,?\s+(?:and|or)\s+{_NAME})?"
    rf"(?:\s*[–—-]?\s*,?\s+(?:along with|as well as|together with)\s+{_NAME})?"
)
_ITEM_SPLIT = re.compile(r"\s*,\s*|,?\s+(?:and|or|along with|as well as|together with)\s+|\s*[–—]\s*")


@dataclass
class Evidence:
    """A candidate sentence: where it is in its article, and how well it answers."""

    passage: Passage
    start: int  # offsets into the article body
    end: int
    text: str
    score: float = 0.0
    coverage: float = 0.0  # IDF-weighted share of the question's terms found in the sentence
    share: float = 0.0  # the same over the whole (resolved) question, headline included: what refusal is decided on


@lru_cache(maxsize=4096)
def _spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentence_spans(text))


def candidates(passages: list[Passage]) -> list[Evidence]:
    """Every sentence of the passages, with body offsets (passage.start + offset in the passage)."""
    return [Evidence(p, p.start + s, p.start + e, p.text[s:e]) for p in passages for s, e in _spans(p.text)]


def question_kind(question: str) -> str:
    """who / when / where / count / what: the kind of thing the question asks for."""
    q = question.lower()
    if re.search(r"\bhow (many|much)\b", q):
        return "count"
    m = re.search(r"\b(who|whom|whose|which|when|where)\b", q)
    if m:
        return {"whom": "who", "whose": "who", "which": "who"}.get(m.group(1), m.group(1))
    return "what"


def type_fit(kind: str, question: str, sentence: str) -> float:
    """Does the sentence hold the kind of thing asked for (names, a number, a date)?"""
    if kind == "who":
        best = max((len(new_names(m.group(), question)) for m in NAME_LIST.finditer(sentence)), default=0)
        return min(best, 4) / 4
    if kind == "where":
        asked = set(terms(question))
        names = {t for m in _CAPITALISED.findall(sentence)[1:] for t in terms(m)} - asked
        return min(len(names), 2) / 2
    if kind == "count":
        return 1.0 if any(not re.fullmatch(r"\d{4}", m) for m in _NUMBER.findall(sentence)) else 0.0
    if kind == "when":
        return 1.0 if _DATE.search(sentence) else 0.0
    return 0.0


def new_names(span: str, question: str) -> list[str]:
    """The names in a name-list span that the question does not already mention."""
    asked = set(terms(question))
    out = []
    for item in _ITEM_SPLIT.split(span):
        t = set(terms(item))
        if t and not t <= asked:
            out.append(item)
    return out


def negated(words: set[str]) -> bool:
    """Whether a set of (stemmed) terms holds a negation (the raw text may hold "not", a stop word)."""
    return bool(words & NEGATIONS)


def score(question: str, evidence: list[Evidence], idf: Callable[[str], float], context: str = "",
          avoid: str = "", both_ways: bool = False) -> None:
    """Score every sentence in place: coverage, passage rank, answer-type fit, polarity, novelty.

    `context` is the earlier question a follow-up leans on: its words count half. `avoid` is the
    earlier answer's text (`normal`-ised): a follow-up asks for something new, so what it said is set back.
    """
    if not evidence:
        return
    own = set(terms(question))
    q_neg = negated(own) or bool(re.search(r"\b(not|no|never|n't)\b", question.lower()))
    earlier = set(terms(context)) - own
    if not q_neg:  # "And who signed it?" after "Who refused to sign?" asks the opposite: drop "refused"
        earlier -= NEGATIONS
    tw = TUNING.evidence
    weights = {t: tw.context * idf(t) for t in earlier} | {t: idf(t) for t in own}
    q_terms = set(weights)
    total = sum(weights.values()) or 1.0
    kind = question_kind(question)
    full = {t: idf(t) for t in own | set(terms(context))}
    full_total = sum(full.values()) or 1.0
    # Passages come best first; an earlier passage's sentence gets a small edge. By rank, not by score: the
    # learned ranker's probabilities spread far wider than the fused scores this weight was set with.
    order: dict[int, int] = {}
    for e in evidence:
        order.setdefault(id(e.passage), len(order))
    for e in evidence:
        s_terms = set(terms(e.text))
        e.coverage = sum(weights[t] for t in q_terms & s_terms) / total
        # The headline gives a sentence its subject ("Kim Jong-un's regime" is North Korea's).
        e.share = sum(full[t] for t in full.keys() & (s_terms | _title_terms(e.passage.title))) / full_total
        s_neg = negated(s_terms) or bool(re.search(r"\b(not|no|never)\b|n't\b", e.text.lower()))
        prior = max(0.0, 1.0 - tw.rank_decay * order[id(e.passage)])
        e.score = (tw.coverage * e.coverage + tw.rank_prior * prior
                   + tw.type_fit * type_fit(kind, question, e.text) * min(1.0, 2 * e.coverage))
        # "refused to sign" does not answer "who signed"; with `both_ways`, for who/which questions, nor "signed"
        # "who declined to sign" (for why/what questions a reason rarely repeats the question's negation).
        if (s_neg and not q_neg) or (both_ways and q_neg and not s_neg and kind == "who"):
            e.score -= tw.negation_follow_up if context else tw.negation
        if avoid and len(e.text) > 20 and normal(e.text) in avoid:
            e.score -= tw.repeated


@lru_cache(maxsize=4096)
def _title_terms(title: str) -> frozenset[str]:
    return frozenset(terms(title))


def normal(text: str) -> str:
    """Sentence text reduced to its words, to spot the same wire copy in two articles."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))
