"""Hybrid retrieval: dense (Chroma) + keyword (BM25) over the same chunks, fused, steered by the question's
outlets and dates, and diversified so that no single article fills every slot."""
from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from rag.core import parallel
from rag.core.config import Config
from rag.core.records import Passage
from rag.core.terms import terms
from rag.core.tuning import TUNING, Fusion
from rag.retrieval import ranker
from rag.retrieval.fast import source_mask, top_rows
from rag.retrieval.features import Pool, features
from rag.retrieval.hints import Hints, clauses, question_hints
from rag.storage import bm25
from rag.storage.bm25 import KeywordIndex
from rag.storage.store import Store, connection_lost


def chroma_where(sources: list[str] | None, since: date | None, until: date | None) -> dict[str, Any] | None:
    """Chroma `where` for outlet and publication-date restrictions (None if no filter)."""
    parts: list[dict[str, Any]] = []
    if sources:
        parts.append({"source": {"$in": list(sources)}})
    if since:
        parts.append({"published_day": {"$gte": int(since.strftime("%Y%m%d"))}})
    if until:
        parts.append({"published_day": {"$lte": int(until.strftime("%Y%m%d"))}})
    return None if not parts else parts[0] if len(parts) == 1 else {"$and": parts}


def _mask(kw: KeywordIndex, sources: list[str] | None, since: date | None, until: date | None) -> np.ndarray:
    """Which keyword rows pass the same filters as `chroma_where`."""
    ok = np.ones(len(kw.meta), dtype=bool)
    if sources:
        ok &= source_mask(kw, [s.lower() for s in sources])
    if since:
        ok &= kw.days >= int(since.strftime("%Y%m%d"))
    if until:
        ok &= (kw.days <= int(until.strftime("%Y%m%d"))) & (kw.days > 0)
    return ok


