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
    p.add_argument("--explain", metavar="FILE",
                   help="print each line of FILE with keep/drop and the reason (PATHs: the files it is indexed with, "
                        "for template text); indexes nothing")


def run(args: argparse.Namespace, config: Config) -> int:
    """Index the paths (or explain how one file is cleaned); exit 2 when every file was skipped."""
    if args.explain:  # show the cleaner's keep/drop decision per line; indexes nothing
        from index.explain import explain_paths

        return explain_paths(args.explain, args.paths)
    from index.pipeline import index_paths

    report = index_paths(args.paths or [config.articles_dir], config, progress=not args.quiet, prune=args.prune)
    for skipped in report.skipped:
        print(f"rag index: skipped {skipped}", file=sys.stderr)
    print(report.summary())
    if report.skipped and not (report.added or report.updated or report.unchanged):
        return EXIT_BAD_INPUT
    return 0
