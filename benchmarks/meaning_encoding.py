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
    from rag.core import parallel

    settings = [("fp32, one batch of 64", False, 64, False), ("int8, batches of 2", True, 2, False),
                ("int8, one text per run, two threads (now)", True, 1, True)]
    rows, vectors = [], {}
    for name, int8, batch, split in settings:
        enc = onnx_embed.encoder(onnx_embed.model_file(int8))

        def run(texts: list[str], enc=enc, batch=batch, split=split) -> np.ndarray:
            if not split:
                return enc.encode(texts, batch)
            return np.stack(parallel.map_split(lambda xs: list(enc.encode(xs, batch)), texts))

        run(calls[0])
        times = []
        for texts in calls:
            t = time.perf_counter()
            run(texts)
            times.append(time.perf_counter() - t)
        vectors[name] = [run(texts) for texts in calls]
        rows.append((name, statistics.median(times) * 1000))
    a, b = vectors[settings[0][0]], vectors[settings[-1][0]]
    # int8 quantises activations per run (DynamicQuantizeLinear: one scale per tensor), so in a batch a
    # text's vector depends on the text it is batched with; alone, it is the same whatever came before.
    enc8 = onnx_embed.encoder(onnx_embed.model_file(True))
    mate = max(float(1 - enc8.encode([c[1], c[k]], 2)[0] @ enc8.encode([c[1], c[2]], 2)[0])
               for c in calls for k in range(3, 9))
    alone = max(float(1 - enc8.encode([c[1]], 1)[0] @ enc8.encode([c[1]], 1)[0]) for c in calls)
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
    lines += ["", f"Speed-up over fp32: {rows[0][1] / rows[-1][1]:.2f}x (int8 in batches of 2: "
              f"{rows[0][1] / rows[1][1]:.2f}x). Claim-to-sentence cosine moved by int8: median "
              f"{np.median(shift):.4f}, p95 {np.percentile(shift, 95):.4f}, max {shift.max():.4f}; the same best "
              f"sentence in {same_best:.3f} of calls.", "",
              f"A sentence's int8 vector in a batch of two moves with its batch-mate by up to {mate:.4f} (1 - cosine); "
              f"encoded alone it is the same every time ({alone:.4f}), so scores no longer depend on what else "
              f"a question (or an earlier question) encoded with it."]
    text = "\n".join(lines)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "meaning_encoding.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
