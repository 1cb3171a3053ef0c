"""Embedding backends in one run: chunks/s and MultiHop-RAG dev retrieval quality for each way of running MiniLM.

Backends: torch fp32 (the reference), ONNX Runtime fp32, torch int8 (dynamic quantisation), torch bf16 (when the
CPU has avx512_bf16 or AMX) and ONNX Runtime int8 (dynamic quantisation). Speed: the same chunk texts encoded by
every backend, rounds alternating, best round kept. Quality: to stay within minutes, a slice of the corpus —
the articles that the first dev questions' evidence comes from, copied out of a prebuilt MultiHop-RAG index
(`--source`, copied, never modified; its stored vectors are the torch fp32 ones) — is re-embedded by each
backend and searched by the full hybrid retriever (`rag.api.retrieve`) for the dev questions whose evidence is
all in the slice, questions embedded by the same backend. Hits@10, MRR@10 and fact recall@10 as in
benchmarks/retrieval.py. The default (`embed_precision = "auto"`, rag/storage/backends.py) is the fastest
backend within 0.005 of fp32 in MRR@10 and fact recall.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/embedding_backends.py --articles 60
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import MULTIHOP, header  # noqa: E402
from benchmarks.retrieval import dev_queries, score_run  # noqa: E402
from rag.core.config import Config  # noqa: E402

# (name, precision stored in the index, runtime); fp32 first: the reference.
BACKENDS = [("torch-fp32", "fp32", "torch"), ("onnx-fp32", "fp32", "onnx"), ("torch-int8", "int8", "torch"),
            ("torch-bf16", "bf16", "torch"), ("onnx-int8", "onnx-int8", "auto")]
TOLERANCE = 0.005


def cpu_has_bf16() -> bool:
    flags = Path("/proc/cpuinfo").read_text().split()
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _slice(queries: list[dict], n_articles: int) -> tuple[set[str], list[dict]]:
    """Titles of the articles the first dev questions' evidence comes from (about n_articles), and the dev
    questions whose evidence is all among them."""
    titles: set[str] = set()
    for q in queries:
        need = {e["title"] for e in q["evidence_list"]}
        if len(titles | need) > n_articles:
            break
        titles |= need
    return titles, [q for q in queries if {e["title"] for e in q["evidence_list"]} <= titles]


def _copy_slice(source: Path, home: Path, titles: set[str]) -> Config:
    """A copy of the prebuilt index holding only the slice's articles (deleted from the copy, nothing re-embedded)."""
    from rag.storage.store import Store

    shutil.copytree(source, home)
    config = Config.load(home=home, collection="multihop_rag", embed_cache=str(home.parent / "models"))
    store = Store(config)
    with store._lock:
        rows = store._db.execute("SELECT article_id, title FROM articles").fetchall()
    store.delete_articles([aid for aid, title in rows if title not in titles])
    return config


def _chunks(config: Config) -> tuple[list[str], list[str]]:
    """(ids, embed texts) of every chunk: headline + text, as the indexer embeds them."""
    from rag.storage.store import Store

    ids, texts = [], []
    for page_ids, docs, metas in Store(config).chunk_pages():
        ids += page_ids
        texts += [f"{m.get('title', '')}\n{d}" for d, m in zip(docs, metas)]
    return ids, texts


def _speed(texts: list[str], backends: list[tuple[str, str, str]], rounds: int, batch: int) -> dict[str, float]:
    from rag.storage.embedder import encode

    best: dict[str, float] = {}
    for _name, precision, runtime in backends:
        encode(texts[:8], batch, precision, runtime)  # load (and export) outside the timing
    for _ in range(rounds):
        for name, precision, runtime in backends:
            t0 = time.perf_counter()
            encode(texts, batch, precision, runtime)
            rate = len(texts) / (time.perf_counter() - t0)
            best[name] = max(best.get(name, 0.0), rate)
            print(f"  {name}: {rate:.1f} chunks/s", file=sys.stderr, flush=True)
    return best


