"""Where the default retriever loses gold facts on MultiHop-RAG dev: wrong chunk of a found article, or the
article not found at all.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/misses.py --cache /tmp/issue3

Same index, queries and hit rule as benchmarks/retrieval.py. Each gold fact of each dev question is one of:
in the top 10; its article is in the top 10 but through other chunks; its chunk is in the candidate pool
but its article is not in the top 10; its chunk is not in the pool. For the second kind it also reports the rank, by the
default score, of the fact's chunk among its article's candidates. Writes results/misses.md and .json.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import rag  # noqa: E402,F401  (offline environment first)
from benchmarks import MULTIHOP, header  # noqa: E402
from benchmarks.retrieval import dev_queries, squash  # noqa: E402
from rag.core.config import Config  # noqa: E402
from rag.retrieval.retriever import default_score  # noqa: E402

KINDS = ("in the top 10", "article in the top 10, other chunks", "chunk in the pool, article not in the top 10",
         "chunk not in the pool")


def classify(idx, question: str, facts: set[str]) -> list[tuple[str, int | None]]:
    """(kind, rank of the fact's chunk among its article's candidates) for each gold fact."""
    pool, _, kw = idx.retriever.candidates(question)
    score = default_score(pool, idx.retriever.weights)
    order = sorted(range(len(pool.rows)), key=lambda j: -score[j])
    top = idx.retrieve(question, 10)
    top_text = [squash(p.text) for p in top]
    top_articles = {p.article_id for p in top}
    pool_text = [squash(t) for t in pool.texts]
    out = []
    for fact in facts:
        if any(fact in t for t in top_text):
            out.append((KINDS[0], None))
            continue
        holders = [j for j in order if fact in pool_text[j]]
        if not holders:
            out.append((KINDS[3], None))
            continue
        article = kw.meta[pool.rows[holders[0]]]["article_id"]
        same = [j for j in order if kw.meta[pool.rows[j]]["article_id"] == article]
        if article in top_articles:
            out.append((KINDS[1], same.index(holders[0])))
        else:
            out.append((KINDS[2], None))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=MULTIHOP)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/issue3"), help="as benchmarks/retrieval.py")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    from rag.api import get_index

    idx = get_index(Config.load(home=args.cache / "mh_home", articles_dir=args.data))
    if idx.store.article_count() < 609:
        raise SystemExit(f"misses: index the corpus first (benchmarks/retrieval.py --cache {args.cache})")
    idx._ready = True
    kinds: Counter[str] = Counter()
    ranks: Counter[int] = Counter()
    for q in dev_queries(args.data, args.limit):
        for kind, rank in classify(idx, q["query"], {squash(e["fact"]) for e in q["evidence_list"]}):
            kinds[kind] += 1
            if rank is not None:
                ranks[min(rank, 5)] += 1
    total = sum(kinds.values())
    table = "| gold fact | facts | share |\n|---|---:|---:|\n" + "".join(
        f"| {k} | {kinds[k]} | {kinds[k] / total:.3f} |\n" for k in KINDS)
    wrong = sum(ranks.values()) or 1
    rank_table = ("| rank of the fact's chunk in its article (found article, other chunks) | facts | share |\n"
                  "|---|---:|---:|\n" + "".join(
                      f"| {'6 or lower' if r == 5 else r + 1} | {ranks[r]} | {ranks[r] / wrong:.3f} |\n" for r in sorted(ranks)))
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/misses.py " + " ".join(
        map(shlex.quote, sys.argv[1:] if argv is None else argv))
    print(table + "\n" + rank_table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "misses.md").write_text(f"# Where gold facts are lost (default retriever)\n\n{header(when, command)}\n"
                                        f"{__doc__.split(chr(10) * 2, 2)[2]}\n{table}\n{rank_table}")
    (args.out / "misses.json").write_text(json.dumps({"date": when, "command": command, "facts": dict(kinds),
                                                      "rank_in_article": {str(k + 1): v for k, v in sorted(ranks.items())}},
                                                     indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
