"""`rag index` end to end vs encoding alone, same chunks, same backend, same process (benchmarks/indexing.py --vs-encode).

The model is loaded before either is timed. End to end is `index_paths` on the first N articles of the corpus into a
fresh index (read, clean, chunk, embed, write Chroma + keyword rows + sentence vectors + SQLite); encode-only is the
model work alone: the embedder on the very chunk texts that run stored, with the backend the indexer uses, plus the
int8 encoder on their distinct sentences (what rag/storage/meaning.py stores for questions). Rounds alternate the two
so load hits both.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import header  # noqa: E402


def run(corpus: Path, n_articles: int, work: Path, rounds: int = 1) -> dict:
    """chunks/s of both paths; the ratio end-to-end / encode-only is what the indexer loses to everything else."""
    from index.pipeline import index_paths
    from rag.core.config import Config
    from rag.storage.backends import bulk_runtime
    from rag.storage.embedder import backend, encode
    from rag.storage.meaning import int8_encode, sentences_of
    from rag.storage.store import Store

    work.mkdir(parents=True, exist_ok=True)
    subset = work / "subset.json"
    subset.write_text(json.dumps(json.loads(corpus.read_text())[:n_articles]))
    base = Config.load(home=work / "home", embed_cache=str(work / "models"))
    runtime = bulk_runtime(base)
    encode(["warm up"] * 4, base.embed_batch, "fp32", runtime)  # model loaded outside both timings
    Store(base)
    backend("fp32")  # and the ONNX model for questions exported (the indexer does it once per models folder)
    rows: dict[str, list[float]] = {"end_to_end": [], "encode_only": []}
    chunks = 0
    texts: list[str] = []
    sentences: list[str] = []
    for r in range(rounds):
        home = work / f"home-{r}"
        shutil.rmtree(home, ignore_errors=True)
        config = Config.load(home=home, embed_cache=str(work / "models"))
        t0 = time.perf_counter()
        report = index_paths([subset], config, progress=False)
        rows["end_to_end"].append(report.chunks / (time.perf_counter() - t0))
        chunks = report.chunks
        if not texts:  # the texts the indexer embedded, read back from the index it wrote
            store = Store(config)
            for _, docs, metas in store.chunk_pages():
                texts += [f"{m['title']}\n{d}" for d, m in zip(docs, metas)]  # as index.pipeline.embed_text
                sentences += [s for d in docs for s in sentences_of(d)]
            sentences = list(dict.fromkeys(sentences))
        t0 = time.perf_counter()
        encode(texts, config.embed_batch, config.embed_precision if config.embed_precision != "auto" else "fp32", runtime)
        int8_encode(sentences)
        rows["encode_only"].append(len(texts) / (time.perf_counter() - t0))
        print(f"round {r + 1}: end to end {rows['end_to_end'][-1]:.1f}, encode only {rows['encode_only'][-1]:.1f} chunks/s",
              file=sys.stderr)
    e2e, enc = max(rows["end_to_end"]), max(rows["encode_only"])
    return {"articles": n_articles, "chunks": chunks, "sentences": len(sentences), "runtime": runtime,
            "end_to_end_chunks_per_s": round(e2e, 2),
            "encode_only_chunks_per_s": round(enc, 2), "ratio": round(e2e / enc, 3), "rounds": rows}


def write(result: dict, out: Path, command: str, started: datetime) -> None:
    """benchmarks/results/indexing-vs-encode.md and .json."""
    table = ("| articles | chunks | sentences | encoder | end to end chunks/s | encode only chunks/s | ratio |\n"
             "|---:|---:|---:|---|---:|---:|---:|\n"
             f"| {result['articles']} | {result['chunks']} | {result['sentences']} | {result['runtime']} fp32 + int8 "
             f"sentences | {result['end_to_end_chunks_per_s']} | "
             f"{result['encode_only_chunks_per_s']} | {result['ratio']} |")
    machine = f"{os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')}, load {os.getloadavg()[0]:.1f}"
    text = (f"# Indexing: end to end vs encoding alone (same run)\n\n{header(started, command)}Machine: {machine}\n\n"
            f"{table}\n\n{__doc__.split(chr(10), 1)[1].strip()}\n")
    print(table)
    out.mkdir(parents=True, exist_ok=True)
    (out / "indexing-vs-encode.md").write_text(text, encoding="utf-8")
    (out / "indexing-vs-encode.json").write_text(json.dumps(
        {"date": f"{started:%Y-%m-%d %H:%M} UTC", "command": command, "machine": machine, **result}, indent=1) + "\n")


def main(corpus: Path, n_articles: int, work: Path, rounds: int, out: Path, command: str) -> None:
    started = datetime.now(UTC)
    write(run(corpus, n_articles, work, rounds), out, command, started)
