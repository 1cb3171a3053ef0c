"""Answer accuracy on MultiHop-RAG dev, every question type, strict + lenient rules, with baselines.

    cd <repo> && OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/multihop_answers.py --n 400

Uses the MultiHop-RAG index under --cache (built by `rag eval multihop --cache DIR`). Answers the first N dev
questions (query index i % 5 != 0) with the default engine, the previous extractive engine and the
majority answer per type (evals/multihop_answers.py says how each rule scores); writes
results/multihop_answers.md + .json with the date and the command.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import MULTIHOP, header  # noqa: E402
from evals.multihop import load_queries, multihop_config  # noqa: E402
from evals.multihop_answers import render, score_all  # noqa: E402
from rag.core.config import Config  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=MULTIHOP)
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/multihop-home"))
    parser.add_argument("--n", type=int, default=400, help="first N dev questions (every type)")
    parser.add_argument("--skip", type=int, default=0, help="start after the first SKIP dev questions (a fresh slice)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--tag", default="", help="suffix of the result files (e.g. -before)")
    args = parser.parse_args(argv)
    queries = load_queries(args.data, "dev")
    cfg = multihop_config(Config.load(), args.cache)
    result = score_all(queries, cfg, args.n, progress=True, skip=args.skip)
    command = "OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/multihop_answers.py " + shlex.join(
        sys.argv[1:])
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = f"dev questions {args.skip + 1}-{args.skip + result['questions']}" if args.skip else "dev split"
    head = [f"# MultiHop-RAG answers, {where}, every question type", "", header(stamp, command)]
    text = "\n".join(head + render(result, "extractive"))
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"multihop_answers{args.tag}.md").write_text(text + "\n", encoding="utf-8")
    (args.out / f"multihop_answers{args.tag}.json").write_text(
        json.dumps({"date": stamp, "command": command, **result}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
