"""Load test: N simultaneous chat users asking M questions in total through the Gradio `/chat` API.

Checks that concurrent answers are identical to single-user answers and that nothing errors, and
records latency percentiles. Loopback only, bounded in count and time.

    .venv/bin/python benchmarks/load.py --users 8 --questions 200          # launches its own app
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:7860/       # an app you started
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402,F401  (offline environment before gradio_client is imported)
from benchmarks import header  # noqa: E402

QUESTIONS = [
    "Who refused to sign the statement?",
    "How many weapons tests did North Korea carry out in January?",
    "What did Zhang Jun say the key to easing tensions was?",
    "When will Blinken hold trilateral talks in Hawaii?",
    "Which countries released a joint statement condemning the North's tests?",
    "What did Linda Thomas-Greenfield say about the sanctions proposal?",
    "Why did North Korea send congratulations to China?",
    "What is the capital of Australia?",
]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_load(url: str, users: int, total: int, time_limit: float) -> dict:
    """Ask `total` questions from `users` threads; compare with one-user answers; return the figures."""
    from gradio_client import Client

    host = urlparse(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise SystemExit(f"load.py only targets loopback addresses, not {host}")
    single = Client(url, verbose=False, download_files=False)
    expected = {q: single.predict(q, api_name="/chat") for q in QUESTIONS}  # also warms the app
    clients = [Client(url, verbose=False, download_files=False) for _ in range(users)]
    deadline = time.monotonic() + time_limit

    def user(u: int) -> list[tuple[str, float, str | None]]:
        out = []
        for i in range(u, total, users):
            if time.monotonic() > deadline:
                break
            q = QUESTIONS[i % len(QUESTIONS)]
            t0 = time.perf_counter()
            try:
                got = clients[u].predict(q, api_name="/chat")
                err = None if got == expected[q] else "answer differs from the single-user answer"
            except Exception as exc:  # recorded, not raised: the report counts every failure
                err = f"{type(exc).__name__}: {exc}"
            out.append((q, time.perf_counter() - t0, err))
        return out

    t0 = time.perf_counter()
    with ThreadPoolExecutor(users) as pool:
        results = [r for rs in pool.map(user, range(users)) for r in rs]
    wall = time.perf_counter() - t0
    lat = sorted(r[1] for r in results)
    errors = [f"{q}: {e}" for q, _, e in results if e]
    differ = sum(1 for _, _, e in results if e and e.startswith("answer differs"))
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")  # noqa: E731
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "users": users,
        "asked": len(results),
        "planned": total,
        "errors": len(errors),
        "identical": len(results) - len(errors),  # answers equal, character for character, to one user's
        "differing": differ,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "error_examples": errors[:5],
        "wall_s": round(wall, 2),
        "throughput_qps": round(len(results) / wall, 2) if wall else None,
        "p50_ms": round(1000 * statistics.median(lat), 1) if lat else None,
        "p95_ms": round(1000 * pct(0.95), 1),
        "max_ms": round(1000 * lat[-1], 1) if lat else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app (loopback only); default: launch one on the bundled articles")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--questions", type=int, default=200, help="questions in total")
    parser.add_argument("--time-limit", type=float, default=600, help="stop asking after this many seconds")
    parser.add_argument("--home", help="RAG_HOME for the launched app (default: a temporary folder)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "load"), help="results path prefix (.md/.json)")
    args = parser.parse_args(argv)

    app = None
    url = args.url
    if not url:
        import tempfile

        from rag.core.config import Config
        from ui.app import build_app, launch

        home = Path(args.home or tempfile.mkdtemp(prefix="rag-load-"))
        app = build_app(Config.load(home=home, articles_dir=ROOT / "articles"))
        url = launch(app, port=_free_port())
    try:
        result = run_load(url, args.users, args.questions, args.time_limit)
    finally:
        if app is not None:
            app.close()
    result["command"] = ".venv/bin/python benchmarks/load.py " + " ".join(argv if argv is not None else sys.argv[1:])
    table = (
        "| users | asked | same as 1 user | errors | wall s | q/s | p50 ms | p95 ms | max ms |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {result['users']} | {result['asked']}/{result['planned']} | {result['identical']} | {result['errors']} | {result['wall_s']} | "
        f"{result['throughput_qps']} | {result['p50_ms']} | {result['p95_ms']} | {result['max_ms']} |\n"
    )
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(
        f"# Chat load test\n\n{header(datetime.fromisoformat(result['date']), result['command'])}"
        f"Machine: 2 cores shared, 1-min load {result['load_avg_1m']}\n\n{table}"
        + ("".join(f"\n- {e}" for e in result["error_examples"]) + "\n" if result["errors"] else "")
    )
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