def _quality(base: Config, work: Path, name: str, precision: str, runtime: str, queries: list[dict],
             ids: list[str], texts: list[str], batch: int) -> tuple[dict[str, float], float]:
    """Re-embed the slice with one backend in a copy of it; hybrid retrieval for the questions. (scores, cos)."""
    from rag.api import retrieve
    from rag.storage.embedder import encode
    from rag.storage.store import Store

    home = work / f"home-{name}"
    shutil.copytree(base.home, home)
    config = replace(base, home=home, embed_precision=precision, embed_runtime=runtime)
    store = Store(config)
    stored = store.collection.get(ids=ids, include=["embeddings"])
    ref = dict(zip(stored["ids"], np.asarray(stored["embeddings"], dtype=np.float32)))
    if name == "torch-fp32":  # the stored vectors are torch fp32's (the prebuilt index): no need to re-encode
        vectors = np.stack([ref[i] for i in ids])
    else:
        vectors = np.asarray(encode(texts, batch, precision, runtime), dtype=np.float32)
    cos = float(min(float(v @ ref[i]) for i, v in zip(ids, vectors)))
    for i in range(0, len(ids), 500):
        store.collection.update(ids=ids[i : i + 500], embeddings=vectors[i : i + 500].tolist())
    store.set_info("embedder", {"precision": precision, "chunk_tokens": base.chunk_tokens})
    results = [[p.text for p in retrieve(q["query"], 10, config=config)] for q in queries]
    return score_run(queries, results), cos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="/work/cache/multihop-home", help="prebuilt MultiHop-RAG index (copied)")
    parser.add_argument("--articles", type=int, default=60, help="articles in the quality slice")
    parser.add_argument("--speed-chunks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "embedding_backends"))
    args = parser.parse_args()
    started = datetime.now(UTC)
    backends = [b for b in BACKENDS if b[0] != "torch-bf16" or cpu_has_bf16()]
    with tempfile.TemporaryDirectory(prefix="embed-backends-") as tmp:
        work = Path(tmp)
        titles, queries = _slice(dev_queries(MULTIHOP, None), args.articles)
        base = _copy_slice(Path(args.source), work / "home-base", titles)
        from rag.storage import onnx_embed

        onnx_embed.use_dir(work / "models")
        ids, texts = _chunks(base)
        print(f"slice: {len(titles)} articles, {len(ids)} chunks, {len(queries)} dev questions", file=sys.stderr)
        speed = _speed(texts[: args.speed_chunks], backends, args.rounds, args.batch)
        rows: list[dict[str, Any]] = []
        for name, precision, runtime in backends:
            scores, cos = _quality(base, work, name, precision, runtime, queries, ids, texts, args.batch)
            rows.append({"backend": name, "precision": precision, "chunks_per_s": round(speed[name], 1),
                         "min_cos_to_stored_fp32": round(cos, 5), **{k: round(v, 4) for k, v in scores.items()}})
            print(f"  {name}: {rows[-1]}", file=sys.stderr, flush=True)
    ref = rows[0]
    for r in rows:
        r["quality_kept"] = (ref["mrr@10"] - r["mrr@10"] <= TOLERANCE
                             and ref["fact_recall@10"] - r["fact_recall@10"] <= TOLERANCE)
    kept = sorted((r for r in rows if r["quality_kept"]), key=lambda r: -r["chunks_per_s"])
    command = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/embedding_backends.py " + " ".join(sys.argv[1:])
    lines = ["# Embedding backends: speed and MultiHop-RAG dev retrieval quality (one run)", "",
             header(started, command.strip()).rstrip("\n"),
             f"Machine: {os.cpu_count()} cores ({'avx512_bf16' if cpu_has_bf16() else 'no bf16'}), "
             f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '1')}, load {os.getloadavg()[0]:.1f}  ",
             f"Slice: {len(titles)} articles, {len(ids)} chunks, {len(queries)} dev questions with all evidence in it; "
             f"speed on {min(args.speed_chunks, len(texts))} chunk texts, batch {args.batch}, best of {args.rounds} "
             "alternating rounds", "",
             "| backend | chunks/s | min cos to fp32 | Hits@10 | Hits@4 | MRR@10 | fact recall@10 | within 0.005 of fp32 |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    lines += [f"| {r['backend']} | {r['chunks_per_s']} | {r['min_cos_to_stored_fp32']} | {r['hits@10']:.3f} | "
              f"{r['hits@4']:.3f} | {r['mrr@10']:.3f} | {r['fact_recall@10']:.3f} | {'yes' if r['quality_kept'] else 'no'} |"
              for r in rows]
    lines += ["", f"Fastest with quality kept: **{kept[0]['backend']}** ({kept[0]['chunks_per_s']} chunks/s).", ""]
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"date": f"{started:%Y-%m-%d %H:%M} UTC", "command": command.strip(),
                                                    "rows": rows, "fastest_kept": kept[0]["backend"]}, indent=1))


if __name__ == "__main__":
    main()
