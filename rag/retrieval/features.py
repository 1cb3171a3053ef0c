"""What the learned ranker sees about each candidate chunk: its scores, its article's, its best sentence's.

One row per candidate of the hybrid pool, one column per name in FEATURES. The same function feeds training
(`benchmarks/train_ranker.py`) and retrieval, so the model always sees features computed the same way.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rag.core.terms import terms
from rag.storage.bm25 import KeywordIndex

FEATURES = [
    "cos", "fused_keyword", "keyword_question", "keyword_clause", "source_named", "day_named",
    "sentence_clause", "sentence_question", "sentence_clauses_mean",
    "article_gap", "article_rank", "rank_in_article", "gap_in_article", "article_cos", "article_cos_mean",
    "article_keyword", "title_overlap", "position", "lead", "sources_named", "days_named", "gap",
    "clause_rank", "rank_in_source", "clauses", "cos_rank", "keyword_rank",
]
# A plain regex splitter, not Punkt (rag.core.text.sentence_spans): the shipped ranker was trained on features
# computed with this one, so changing it would silently change what the model sees.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Pool:
    """The candidates of one question, with everything the features are made from (arrays align with rows)."""

    rows: np.ndarray  # keyword-index rows of the candidate chunks
    cos: np.ndarray  # cosine similarity chunk ~ question
    fused_keyword: np.ndarray  # keyword score of the whole question + best clause, scaled to [0, 1]
    keyword_question: np.ndarray  # BM25 of the whole question, scaled to the best chunk
    keyword_clauses: list[np.ndarray]  # BM25 of each clause, scaled to the best chunk
    fused: np.ndarray  # the hand-tuned fusion score (dense + keyword + outlet/day bonuses); the ranker's input
    sentence: np.ndarray  # BM25 of the chunk's best sentence (question + best clause), scaled; 0 with the ranker on
    source_named: np.ndarray  # chunk's outlet named in the question (0/1)
    day_named: np.ndarray  # chunk's publication day named in the question (0/1)
    texts: list[str]  # chunk texts
    question_terms: set[str]
    clause_terms: list[set[str]]
    n_sources: int
    n_days: int


def _rank(values: np.ndarray) -> np.ndarray:
    """0 for the largest value, 1 for the next, ... (ties in input order)."""
    out = np.empty(len(values))
    out[np.argsort(-values, kind="stable")] = np.arange(len(values))
    return out


def _group_rank(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rank of each value among the values sharing its key."""
    out = np.zeros(len(values))
    seen: dict = {}
    for i in np.argsort(-values, kind="stable"):
        out[i] = seen.get(keys[i], 0)
        seen[keys[i]] = out[i] + 1
    return out


def _group(codes: np.ndarray, values: np.ndarray, how: str) -> np.ndarray:
    """Per-row max or mean of `values` over the rows sharing its group code (0..n-1)."""
    if how == "max":
        agg = np.full(codes.max() + 1, -np.inf)
        np.maximum.at(agg, codes, values)
    else:
        agg = np.bincount(codes, weights=values) / np.bincount(codes)
    return agg[codes]


def _sentence_overlap(sentences: list[frozenset[str]], clause_terms: list[set[str]], question_terms: set[str],
                      idf: dict[str, float]) -> tuple[float, float, float]:
    """Best single-sentence IDF coverage of any clause, of the whole question, and of the clauses on average."""
    weights = [sum(idf[t] for t in c) or 1.0 for c in clause_terms]
    q_weight = sum(idf[t] for t in question_terms) or 1.0
    best = [0.0] * len(clause_terms)
    best_q = 0.0
    for st in sentences:
        shared = question_terms & st
        if not shared:
            continue
        for i, c in enumerate(clause_terms):
            best[i] = max(best[i], sum(idf[t] for t in c & shared) / weights[i])
        best_q = max(best_q, sum(idf[t] for t in shared) / q_weight)
    return max(best), best_q, sum(best) / len(best)


def sentence_terms(text: str) -> list[frozenset[str]]:
    """The content words of each sentence of a chunk (split at . ! ? and line breaks)."""
    return [frozenset(t) for t in (terms(x) for x in _SENTENCE_END.split(text)) if t]


def features(pool: Pool, kw: KeywordIndex) -> np.ndarray:
    """The feature matrix (len(pool.rows) x len(FEATURES)), float32."""
    n_chunks = max(len(kw.meta), 1)
    vocabulary = pool.question_terms.union(*pool.clause_terms)
    idf = {t: math.log((n_chunks - kw.df(t) + 0.5) / (kw.df(t) + 0.5) + 1.0) for t in vocabulary}

    rows, s = pool.rows, pool.fused
    _, articles = np.unique([kw.meta[r]["article_id"] for r in rows], return_inverse=True)
    art_max = _group(articles, s, "max")
    order = list(dict.fromkeys(articles[np.argsort(-art_max, kind="stable")].tolist()))
    art_rank = {a: i for i, a in enumerate(order)}
    sent = np.array([_sentence_overlap(kw.cached(("sentences", r), sentence_terms, t), pool.clause_terms,
                                       pool.question_terms, idf) for r, t in zip(rows, pool.texts)]).reshape(-1, 3)
    q_weight = sum(idf[t] for t in pool.question_terms) or 1.0
    title = np.array([sum(idf[t] for t in kw.title_terms(r) & pool.question_terms) / q_weight for r in rows])
    position = np.array([int(kw.meta[r]["position"] or 0) for r in rows])
    clause_rank = np.min([_rank(c) for c in pool.keyword_clauses], axis=0)
    ones = np.ones(len(rows))
    columns = [
        pool.cos, pool.fused_keyword, pool.keyword_question, np.max(pool.keyword_clauses, axis=0),
        pool.source_named, pool.day_named, sent[:, 0], sent[:, 1], sent[:, 2],
        art_max - s.max(), np.log1p([art_rank[a] for a in articles]), np.minimum(_group_rank(articles, s), 6),
        s - art_max, _group(articles, pool.cos, "max"), _group(articles, pool.cos, "mean"),
        _group(articles, pool.keyword_question, "max"), title, np.minimum(position, 8), position == 0,
        ones * min(pool.n_sources, 4), ones * (pool.n_days > 0), s - s.max(), np.log1p(clause_rank),
        np.log1p(_group_rank(kw.sources[rows], s)), ones * len(pool.clause_terms),
        np.log1p(_rank(pool.cos)), np.log1p(_rank(pool.fused_keyword)),
    ]
    return np.column_stack([np.asarray(c, dtype=np.float32) for c in columns])
