"""Indexing benchmark: `rag index` vs the llama-index quickstart on MultiHop-RAG's corpus.

Runs, each as its own process (so wall time includes start-up and model loading, and peak RSS is that
process's own): our indexer on a subset and the quickstart on the same subset (the throughput ratio),
our indexer cold on the whole corpus, then again on the unchanged corpus (the incremental path).
Prints a table and writes benchmarks/results/indexing.md and .json.

    nice -n 10 .venv/bin/python benchmarks/indexing.py
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import MULTIHOP, header  # noqa: E402

CORPUS = MULTIHOP / "corpus.json"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_quickstart(corpus: str, home: str) -> dict:
    """The llama-index quickstart as MultiHop-RAG runs it: SentenceSplitter(256) → MiniLM → VectorStoreIndex on Chroma."""
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.storage.embedder import embed_model_path

    records = json.loads(Path(corpus).read_text())
    docs = [Document(text=r["body"], metadata={k: r[k] for k in ("title", "source", "published_at")}) for r in records]
    client = chromadb.PersistentClient(path=home)
    collection = client.get_or_create_collection("quickstart", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    embed = HuggingFaceEmbedding(model_name=embed_model_path(), device="cpu")
    VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embed,
                                    transformations=[SentenceSplitter(chunk_size=256)])
    return {"chunks": collection.count()}


def child_ours(corpus: str, home: str) -> dict:
    """`rag index CORPUS` in this process (the CLI's own code path)."""
    from rag.cli import main

    os.environ["RAG_HOME"] = home
    code = main(["index", corpus, "-q"])
    from rag.core.config import Config
    from rag.storage.store import Store

    store = Store(Config.load(home=home))
    return {"exit": code, "chunks": store.chunk_count(), "articles": store.article_count()}


def run_child(kind: str, corpus: Path, home: Path) -> dict:
    """Run one measured step in a fresh process; wall time measured from outside."""
    t = time.perf_counter()
    r = subprocess.run([sys.executable, __file__, "--child", kind, str(corpus), str(home)],
                       capture_output=True, text=True, cwd=ROOT,
                       env=os.environ | {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")})
    wall = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"{kind} failed:\n{r.stderr[-3000:]}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["seconds"] = round(wall, 2)
    out["disk_mb"] = round(sum(f.stat().st_size for f in home.rglob("*") if f.is_file()) / 2**20, 1)
    return out


def reindex_cli(corpus: Path, home: Path) -> float:
    """Wall time of a plain `rag index CORPUS` (new process) when nothing changed: the user's view."""
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "rag.cli", "index", str(corpus), "-q"], capture_output=True, text=True,
                       cwd=ROOT, env=os.environ | {"RAG_HOME": str(home)})
    if r.returncode != 0 or " 0 new and 0 changed" not in r.stdout:
        sys.exit(f"re-index failed: {r.stdout} {r.stderr[-2000:]}")
    return round(time.perf_counter() - t, 2)


def words(records: list[dict]) -> int:
    return sum(len(r["body"].split()) for r in records)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--work", type=Path, default=Path("/tmp/issue6/bench"), help="scratch folder (wiped)")
    ap.add_argument("--every", type=int, default=10, help="subset for the head-to-head: every Nth article")
    ap.add_argument("--full-every", type=int, default=1, help="the 'full' runs use every Nth article (1: the whole corpus)")
    ap.add_argument("--head-to-head-only", action="store_true", help="only the subset runs; writes indexing-h2h.*")
    ap.add_argument("--reuse-quickstart", action="store_true", help="reuse the cached quickstart run in --work")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--vs-encode", type=int, metavar="N", help="only end to end vs encode-only on the first N "
                    "articles, same process (writes indexing-vs-encode.*; benchmarks/index_vs_encode.py)")
    ap.add_argument("--rounds", type=int, default=1, help="with --vs-encode: alternating rounds, best kept")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.vs_encode:
        from benchmarks import index_vs_encode

        command = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/indexing.py " + " ".join(sys.argv[1:])
        index_vs_encode.main(args.corpus, args.vs_encode, args.work, args.rounds, args.out, command)
        return
    if args.child:
        kind, corpus, home = args.child
        out = (child_quickstart if kind == "quickstart" else child_ours)(corpus, home)
        print(json.dumps(out | {"peak_rss_mb": round(_peak_mb())}))
        return

    import rag  # noqa: F401  (offline environment for the children too)

    records = json.loads(args.corpus.read_text())
    subset = records[:: args.every]
    records = records[:: args.full_every]
    cache = args.work / "quickstart.json"
    cached = json.loads(cache.read_text()) if args.reuse_quickstart and cache.exists() else None
    for d in args.work.glob("*"):
        if d != cache:
            shutil.rmtree(d) if d.is_dir() else d.unlink()
    args.work.mkdir(parents=True, exist_ok=True)
    sub_path = args.work / "subset.json"
    sub_path.write_text(json.dumps(subset))
    corpus = args.work / "corpus.json" if args.full_every > 1 else args.corpus
    if args.full_every > 1:
        corpus.write_text(json.dumps(records))

    rows: dict[str, dict] = {}
    rows["ours_subset"] = run_child("ours", sub_path, args.work / "ours_subset")
    if cached is None:
        cached = run_child("quickstart", sub_path, args.work / "quickstart")
        cached["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        cache.write_text(json.dumps(cached))
    rows["quickstart_subset"] = cached
    sizes = {"ours_subset": subset, "quickstart_subset": subset}
    if not args.head_to_head_only:
        rows["ours_full_cold"] = run_child("ours", corpus, args.work / "ours_full")
        rows["ours_full_unchanged"] = run_child("ours", corpus, args.work / "ours_full")
        rows["ours_full_unchanged"]["seconds"] = reindex_cli(corpus, args.work / "ours_full")
        sizes |= {"ours_full_cold": records, "ours_full_unchanged": records}
    for name, recs in sizes.items():
        n, w = len(recs), words(recs)
        r = rows[name]
        r.update(articles_in=n, words=w, articles_per_s=round(n / r["seconds"], 2), words_per_s=round(w / r["seconds"]))
        r["disk_mb_per_1000_articles"] = round(r["disk_mb"] / n * 1000, 1)
    ratio = rows["quickstart_subset"]["seconds"] / rows["ours_subset"]["seconds"]
    from rag.core.config import Config

    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "nice -n 10 .venv/bin/python benchmarks/indexing.py " + " ".join(sys.argv[1:]),
        "machine": f"{os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')}, load {os.getloadavg()[0]:.1f}",
        "precision": Config.load().embed_precision,
        "corpus": f"{args.corpus} (every {args.full_every}th article: {len(records)} articles, {words(records):,} words)",
        "subset": f"every {args.every}th article: {len(subset)} articles, {words(subset):,} words",
        "speedup_vs_quickstart_cold": round(ratio, 2),
        "reindex_unchanged_seconds": rows.get("ours_full_unchanged", {}).get("seconds"),
        "rows": rows,
    }
    write(result, args.out, "indexing-h2h" if args.head_to_head_only else "indexing")


