"""Speed and quality benchmarks; each script prints a table and writes benchmarks/results/."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# MultiHop-RAG sits next to the repository (../shared/bench-data); RAG_MULTIHOP_DATA points elsewhere.
MULTIHOP = Path(os.environ.get("RAG_MULTIHOP_DATA", ROOT.parent / "shared" / "bench-data" / "multihop-rag"))
