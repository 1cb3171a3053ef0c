"""Load while indexing: 8 chat users ask through the HTTP API while separate `rag index` runs add articles.

Two set-ups, each with real processes on loopback:
- embedded: one `rag serve` and the indexer share one RAG_HOME (embedded Chroma);
- server: a `chroma run`, two `rag serve` workers with their own empty RAG_HOMEs (users alternate between
  them, as behind a load balancer) and an indexer with a third home, sharing nothing but the server's URL.
The bundled articles are indexed first; then, while the users ask, the indexer adds new (fictional) articles
one `rag index` run at a time. Every answer's citations are checked against the article bodies of record
(`body[start:end] == text`, and the text is verbatim in the source file); once an indexer run has returned,
every later question about its article must be answered from it (else "stale"). At the end each new article
is asked about once more.

    .venv/bin/python benchmarks/load_scaleout.py --users 8 --new 4
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402,F401  (offline environment first)
from benchmarks import header, wait_until_up  # noqa: E402
from benchmarks.load import QUESTIONS, _free_port  # noqa: E402

CHROMA = Path(sys.executable).parent / "chroma"
# Fictional places, so no bundled article can answer for them: (town, what opened, day, years, cost).
NEW = [("Port Elvar", "pier", "Tuesday", "two", 14), ("Marrowgate", "library", "Friday", "three", 9),
       ("Caskmoor", "bridge", "Monday", "four", 31), ("Tessaly Point", "tram line", "Thursday", "five", 120),
       ("Lindqvist Bay", "hospital", "Saturday", "six", 85), ("Orrin Falls", "stadium", "Wednesday", "two", 47)]


def new_article(town: str, thing: str, day: str, years: str, cost: int) -> tuple[str, str, str, str]:
    """(file text, title, question, the fact the answer must hold)."""
    title = f"{town} opens its new {thing}"
    text = (f"{title}\n\nThe mayor of {town} said the new {thing} opened on {day} after {years} years of work.\n"
            f"The {thing} cost {cost} million euros and was paid for by the regional council, the mayor said.\n")
    return text, title, f"When did the new {thing} in {town} open?", day


def _flat(text: str) -> str:
    return " ".join(text.split())


def _wait(url: str, proc: subprocess.Popen, log: Path) -> None:
    wait_until_up(url, proc, log, 300, "a worker")


def _stop(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGTERM)  # exactly the processes this script started
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _ask(url: str, question: str) -> dict:
    req = urllib.request.Request(f"{url}/v1/answer", data=json.dumps({"question": question}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


class Bodies:
    """The article bodies of record: the index's SQLite (embedded) or the server's article collection."""

    def __init__(self, home: Path, chroma_url: str | None) -> None:
        self.home, self.url, self._lock = home, chroma_url, threading.Lock()
        self._col: object = None

    def __call__(self, article_id: str) -> str | None:
        with self._lock:
            if self.url:
                import chromadb
                from chromadb.config import Settings

                if self._col is None:
                    host, port = self.url.rsplit("//", 1)[1].split(":")
                    self._col = chromadb.HttpClient(host=host, port=int(port), settings=Settings(
                        anonymized_telemetry=False)).get_collection("news_chunks__articles", embedding_function=None)
                got = self._col.get(ids=[article_id], include=["documents"])  # type: ignore[attr-defined]
                docs = got["documents"] or []
                return docs[0] if docs else None
            import sqlite3

            with sqlite3.connect(self.home / "articles.sqlite") as db:
                row = db.execute("SELECT body FROM articles WHERE article_id = ?", (article_id,)).fetchone()
            return row[0] if row else None


def run_mode(mode: str, users: int, seconds: float, work: Path, n_new: int) -> dict:
    """One set-up: start the processes, index the bundled articles, then chat and index at once."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")} | {"OMP_NUM_THREADS": "1",
                                                                               "HF_HUB_OFFLINE": "1"}
    docs = work / "docs"
    shutil.copytree(ROOT / "articles", docs)
    empty = work / "no-articles"
    empty.mkdir()
    procs: list[subprocess.Popen] = []
    chroma_url = None
    try:
        if mode == "server":
            port = _free_port()
            log = work / "chroma.log"
            procs.append(subprocess.Popen([str(CHROMA), "run", "--path", str(work / "chroma-data"), "--host",
                                           "127.0.0.1", "--port", str(port)], stdout=log.open("w"),
                                          stderr=subprocess.STDOUT, env=base | {"ANONYMIZED_TELEMETRY": "False"}))
            chroma_url = f"http://127.0.0.1:{port}"
            _wait(f"{chroma_url}/api/v2/heartbeat", procs[-1], log)
            base = base | {"RAG_CHROMA_URL": chroma_url}
        indexer_env = base | {"RAG_HOME": str(work / "home-indexer" if chroma_url else work / "home")}

        def index() -> None:
            r = subprocess.run([sys.executable, "-m", "rag.cli", "index", str(docs), "-q"], env=indexer_env,
                               cwd=ROOT, capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                raise RuntimeError(f"rag index failed: {r.stderr[-2000:]}")

        index()  # the bundled articles, before anyone asks
        homes = [work / f"home-worker{i}" for i in (1, 2)] if chroma_url else [work / "home"]
        urls = []
        for i, home in enumerate(homes):
            port, log = _free_port(), work / f"worker{i}.log"
            procs.append(subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--port", str(port)], cwd=ROOT,
                                          env=base | {"RAG_HOME": str(home), "RAG_ARTICLES_DIR": str(empty)},
                                          stdout=log.open("w"), stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
            _wait(f"{urls[-1]}/v1/status", procs[-1], log)
        result = chat_while_indexing(urls, users, seconds, docs, index, Bodies(Path(indexer_env["RAG_HOME"]), chroma_url),
                                     n_new)
        logs = "".join(f.read_text() for f in work.glob("worker*.log"))
        result["tracebacks_in_worker_logs"] = logs.count("Traceback")
        return {"mode": mode, "workers": len(urls)} | result
    finally:
        for p in reversed(procs):
            _stop(p)


def chat_while_indexing(urls: list[str], users: int, seconds: float, docs: Path, index, bodies: Bodies,
                        n_new: int) -> dict:
    """`users` threads ask until the indexer has added every new article (bounded by `seconds`)."""
    articles = [new_article(*n) for n in NEW[:n_new]]
    indexed: dict[str, tuple[str, str]] = {}  # question -> (title, fact), once its indexer run has returned
    done = threading.Event()
    log: list[dict] = []
    lock = threading.Lock()

    def check(answer: dict, question: str, must: tuple[str, str] | None) -> list[str]:
        problems = []
        for c in answer.get("citations", []):
            body = bodies(c["article_id"])
            if body is None or body[c["start"] : c["end"]] != c["text"]:
                problems.append(f"citation [{c['n']}] is not body[start:end] of {c['article_id']}")
            elif not any(_flat(c["text"]) in _flat(f.read_text(encoding="utf-8")) for f in docs.iterdir()):
                problems.append(f"citation [{c['n']}] is not verbatim in any source file")
        if must and (must[1] not in answer["text"] or not any(c["title"] == must[0] for c in answer["citations"])):
            problems.append("stale: the article was indexed before the question but is not the answer")
        return problems

    def user(u: int) -> None:
        url, i = urls[u % len(urls)], u
        while not done.is_set():
            with lock:
                pool = QUESTIONS + list(indexed)
                must_now = dict(indexed)
            q = pool[i % len(pool)]
            i += users
            t0 = time.perf_counter()
            try:
                got = _ask(url, q)
                took = time.perf_counter() - t0  # the answer's latency, not the check's
                problems = check(got, q, must_now.get(q))
                n_cit = len(got.get("citations", []))
            except Exception as exc:  # counted, not raised
                problems, n_cit, took = [f"error: {type(exc).__name__}: {exc}"], 0, time.perf_counter() - t0
            with lock:
                log.append({"q": q, "s": took, "problems": problems, "citations": n_cit})

    t0 = time.perf_counter()
    index_times = []
    with ThreadPoolExecutor(users) as pool:
        futures = [pool.submit(user, u) for u in range(users)]
        try:
            time.sleep(5)  # the users are asking before the first new article arrives
            for text, title, question, fact in articles:
                if time.perf_counter() - t0 > seconds:
                    break
                (docs / f"new-{title.split()[0].lower()}.txt").write_text(text, encoding="utf-8")
                s = time.perf_counter()
                index()
                index_times.append(time.perf_counter() - s)
                with lock:
                    indexed[question] = (title, fact)
            time.sleep(5)
        finally:
            done.set()
        for f in futures:
            f.result()
    wall = time.perf_counter() - t0
    final = []
    for question, (title, fact) in indexed.items():  # the end: every new article answerable on every worker
        for url in urls:
            got = _ask(url, question)
            final.append(not check(got, question, (title, fact)))
    lat = sorted(r["s"] for r in log)
    problems = [p for r in log for p in r["problems"]]
    return {
        "asked": len(log), "errors": sum(p.startswith("error") for p in problems),
        "citations_checked": sum(r["citations"] for r in log),
        "citations_unverified": sum(p.startswith("citation") for p in problems),
        "stale": sum(p.startswith("stale") for p in problems),
        "new_indexed": len(indexed), "new_planned": len(articles),
        "new_answerable_at_end": f"{sum(final)}/{len(final)}",
        "index_run_s_median": round(statistics.median(index_times), 1) if index_times else None,
        "wall_s": round(wall, 1), "p50_ms": round(1000 * statistics.median(lat)) if lat else None,
        "p95_ms": round(1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))]) if lat else None,
        "problem_examples": problems[:5],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=240, help="stop adding articles after this many seconds")
    parser.add_argument("--new", type=int, default=4, help=f"new articles to index while chatting (at most {len(NEW)})")
    parser.add_argument("--modes", default="embedded,server", help="embedded, server or both")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "load_scaleout"))
    args = parser.parse_args(argv)
    when = datetime.now(UTC)
    rows = []
    for mode in args.modes.split(","):
        with tempfile.TemporaryDirectory(prefix=f"rag-scale-{mode}-") as work:
            rows.append(run_mode(mode, args.users, args.seconds, Path(work), args.new))
            print(json.dumps(rows[-1]), flush=True)
    command = ".venv/bin/python benchmarks/load_scaleout.py " + " ".join(argv if argv is not None else sys.argv[1:])
    table = ("| set-up | chat workers | users | asked | errors | citations checked | unverified | stale | "
             "new articles answerable at the end | rag index run s (median) | wall s | p50 ms | p95 ms |\n"
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|\n")
    table += "".join(
        f"| {r['mode']} | {r['workers']} | {args.users} | {r['asked']} | {r['errors']} | {r['citations_checked']} | "
        f"{r['citations_unverified']} | {r['stale']} | {r['new_answerable_at_end']} ({r['new_indexed']}/"
        f"{r['new_planned']} indexed) | {r['index_run_s_median']} | {r['wall_s']} | {r['p50_ms']} | {r['p95_ms']} |\n"
        for r in rows)
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"date": when.isoformat(timespec="seconds"), "command": command,
                                                    "load_avg_1m": round(os.getloadavg()[0], 2), "runs": rows},
                                                   indent=2) + "\n")
    out.with_suffix(".md").write_text(
        f"# Chat load while indexing\n\n{header(when, command)}"
        f"Machine: 2 cores shared, 1-min load {os.getloadavg()[0]:.2f} at the end\n\n"
        "Real processes on loopback. embedded: one `rag serve` and the indexer share one RAG_HOME. server: a "
        "`chroma run`, two `rag serve` workers with their own empty RAG_HOMEs (users alternate between them) and "
        "an indexer with a third home. While the users ask, `rag index` runs add new articles one at a time; a "
        "citation is verified when its text is `body[start:end]` of the article of record and verbatim in the "
        "source file; \"stale\" counts answers that missed an article indexed before the question was sent.\n\n"
        + table + "".join(f"\n- {r['mode']}: {p}" for r in rows for p in r["problem_examples"]))
    bad = any(r["errors"] or r["citations_unverified"] or r["stale"] or r["tracebacks_in_worker_logs"]
              or r["new_answerable_at_end"].split("/")[0] != r["new_answerable_at_end"].split("/")[1] for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