class Retriever:
    """Hybrid retrieval over one store; build once, call many times (the models and BM25 stay loaded)."""

    def __init__(self, store: Store, config: Config | None = None, weights: Fusion | None = None) -> None:
        self.store = store
        self.config = config or store.config
        self.weights = weights or TUNING.fusion
        self._sources: list[str] | None = None
        self._generation = -1
        # The learned ranker (rag/ranker.npz) only when `rerank` is on (opt-in); benchmarks swap in their own models.
        self.model: ranker.TreeModel | None = ranker.load() if self.config.rerank else None

    def _known_sources(self, kw: KeywordIndex) -> list[str]:
        if self._generation != kw.generation:
            self._sources = kw.source_names()
            self._generation = kw.generation
        return self._sources or []

    def _embed(self, question: str) -> np.ndarray:
        from rag.storage.embedder import embed_query

        # The precision the index was built with, whatever the settings say now: vectors must be comparable.
        return embed_query(question, self.config.embed_batch, self.store.embed_precision(), self.config.embed_runtime)

    def candidates(self, question: str, sources: list[str] | None = None, since: date | None = None,
                   until: date | None = None) -> tuple[Pool, Hints, KeywordIndex] | None:
        """The hybrid pool for `question` (each retriever's best `pool` chunks, with both scores for all),
        the question's hints, and the keyword index the pool's rows refer to."""
        w = self.weights
        self.store.sync()  # another process may have added or removed articles since the last question
        kw = bm25.load(self.store)
        if not kw.meta:
            return None

        # Dense side, on a second core while BM25 runs here: Chroma's nearest chunks under the same filters.
        n = min(w.pool, len(kw.meta))
        dense_job = parallel.submit(self._nearest, question, n, chroma_where(sources, since, until))

        # Keyword side: BM25 over every chunk, restricted by the filters. A multi-hop question asks about
        # several articles, one per clause, so a chunk that matches one clause well counts as well.
        allowed = _mask(kw, sources, since, until)
        whole, parts = keyword_parts(kw, question, allowed)
        bm = fuse_keyword(whole, parts, w.clause)
        top_bm = top_rows(bm, w.pool)
        top_bm = top_bm[bm[top_bm] > 0]

        q, dense = dense_job.result()
        # Each row's metadata is read once per question: the keyword index may build the dict on every access.
        missing = [cid for cid in (kw.meta[i]["chunk_id"] for i in top_bm) if cid not in dense]
        ids = [cid for cid in [*dense, *missing] if cid in kw.row_of]
        if not ids:
            return None
        rows = np.array([kw.row_of[cid] for cid in ids], dtype=np.int64)
        metas = [kw.meta[r] for r in rows]
        # Keyword-only candidates need their stored vectors (both scores for every candidate), and every
        # candidate its article's body: reads from disk at a million chunks, done on the second core while
        # the sentence feature is computed here.
        fetch = parallel.submit(self._fetch, missing, list(dict.fromkeys(m["article_id"] for m in metas)))
        hints = question_hints(question, self._known_sources(kw))
        src = np.isin(kw.sources[rows], list(hints.sources)).astype(np.float64)
        day = np.isin(kw.days[rows], list(hints.days)).astype(np.float64)
        # Which chunk of an article holds the sentence a clause paraphrases: its best sentence's BM25.
        # (Not computed when it would not count: the ranker orders by its own features.)
        sentence = (pool_sentences(kw, question, rows, allowed, w.clause)
                    if w.sentence and self.model is None else np.zeros(len(rows)))
        vectors, bodies = fetch.result()
        for cid, vec in vectors:
            dense[cid] = float(np.asarray(vec, dtype=np.float32) @ q)
        cos = np.array([dense.get(cid, 0.0) for cid in ids], dtype=np.float64)
        fused = w.dense * cos + w.keyword * bm[rows] + w.source * src + w.day * day
        # A chunk or article removed by another process since the keyword index was loaded has no vector or
        # no body: skip it.
        keep = np.array([cid in dense and bodies[m["article_id"]] is not None for cid, m in zip(ids, metas)], dtype=bool)
        if not keep.all():
            rows, cos, src, day, fused, sentence = (x[keep] for x in (rows, cos, src, day, fused, sentence))
            metas = [m for m, k in zip(metas, keep) if k]
            if not len(rows):
                return None
        texts = [(bodies[m["article_id"]] or "")[m["start"] : m["end"]] for m in metas]
        q_terms = set(terms(question))
        return Pool(rows=rows, cos=cos, fused_keyword=bm[rows], keyword_question=whole[rows],
                    keyword_clauses=[p[rows] for p in parts] or [whole[rows]], fused=fused, sentence=sentence,
                    source_named=src, day_named=day, texts=texts, question_terms=q_terms,
                    clause_terms=[set(terms(c)) for c in clauses(question)] or [q_terms],
                    n_sources=len(hints.sources), n_days=len(hints.days)), hints, kw

    def _nearest(self, question: str, n: int, where: dict[str, Any] | None) -> tuple[np.ndarray, dict[str, float]]:
        """The question's vector and its `n` nearest chunks (id -> cosine, which is 1 - Chroma's distance)."""
        q = self._embed(question)
        res = self.store.collection.query(query_embeddings=[q.tolist()], n_results=n, where=where,
                                          include=["distances"])
        return q, {cid: 1.0 - d for cid, d in zip(res["ids"][0], res["distances"][0])}

    def _fetch(self, missing: list[str], article_ids: list[str]) -> tuple[list[tuple[str, Any]], dict[str, str | None]]:
        """Stored vectors of these chunks, and these articles' bodies (None for one removed meanwhile)."""
        return self._vectors(missing), {a: self.store.body(a) for a in article_ids}

    def _vectors(self, ids: list[str]) -> list[tuple[str, Any]]:
        """Stored vectors of these chunks; a chunk removed by another process meanwhile is skipped, not an error."""
        if not ids:
            return []
        try:
            got = self.store.collection.get(ids=ids, include=["embeddings"])
            return list(zip(got["ids"], got["embeddings"]))
        except Exception as exc:  # chromadb: "Error finding id" for an id deleted since; fetch the rest one by one
            if connection_lost(exc):
                raise
            out = []
            for cid in ids:
                try:
                    one = self.store.collection.get(ids=[cid], include=["embeddings"])
                except Exception as one_exc:
                    if connection_lost(one_exc):
                        raise
                    continue
                out += list(zip(one["ids"], one["embeddings"]))
            return out

    def retrieve(self, question: str, k: int | None = None, sources: list[str] | None = None,
                 since: date | None = None, until: date | None = None) -> list[Passage]:
        """Top-k passages for `question`, best first; `score` is the ranker's P(holds evidence), else the fused
        score plus the best-sentence match."""
        k = k or self.config.top_k
        w = self.weights
        got = self.candidates(question, sources, since, until)
        if got is None:
            return []
        pool, hints, kw = got
        score = self.model.score(features(pool, kw)) if self.model is not None else default_score(pool, w)
        scored = sorted(zip(score.tolist(), pool.rows.tolist()), reverse=True)
        text_of = dict(zip(pool.rows.tolist(), pool.texts))
        out: list[Passage] = []
        for s, i in interleave_sources(scored, kw, hints.sources, k, w.per_article, w.per_source):
            # A held-back chunk may outscore the one before it; report scores non-increasing, best first.
            out.append(_passage(kw.meta[i], text_of[i], min(s, out[-1].score) if out else s))
        return out


