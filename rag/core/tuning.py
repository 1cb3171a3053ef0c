"""The tuned constants, in one place: retrieval fusion, BM25, evidence scoring and the LLM claim check.

Every value here was chosen on the MultiHop-RAG dev split (query index i % 5 != 0) or calibrated on it; the
benchmark that chose it is named beside it, and re-running that benchmark is how to change it. User-facing
thresholds (`min_support`, `llm_min_support`, `top_k`) are settings in `rag.core.config.Config` instead.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fusion:
    """How dense and keyword scores are fused into one ranking (benchmarks/retrieval.py)."""

    dense: float = 0.35  # weight of the cosine similarity
    keyword: float = 0.65  # weight of the keyword score (BM25, scaled to the best chunk; see fuse_keyword)
    source: float = 0.3  # bonus when the chunk's outlet is named in the question
    day: float = 0.3  # bonus when its publication day is mentioned in the question
    clause: float = 1.0  # weight of the best BM25 match to one clause of the question (multi-hop questions)
    sentence: float = 0.15  # weight of the chunk's best single sentence (BM25 over sentences, question + clause)
    pool: int = 100  # candidates taken from each retriever
    per_article: int = 4  # at most this many chunks of one article before the others had their turn
    per_source: int = 3  # when 2+ outlets are named: each one's best chunks first, round robin


@dataclass(frozen=True)
class BM25:
    """BM25 saturation and length normalisation, lower than bm25s's 1.5 / 0.75: a news chunk that names a
    question's rare words once is as good as one repeating them (benchmarks/retrieval.py)."""

    k1: float = 0.7
    b: float = 0.5


@dataclass(frozen=True)
class Evidence:
    """How the extractive engine scores a candidate sentence (evals gold set + benchmarks/refusal.py)."""

    coverage: float = 0.65  # IDF-weighted share of the question's terms the sentence holds
    rank_prior: float = 0.15  # edge for sentences of higher-ranked passages...
    rank_decay: float = 0.025  # ...falling by this much per passage rank
    type_fit: float = 0.2  # holds the kind of thing asked for (names, a number, a date)
    context: float = 0.5  # weight of an earlier question's words in a follow-up
    negation: float = 0.15  # a negated sentence ("refused to sign") for a positive question ("who signed")
    negation_follow_up: float = 0.3  # the same in a follow-up that asks the opposite of the earlier question
    repeated: float = 0.4  # a follow-up asks something new: what the earlier answer said is set back
    lead_band: float = 0.75  # a direct-answer span comes from sentences scoring at least this share of the best
    group_band: float = 0.8  # evidence sentences shown: at least this share of the best score


@dataclass(frozen=True)
class Claims:
    """The LLM engine's per-sentence support check (benchmarks/llm_support_calibration.py)."""

    # Support = lexical * share of the claim's content words in the span + (1 - lexical) * MiniLM cosine.
    # Calibrated to 0: cosine alone, with names and numbers as hard rules.
    lexical: float = 0.0


@dataclass(frozen=True)
class Tuning:
    """All tuned constants; `TUNING` is what the product runs with, benchmarks pass their own."""

    fusion: Fusion = Fusion()
    bm25: BM25 = BM25()
    evidence: Evidence = Evidence()
    claims: Claims = Claims()


TUNING = Tuning()
