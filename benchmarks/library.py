"""How fast the chat's Library answers on a real index: the first page, a title search, an outlet filter.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/library.py --home /tmp/mh --collection multihop_rag

Times `ui.library.library_page` (what the Library panel calls: one SQLite count + one page query) in-process,
after one warm-up call, median of 20 calls each; writes benchmarks/results/library.{md,json}.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import header  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True, help="RAG_HOME of an index (e.g. MultiHop-RAG's 609 articles)")
    ap.add_argument("--collection", default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()

    import rag  # noqa: F401  (offline environment)
    from rag.api import Index
    from rag.core.config import Config
    from ui.library import library_page

    cfg = Config.load(home=args.home, **({"collection": args.collection} if args.collection else {}))
    index = Index(cfg, first_use=lambda i: None)
    source = (index.store.sources() or [""])[0]
    cases = [("first page", "", ""), ("title search 'Google'", "Google", ""), (f"outlet {source}", "", source)]
    rows = []
    for name, query, outlet in cases:
        _, info = library_page(index, query, outlet, 1)  # warm-up: opens SQLite
        times = []
        for _ in range(20):
            t = time.perf_counter()
            library_page(index, query, outlet, 1)
            times.append((time.perf_counter() - t) * 1000)
        rows.append({"case": name, "result": info, "median_ms": round(statistics.median(times), 1),
                     "max_ms": round(max(times), 1)})
    table = "| case | result | median ms | max ms |\n|---|---|---:|---:|\n" + "".join(
        f"| {r['case']} | {r['result']} | {r['median_ms']} | {r['max_ms']} |\n" for r in rows)
    print(table)
    when = datetime.now(UTC)
    command = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/library.py " + " ".join(sys.argv[1:])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "library.md").write_text(f"# Library speed\n\n{header(when, command)}\n{table}", encoding="utf-8")
    (args.out / "library.json").write_text(json.dumps({"date": f"{when:%Y-%m-%d %H:%M} UTC", "command": command,
                                                       "rows": rows}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