def default_score(pool: Pool, w: Fusion) -> np.ndarray:
    """The order without the ranker: the fused score plus the best-sentence match."""
    return pool.fused + w.sentence * pool.sentence


def _passage(m: dict[str, Any], text: str, score: float) -> Passage:
    return Passage(
        text=text, article_id=m["article_id"], title=m["title"] or "",
        source=m["source"] or None, published=m["published"] or None, start=int(m["start"]),
        end=int(m["end"]), score=round(float(score), 4), url=m["url"] or None, chunk_id=m["chunk_id"],
    )


def _scaled(x: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """Scores zeroed where not allowed, then divided by the best one (all zeros stay zeros); `x` is not
    changed (the keyword index hands out remembered, read-only score vectors)."""
    if allowed is not None and not allowed.all():
        x = np.where(allowed, x, np.float32(0))
    top = float(x.max()) if len(x) else 0.0
    return x / top if top > 0 else x


def keyword_parts(kw: KeywordIndex, question: str, allowed: np.ndarray | None = None
                  ) -> tuple[np.ndarray, list[np.ndarray]]:
    """BM25 of the whole question and of each clause over every chunk, each scaled to its best allowed chunk."""
    return _scaled(kw.scores(question), allowed), [_scaled(kw.scores(c), allowed) for c in clauses(question)]


def pool_sentences(kw: KeywordIndex, question: str, rows: np.ndarray, allowed: np.ndarray | None,
                   clause_weight: float) -> np.ndarray:
    """The best-sentence BM25 feature of the pool's rows, fused like `keyword_parts`: each text scaled to its
    best *pool* row and computed from those rows' postings only (scoring every sentence cost ~200 ms a
    question at a million chunks; the pool holds the best ones)."""
    ok = allowed[rows] if allowed is not None else None
    whole, *parts = (_scaled(kw.sentence_scores_at(t, rows), ok) for t in [question, *clauses(question)])
    return fuse_keyword(whole, parts, clause_weight)


def fuse_keyword(whole: np.ndarray, parts: list[np.ndarray], clause_weight: float) -> np.ndarray:
    """The whole question's BM25 plus `clause_weight` x the best clause's, scaled to [0, 1]."""
    total = whole.copy()
    if clause_weight and parts:
        total += clause_weight * np.max(parts, axis=0)
    top = float(total.max()) if len(total) else 0.0
    return total / top if top > 0 else total


def diversify(scored: list[tuple[float, int]], kw: KeywordIndex, k: int, per_article: int,
              first: list[tuple[float, int]] | None = None) -> list[tuple[float, int]]:
    """Best first, but an article's chunks beyond `per_article` wait until other articles had their turn;
    `first` are already placed ahead and count towards their articles' caps."""
    picked: list[tuple[float, int]] = list(first or [])
    held: list[tuple[float, int]] = []
    count: dict[str, int] = {}
    for _, i in picked:
        a = kw.meta[i]["article_id"]
        count[a] = count.get(a, 0) + 1
    for s, i in scored:
        a = kw.meta[i]["article_id"]
        if count.get(a, 0) < per_article:
            picked.append((s, i))
            count[a] = count.get(a, 0) + 1
        else:
            held.append((s, i))
        if len(picked) >= k:
            break
    return (picked + held)[:k]


def interleave_sources(scored: list[tuple[float, int]], kw: KeywordIndex, named: set[str], k: int,
                       per_article: int, per_source: int) -> list[tuple[float, int]]:
    """A question that names several outlets needs evidence from each: their best chunks go first,
    one outlet after another, then everything else in diversified order."""
    present = sorted({kw.sources[i] for _, i in scored} & named)
    if len(present) < 2 or per_source <= 0:
        return diversify(scored, kw, k, per_article)
    by_source = {n: [(s, i) for s, i in scored if kw.sources[i] == n] for n in present}
    first: list[tuple[float, int]] = []
    for r in range(per_source):
        first += [by_source[n][r] for n in present if r < len(by_source[n])]
    first.sort(reverse=True)
    taken = {i for _, i in first}
    # The outlets' picks count towards the per-article cap, so one article cannot take 2 + per_article slots.
    return diversify([x for x in scored if x[1] not in taken], kw, k, per_article, first)
