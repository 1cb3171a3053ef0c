"""One keyword segment: the raw term frequencies of one batch of chunks and their sentences, immutable on disk.

A segment stores counts, not BM25 scores: BM25 needs the collection's N, document frequencies and mean
length, which change with every write, so they are computed over all live segments at query time
(`rag.storage.kwview`). Terms are stored as 64-bit hashes (blake2b), sorted, so a segment is a handful of
numpy arrays that load memory-mapped in milliseconds. A segment also names the chunk ids it deletes from
older segments (a replaced or removed article): tombstones by id, as Lucene deletes by term.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

TEXT = ("article_id", "title", "published", "url")  # string metadata columns (plus chunk_id, source)
NUMS = ("position", "start", "end", "published_day")  # integer metadata columns
NONE = np.iinfo(np.int64).min  # an integer column's None
_NULL = b"\xff"  # a string column's None (never valid UTF-8 on its own)


@lru_cache(maxsize=1 << 16)
def term_key(term: str) -> int:
    """The stored form of a term: 64 bits of blake2b (a collision among a million terms: ~3e-8)."""
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")


@dataclass
class Postings:
    """Term-major postings of one collection (chunks or sentences): per term hash, its docs and counts."""

    keys: np.ndarray  # uint64, sorted term hashes
    ptr: np.ndarray  # int64, len(keys) + 1: term i's postings are [ptr[i], ptr[i+1])
    doc: np.ndarray  # int32 local doc of each posting (ascending within a term)
    tf: np.ndarray  # uint16 count of the term in that doc
    lens: np.ndarray  # int32 doc length in terms; 1 for a doc without terms (bm25s indexes it as [""])

    def find(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        """Docs holding the term with this hash, and its count in each."""
        i = int(np.searchsorted(self.keys, np.uint64(key)))
        if i == len(self.keys) or int(self.keys[i]) != key:
            return _EMPTY_I, _EMPTY_U
        return self.doc[self.ptr[i] : self.ptr[i + 1]], self.tf[self.ptr[i] : self.ptr[i + 1]]

    @staticmethod
    def build(docs: list[list[str]]) -> Postings:
        """Count the terms of each doc (the only per-token Python loop; its cost is the batch's size)."""
        vocab: dict[str, int] = {}
        tids: list[int] = []
        dids: list[int] = []
        tfs: list[int] = []
        for d, toks in enumerate(docs):
            for t, n in Counter(toks).items():
                tids.append(vocab.setdefault(t, len(vocab)))
                dids.append(d)
                tfs.append(n)
        hashes = np.array([term_key(t) for t in vocab], dtype=np.uint64)
        lens = np.array([len(t) or 1 for t in docs], dtype=np.int32)
        return _sorted(hashes[np.array(tids, dtype=np.int64)] if tids else np.zeros(0, np.uint64),
                       np.array(dids, dtype=np.int32), np.minimum(np.array(tfs, dtype=np.int64), 65535), lens)

    def remap(self, new_doc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(key, new doc, tf) of the postings whose doc survives (`new_doc` >= 0), for a merge."""
        nd = new_doc[self.doc].astype(np.int32)  # int32: a merge of a million chunks holds ~100M postings
        keep = nd >= 0
        keys = np.repeat(self.keys, np.diff(self.ptr))
        return keys[keep], nd[keep], self.tf[keep]


_EMPTY_I = np.zeros(0, dtype=np.int32)
_EMPTY_U = np.zeros(0, dtype=np.uint16)


def _sorted(keys: np.ndarray, docs: np.ndarray, tfs: np.ndarray, lens: np.ndarray) -> Postings:
    order = np.lexsort((docs, keys))
    keys, docs, tfs = keys[order], docs[order], tfs[order]
    uniq, starts = np.unique(keys, return_index=True)
    ptr = np.append(starts, len(keys)).astype(np.int64)
    return Postings(uniq.astype(np.uint64), ptr, docs.astype(np.int32), tfs.astype(np.uint16), lens.astype(np.int32))


@dataclass
class Strings:
    """A column of strings as one UTF-8 blob and offsets: a million titles without a million objects."""

    blob: np.ndarray  # uint8
    off: np.ndarray  # int64, n + 1

    def __len__(self) -> int:
        return len(self.off) - 1

    def __getitem__(self, i: int) -> str | None:
        raw = self.blob[self.off[i] : self.off[i + 1]].tobytes()
        return None if raw == _NULL else raw.decode()

    @staticmethod
    def of(values: list[Any]) -> Strings:
        enc = [_NULL if v is None else str(v).encode() for v in values]
        off = np.zeros(len(enc) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in enc], out=off[1:])
        return Strings(np.frombuffer(b"".join(enc), dtype=np.uint8), off)

    def take(self, idx: np.ndarray) -> Strings:
        """These rows, in this order (vectorised: no string is decoded)."""
        lens = (self.off[1:] - self.off[:-1])[idx]
        off = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lens, out=off[1:])
        src = np.repeat(self.off[:-1][idx] - off[:-1], lens) + np.arange(off[-1])
        return Strings(self.blob[src], off)

    @staticmethod
    def concat(parts: list[Strings]) -> Strings:
        shift = np.cumsum([0] + [len(p.blob) for p in parts])
        off = np.concatenate([[0]] + [p.off[1:] + s for p, s in zip(parts, shift)]).astype(np.int64)
        return Strings(np.concatenate([p.blob for p in parts]).astype(np.uint8), off)


@dataclass
class Segment:
    """A batch of chunks (sorted by chunk id) with their postings, metadata and the ids it deletes."""

    name: str
    ids: np.ndarray  # bytes chunk ids ('S'), ascending
    chunks: Postings  # one doc per chunk: headline + outlet + all sentences
    sentences: Postings  # one doc per sentence
    sentence_doc: np.ndarray  # int32 chunk (local doc) of each sentence, non-decreasing
    text: dict[str, Strings]
    nums: np.ndarray  # int64 [docs, len(NUMS)]
    source_names: list[str | None]
    source_codes: np.ndarray  # int32 index into source_names
    deletes: np.ndarray  # bytes chunk ids removed from older segments

    @property
    def docs(self) -> int:
        return len(self.ids)

    def size(self) -> int:
        """What a merge of this segment costs: its docs and its tombstones."""
        return self.docs + len(self.deletes)

    @cached_property
    def sentence_sums(self) -> tuple[np.ndarray, np.ndarray]:
        """Per chunk: how many sentences it has and their summed length (for the sentence collection's stats)."""
        d = self.docs
        return (np.bincount(self.sentence_doc, minlength=d),
                np.bincount(self.sentence_doc, weights=self.sentences.lens, minlength=d).astype(np.int64))

    def meta(self, doc: int) -> dict[str, Any]:
        """The chunk's metadata row, as the keyword rows hold it."""
        out: dict[str, Any] = {"chunk_id": self.ids[doc].decode()}
        out["article_id"] = self.text["article_id"][doc]
        for c, v in zip(NUMS, self.nums[doc]):
            out[c] = None if v == NONE else int(v)
        out["title"] = self.text["title"][doc]
        out["source"] = self.source_names[self.source_codes[doc]]
        out["published"] = self.text["published"][doc]
        out["url"] = self.text["url"][doc]
        return out


def new_name(gen: int) -> str:
    """A fresh segment folder name (the generation it was written at, and a random part: never reused)."""
    return f"seg-{gen:09d}-{uuid.uuid4().hex[:8]}"


def build(name: str, rows: list[tuple], deletes: list[str]) -> Segment:
    """A segment from keyword rows (chunk_id, article_id, position, start, end, title, source, published,
    published_day, url, terms) and the chunk ids this write removes from older segments."""
    # One row per chunk id, the last one winning (as INSERT OR REPLACE leaves the rows), in id order.
    rows = sorted({r[0]: r for r in rows}.values(), key=lambda r: r[0].encode())
    groups = [[g.split() for g in r[10].split("|")] for r in rows]
    chunks = Postings.build([[t for g in gs for t in g] for gs in groups])
    sentences = Postings.build([g for gs in groups for g in gs[1:]])
    sentence_doc = np.array([d for d, gs in enumerate(groups) for _ in gs[1:]], dtype=np.int32)
    names = sorted({r[6] for r in rows}, key=lambda s: (s is None, s or ""))
    code = {s: i for i, s in enumerate(names)}
    cols = {"article_id": 1, "position": 2, "start": 3, "end": 4, "title": 5, "published": 7, "published_day": 8, "url": 9}
    nums = np.array([[NONE if r[cols[c]] is None else int(r[cols[c]]) for c in NUMS] for r in rows],
                    dtype=np.int64).reshape(len(rows), len(NUMS))
    return Segment(name, _ids([r[0] for r in rows]), chunks, sentences, sentence_doc,
                   {c: Strings.of([r[cols[c]] for r in rows]) for c in TEXT}, nums, names,
                   np.array([code[r[6]] for r in rows], dtype=np.int32), np.unique(_ids(deletes)))


def _ids(values: list[str]) -> np.ndarray:
    return np.array([v.encode() for v in values], dtype="S") if values else np.zeros(0, dtype="S1")


def save(seg: Segment, folder: Path) -> None:
    """Write the segment's arrays to `folder/name` (atomically: a reader sees all of it or none)."""
    tmp = folder / f".{seg.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    arrays = {"ids": seg.ids, "deletes": seg.deletes, "sentence_doc": seg.sentence_doc, "nums": seg.nums,
              "source_codes": seg.source_codes}
    for p, post in (("c", seg.chunks), ("s", seg.sentences)):
        arrays |= {f"{p}_{k}": getattr(post, k) for k in ("keys", "ptr", "doc", "tf", "lens")}
    for c, s in seg.text.items():
        arrays |= {f"t_{c}_blob": s.blob, f"t_{c}_off": s.off}
    for k, a in arrays.items():
        np.save(tmp / f"{k}.npy", np.ascontiguousarray(a))
    (tmp / "info.json").write_text(json.dumps({"docs": seg.docs, "sources": seg.source_names}))
    os.rename(tmp, folder / seg.name)


def load(folder: Path, name: str) -> Segment:
    """A saved segment, memory-mapped (pages are read when a query touches them)."""
    path = folder / name
    info = json.loads((path / "info.json").read_text())

    def arr(k: str) -> np.ndarray:
        # A plain ndarray over the mapping: np.memmap's Python-level __getitem__ costs ~5 us per slice.
        return np.load(path / f"{k}.npy", mmap_mode="r").view(np.ndarray)

    posts = [Postings(*(arr(f"{p}_{k}") for k in ("keys", "ptr", "doc", "tf", "lens"))) for p in ("c", "s")]
    return Segment(name, arr("ids"), posts[0], posts[1], arr("sentence_doc"),
                   {c: Strings(arr(f"t_{c}_blob"), arr(f"t_{c}_off")) for c in TEXT}, arr("nums"),
                   info["sources"], arr("source_codes"), arr("deletes"))
