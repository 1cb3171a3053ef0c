"""Speed and quality benchmarks; each script prints a table and writes benchmarks/results/."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# MultiHop-RAG sits next to the repository (../shared/bench-data); RAG_MULTIHOP_DATA points elsewhere.
MULTIHOP = Path(os.environ.get("RAG_MULTIHOP_DATA", ROOT.parent / "shared" / "bench-data" / "multihop-rag"))


def header(when: datetime | str, command: str) -> str:
    """The two header lines every results file carries; benchmarks/check_figures.py compares docs with them."""
    stamp = f"{when:%Y-%m-%d %H:%M} UTC" if isinstance(when, datetime) else when  # str: "YYYY-MM-DD[ HH:MM UTC]"
    return f"Date: {stamp}  \nCommand: `{command}`  \n"
