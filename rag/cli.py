"""The `rag` command: index articles, ask questions, inspect the index."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from rag.core.config import Config
from rag.core.errors import RagError

if TYPE_CHECKING:
    from rag.storage.store import Store

EXIT_BAD_INPUT = 2
# Commands that live with their own package (index/, ui/, evals/), registered as entry points in
# pyproject.toml. Each module has HELP, DESCRIPTION, add_arguments(parser) and run(args, config) -> exit code.
COMMANDS_GROUP = "newsrag.commands"
ORDER = ("index", "ask", "ui", "serve", "eval", "remove", "status")  # how `rag --help` lists them
Command = Callable[[argparse.Namespace, Config], int]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (use YYYY-MM-DD): {text!r}") from None


def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    from rag import warm

    warming = warm.start(config)  # the embedder loads while Chroma opens
    from rag.api import answer

    try:
        result = answer(args.question, k=args.k, sources=args.source, since=args.since, until=args.until,
                        engine=args.engine, config=config)
    finally:
        # A daemon thread still inside ONNX Runtime when the interpreter exits aborts the process ("terminate
        # called without an active exception"), on the error path too; its work is bounded.
        warming.join()
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return 0
    print(result.text)
    if result.citations:
        print()
        for c in result.citations:
            meta = ", ".join(x for x in (c.source, c.published) if x)
            print(f"[{c.n}] {c.title} ({meta})" if meta else f"[{c.n}] {c.title}")
            print(f"    \u201c{c.text}\u201d")
    return 0


def cmd_remove(args: argparse.Namespace, config: Config) -> int:
    from rag.storage.store import Store

    store = Store(config)
    removed = store.remove(args.ids)
    for missing in [i for i in args.ids if i not in removed]:
        print(f"rag remove: no article {missing!r} in the index at {config.home}", file=sys.stderr)
    print(f"removed {len(removed)} article{'s' if len(removed) != 1 else ''}; {store.article_count()} left")
    return 0 if removed else EXIT_BAD_INPUT


def status_report(config: Config, store: Store | None = None) -> dict[str, Any]:
    """What `rag status --json` prints (also served as GET /v1/status); `store` reuses an open Store."""
    from rag.storage.backends import machine_default
    from rag.storage.embedder import EMBED_MODEL_NAME, backend
    from rag.storage.store import Store

    store = store or Store(config)
    store.sync()  # server mode: the local cache as the server has it now
    size = store.disk_bytes()
    problems = store.check()
    built = store.info("embedder", {}) or {}
    return {
        "home": str(config.home),
        "chroma": config.chroma_url or str(config.home / "chroma"),
        "articles": store.article_count(),
        "chunks": store.chunk_count(),
        "size_mb": round(size / 2**20, 1) if size is not None else None,
        "last_indexed": store.last_indexed(),
        "sources": store.sources(),
        "embedder": f"{EMBED_MODEL_NAME} ({store.embed_precision()})",
        # How questions are embedded here, and what `embed_precision = "auto"` picks on this machine.
        "embed_backend": f"{backend(store.embed_precision(), config.embed_runtime, export=False)} "
                         f"(auto on this machine: {machine_default()})",
        "chunk_tokens": built.get("chunk_tokens", config.chunk_tokens),
        # Chunk sentences whose meaning vectors the indexer stored (questions encode only the others).
        "sentence_vectors": store.meaning.count(),
        "consistent": not problems,
        "problems": problems,
    }


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    status = status_report(config)
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        for k, v in status.items():
            if k == "problems":
                for p in v:
                    print(f"problem: {p}")
            elif k == "sources":
                print(f"sources: {len(v)} ({', '.join(v[:8])}{', ...' if len(v) > 8 else ''})")
            else:
                print(f"{k}: {v}")
    return 1 if status["problems"] else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag",
        description="Answer questions about news articles, citing the exact sentences. Runs offline.",
        epilog="Settings: rag.toml ([rag] table) or RAG_* environment variables, e.g. RAG_HOME, RAG_CHROMA_URL.",
    )
    parser.add_argument("--config", help="TOML settings file (default: $RAG_CONFIG or ./rag.toml)")
    parser.add_argument("--home", help="index folder (default: $RAG_HOME or .rag)")
    parser.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (default: $RAG_CHROMA_URL)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ask", help="ask a question", description="Answer a question from the indexed articles, with [n] "
                       "citations. Indexes articles/ first if the index is empty.")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    p.add_argument("-k", type=int, default=None, help="passages to retrieve (default: the top_k setting, 10)")
    p.add_argument("--source", action="append", help="only articles from this outlet (repeatable)")
    p.add_argument("--since", type=_date, help="only articles published on or after YYYY-MM-DD")
    p.add_argument("--until", type=_date, help="only articles published on or before YYYY-MM-DD")
    p.add_argument("--engine", default=None, help="answer engine: extractive (default, offline) or llm")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("remove", help="take articles out of the index", description="Remove articles (by article_id, "
                       "as in citations and `rag status`/`GET /v1/articles`) from Chroma, the keyword index and the "
                       "article table; they are never cited again. Exits 2 if none of the ids is indexed.")
    p.add_argument("ids", nargs="+", metavar="ID", help="article ids")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("status", help="what is indexed", description="Show what the index holds (articles, chunks, size, "
                       "models) and any disagreement between SQLite and Chroma; exits 1 if they disagree.")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=cmd_status)

    for ep in entry_points(group=COMMANDS_GROUP):
        module = ep.load()
        p = sub.add_parser(ep.name, help=module.HELP, description=module.DESCRIPTION)
        module.add_arguments(p)
        p.set_defaults(func=module.run)
    # argparse lists commands in the order they were added; show them in the order people use them.
    sub._choices_actions.sort(key=lambda a: ORDER.index(a.dest) if a.dest in ORDER else len(ORDER))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = Config.load(args.config, home=args.home, chroma_url=args.chroma_url)
        from rag.storage.store import reachable

        with reachable(config.chroma_url):  # a Chroma server gone mid-command: one line, not a traceback
            return args.func(args, config)
    except RagError as exc:
        print(f"rag {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"rag {args.command}: interrupted; re-run to finish (finished batches are kept)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
