"""The segmented keyword index at scale: query time, cost of adding/removing articles, cold load, vs rebuilding.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/keyword_index.py --sizes 10000 100000 --rebuild-upto 100000

Chunks are synthetic but news-like: each is a real MultiHop-RAG chunk's headline terms plus 4-10 real
sentences' terms drawn at random from the keyword rows of an indexed MultiHop-RAG home (--rows), 10 chunks
per article. The index is built the way `rag index` builds it (one write per batch of 2,000 chunks, merges as
the policy asks). Queries are the content terms of MultiHop-RAG dev questions (i % 5 != 0); each question
costs what the retriever asks of the keyword index: whole-question and two clause scores, chunk and sentence
level (6 calls). Adding 100 articles = the writer's time plus the reader catching up (its next `load`).
Keyword side only: no embeddings, no Chroma. Writes benchmarks/results/keyword_index.md and .json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import MULTIHOP, header  # noqa: E402
from rag.core.terms import terms  # noqa: E402
from rag.storage import bm25, segments  # noqa: E402

OUTLETS = ["The Verge", "TechCrunch", "Fortune", "The Guardian", "BBC News", "Wired", "Engadget", "Sporting News"]


class Src:
    """A ChunkSource whose count is the rows' own (the keyword side alone)."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def chunk_count(self) -> int:
        with closing(sqlite3.connect(self.home / "keyword.sqlite")) as db:
            return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def chunk_pages(self, page: int):  # noqa: ANN201
        raise AssertionError("not used")


def pools(rows_home: Path) -> tuple[list[str], list[str]]:
    with closing(sqlite3.connect(rows_home / "keyword.sqlite")) as db:
        texts = [t for (t,) in db.execute("SELECT terms FROM chunks")]
    heads = [t.split(" | ")[0] for t in texts]
    sents = [g for t in texts for g in t.split(" | ")[1:]]
    return heads, sents


