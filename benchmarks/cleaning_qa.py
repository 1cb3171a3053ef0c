"""Six simple questions over three scraped fixture pages (broadcaster, wire, local paper), as in issue 19.

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 /work/main/.venv/bin/python benchmarks/cleaning_qa.py

Indexes the pages into a temporary RAG_HOME with the offline default engine and checks that each answer
contains the fact. Writes benchmarks/results/cleaning_qa.md. The code comes from PYTHONPATH, so an older
checkout (`git archive REV | tar -x -C DIR`, then PYTHONPATH=DIR and `--label old`) compares cleaners;
the results file then gets the label in its name.
"""
from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "fixtures" / "pages" / "dev"
QUESTIONS = [
    ("When will the Riverside library reopen?", "April 6"),
    ("How much did the library renovation cost?", "3.1 million"),
    ("How many pickups are being recalled?", "140,000"),
    ("What is wrong with the recalled trucks?", "seat belt"),
    ("How much will the bridge repairs cost?", "2.4m"),
    ("Who is the councillor quoted about the bridge?", "Pritchard"),
]


def main() -> int:
    """Index the three pages, ask the six questions, print and write the table."""
    import argparse
    import shutil

    import index

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--label", default="", help="suffix for the results file (e.g. the revision under test)")
    args = ap.parse_args()
    from index.pipeline import index_paths
    from rag.api import answer
    from rag.core.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        pages = Path(tmp) / "pages"
        pages.mkdir()
        for name in ("broadcaster_bridge", "wire_automaker", "local_library"):
            shutil.copy(PAGES / f"{name}.txt", pages)
        cfg = Config(home=Path(tmp) / "home", articles_dir=pages)
        index_paths([pages], cfg, progress=False)
        rows, right = [], 0
        for q, fact in QUESTIONS:
            text = answer(q, config=cfg).text
            ok = fact.lower() in text.lower()
            right += ok
            rows.append(f"| {q} | {fact} | {'yes' if ok else 'no'} | {text[:90].replace('|', '/')} |")
    table = "\n".join(["| question | fact | answered | answer (start) |", "|---|---|---|---|", *rows])
    print(table)
    print(f"{right}/{len(QUESTIONS)} answered")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cmd = "OMP_NUM_THREADS=1 /work/main/.venv/bin/python benchmarks/cleaning_qa.py" + (
        f" --label {args.label}" if args.label else "")
    name = f"cleaning_qa{'-' + args.label if args.label else ''}.md"
    (ROOT / "benchmarks" / "results" / name).write_text(
        f"# Questions over three scraped pages\n\nDate: {when}\n\nCommand: `PYTHONPATH=<checkout> {cmd}`"
        f" (code read from {Path(index.__file__).parent.parent})\n\n{table}\n\n"
        f"{right}/{len(QUESTIONS)} answered.\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.append(str(ROOT))  # PYTHONPATH decides which checkout's code answers
    raise SystemExit(main())
