"""Best-sentence BM25 of a few rows, read from those rows' own sentence postings.

A term's sentence postings are sorted by sentence, and a chunk's sentences are one consecutive range, so the
postings of a candidate's sentences are found by binary search: the cost is the candidates times the terms
times log(postings), not the postings. (Gathering every posting of a common word cost ~100 ms a question at a
million chunks.) Only a term's document frequency needs the whole list, and only its length: dead chunks'
postings are counted by the same binary search over the dead chunks' sentence ranges.

The BM25 weight itself (`lucene_idf`, `lucene_weights`) lives here too, shared with `kwview`'s dense scores.
"""
from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from rag.core.tuning import TUNING
from rag.storage.segment import Segment, term_key


class View(Protocol):
    """What this module reads of a `kwview.View` (named here, not imported: kwview builds on this module)."""

    segs: list[Segment]
    rowmaps: list[np.ndarray]  # per segment: local doc -> row (n for a dead chunk)
    clean: list[bool]  # per segment: no dead chunks
    order: np.ndarray  # row -> flat slot
    base: np.ndarray  # segment -> first flat slot
    sbase: np.ndarray  # segment -> first flat sentence
    n: int
    n_sent: int
    avgdl_sent: float

# Above this many dead chunks per posting, counting a term's live postings by gathering is cheaper.
_SEARCH_PER_POSTING = 1 / 16


def lucene_idf(n: int, df: int) -> float:
    """bm25s's "lucene" idf of a term in `df` of `n` docs (callers round it to float32, as bm25s does)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def lucene_weights(idf: np.ndarray | np.float32, tf: np.ndarray, lens: np.ndarray, avgdl: float) -> np.ndarray:
    """Per posting, bm25s's lucene weight with its float steps: the float32 idf times the term-frequency part
    computed in float64, stored as float32 (so sums match a bm25s rebuild bit for bit)."""
    k1, b = TUNING.bm25.k1, TUNING.bm25.b
    tf64 = tf.astype(np.float64)
    return (idf * (tf64 / (k1 * ((1 - b) + b * lens / avgdl) + tf64))).astype(np.float32)


def sentence_ptr(counts: np.ndarray) -> np.ndarray:
    """Local chunk d's sentences are [ptr[d], ptr[d+1]) (sentences follow their chunk's order)."""
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr


def _ranges(docs: np.ndarray, lohi: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Positions in the sorted `docs` that fall in each [lo, hi) (`lohi`: the lows, then the highs), and
    which range each belongs to; None when none does (the usual case: per-call overhead matters here)."""
    ends = docs.searchsorted(lohi)
    half = len(ends) // 2
    i0 = ends[:half]
    size = ends[half:] - i0
    hit = size.nonzero()[0]
    if not len(hit):
        return None
    i0, size = i0[hit], size[hit]
    if int(size.max()) == 1:
        return i0, hit
    offsets = size.cumsum() - size
    return np.repeat(i0 - offsets, size) + np.arange(int(size.sum())), np.repeat(hit, size)