def synth(rng: random.Random, first: int, n: int, heads: list[str], sents: list[str]) -> list[tuple]:
    rows = []
    for i in range(first, first + n):
        groups = [rng.choice(heads)] + [rng.choice(sents) for _ in range(rng.randint(4, 10))]
        cid = hashlib.sha1(f"chunk{i}".encode()).hexdigest()[:20]
        rows.append((cid, f"art{i // 10}", i % 10, 0, 100, f"headline {i // 10}", OUTLETS[(i // 10) % len(OUTLETS)],
                     "2023-10-07", 20231007, "", " | ".join(groups)))
    return rows


def write(home: Path, rows: list[tuple], gone_articles: list[str]) -> None:
    """What KeywordRows.write / forget do, from ready-made rows."""
    with closing(bm25._db(home)) as db, db:
        db.execute("BEGIN IMMEDIATE")
        gone = bm25._chunk_ids(db, gone_articles)
        db.executemany("DELETE FROM chunks WHERE article_id = ?", [(a,) for a in gone_articles])
        db.executemany(f"INSERT OR REPLACE INTO chunks VALUES ({','.join('?' * 11)})", rows)
        bm25._bump(db)
        segments.append(db, home, bm25._generation(db), rows, gone + [r[0] for r in rows])


def questions(data: Path, rng: random.Random, n: int) -> list[str]:
    qs = json.loads((data / "MultiHopRAG.json").read_text())
    dev = [q["query"] for i, q in enumerate(qs) if i % 5 != 0]
    return [q for q in rng.sample(dev, n) if terms(q)]


def ask(kw: bm25.KeywordIndex, q: str) -> None:
    words = q.split()
    parts = [q, " ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])]
    for p in parts:
        kw.scores(p)
        kw.sentence_scores(p)


def measure(size: int, heads: list[str], sents: list[str], qs: list[str], rebuild: bool, tmp: Path) -> dict:
    rng = random.Random(size)
    home = tmp / f"kw{size}"
    t0 = time.perf_counter()
    for first in range(0, size, 2000):
        write(home, synth(rng, first, min(2000, size - first), heads, sents), [])
    build_s = time.perf_counter() - t0
    bm25._loaded.clear()
    t0 = time.perf_counter()
    kw = bm25.load(Src(home))
    cold_s = time.perf_counter() - t0
    ask(kw, qs[0])  # warm the page cache once
    ms = []
    for q in qs:
        t0 = time.perf_counter()
        ask(kw, q)
        ms.append(1000 * (time.perf_counter() - t0))
    ms.sort()
    new = synth(rng, size, 1000, heads, sents)  # 100 articles of 10 chunks
    t0 = time.perf_counter()
    write(home, new, [])
    add_write = time.perf_counter() - t0
    t0 = time.perf_counter()
    kw = bm25.load(Src(home))
    add_read = time.perf_counter() - t0
    assert len(kw.meta) == size + 1000
    gone = [f"art{i}" for i in range(0, size // 10, max(1, size // 1000))][:100]
    t0 = time.perf_counter()
    write(home, [], gone)
    rm_write = time.perf_counter() - t0
    t0 = time.perf_counter()
    kw = bm25.load(Src(home))
    rm_read = time.perf_counter() - t0
    with closing(sqlite3.connect(home / "keyword.sqlite")) as db:
        names = segments.read_manifest(db)[1]["names"]  # type: ignore[index]
    n_segs = len(names)  # on disk: the listed segments (merged-away ones are deleted after a grace period)
    disk = sum(p.stat().st_size for n in names for p in (segments.folder(home) / n).rglob("*") if p.is_file())
    row = {"chunks": size, "sentences": kw.view.n_sent if kw.view else 0, "build_s": round(build_s, 1),
           "cold_load_s": round(cold_s, 2), "question_p50_ms": round(statistics.median(ms), 1),
           "question_p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1), "add100_write_s": round(add_write, 2),
           "add100_reader_s": round(add_read, 3), "remove100_write_s": round(rm_write, 2),
           "remove100_reader_s": round(rm_read, 3), "segments": n_segs, "segments_mb": round(disk / 2**20, 1),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    if rebuild:  # what the first question after every write paid before: bm25s over all rows, both matrices
        import bm25s
        import numpy as np

        with closing(sqlite3.connect(home / "keyword.sqlite")) as db:
            groups = [[g.split() for g in t.split("|")] for (t,) in db.execute("SELECT terms FROM chunks ORDER BY chunk_id")]
        t0 = time.perf_counter()
        model, sent = bm25s.BM25(k1=0.7, b=0.5), bm25s.BM25(k1=0.7, b=0.5)
        model.index([[t for g in gs for t in g] or [""] for gs in groups], show_progress=False)
        sent.index([g or [""] for gs in groups for g in gs[1:]], show_progress=False)
        row["full_rebuild_s"] = round(time.perf_counter() - t0, 1)
        chunk_of = np.array([r for r, gs in enumerate(groups) for _ in gs[1:]])
        old_ms = []
        for q in qs:  # the same six calls, the way the bm25s-backed index answered them
            t0 = time.perf_counter()
            words = q.split()
            for p in [q, " ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])]:
                for m, n in ((model, len(groups)), (sent, len(chunk_of))):
                    t = [x for x in terms(p) if x in m.vocab_dict]
                    got = np.asarray(m.get_scores(t), dtype=np.float32) if t else np.zeros(n, np.float32)
                    if m is sent:
                        np.maximum.at(np.zeros(len(groups), np.float32), chunk_of, got)
            old_ms.append(1000 * (time.perf_counter() - t0))
        old_ms.sort()
        row["bm25s_question_p50_ms"] = round(statistics.median(old_ms), 1)
        row["bm25s_question_p95_ms"] = round(old_ms[int(0.95 * (len(old_ms) - 1))], 1)
    return row


def equality(rows_home: Path, qs: list[str], tmp: Path) -> dict:
    """The real MultiHop-RAG keyword rows written 20 articles at a time (and 30 articles removed and written
    again), then every question's chunk and sentence scores compared with bm25s over the same rows."""
    import bm25s
    import numpy as np

    cols = ", ".join(f'"{c}"' for c in bm25._COLUMNS)
    with closing(sqlite3.connect(rows_home / "keyword.sqlite")) as db:
        rows = db.execute(f"SELECT {cols}, terms FROM chunks").fetchall()
    by_article: dict[str, list[tuple]] = {}
    for r in rows:
        by_article.setdefault(r[1], []).append(r)
    arts = sorted(by_article)
    home = tmp / "equality"
    for i in range(0, len(arts), 20):
        write(home, [r for a in arts[i : i + 20] for r in by_article[a]], [])
    write(home, [], arts[5:35])
    for i in range(5, 35, 10):
        write(home, [r for a in arts[i : i + 10] for r in by_article[a]], [])
    kw = bm25.load(Src(home))
    with closing(sqlite3.connect(home / "keyword.sqlite")) as db:
        groups = [[g.split() for g in t.split("|")] for (t,) in db.execute("SELECT terms FROM chunks ORDER BY chunk_id")]
    model, sent = bm25s.BM25(k1=0.7, b=0.5), bm25s.BM25(k1=0.7, b=0.5)
    model.index([[t for g in gs for t in g] or [""] for gs in groups], show_progress=False)
    sent.index([g or [""] for gs in groups for g in gs[1:]], show_progress=False)
    chunk_of = np.array([r for r, gs in enumerate(groups) for _ in gs[1:]])
    same = 0
    worst = 0.0
    for q in qs:
        t = [x for x in terms(q) if x in model.vocab_dict]
        want = np.asarray(model.get_scores(t), dtype=np.float32) if t else np.zeros(len(groups), np.float32)
        t = [x for x in terms(q) if x in sent.vocab_dict]
        best = np.zeros(len(groups), np.float32)
        if t:
            np.maximum.at(best, chunk_of, np.asarray(sent.get_scores(t), dtype=np.float32))
        got, got_s = kw.scores(q), kw.sentence_scores(q)
        same += bool(np.array_equal(got, want) and np.array_equal(got_s, best))
        worst = max(worst, float(np.max(np.abs(got - want) / np.maximum(want, 1e-9))),
                    float(np.max(np.abs(got_s - best) / np.maximum(best, 1e-9))))
    return {"chunks": len(groups), "segments": len(kw.view.segs) if kw.view else 0, "questions": len(qs),
            "bit_identical": same, "max_relative_diff": worst}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rows", type=Path, default=Path("/work/cache/multihop-home"), help="an indexed MultiHop-RAG home")
    parser.add_argument("--data", type=Path, default=MULTIHOP)
    parser.add_argument("--rebuild-upto", type=int, default=100_000, help="time a full bm25s rebuild up to this size")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    heads, sents = pools(args.rows)
    qs = questions(args.data, random.Random(0), args.questions)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        same = equality(args.rows, qs, Path(tmp))
        print(same, file=sys.stderr)
        for size in args.sizes:
            rows.append(measure(size, heads, sents, qs, size <= args.rebuild_upto, Path(tmp)))
            print(rows[-1], file=sys.stderr)
    cols = list(dict.fromkeys(c for r in rows for c in r))
    table = "| " + " | ".join(cols) + " |\n|" + "---:|" * len(cols) + "\n" + "".join(
        "| " + " | ".join(str(r.get(c, "")) for c in cols) + " |\n" for r in rows)
    when = datetime.now(UTC)
    given = sys.argv[1:] if argv is None else argv
    command = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/keyword_index.py " + " ".join(map(shlex.quote, given))
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    doc = (__doc__ or "").split("\n\n", 2)[2]
    check = (f"Equality: MultiHop-RAG's {same['chunks']:,} chunks written in {same['segments']} segments (20 articles "
             f"per write, 30 articles removed and written again): {same['bit_identical']} of {same['questions']} dev "
             f"questions get bit-identical chunk and sentence scores to bm25s over the same rows (largest relative "
             f"difference {same['max_relative_diff']:.1e}).\n")
    print(check)
    (args.out / "keyword_index.md").write_text(f"# Keyword index at scale\n\n{header(when, command)}\n{doc}\n{check}\n{table}")
    (args.out / "keyword_index.json").write_text(json.dumps({"date": f"{when:%Y-%m-%d %H:%M} UTC", "command": command,
                                                             "equality": same, "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
