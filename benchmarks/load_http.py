"""Load test of the HTTP API: N concurrent OpenAI-client users asking M questions through /v1/chat/completions.

Starts a real `rag ui` process on the bundled articles (or targets --url), asks every question once as a
single user (the expected answers), then M questions from N threads, and checks each answer (content and
citations) is identical to the single-user one. Reports p50/p95 next to in-process `Index.answer` figures
measured in the same run over the same index. Loopback only.

    .venv/bin/python benchmarks/load_http.py --users 8 --questions 200
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402,F401  (offline environment first)
from benchmarks import header  # noqa: E402
from benchmarks.load import QUESTIONS, _free_port  # noqa: E402  (the same questions as the Gradio load test)


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen:
    """`rag ui` over `home` on loopback; returns once /openapi.json answers."""
    env = {k: v for k, v in os.environ.items() if k not in ("RAG_API_KEY", "RAG_UI_AUTH", "RAG_CHROMA_URL")}
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "ui", "--port", str(port)], cwd=ROOT,
                            env=env | {"RAG_HOME": str(home), "OMP_NUM_THREADS": "1"},
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 300
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f"rag ui did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.5)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)  # the process this script started, by its pid
        proc.wait(timeout=30)


def ms(values: list[float]) -> dict[str, float | None]:
    """p50 / p95 / max in milliseconds."""
    lat = sorted(values)
    if not lat:
        return {"p50_ms": None, "p95_ms": None, "max_ms": None}
    return {"p50_ms": round(1000 * statistics.median(lat), 1),
            "p95_ms": round(1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1), "max_ms": round(1000 * lat[-1], 1)}


def run(url: str, home: Path, users: int, total: int) -> dict:
    """Single-user answers, then `users` concurrent clients, then the in-process figures; all on one index."""
    from openai import OpenAI

    def client() -> OpenAI:
        return OpenAI(base_url=f"{url}v1", api_key="unused", max_retries=0, timeout=300)

    def ask(c: OpenAI, q: str) -> tuple[str, list]:
        r = c.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": q}])
        return r.choices[0].message.content, r.model_extra["citations"]

    asked = [QUESTIONS[i % len(QUESTIONS)] for i in range(total)]
    single = client()
    expected = {q: ask(single, q) for q in QUESTIONS}  # also warms the server

    def timed(c: OpenAI, q: str) -> tuple[float, str | None]:
        t0 = time.perf_counter()
        try:
            got = ask(c, q)
            err = None if got == expected[q] else "answer differs from the single-user answer"
        except Exception as exc:  # counted, not raised: the report holds every failure
            err = f"{type(exc).__name__}: {exc}"
        return time.perf_counter() - t0, err

    t0 = time.perf_counter()
    one = [timed(single, q) for q in asked]
    one_wall = time.perf_counter() - t0

    clients = [client() for _ in range(users)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(users) as pool:
        many = [r for rs in pool.map(lambda u: [timed(clients[u], q) for q in asked[u::users]], range(users)) for r in rs]
    many_wall = time.perf_counter() - t0

    # In-process: the same questions through Index.answer in this process, over the same (now idle) index.
    from rag.api import get_index
    from rag.core.config import Config

    index = get_index(Config.load(home=home))
    index.answer(QUESTIONS[0])  # load the models before timing
    inproc, inproc_errs = [], []
    t0 = time.perf_counter()
    for q in asked:
        t = time.perf_counter()
        a = index.answer(q)
        inproc.append(time.perf_counter() - t)
        same = (a.text, [c.to_dict() for c in a.citations]) == expected[q]
        inproc_errs.append(None if same else "in-process answer differs from the HTTP one")
    in_wall = time.perf_counter() - t0

    def row(name: str, lat: list[float], errs: list[str | None], wall: float, n_users: int) -> dict:
        errors = [e for e in errs if e]
        return {"path": name, "users": n_users, "asked": len(lat), "errors": len(errors),
                "identical": len(lat) - len(errors), "error_examples": errors[:3], "wall_s": round(wall, 2),
                "throughput_qps": round(len(lat) / wall, 2), **ms(lat)}

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "questions": total,
        "rows": [row("in-process Index.answer", inproc, inproc_errs, in_wall, 1),
                 row("HTTP /v1/chat/completions", [t for t, _ in one], [e for _, e in one], one_wall, 1),
                 row("HTTP /v1/chat/completions", [t for t, _ in many], [e for _, e in many], many_wall, users)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--questions", type=int, default=200, help="questions per run (each row asks them all)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "load_http"), help="results path prefix")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rag-load-http-") as tmp:
        home, port = Path(tmp) / "home", _free_port()
        proc = start_server(home, port, Path(tmp) / "server.log")
        try:
            result = run(f"http://127.0.0.1:{port}/", home, args.users, args.questions)
        finally:
            stop(proc)
    result["command"] = ".venv/bin/python benchmarks/load_http.py " + " ".join(argv if argv is not None else sys.argv[1:])
    table = ("| path | users | asked | same as 1 user | errors | wall s | q/s | p50 ms | p95 ms | max ms |\n"
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    for r in result["rows"]:
        table += (f"| {r['path']} | {r['users']} | {r['asked']} | {r['identical']} | {r['errors']} | {r['wall_s']} | "
                  f"{r['throughput_qps']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} |\n")
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    errors = [e for r in result["rows"] for e in r["error_examples"]]
    out.with_suffix(".md").write_text(
        f"# HTTP API load test\n\n{header(result['date'][:16].replace('T', ' ') + ' UTC', result['command'])}\n"
        f"On this machine: 2 cores shared, 1-min load {result['load_avg_1m']}.\n\n"
        "A real `rag ui` process on the bundled articles; every question through the OpenAI "
        "client; \"same as 1 user\" compares text and citations with the single-user HTTP answer (in-process too). "
        "The server answers "
        "one question at a time (answers are CPU-bound), so with 8 users a request waits for the ones before it: "
        "latency grows while throughput holds (here it rose: one request's HTTP and JSON work overlaps another's answering).\n\n" + table
        + "".join(f"\n- {e}" for e in errors))
    return 1 if any(r["errors"] for r in result["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
