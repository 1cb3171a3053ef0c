"""fp32 vs int8 embeddings: speed on the same chunks, and dense Hits@10 on MultiHop-RAG dev.

Reads the chunks (and their fp32 vectors) from an index of the MultiHop-RAG corpus built by
`rag index` (e.g. the one benchmarks/indexing.py leaves in its --work folder), embeds the same chunks
with the int8 model, and scores both with exact cosine search on the dev split (query index i % 5 != 0,
null queries left out) with the benchmark's hit rule (a gold fact, whitespace removed, inside a chunk).

    nice -n 10 .venv/bin/python benchmarks/precision.py --home /tmp/issue6/bench/ours_full
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import MULTIHOP  # noqa: E402
from evals.splits import in_split  # noqa: E402
from rag.core.text import squash  # noqa: E402

QUERIES = MULTIHOP / "MultiHopRAG.json"


def hits_at_10(qvecs: np.ndarray, cvecs: np.ndarray, chunks: list[str], golds: list[list[str]]) -> float:
    top = np.argsort(-(qvecs @ cvecs.T), axis=1)[:, :10]
    hit = sum(any(any(g in chunks[j] for g in gold) for j in row) for row, gold in zip(top, golds))
    return hit / len(golds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True, help="RAG_HOME of an fp32 index of corpus.json")
    ap.add_argument("--queries", type=Path, default=QUERIES)
    ap.add_argument("--speed-sample", type=int, default=256, help="chunks timed with both models")
    ap.add_argument("--corpus", type=Path, default=QUERIES.with_name("corpus.json"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/issue6/int8.npy"), help="int8 vectors of the corpus chunks (reused)")
    ap.add_argument("--only-int8", action="store_true", help="just fill --cache and stop")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()

    from index.chunk import chunk_article
    from index.pipeline import embed_text
    from index.read import read_file
    from rag.core.config import Config
    from rag.storage.embedder import encode
    from rag.storage.store import Store

    pairs = [(c.chunk_id, embed_text(a, c), c.text) for a in read_file(args.corpus) for c in chunk_article(a, 256)]
    ids, texts, chunks = [p[0] for p in pairs], [p[1] for p in pairs], [squash(p[2]) for p in pairs]
    if args.cache.exists():
        int8, int8_seconds = np.load(args.cache), None
    else:
        t = time.perf_counter()
        int8 = np.asarray(encode(texts, 64, "int8"), dtype=np.float32)
        int8_seconds = round(time.perf_counter() - t, 1)
        np.save(args.cache, int8)
    if args.only_int8:
        print(f"{len(texts)} chunks embedded in int8 in {int8_seconds} s")
        return
    store = Store(Config.load(home=args.home))
    got = store.collection.get(ids=ids, include=["embeddings"])
    by_id = dict(zip(got["ids"], got["embeddings"]))
    fp32 = np.asarray([by_id[i] for i in ids], dtype=np.float32)  # the vectors `rag index` stored

    data = json.loads(args.queries.read_text())
    urls = {r["url"] for r in json.loads(args.corpus.read_text())}
    dev = [q for i, q in enumerate(data) if in_split(i, "dev") and q["question_type"] != "null_query"
           and any(e["url"] in urls for e in q["evidence_list"])]  # all of them on the whole corpus
    golds = [[squash(e["fact"]) for e in q["evidence_list"]] for q in dev]
    questions = [q["query"] for q in dev]

    sample = sorted(texts, key=len)[:: max(1, len(texts) // args.speed_sample)][: args.speed_sample]
    speed = {}
    for precision in ("fp32", "int8", "fp32", "int8"):  # interleaved: the machine is shared and noisy
        encode(sample[:8], 64, precision)
        t = time.perf_counter()
        encode(sample, 64, precision)
        speed.setdefault(precision, []).append(len(sample) / (time.perf_counter() - t))

    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "nice -n 10 .venv/bin/python benchmarks/precision.py " + " ".join(sys.argv[1:]),
        "threads": os.environ.get("OMP_NUM_THREADS", ""),
        "corpus": str(args.corpus),
        "chunks": len(texts),
        "dev_queries": len(dev),
        "chunks_per_s": {p: round(max(v), 1) for p, v in speed.items()},
        "int8_full_corpus_seconds": int8_seconds,
        "hits@10": {
            "fp32": round(hits_at_10(np.asarray(encode(questions, 64, "fp32")), fp32, chunks, golds), 4),
            "int8": round(hits_at_10(np.asarray(encode(questions, 64, "int8")), int8, chunks, golds), 4),
        },
        "min_cosine_int8_vs_fp32": round(float((fp32 * int8).sum(1).min()), 4),
    }
    h = result["hits@10"]
    result["int8_within_1_point"] = abs(h["fp32"] - h["int8"]) * 100 <= 1.0
    print(json.dumps(result, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "precision.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
