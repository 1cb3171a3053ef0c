"""`rag index`: index article files or folders (the command module rag/cli.py loads: HELP, DESCRIPTION,
add_arguments, run)."""
from __future__ import annotations

import argparse
import sys

from rag.core.config import Config

HELP = "index article files or folders"
DESCRIPTION = ("Index .txt .md .html .json .jsonl files (folders recursively). Unchanged articles are skipped; "
               "bad files are reported and skipped.")
EXIT_BAD_INPUT = 2


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help="files or folders (default: articles/)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--prune", action="store_true",
                   help="also remove indexed articles whose files are gone (or no longer hold them)")


def run(args: argparse.Namespace, config: Config) -> int:
    """Index the paths; exit 2 when every file was skipped."""
    from index.pipeline import index_paths

    report = index_paths(args.paths or [config.articles_dir], config, progress=not args.quiet, prune=args.prune)
    for skipped in report.skipped:
        print(f"rag index: skipped {skipped}", file=sys.stderr)
    print(report.summary())
    if report.skipped and not (report.added or report.updated or report.unchanged):
        return EXIT_BAD_INPUT
    return 0