def write(result: dict, out: Path, name: str = "indexing") -> None:
    head = "| run | articles | chunks | seconds | articles/s | words/s | peak RSS MB | index MB | MB per 1,000 articles |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run, r in result["rows"].items():
        lines.append(f"| {run} | {r['articles_in']} | {r['chunks']} | {r['seconds']} | {r['articles_per_s']} | "
                     f"{r['words_per_s']:,} | {r['peak_rss_mb']} | {r['disk_mb']} | {r['disk_mb_per_1000_articles']} |")
    table = "\n".join(lines)
    summary = (f"cold throughput vs quickstart (same {result['subset']}, same run): "
               f"{result['speedup_vs_quickstart_cold']}x")
    if result["reindex_unchanged_seconds"] is not None:
        summary += f"; re-index of the unchanged corpus: {result['reindex_unchanged_seconds']} s"
    print(table + "\n\n" + summary)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{name}.md").write_text(
        f"# Indexing benchmark (MultiHop-RAG corpus)\n\n{header(datetime.fromisoformat(result['date']), result['command'])}"
        f"Machine: {result['machine']}; embedding precision {result['precision']}  \nCorpus: {result['corpus']}\n\n{table}\n\n{summary}\n\n"
        "Each run is a separate process (wall time includes start-up and model loading). `quickstart` is "
        "llama-index's SentenceSplitter(chunk_size=256) → HuggingFaceEmbedding(MiniLM) → VectorStoreIndex on "
        "Chroma, as MultiHop-RAG's own retrieval script builds it (title/source/published_at metadata).\n"
    )


if __name__ == "__main__":
    main()
