"""The live chunks of a segment list, in chunk-id order, and BM25 over them with collection-wide statistics.

Scores equal a full bm25s rebuild ("lucene" method) bit for bit: N, document frequencies and mean lengths
are counted over the live chunks (or sentences) of all segments at query time, and each posting's score is
computed with the same float operations bm25s uses (idf rounded to float32, the term-frequency part in
float64, the product stored as float32, summed in float32 in query-term order). Rows are the live chunks
sorted by chunk id, the order a full rebuild from the rows uses, so ties break the same way too.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from rag.storage.kwrows import RowSentences, lucene_idf, lucene_weights
from rag.storage.segment import Segment, term_key
from rag.storage.segments import dead_positions

# Postings remembered per generation (12 bytes each: ~190 MB at most), least recently used dropped first: the
# common terms, which cost the most, recur in most questions.
MEMO_POSTINGS = 16_000_000
RECENT_SCORES = 4  # score vectors remembered (4 bytes a row each)
_NONE = (np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(0, np.int32))


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


class View:
    """Row order, liveness and BM25 statistics of one generation's segments."""

    def __init__(self, segs: list[Segment], masks: list[np.ndarray], order: np.ndarray, ids: np.ndarray) -> None:
        self.segs, self.masks, self.order, self.ids = segs, masks, order, ids
        self.n = len(order)
        self.base = np.cumsum([0] + [s.docs for s in segs]).astype(np.int64)
        self.sbase = np.cumsum([0] + [len(s.sentence_doc) for s in segs]).astype(np.int64)
        # Flat slot (segment base + local doc) -> row; dead or replaced chunks -> n, a scratch row.
        self.rowmap = np.full(int(self.base[-1]), self.n, dtype=np.int32)
        self.rowmap[order] = np.arange(self.n, dtype=np.int32)
        self.rowmaps = [self.rowmap[a:b] for a, b in zip(self.base[:-1], self.base[1:])]
        self.clean = [bool(m.all()) for m in masks]  # no dead chunks: no liveness filter per posting
        length = n_sent = sent_length = 0
        for s, m in zip(segs, masks):
            counts, sums = s.sentence_sums
            length += int(np.asarray(s.chunks.lens)[m].sum())
            n_sent += int(counts[m].sum())
            sent_length += int(sums[m].sum())
        self.avgdl = length / self.n if self.n else 1.0
        self.n_sent = n_sent
        self.avgdl_sent = sent_length / n_sent if n_sent else 1.0
        self._memo: OrderedDict[tuple[str, bool], tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        self._memo_size = 0
        self._memo_lock = threading.Lock()
        self._rows: RowSentences | None = None
        self._recent: OrderedDict[tuple[str, ...], np.ndarray] = OrderedDict()

    @staticmethod
    def advance(prev: View | None, segs: list[Segment]) -> View:
        """The view of `segs`, reusing what `prev` worked out: the cost is the new segments' size (plus a few
        linear numpy passes), not a rebuild."""
        before = {s.name: k for k, s in enumerate(prev.segs)} if prev is not None else {}
        fresh = {k for k, s in enumerate(segs) if s.name not in before}
        masks = [prev.masks[before[s.name]].copy() if prev is not None and k not in fresh else np.ones(s.docs, bool)
                 for k, s in enumerate(segs)]
        for j, s in enumerate(segs):  # a kept segment has seen the deletes of the kept segments after it
            if len(s.deletes):
                for i in range(j):
                    if i in fresh or j in fresh:
                        masks[i][dead_positions(segs[i].ids, s.deletes)] = False
        base = np.cumsum([0] + [s.docs for s in segs]).astype(np.int64)
        alive = np.concatenate(masks) if masks else np.zeros(0, bool)
        if prev is not None and prev.n:
            old_seg = np.searchsorted(prev.base, prev.order, side="right") - 1
            pos = {s.name: k for k, s in enumerate(segs)}
            new_base = np.array([base[pos[s.name]] if s.name in pos else -1 for s in prev.segs], dtype=np.int64)
            nb = new_base[old_seg]
            flat = prev.order - prev.base[old_seg] + nb
            keep = nb >= 0
            keep[keep] = alive[flat[keep]]
            order, ids = flat[keep], prev.ids[keep]
        else:
            order, ids = np.zeros(0, np.int64), np.zeros(0, "S1")
        if fresh:
            docs = [np.flatnonzero(masks[k]) for k in sorted(fresh)]
            add_flat = np.concatenate([base[k] + d for k, d in zip(sorted(fresh), docs)])
            add_ids = np.concatenate([segs[k].ids[d] for k, d in zip(sorted(fresh), docs)])
            if len(fresh) > 1:
                o = np.argsort(add_ids, kind="stable")
                add_flat, add_ids = add_flat[o], add_ids[o]
            if add_ids.dtype.itemsize > ids.dtype.itemsize:
                ids = ids.astype(add_ids.dtype)
            at = np.searchsorted(ids, add_ids)
            order, ids = np.insert(order, at, add_flat), np.insert(ids, at, add_ids.astype(ids.dtype))
        return View(segs, masks, order, ids)

    def locate(self, row: int) -> tuple[Segment, int]:
        flat = int(self.order[row])
        k = int(np.searchsorted(self.base, flat, side="right")) - 1
        return self.segs[k], flat - int(self.base[k])

    def _terms(self, terms: list[str], sentences: bool) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per term: (rows, BM25 weights, flat sentence ids) of its live postings. Remembered for this
        generation (a question and its clauses share their terms); the new ones are looked up together."""
        todo = [t for t in dict.fromkeys(terms) if (t, sentences) not in self._memo]
        got = dict(zip(todo, self._compute(todo, sentences))) if todo else {}
        with self._memo_lock:
            for t in dict.fromkeys(terms):
                if t in got:
                    old = self._memo.pop((t, sentences), None)  # another thread may have put it there meanwhile
                    self._memo_size += len(got[t][0]) - (len(old[0]) if old is not None else 0)
                    self._memo[(t, sentences)] = got[t]
                elif (t, sentences) in self._memo:
                    self._memo.move_to_end((t, sentences))
                    got[t] = self._memo[(t, sentences)]
                else:  # dropped by another thread in between
                    got[t] = self._compute([t], sentences)[0]
            while self._memo_size > MEMO_POSTINGS and len(self._memo) > 1:
                self._memo_size -= len(self._memo.popitem(last=False)[1][0])
        return [got[t] for t in terms]

    def _compute(self, terms: list[str], sentences: bool) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """All live postings of these terms: each term's posting ranges sliced per segment (no gathers by
        position, no sort), mapped to rows, then weighted."""
        keys = np.array([term_key(t) for t in terms], dtype=np.uint64)
        found: list[list[tuple[int, int, int]]] = [[] for _ in terms]  # per term: (segment, start, end)
        for k, s in enumerate(self.segs):
            post = s.sentences if sentences else s.chunks
            if not len(post.keys):
                continue
            at = np.minimum(np.searchsorted(post.keys, keys), len(post.keys) - 1)
            for j in np.flatnonzero(post.keys[at] == keys).tolist():
                found[j].append((k, int(post.ptr[at[j]]), int(post.ptr[at[j] + 1])))
        n, avgdl = (self.n_sent, self.avgdl_sent) if sentences else (self.n, self.avgdl)
        out = []
        for spans in found:
            parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
            flats: list[np.ndarray] = []
            for k, a, z in spans:
                s = self.segs[k]
                post = s.sentences if sentences else s.chunks
                docs, tf = post.doc[a:z], post.tf[a:z]
                rows = self.rowmaps[k][s.sentence_doc[docs] if sentences else docs]
                if not self.clean[k]:
                    live = rows < self.n
                    docs, tf, rows = docs[live], tf[live], rows[live]
                parts.append((rows, tf, post.lens[docs]))
                if sentences:
                    flats.append(self.sbase[k] + docs)
            if not parts:
                out.append(_NONE)
                continue
            rows, tf, lens = (_cat([p[i] for p in parts]) for i in range(3))
            weights = lucene_weights(np.float32(lucene_idf(n, len(rows))), tf, lens, avgdl)
            flat = _cat(flats).astype(np.int32) if sentences else _NONE[2]
            out.append((rows, weights, flat))
        return out

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 of every row for these terms (repeats count again, as in bm25s). Read-only: the last few are
        remembered, since a question, its clauses and its parts often share their words exactly."""
        key = tuple(query_terms)
        with self._memo_lock:
            got = self._recent.get(key)
        if got is not None:
            return got
        out = np.zeros(self.n, dtype=np.float32)
        for rows, weights, _ in self._terms(query_terms, False):
            if len(rows):  # rows are distinct per term; ufunc.at adds in order, 4x faster than out[rows] += w
                np.add.at(out, rows, weights)
        out.setflags(write=False)
        with self._memo_lock:
            self._recent[key] = out
            while len(self._recent) > RECENT_SCORES:
                self._recent.popitem(last=False)
        return out

    def sentence_scores(self, query_terms: list[str]) -> np.ndarray:
        """Per row, the BM25 of its best sentence (sentences scored as their own collection)."""
        acc = np.zeros(int(self.sbase[-1]), dtype=np.float32)
        touched = []
        for rows, weights, flat in self._terms(query_terms, True):
            if len(rows):
                np.add.at(acc, flat, weights)
                touched.append((rows, flat))
        best = np.zeros(self.n, dtype=np.float32)
        if touched:
            np.maximum.at(best, _cat([r for r, _ in touched]), acc[_cat([f for _, f in touched])])
        return best

    def sentence_scores_at(self, query_terms: list[str], rows: np.ndarray) -> np.ndarray:
        """`sentence_scores(query_terms)[rows]`, bit for bit, from only these rows' sentence postings
        (`kwrows`: binary search per row and term instead of gathering whole posting lists)."""
        if self._rows is None:
            self._rows = RowSentences(self)
        return self._rows.scores_at(query_terms, rows)

    def df(self, term: str) -> int:
        return len(self._terms([term], False)[0][0])

    def sentence_rows(self) -> np.ndarray:
        """The row of every live sentence, in row order (what bm25.KeywordIndex.sentence_chunk was)."""
        parts = [self.rowmap[self.base[k] + s.sentence_doc] for k, s in enumerate(self.segs)]
        rows = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        return np.sort(rows[rows < self.n], kind="stable")


class Meta(Sequence[dict[str, Any]]):
    """`KeywordIndex.meta`: row -> metadata dict, built on access (no million dicts in memory)."""

    def __init__(self, view: View | None) -> None:
        self.view = view

    def __len__(self) -> int:
        return self.view.n if self.view is not None else 0

    def __getitem__(self, row: Any) -> Any:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        seg, doc = self.view.locate(row)  # type: ignore[union-attr]
        return seg.meta(doc)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self[i] for i in range(len(self)))


class RowOf(Mapping[str, int]):
    """`KeywordIndex.row_of`: chunk id -> row, by binary search over the sorted ids."""

    def __init__(self, view: View | None) -> None:
        self.view = view

    def __getitem__(self, cid: str) -> int:
        ids = self.view.ids if self.view is not None else np.zeros(0, "S1")
        key = cid.encode()
        i = int(np.searchsorted(ids, key)) if len(key) <= ids.dtype.itemsize else len(ids)
        if i < len(ids) and ids[i] == key:
            return i
        raise KeyError(cid)

    def __len__(self) -> int:
        return self.view.n if self.view is not None else 0

    def __iter__(self) -> Iterator[str]:
        ids: Any = self.view.ids if self.view is not None else []
        return (i.decode() for i in ids)
