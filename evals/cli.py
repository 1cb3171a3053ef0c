"""`rag eval`: run a gold set (or MultiHop-RAG) against an index and engine, report, and gate on thresholds."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag.core.config import Config

HELP = "evaluate answers on a gold set and fail below the thresholds"
DESCRIPTION = (
    "Run a gold set (default: the bundled one) through `rag.answer` and score answer correctness, citation "
    "support and validity, refusals, retrieval and latency. Exits 1 when a metric is below its threshold in "
    "evals/thresholds.toml (the message names the metric and the gap), 2 for bad input. "
    "`rag eval multihop --data DIR` scores the MultiHop-RAG benchmark instead; "
    "`rag eval --compare A.json B.json` shows what got better and worse between two reports; "
    "`rag eval --engine llm --baseline extractive --report DIR` puts two engines side by side."
)
EXIT_GATE = 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("suite", nargs="?", default="gold", choices=["gold", "multihop", "export-feedback"],
                   help="gold (default): a hand-written gold set; multihop: the MultiHop-RAG benchmark; "
                        "export-feedback: write the answers judged in the chat/API as gold cases (--out FILE)")
    p.add_argument("--out", metavar="FILE", help="export-feedback: the gold JSONL file to write")
    p.add_argument("--gold", help="gold set JSONL (default: evals/gold/bundled.jsonl)")
    p.add_argument("--engine", help="answer engine (rag.engines.registry.ENGINES; default extractive)")
    p.add_argument("--baseline", metavar="ENGINE",
                   help="also run this engine (e.g. extractive) on the same cases and write/print a side-by-side "
                        "table (DIR/compare.md, compare.html; its own report in DIR/baseline/); gates on --engine only")
    p.add_argument("--report", metavar="DIR", help="write report.json, report.md, report.html and junit.xml here")
    p.add_argument("--thresholds", help="thresholds TOML (default: evals/thresholds.toml)")
    p.add_argument("-k", type=int, default=None, help="passages retrieved for Hit@k/MRR (default 3; multihop 10)")
    p.add_argument("--articles", help="folder the gold evidence refers to (default: the configured articles_dir)")
    p.add_argument("--judge", action="store_true", help="also run the LLM judge when an LLM is configured")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"), help="compare two JSON reports and exit")
    m = p.add_argument_group("multihop")
    m.add_argument("--data", help="MultiHop-RAG folder (corpus.json + MultiHopRAG.json)")
    m.add_argument("--split", default="dev", choices=["dev", "test", "all"],
                   help="dev: query index i %% 5 != 0 (tune here); test: i %% 5 == 0 (held out)")
    m.add_argument("--cache", help="where the MultiHop-RAG index is built once (default: $RAG_HOME/eval-multihop)")
    m.add_argument("--limit", type=int, default=None, help="score only the first N queries of the split")
    m.add_argument("--answers", type=int, default=200,
                   help="answer the first N questions of the split, every type, scored strict + lenient with "
                        "baselines (0: skip; default 200)")


def _bad(message: str) -> int:
    print(f"rag eval: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace, config: Config) -> int:
    from rag.core.errors import RagError

    try:
        if args.compare:
            first, second = args.compare
            return _compare(first, second, folder=args.report)
        if args.suite == "export-feedback":
            return _export_feedback(args, config)
        if args.suite == "multihop":
            from evals.multihop import run_multihop

            return run_multihop(args, config)
        return _gold(args, config)
    except RagError as exc:
        return _bad(str(exc))


def _export_feedback(args: argparse.Namespace, config: Config) -> int:
    from evals.feedback import export_feedback, summary
    from rag.api import Index

    if not args.out:
        return _bad("export-feedback needs --out FILE")
    counts = export_feedback(Index(config, first_use=lambda index: None), Path(args.out))
    print(f"wrote {args.out}: {summary(counts)}")
    return 0


def _compare(a_path: str, b_path: str, folder: str | None = None) -> int:
    from evals.report.compare import compare
    from evals.report.json_report import read

    a, b = read(a_path), read(b_path)
    print(compare(a, b))
    if folder:
        print("comparison: " + ", ".join(str(p) for p in _side_by_side(a, b, folder)))
    return 0


def _side_by_side(base: dict, other: dict, folder: str | Path) -> list[Path]:
    """Write compare.md and compare.html (baseline vs other engine) into `folder`."""
    from evals.report import side_by_side

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    md, page = folder / "compare.md", folder / "compare.html"
    md.write_text(side_by_side.markdown(base, other), encoding="utf-8")
    page.write_text(side_by_side.html(base, other), encoding="utf-8")
    return [md, page]


def _gold(args: argparse.Namespace, config: Config) -> int:
    from evals.gold import BUNDLED, evidence_problems, load_gold
    from evals.metrics import compute_all
    from evals.metrics.llm_judge import configured_llm
    from evals.report import write_all
    from evals.report.markdown import fmt
    from evals.runner import failures, run_suite
    from evals.thresholds import DEFAULT, check, load_thresholds
    from rag.engines.registry import get_engine

    for engine in (args.engine, args.baseline):  # a bad engine or a missing LLM: one line before any long run
        reason = get_engine(engine).unavailable(config)
        if reason:
            return _bad(f"--engine {engine} cannot run here: {reason} (see docs/llm.md)")
    gold = Path(args.gold) if args.gold else BUNDLED
    cases = load_gold(gold)
    thresholds = load_thresholds(args.thresholds or DEFAULT)
    articles = Path(args.articles or config.articles_dir)
    if articles.is_dir():  # gold evidence must be verbatim in its article, or every support score is wrong
        problems = evidence_problems(cases, articles)
        if problems:
            return _bad(f"{gold}: {len(problems)} evidence problem(s), first: {problems[0]}")
    judge = configured_llm(config) if args.judge else None
    shown = gold.resolve().relative_to(Path.cwd()) if gold.resolve().is_relative_to(Path.cwd()) else gold
    run = run_suite(cases, config, args.engine, args.k or 3, str(shown), progress=not args.no_progress)
    metrics = compute_all(run, judge)
    checks = check(metrics, thresholds)

    failing = [r for r in run.results if failures(r)]
    print(f"rag eval: {len(cases)} cases from {shown}, engine {run.engine}, {len(cases) - len(failing)} pass, "
          f"{len(failing)} fail ({run.seconds:.0f} s)")
    for m in metrics:
        if m.skipped:
            print(f"  {m.name}: skipped ({m.skipped})")
        for name, value in m.flat().items():
            print(f"  {name:38} {fmt(value)}")
    if args.report:
        paths = write_all(run, metrics, checks, args.report)
        print("reports: " + ", ".join(str(p) for p in paths.values()))
    if args.baseline:
        _baseline(args, cases, config, str(shown), run, metrics, checks)
    bad = [c for c in checks if not c.ok]
    for c in bad:
        print(f"rag eval: FAIL {c.message()}", file=sys.stderr)
    if bad:
        return EXIT_GATE
    print(f"rag eval: all {len(checks)} thresholds met")
    return 0


def _baseline(args: argparse.Namespace, cases: list, config: Config, shown: str, run, metrics, checks) -> None:
    """Run the baseline engine on the same cases and print (and, with --report, write) the side-by-side table."""
    from evals.metrics import compute_all
    from evals.report import json_report, side_by_side, write_all
    from evals.runner import run_suite
    from evals.thresholds import DEFAULT, check, load_thresholds

    base_run = run_suite(cases, config, args.baseline, args.k or 3, shown, progress=not args.no_progress)
    base_metrics = compute_all(base_run, None)
    base_checks = check(base_metrics, load_thresholds(args.thresholds or DEFAULT))
    base, other = json_report.build(base_run, base_metrics, base_checks), json_report.build(run, metrics, checks)
    print()
    print(side_by_side.markdown(base, other), end="")
    if args.report:
        paths = write_all(base_run, base_metrics, base_checks, Path(args.report) / "baseline")
        print("baseline reports: " + ", ".join(str(p) for p in paths.values()))
        print("comparison: " + ", ".join(str(p) for p in _side_by_side(base, other, args.report)))
