"""On-topic is not enough: the asked-for thing must be in the evidence, else the question is refused.

A "how many" question needs a figure counting the thing counted, "how old" an age, "what did X say" a sentence
naming X. Without them the nearest sentences would read as an answer ("How many warheads?" answered with a
sentence about missile tests; "What did President Biden say?" with what the UN envoy said).
"""
from __future__ import annotations

import re

from rag.core.records import Passage
from rag.engines.extractive.evidence import Evidence
from rag.engines.extractive.spans import Figure, counted_noun
from rag.storage.bm25 import terms

_AGE = re.compile(r"\b\d{1,3}[- ]years?[- ]old\b|\baged? \d{1,3}\b|\b[A-Z]\w+, \d{1,3}, ", re.I)
_SAYS = re.compile(r"^\s*what (?:did|does|do|has|have) (.+?) (?:say|said|tell|told|announce|claim|write|argue|"
                   r"state|add|reveal|admit|warn|predict)\b", re.I)
_TITLES = {"president", "mr", "mrs", "ms", "dr", "prime", "minister", "secretary", "general", "chancellor",
           "senator", "sen", "rep", "king", "queen", "pope", "judge", "ceo", "chief", "the"}


def no_count(question: str, figures: list[Figure]) -> bool:
    """A "how many <things>" question whose evidence holds no figure counting those things."""
    return not figures and bool(re.search(r"\bhow many\b", question, re.I)) and bool(counted_noun(question))


def no_age(question: str, evidence: list[Evidence]) -> bool:
    """A "how old" question whose best sentences give no age ("49-year-old", "aged 49", "Kalmus, 49,")."""
    return bool(re.search(r"\bhow old\b", question, re.I)) and not any(_AGE.search(e.text) for e in evidence)


def speaker_terms(question: str, passages: list[Passage]) -> set[str]:
    """The named speaker of a "What did X say ...?" question, as terms (empty for "she", an outlet, no name)."""
    m = _SAYS.match(question)
    if not m:
        return set()
    outlets = {t for p in passages for t in terms(p.source or "")}
    names = [w for w in re.findall(r"[A-Z][\w'’\-]*", m.group(1)) if w.lower() not in _TITLES]
    return set(terms(" ".join(names))) - outlets


def not_the_speaker(question: str, passages: list[Passage], shown: list[Evidence]) -> bool:
    """A "What did X say" question none of whose shown sentences names X."""
    speaker = speaker_terms(question, passages)
    return bool(speaker) and not any(speaker <= set(terms(e.text)) for e in shown)
