"""`rag eval multihop`: MultiHop-RAG retrieval (the benchmark's own hit rule) and entity-answer accuracy."""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from evals.splits import in_split
from evals.text import plain, squash
from rag.core.config import Config
from rag.core.errors import RagError

_NOT_ENTITY = {"yes", "no", "true", "false", "insufficient information."}


def load_queries(data: Path, split: str) -> list[tuple[int, dict[str, Any]]]:
    """(list index, query) pairs of a split: dev = i % 5 != 0 (tune here), test = i % 5 == 0 (held out)."""
    path = data / "MultiHopRAG.json"
    if not path.is_file() or not (data / "corpus.json").is_file():
        raise RagError(f"{data} does not hold MultiHop-RAG (corpus.json and MultiHopRAG.json)")
    queries = json.loads(path.read_text(encoding="utf-8"))
    return [(i, q) for i, q in enumerate(queries) if in_split(i, split)]


def is_hit(passage_text: str, facts: list[str]) -> bool:
    """The benchmark's rule: some gold fact, whitespace removed, is a substring of the chunk, whitespace removed."""
    chunk = squash(passage_text)
    return any(squash(f) in chunk for f in facts if f.strip())


def is_entity(q: dict[str, Any]) -> bool:
    """Questions whose gold answer names something (not yes/no, not 'insufficient information')."""
    return q["question_type"] == "inference_query" and q["answer"].strip().lower() not in _NOT_ENTITY


def multihop_config(config: Config, cache: Path) -> Config:
    """The user's settings, but a local index of its own under `cache` (never the user's collection)."""
    return replace(config, home=cache, chroma_url=None, collection="multihop_rag")


def score_retrieval(queries: list[tuple[int, dict[str, Any]]], cfg: Config, k: int, progress: bool) -> dict[str, Any]:
    """Hits@k, Hits@4 and MRR@k over non-null queries, overall and per question type."""
    from tqdm import tqdm

    from rag.api import retrieve

    rows = []
    for _, q in tqdm(queries, desc="retrieval", unit="q", disable=not progress, file=sys.stderr):
        if q["question_type"] == "null_query":
            continue  # no evidence to find (the benchmark leaves these out too)
        facts = [e["fact"] for e in q["evidence_list"]]
        passages = retrieve(q["query"], k, config=cfg)
        rank = next((n for n, p in enumerate(passages, 1) if is_hit(p.text, facts)), None)
        rows.append((q["question_type"], rank))

    def summary(ranks: list[int | None]) -> dict[str, float]:
        n = len(ranks) or 1
        return {"queries": len(ranks), f"hits@{k}": sum(r is not None for r in ranks) / n,
                "hits@4": sum(r is not None and r <= 4 for r in ranks) / n,
                f"mrr@{k}": sum(1 / r for r in ranks if r) / n}

    by_type = {t: summary([r for tt, r in rows if tt == t]) for t in sorted({t for t, _ in rows})}
    return {"overall": summary([r for _, r in rows]), "by_type": by_type}


def score_answers(queries: list[tuple[int, dict[str, Any]]], cfg: Config, engine: str | None, limit: int,
                  progress: bool) -> dict[str, Any]:
    """Share of entity questions whose answer text contains the gold entity (case-insensitive)."""
    from tqdm import tqdm

    from rag.api import answer

    picked = [(i, q) for i, q in queries if is_entity(q)][:limit]
    correct = refused = 0
    t0 = time.perf_counter()
    for _, q in tqdm(picked, desc="answers", unit="q", disable=not progress, file=sys.stderr):
        a = answer(q["query"], engine=engine, config=cfg)
        refused += a.refused
        correct += (not a.refused) and plain(q["answer"]).lower() in plain(a.text).lower()
    n = len(picked) or 1
    return {"questions": len(picked), "accuracy": correct / n, "refused": refused / n,
            "seconds_per_answer": (time.perf_counter() - t0) / n}


def run_multihop(args: argparse.Namespace, config: Config) -> int:
    """Index the corpus once into its own RAG_HOME, then score retrieval and entity answers on a split."""
    from index.pipeline import index_paths

    if not args.data:
        raise RagError("multihop needs --data DIR (the MultiHop-RAG folder)")
    data = Path(args.data)
    if args.split != "dev":
        print(f"rag eval multihop: the {args.split} split includes held-out queries (i % 5 == 0): "
              "report these numbers, never choose parameters with them", file=sys.stderr)
    if args.split in ("dev", "all") and config.rerank:
        print("rag eval multihop: the learned ranker (rag/ranker.npz) was trained on the dev split, so dev "
              "retrieval scores are in-sample; benchmarks/retrieval.py reports a cross-fitted estimate",
              file=sys.stderr)
    queries = load_queries(data, args.split)[: args.limit] if args.limit else load_queries(data, args.split)
    cache = Path(args.cache) if args.cache else Path(config.home) / "eval-multihop"
    cfg = multihop_config(config, cache)
    progress = not args.no_progress
    t0 = time.perf_counter()
    report = index_paths([data / "corpus.json"], cfg, progress=progress)  # incremental: built once, then skipped
    print(f"index at {cache}: {report.summary()} ({time.perf_counter() - t0:.0f} s)")
    k = args.k or 10
    result: dict[str, Any] = {
        "date": date.today().isoformat(), "command": " ".join(["rag", *sys.argv[1:]]) if sys.argv else "",
        "split": args.split, "queries": len(queries), "k": k, "engine": args.engine or "extractive",
        "retrieval": score_retrieval(queries, cfg, k, progress),
    }
    if args.answers:
        from evals.multihop_answers import score_all

        # Every question type, both rules, with the previous engine and the majority answer as baselines;
        # the majority answers come from the whole split, the sample is its first N questions (no more than --limit).
        every = load_queries(data, args.split)
        n = min(args.answers, args.limit) if args.limit else args.answers
        result["answers"] = score_all(every, cfg, n, progress, args.engine)
    text = render(result)
    print(text)
    if args.report:
        folder = Path(args.report)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "multihop.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
        (folder / "multihop.md").write_text(text + "\n", encoding="utf-8")
        print(f"reports: {folder / 'multihop.json'}, {folder / 'multihop.md'}")
    return 0


def render(result: dict[str, Any]) -> str:
    """A Markdown table of the MultiHop-RAG scores."""
    k = result["k"]
    lines = [f"MultiHop-RAG, {result['split']} split ({result['queries']} queries), {result['date']}",
             f"`{result['command']}`", "",
             f"| question type | queries | Hits@{k} | Hits@4 | MRR@{k} |", "|---|---:|---:|---:|---:|"]
    r = result["retrieval"]
    for name, s in [*r["by_type"].items(), ("**all (non-null)**", r["overall"])]:
        lines.append(f"| {name} | {s['queries']} | {s[f'hits@{k}']:.3f} | {s['hits@4']:.3f} | {s[f'mrr@{k}']:.3f} |")
    if "answers" in result:
        from evals.multihop_answers import render as render_answers

        lines += render_answers(result["answers"], result["engine"])
    return "\n".join(lines)