class RowSentences:
    """Sentence BM25 restricted to given rows, with the collection-wide statistics of one view."""

    def __init__(self, view: View, search_share: float = _SEARCH_PER_POSTING) -> None:
        self.view = view
        self.search_share = search_share  # dead chunks per posting below which dead postings are searched for
        self.ptrs = [sentence_ptr(s.sentence_sums[0]) for s in view.segs]
        self._dead: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._df: dict[str, int] = {}
        self._last: tuple[tuple | None, np.ndarray] = (None, np.zeros(0, np.float32))
        self._found: dict[str, dict[int, tuple[int, np.ndarray]]] = {}

    def dead_ranges(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Sentence ranges of segment k's dead (deleted or replaced) chunks."""
        if k not in self._dead:
            dead = np.flatnonzero(self.view.rowmaps[k] >= self.view.n)
            self._dead[k] = (self.ptrs[k][dead], self.ptrs[k][dead + 1])
        return self._dead[k]

    def _postings(self, term: str) -> dict[int, tuple[int, np.ndarray]]:
        """Per segment holding the term: its first posting and the sentence of each posting
        (remembered: views into the mapped files, a few hundred bytes a term)."""
        got = self._found.get(term)
        if got is None:
            if len(self._found) > 100_000:  # a long-lived server's vocabulary: start over
                self._found.clear()
                self._df.clear()
            got = self._found[term] = self._find(term)
        return got

    def _find(self, term: str) -> dict[int, tuple[int, np.ndarray]]:
        key = np.uint64(term_key(term))
        out = {}
        for k, s in enumerate(self.view.segs):
            post = s.sentences
            i = int(np.searchsorted(post.keys, key))
            if i < len(post.keys) and post.keys[i] == key:
                a, b = int(post.ptr[i]), int(post.ptr[i + 1])
                out[k] = (a, post.doc[a:b])
        return out

    def _live(self, k: int, docs: np.ndarray) -> int:
        """How many of these postings (sentences of segment k) belong to live chunks."""
        view = self.view
        if view.clean[k]:
            return len(docs)
        lo, hi = self.dead_ranges(k)
        if len(lo) <= self.search_share * len(docs):
            return len(docs) - int((np.searchsorted(docs, hi) - np.searchsorted(docs, lo)).sum())
        return int((view.rowmaps[k][view.segs[k].sentence_doc[docs]] < view.n).sum())

    def scores_at(self, query_terms: list[str], rows: np.ndarray) -> np.ndarray:
        """Per row, its best sentence's BM25 (as `View.sentence_scores(query_terms)[rows]`, bit for bit)."""
        rows = np.asarray(rows, dtype=np.int64)
        key = (tuple(query_terms), rows.tobytes())
        last = self._last  # one read: another thread may replace it meanwhile
        if key == last[0]:  # a question and its only clause: the same words over the same rows
            return last[1].copy()
        out = self._scores_at(query_terms, rows)
        self._last = (key, out.copy())
        return out

    def _scores_at(self, query_terms: list[str], rows: np.ndarray) -> np.ndarray:
        view = self.view
        out = np.zeros(len(rows), dtype=np.float32)
        if not len(rows) or not view.n_sent:
            return out
        flat = view.order[rows]
        seg_of = np.searchsorted(view.base, flat, side="right") - 1
        spans = {}  # segment -> (positions in `rows`, their sentence ranges)
        for k in np.unique(seg_of).tolist():
            at = np.flatnonzero(seg_of == k)
            local = flat[at] - view.base[k]
            spans[k] = (at, np.concatenate([self.ptrs[k][local], self.ptrs[k][local + 1]]))
        idf, found = [], []
        for term in query_terms:  # in query order, repeats again: each sentence sums as the dense scores do
            got = self._postings(term)
            if term not in self._df:
                self._df[term] = sum(self._live(k, docs) for k, (_, docs) in got.items())
            d = self._df[term]
            idf.append(lucene_idf(view.n_sent, d) if d else 0.0)
            found.append(got if d else {})
        idf32 = np.array(idf, dtype=np.float32)
        picked = []
        for k, (at, lohi) in spans.items():  # a sentence lives in one segment: its terms stay in query order
            post = view.segs[k].sentences
            pos_parts, which_parts, label_parts = [], [], []
            for j, per_seg in enumerate(found):
                if k in per_seg:
                    first, docs = per_seg[k]
                    hits = _ranges(docs, lohi)
                    if hits is not None:
                        pos_parts.append(first + hits[0])
                        which_parts.append(hits[1])
                        label_parts.append(np.full(len(hits[0]), j, dtype=np.int32))
            if not pos_parts:
                continue
            pos, which, label = np.concatenate(pos_parts), np.concatenate(which_parts), np.concatenate(label_parts)
            sent = post.doc[pos]
            w = lucene_weights(idf32[label], post.tf[pos], post.lens[sent], view.avgdl_sent)
            picked.append((view.sbase[k] + sent, w, at[which]))
        if picked:
            sentences, weights, owner_of = (np.concatenate([p[i] for p in picked]) for i in range(3))
            uniq, which = np.unique(sentences, return_inverse=True)
            acc = np.zeros(len(uniq), dtype=np.float32)
            np.add.at(acc, which, weights)  # in term order per sentence, as the dense accumulator adds
            owner = np.zeros(len(uniq), dtype=np.int64)
            owner[which] = owner_of
            np.maximum.at(out, owner, acc)
        return out
