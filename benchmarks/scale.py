"""How cost grows with the index: question latency, memory, disk, adding articles, `rag status`, cold start.

For each size (chunks) the synthetic index from benchmarks/scale_build.py (cached under /work/cache/scale,
built first if missing) is measured:
  - warm `retrieve()` and `answer()` p50/p95 over 100 MultiHop-RAG dev questions (after 3 warm-up ones), and
    the resident memory of that serving process (benchmarks/scale_serve.py) afterwards;
  - on-disk size; wall time of `rag status` and of a fresh `rag ask` process (cold start to the answer);
  - 100 new articles (one holds a fact found nowhere else) indexed by `rag index` (real MiniLM), then the
    time from the indexer's exit until the serving process, opened before, answers with that fact (this
    includes reopening Chroma and whatever keyword rebuild the first question after the write pays).
    The 100 articles are removed again afterwards (that time is reported too).

    python benchmarks/scale.py --chunks 10000 100000 1000000
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import MULTIHOP, header  # noqa: E402
from benchmarks.scale_build import CACHE, Generator, as_is, build, home_for  # noqa: E402
from benchmarks.scale_plot import plot  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
NEEDLE = ("Officials at the Tarnwick Maritime Institute confirmed on Thursday that Orlena Quillfeather will lead "
          "the institute's new harbour survey.")
NEEDLE_QUESTION = "Who will lead the new harbour survey of the Tarnwick Maritime Institute?"
NEEDLE_ANSWER = "Quillfeather"
N_NEW = 100


def questions(n: int = 30, warm: int = 3) -> dict[str, list[str]]:
    """MultiHop-RAG dev questions (list index i % 5 != 0), for timing only: nothing is tuned on them."""
    queries = json.loads((MULTIHOP / "MultiHopRAG.json").read_text(encoding="utf-8"))
    dev = [q["query"] for i, q in enumerate(queries) if i % 5 != 0]
    return {"warmup": dev[:warm], "questions": dev[warm : warm + n]}


def env(home: Path) -> dict[str, str]:
    """The environment of every child: this repository first, the index folder, one thread."""
    e = dict(os.environ, RAG_HOME=str(home), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    e.pop("RAG_CONFIG", None)
    return e


def run_cli(home: Path, *args: str, cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds of `python -m rag.cli ARGS` in a fresh process."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rag.cli", *args], env=env(home), cwd=cwd,
                          capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - t, done


def new_articles(path: Path) -> None:
    """100 new synthetic articles as a MultiHop-RAG-style JSON file; one carries the needle sentence."""
    gen = Generator()
    records = []
    for i in range(N_NEW):
        a = gen.article(10_000_000 + i, prefix="new")
        body = a.body if i != N_NEW // 2 else a.body + "\n" + NEEDLE
        records.append({"title": a.title, "body": body, "source": a.source, "published_at": a.published,
                        "url": a.url})
    path.write_text(json.dumps(records))


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(n_chunks: int, cache: Path, work: Path, grow: bool = True, n_questions: int = 100) -> dict:
    """Every figure for one size (see the module docstring); without `grow`, an unfinished build as it is."""
    built = build(n_chunks, cache) if grow else as_is(n_chunks, cache)
    home = home_for(n_chunks, cache)
    spec = work / "questions.json"
    spec.write_text(json.dumps(questions(n_questions)))
    row: dict = {"target_chunks": n_chunks, **built}
    prof_file = RESULTS / f"scale-profile-{n_chunks}.txt"
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "scale_serve.py"), str(home), str(spec),
                               str(prof_file)], env=env(home), cwd=work, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdin and server.stdout

    def say(cmd: str) -> dict:
        server.stdin.write(cmd + "\n")  # type: ignore[union-attr]
        server.stdin.flush()  # type: ignore[union-attr]
        return json.loads(server.stdout.readline())  # type: ignore[union-attr]

    try:
        row.update(json.loads(server.stdout.readline()))
        row["disk_mb"] = round(du(home) / 2**20, 1)
        row["status_s"], st = run_cli(home, "status", "--json", cwd=work)
        row["status_ok"] = st.returncode == 0
        row["cold_ask_s"], ask = run_cli(home, "ask", questions()["questions"][0], "--json", cwd=work)
        row["cold_ask_ok"] = ask.returncode == 0
        feed = work / "new.json"
        new_articles(feed)
        t = time.perf_counter()
        idx = subprocess.run([sys.executable, "-m", "rag.cli", "index", str(feed)], env=env(home), cwd=work,
                             capture_output=True, text=True, timeout=3600)
        row["index_100_s"] = round(time.perf_counter() - t, 1)
        got = say(f"ask {NEEDLE_QUESTION}")
        row["new_answerable_s"] = got["seconds"]
        row["new_answered"] = NEEDLE_ANSWER in got["text"]
        row["index_ok"] = idx.returncode == 0
        again = say(f"ask {NEEDLE_QUESTION}")
        row["second_answer_s"] = again["seconds"]
        # Back to the built index: the next run measures the same thing.
        ids = _new_ids(home)
        row["remove_100_s"] = say("remove " + " ".join(ids))["seconds"]
        # The first question after a write, under cProfile (its time is inflated by the profiler; not reported).
        row["after_remove_answer_s"] = say(f"askprof {questions()['questions'][1]}")["seconds"]
        server.stdin.write("quit\n")
        server.stdin.flush()
    finally:
        server.wait(timeout=600)
    for k in ("status_s", "cold_ask_s"):
        row[k] = round(row[k], 2)
    return row


def _new_ids(home: Path) -> list[str]:
    """Ids of the articles the 100-article feed added (their urls are https://example.org/new/...)."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(home / "articles.sqlite")) as db:
        return [r[0] for r in db.execute("SELECT article_id FROM articles WHERE url LIKE 'https://example.org/new/%'")]


COLUMNS = [("chunks", "chunks"), ("articles", "articles"), ("build_seconds", "build s"),
           ("retrieve_p50_ms", "retrieve p50 ms"), ("retrieve_p95_ms", "retrieve p95 ms"),
           ("answer_p50_ms", "answer p50 ms"), ("answer_p95_ms", "answer p95 ms"),
           ("answer_cpu_p50_ms", "answer CPU p50 ms"), ("answer_cpu_p95_ms", "answer CPU p95 ms"),
           ("encoded_per_answer", "texts encoded per answer"), ("rss_mb", "RSS MB"),
           ("disk_mb", "disk MB"), ("first_answer_s", "first answer s"), ("status_s", "status s"),
           ("cold_ask_s", "cold ask s"), ("index_100_s", "index 100 s"), ("new_answerable_s", "100 new answerable s"),
           ("new_answered", "found"), ("remove_100_s", "remove 100 s"), ("after_remove_answer_s", "next answer s (profiled)")]


def table(rows: list[dict]) -> str:
    out = ["| " + " | ".join(h for _, h in COLUMNS) + " |", "|" + "---:|" * len(COLUMNS)]
    out += ["| " + " | ".join(str(r.get(k, "")) for k, _ in COLUMNS) + " |" for r in rows]
    return "\n".join(out)


GROWTH = [("retrieve_p50_ms", "retrieve p50"), ("answer_p50_ms", "answer p50"), ("answer_p95_ms", "answer p95"),
          ("answer_cpu_p50_ms", "answer CPU p50"),
          ("rss_mb", "serving RSS"), ("disk_mb", "disk"), ("status_s", "rag status"), ("cold_ask_s", "cold rag ask"),
          ("new_answerable_s", "100 new answerable")]


def words(slope: float) -> str:
    """A log-log slope in words: how a cost grows with the number of chunks."""
    return ("flat" if slope < 0.15 else "sub-linear" if slope < 0.8 else "linear" if slope <= 1.2
            else "super-linear")


def growth(rows: list[dict]) -> str:
    """Per metric, the log-log slope between consecutive sizes (1 = linear in chunks, 0 = flat)."""
    import math

    rows = [r for r in rows if r.get("chunks")]
    if len(rows) < 2:
        return ""
    pairs = list(zip(rows, rows[1:]))
    head = "| metric | " + " | ".join(f"{a['chunks']}→{b['chunks']}" for a, b in pairs) + " |"
    out = [head, "|---|" + "---|" * len(pairs)]
    for key, name in GROWTH:
        cells = []
        for a, b in pairs:
            if a.get(key) and b.get(key):
                k = math.log(b[key] / a[key]) / math.log(b["chunks"] / a["chunks"])
                cells.append(f"{k:.2f} ({words(k)})")
            else:
                cells.append("")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--cache", type=Path, default=CACHE)
    p.add_argument("--out", default="scale", help="results file stem under benchmarks/results/")
    p.add_argument("--as-is", action="store_true", help="measure unfinished builds as they are (stop their builder first)")
    p.add_argument("--questions", type=int, default=100, help="timed questions per size (p95 is the 95th of them)")
    p.add_argument("--keep", action="store_true", help="keep rows of sizes not measured now from the last results file")
    args = p.parse_args()
    when = datetime.now(UTC)
    command = "python benchmarks/scale.py " + " ".join(sys.argv[1:])
    last = RESULTS / f"{args.out}.json"
    kept = [r for r in json.loads(last.read_text())["rows"] if r["target_chunks"] not in args.chunks] \
        if args.keep and last.exists() else []  # earlier sizes, each row with the time it was measured
    rows: list[dict] = []
    for n in args.chunks:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                rows.append(measure(n, args.cache, Path(tmp), grow=not args.as_is, n_questions=args.questions)
                            | {"measured": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"})
            except Exception as exc:  # one broken size must not lose the others' figures
                print(f"{n}: failed: {exc!r}", file=sys.stderr, flush=True)
                continue
        print(table(rows[-1:]), flush=True)
        write(sorted(rows + kept, key=lambda r: r["chunks"]), when, command, args.out)  # after every size


def write(rows: list[dict], when: datetime, command: str, out: str) -> None:
    """The results files: <out>.json, <out>.md (table, growth) and <out>.svg (the plot)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{out}.json").write_text(json.dumps(
        {"date": f"{when:%Y-%m-%d %H:%M} UTC", "command": command, "load": os.getloadavg(), "rows": rows}, indent=2))
    plot(rows, RESULTS / f"{out}.svg")
    md = ["# Scale: cost against index size\n", header(when, command),
          f"Machine: {os.cpu_count()} cores shared, 1-min load {os.getloadavg()[0]:.1f}. Warm latency over "
          f"{', '.join(sorted({str(r.get('n_questions', '?')) for r in rows}))} MultiHop-RAG dev questions per size.\n",
          table(rows), "",
          "Growth (log-log slope of each figure against chunks: 1 = linear, 0 = flat):\n", growth(rows), "",
          f"![latency and memory against size]({out}.svg)\n"]
    (RESULTS / f"{out}.md").write_text("\n".join(md))


if __name__ == "__main__":
    main()
