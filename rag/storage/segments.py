"""The keyword index's segment list: appended by each write, merged when too many, listed in keyword.sqlite.

A write adds one small segment (its chunks' term counts and the ids it deletes) and updates the list in the
same SQLite transaction as the rows and the generation, so a reader sees a generation and its segments
together. Merges follow a logarithmic policy (FANOUT segments of one size class become one of the next):
each chunk is rewritten O(log N) times over its life, so adding articles costs in proportion to them.
"""
from __future__ import annotations

import json
import math
import shutil
import sqlite3
import time
from pathlib import Path

import numpy as np

from rag.storage.segment import Postings, Segment, Strings, _sorted, build, load, new_name, save

FANOUT = 8  # this many segments of one size class are merged into one
MAX_SEGMENTS = 24  # and never more than this many in all
_COLS = '"chunk_id", "article_id", "position", "start", "end", "title", "source", "published", "published_day", "url", terms'


def folder(home: Path) -> Path:
    return Path(home) / "keyword" / "segments"


def read_manifest(db: sqlite3.Connection) -> tuple[int, dict | None]:
    """The rows' generation and the segment list ({generation, names}), read in one statement (one snapshot)."""
    got = dict(db.execute("SELECT key, value FROM info WHERE key IN ('generation', 'segments')").fetchall())
    return int(got.get("generation", 0)), (json.loads(got["segments"]) if "segments" in got else None)


def _write_manifest(db: sqlite3.Connection, gen: int, names: list[str]) -> None:
    db.execute("INSERT OR REPLACE INTO info VALUES ('segments', ?)", (json.dumps({"generation": gen, "names": names}),))


def append(db: sqlite3.Connection, home: Path, gen: int, rows: list[tuple], deletes: list[str]) -> None:
    """Inside the writer's transaction that moved the rows to `gen`: add a segment for this change."""
    _, man = read_manifest(db)
    if man is None and gen == 1:  # the first write ever (every write bumps the generation)
        man = {"generation": 0, "names": []}
    if man is None or man["generation"] != gen - 1:
        # Segments out of step with the rows (an index from before segments): the next reader rebuilds them.
        db.execute("DELETE FROM info WHERE key = 'segments'")
        return
    where = folder(home)
    seg = build(new_name(gen), rows, deletes)
    save(seg, where)
    names = merge_tail(where, man["names"] + [seg.name], gen)
    _write_manifest(db, gen, names)
    cleanup(where, names)


def rebuild(db: sqlite3.Connection, home: Path, gen: int) -> None:
    """One segment from all the keyword rows (a missing or stale segment list): the full-rebuild fallback."""
    rows = db.execute(f"SELECT {_COLS} FROM chunks").fetchall()
    seg = build(new_name(gen), rows, [])
    save(seg, folder(home))
    _write_manifest(db, gen, [seg.name])
    cleanup(folder(home), [seg.name])


def cleanup(where: Path, live: list[str], grace: float = 120.0) -> None:
    """Drop segment folders no list names any more, once old enough that no reader is still opening them."""
    keep = set(live)
    now = time.time()
    for p in where.glob("*seg-*"):
        try:
            if p.name not in keep and now - p.stat().st_mtime > grace:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def dead_positions(ids: np.ndarray, dels: np.ndarray) -> np.ndarray:
    """Positions in the sorted chunk ids `ids` of the ids listed in `dels` (binary search: O(|dels| log n))."""
    if not len(ids) or not len(dels):
        return np.zeros(0, dtype=np.int64)
    if dels.dtype.itemsize > ids.dtype.itemsize:  # longer ids cannot match; casting them would truncate
        dels = dels[np.char.str_len(dels) <= ids.dtype.itemsize].astype(ids.dtype)
    pos = np.searchsorted(ids, dels)
    ok = pos < len(ids)
    pos = pos[ok]
    return pos[ids[pos] == dels[ok]]


def alive_masks(segs: list[Segment]) -> list[np.ndarray]:
    """Per segment, which of its chunks no newer segment deletes."""
    masks = [np.ones(s.docs, dtype=bool) for s in segs]
    for j, s in enumerate(segs):
        if len(s.deletes):
            for i in range(j):
                masks[i][dead_positions(segs[i].ids, s.deletes)] = False
    return masks


