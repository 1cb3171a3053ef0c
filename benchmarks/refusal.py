"""Calibrate `min_support` (refusal threshold) on dev data: MultiHop-RAG dev null queries (unanswerable)
vs dev answerable queries, plus the bundled-article questions of the tests.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/refusal.py

Uses the MultiHop-RAG index cached by benchmarks/retrieval.py (--cache). Prints, for each threshold, the
share of unanswerable questions refused and of answerable ones answered; writes results/refusal.md + .json.
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
import rag  # noqa: E402,F401
from benchmarks import MULTIHOP, header  # noqa: E402
from evals.splits import in_split  # noqa: E402
from rag.core.config import Config  # noqa: E402

DATA = MULTIHOP
# Bundled-article questions (tests/test_answer.py, tests/test_answers_newsroom.py): answerable, then not.
BUNDLED_YES = [
    "Who refused to sign the statement?", "When will Antony Blinken hold trilateral talks in Hawaii?",
    "Where will Blinken hold trilateral talks with South Korea and Japan?",
    "How many weapons tests did North Korea conduct in January?",
    "What did Zhang Jun say the key to easing tensions with North Korea was?",
    "Which countries released a joint statement condemning the North's tests?",
    "Why did North Korea send congratulations to China?",
]
# Far-off questions the articles cannot answer: nearly any threshold refuses these.
BUNDLED_FAR = ["What is the capital of Australia?", "Who won the 2018 football World Cup?", "How do I bake banana bread?",
               "What did the Mars rover discover about water on the planet?", "Which team won the Super Bowl?"]


def near_topic_unanswerable() -> list[str]:
    """The gold set's near-topic unanswerable questions (tags "near" + "unanswerable", single turn): about North
    Korea and the UN like the articles, but not answered by them; the hard side of the refusal threshold."""
    from evals.gold import load_gold

    return [c.turns[-1] for c in load_gold() if not c.answerable and "near" in c.tags and len(c.turns) == 1]


THRESHOLDS = [round(0.025 * i, 3) for i in range(4, 21)]


def supports(config: Config, questions: list[str]) -> list[float]:
    """Each question's support over what the answerer retrieves: the share of the question its best sentence holds,
    the number the extractive engine refuses below `min_support` (rag.engines.extractive.engine.compose)."""
    from rag.api import get_index
    from rag.engines.extractive.engine import question_share
    from rag.engines.extractive.evidence import candidates, score

    idx = get_index(config)
    out = []
    for q in questions:
        passages = idx.retrieve(q)
        ev = candidates(passages)
        score(q, ev, idx.idf(passages))
        out.append(question_share(ev))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/issue3"))
    parser.add_argument("--bundled-home", type=Path, default=Path("/tmp/issue3/small_home"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--collection", help="the MultiHop-RAG index's collection (default: the setting's; "
                                             "`rag eval multihop` builds multihop_rag)")
    args = parser.parse_args(argv)
    queries = json.loads((args.data / "MultiHopRAG.json").read_text())
    dev = [q for i, q in enumerate(queries) if in_split(i, "dev")]
    null = [q["query"] for q in dev if q["question_type"] == "null_query"]
    answerable = [q["query"] for q in dev if q["question_type"] != "null_query"][: len(null)]
    mh = Config.load(home=args.cache / "mh_home", **({"collection": args.collection} if args.collection else {}))
    from rag.storage.store import Store

    if Store(mh).chunk_count() == 0:  # else every MultiHop question "refuses" and the columns read 1.000 / 0.000
        raise SystemExit(f"refusal.py: no MultiHop-RAG index at {mh.home} (collection {mh.collection}); "
                         f"build it with benchmarks/retrieval.py --cache {args.cache}")
    small = Config.load(home=args.bundled_home, articles_dir=ROOT / "articles")
    near = near_topic_unanswerable()
    s = {"mh_null": supports(mh, null), "mh_answerable": supports(mh, answerable),
         "bundled_near": supports(small, near), "bundled_far": supports(small, BUNDLED_FAR),
         "bundled_yes": supports(small, BUNDLED_YES)}
    s["bundled_no"] = s["bundled_near"] + s["bundled_far"]  # every bundled unanswerable question, near and far
    refuse = ("mh_null", "bundled_near", "bundled_far", "bundled_no")  # rates of refusing; the others: of answering
    rows = []
    for t in THRESHOLDS:
        rate = {k: sum((x < t) if k in refuse else (x >= t) for x in v) / len(v) for k, v in s.items()}
        rows.append({"min_support": t, **{k: round(v, 3) for k, v in rate.items()}})
    head = ("| min_support | MultiHop null refused | MultiHop answerable answered | bundled unanswerable refused "
            "| of which near-topic refused | bundled answerable answered |\n|---:|---:|---:|---:|---:|---:|\n")
    table = head + "".join(f"| {r['min_support']:.3f} | {r['mh_null']:.3f} | {r['mh_answerable']:.3f} | "
                           f"{r['bundled_no']:.3f} | {r['bundled_near']:.3f} | {r['bundled_yes']:.3f} |\n" for r in rows)
    print(table)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    # RAG_* settings change what runs (e.g. RAG_COLLECTION picks a cached index's collection): record them too.
    env = "".join(f"{k}={shlex.quote(v)} " for k, v in sorted(os.environ.items()) if k.startswith("RAG_"))
    command = f"{env}OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/refusal.py " + " ".join(
        map(shlex.quote, sys.argv[1:] if argv is None else argv))
    note = (f"Dev split only: {len(null)} MultiHop-RAG null queries, {len(answerable)} answerable dev queries; bundled: "
            f"{len(near)} near-topic (evals/gold) + {len(BUNDLED_FAR)} far-off unanswerable, {len(BUNDLED_YES)} answerable.")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "refusal.md").write_text(f"# Refusal calibration\n\n{header(when, command)}\n{note}\n\n{table}")
    (args.out / "refusal.json").write_text(json.dumps({"date": when, "command": command, "note": note, "rows": rows,
                                                       "supports": s}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
