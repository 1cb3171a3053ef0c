"""Sentence scoring at question time: fp32 vs int8 MiniLM (ONNX Runtime), speed and agreement, one run.

The extractive engine embeds each part's shortlist (the claim and ~8 candidate sentences) to score them by
meaning (rag/engines/extractive/parts.py). This times that call both ways on MultiHop-RAG sentences and
measures how far the int8 scores move from fp32's (answer accuracy: benchmarks/multihop_answers.py).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/meaning_encoding.py --home /work/cache/multihop-home
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import MULTIHOP, header  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--home", type=Path, required=True, help="an index home (its models folder holds the ONNX files)")
    p.add_argument("--calls", type=int, default=40, help="scoring calls timed per setting")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = p.parse_args(argv)

    import numpy as np

    from rag.core.text import sentence_spans
    from rag.storage import onnx_embed

    onnx_embed.use_dir(args.home / "models")
    docs = json.loads((MULTIHOP / "corpus.json").read_text(encoding="utf-8"))
    rng = random.Random(7)
    calls = []
    for d in rng.sample(docs, args.calls):
        sents = [d["body"][s:e] for s, e in sentence_spans(d["body"]) if e - s > 25]
        if len(sents) >= 9:
            calls.append(rng.sample(sents, 9))  # a claim and 8 shortlisted sentences
    settings = [("fp32, one batch of 64 (before)", False, 64), ("int8, batches of 2 (now)", True, 2)]
    rows, vectors = [], {}
    for name, int8, batch in settings:
        enc = onnx_embed.encoder(onnx_embed.model_file(int8))
        enc.encode(calls[0], batch)
        times = []
        for texts in calls:
            t = time.perf_counter()
            enc.encode(texts, batch)
            times.append(time.perf_counter() - t)
        vectors[name] = [enc.encode(texts, batch) for texts in calls]
        rows.append((name, statistics.median(times) * 1000))
    a, b = (vectors[n] for n, _, _ in settings)
    # The engine compares cosines of the claim (first text) with each sentence: how far int8 moves them.
    shift = np.concatenate([np.abs(y[1:] @ y[0] - x[1:] @ x[0]) for x, y in zip(a, b)])
    same_best = np.mean([int(np.argmax(x[1:] @ x[0]) == np.argmax(y[1:] @ y[0])) for x, y in zip(a, b)])
    stamp = datetime.now(UTC)
    cmd = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/meaning_encoding.py " + shlex.join(sys.argv[1:])
    lines = ["# Sentence meaning at question time: fp32 vs int8", "", header(stamp, cmd),
             f"{len(calls)} scoring calls of 9 MultiHop-RAG sentences each (claim + 8 candidates), one process, "
             f"{os.cpu_count()} cores, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}.", "",
             "| setting | ms per call (median) |", "|---|---:|"]
    lines += [f"| {n} | {ms:.1f} |" for n, ms in rows]
    lines += ["", f"Speed-up: {rows[0][1] / rows[1][1]:.2f}x. Claim-to-sentence cosine moved by int8: median "
              f"{np.median(shift):.4f}, p95 {np.percentile(shift, 95):.4f}, max {shift.max():.4f}; the same best "
              f"sentence in {same_best:.3f} of calls."]
    text = "\n".join(lines)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "meaning_encoding.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