def plan(sizes: list[int]) -> int | None:
    """Where the run of newest segments to merge starts, or None (log-structured: FANOUT of one class)."""
    if len(sizes) < 2:
        return None
    level = [int(math.log(max(s, 1), FANOUT) + 1e-9) for s in sizes]
    j = len(sizes) - 1
    while j > 0 and level[j - 1] <= level[-1]:
        j -= 1
    if len(sizes) - j >= FANOUT:
        return j
    return len(sizes) - FANOUT if len(sizes) > MAX_SEGMENTS else None


def merge_tail(where: Path, names: list[str], gen: int) -> list[str]:
    """Merge the newest segments while the policy asks for it; returns the new list."""
    segs = [load(where, n) for n in names]
    while (j := plan([s.size() for s in segs])) is not None:
        run = segs[j:]
        merged = merge(new_name(gen), run, alive_masks(run), drop_deletes=j == 0)
        save(merged, where)
        segs = segs[:j] + [load(where, merged.name)]
    return [s.name for s in segs]


def merge(name: str, segs: list[Segment], alive: list[np.ndarray], drop_deletes: bool) -> Segment:
    """One segment holding the live chunks of `segs` (consecutive, oldest first), all in numpy."""
    keep = [np.flatnonzero(a) for a in alive]
    ids = np.concatenate([s.ids[k] for s, k in zip(segs, keep)])
    order = np.argsort(ids, kind="stable")
    inv = np.empty(len(ids), dtype=np.int64)
    inv[order] = np.arange(len(ids))
    new_doc, start = [], 0
    for s, k in zip(segs, keep):
        nd = np.full(s.docs, -1, dtype=np.int64)
        nd[k] = inv[start : start + len(k)]
        start += len(k)
        new_doc.append(nd)
    # Sentences follow their chunk (stable sort keeps a chunk's sentences in order).
    sd = np.concatenate([nd[s.sentence_doc] for s, nd in zip(segs, new_doc)]) if segs else np.zeros(0, np.int64)
    live = np.flatnonzero(sd >= 0)
    sorder = live[np.argsort(sd[live], kind="stable")]
    ns_all = np.full(len(sd), -1, dtype=np.int64)
    ns_all[sorder] = np.arange(len(sorder))
    bounds = np.cumsum([0] + [len(s.sentence_doc) for s in segs])
    new_sent = [ns_all[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    names = sorted({n for s in segs for n in s.source_names}, key=lambda v: (v is None, v or ""))
    code = {n: i for i, n in enumerate(names)}
    codes = np.concatenate([np.array([code[n] for n in s.source_names], dtype=np.int32)[s.source_codes[k]]
                            for s, k in zip(segs, keep)])
    text = {c: Strings.concat([s.text[c].take(k) for s, k in zip(segs, keep)]).take(order) for c in segs[0].text}
    deletes = np.zeros(0, dtype="S1") if drop_deletes else np.unique(np.concatenate([s.deletes for s in segs]))
    return Segment(name, ids[order], _merge_postings([(s.chunks, nd) for s, nd in zip(segs, new_doc)], len(ids)),
                   _merge_postings([(s.sentences, ns) for s, ns in zip(segs, new_sent)], len(sorder)),
                   sd[sorder].astype(np.int32), text,
                   np.concatenate([s.nums[k] for s, k in zip(segs, keep)])[order], names, codes[order], deletes)


def _merge_postings(parts: list[tuple[Postings, np.ndarray]], n_docs: int) -> Postings:
    got = [p.remap(nd) for p, nd in parts]
    lens = np.zeros(n_docs, dtype=np.int32)
    for p, nd in parts:
        ok = nd >= 0
        lens[nd[ok]] = p.lens[ok]
    return _sorted(np.concatenate([g[0] for g in got]).astype(np.uint64), np.concatenate([g[1] for g in got]),
                   np.concatenate([g[2] for g in got]), lens)
