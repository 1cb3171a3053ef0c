"""Cold start: a fresh `rag ask` and a fresh `rag ui` (to its first answer), before and after, in one run.

"Before" is the same command run from the tree of an earlier commit (`git archive REV`, extracted to a temp
folder; the repository itself is not touched), "after" from this checkout. Each version gets its own index of
the bundled articles (built once, not timed); then the rounds alternate before/after so machine load hits
both alike. Wall time is spawn to exit (ask) or spawn to the first answer of POST /v1/answer (ui), with the
process's own peak RSS. Prints a table and writes benchmarks/results/cold_start.md and .json.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cold_start.py --rounds 5
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import header  # noqa: E402

QUESTION = "Who refused to sign the statement?"


def _tree(rev: str, into: Path) -> Path:
    """The files of commit `rev`, extracted under `into` (git archive: no worktree, no change to the repo)."""
    target = into / f"tree-{rev}"
    target.mkdir(parents=True)
    archive = into / f"{rev}.tar"
    with open(archive, "wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", rev], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def _env(tree: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(PYTHONPATH=str(tree), RAG_HOME=str(home), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    return env


def _wait(proc: subprocess.Popen) -> tuple[int, float]:
    """(exit code, peak RSS MB) of a child, from its own rusage."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024


def ask(tree: Path, home: Path) -> dict:
    """One cold `rag ask QUESTION --json`: seconds from spawn to exit, peak RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "ask", QUESTION, "--json"], cwd=tree,
                            env=_env(tree, home), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read() if proc.stdout else b""
    code, rss = _wait(proc)
    seconds = time.perf_counter() - t0
    if code != 0 or "China" not in json.loads(out)["text"]:
        raise SystemExit(f"rag ask failed in {tree}: exit {code}")
    return {"seconds": seconds, "rss_mb": rss}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ui(tree: Path, home: Path, limit: float = 180.0) -> dict:
    """One cold `rag ui`: seconds from spawn to the first answer of POST /v1/answer, then the server is stopped."""
    port = _port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "ui", "--port", str(port)], cwd=tree,
                            env=_env(tree, home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    body = json.dumps({"question": QUESTION}).encode()
    try:
        while time.perf_counter() - t0 < limit:
            if proc.poll() is not None:
                raise SystemExit(f"rag ui exited early in {tree}")
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/answer", body,
                                             {"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=60) as resp:
                    got = json.loads(resp.read())
                if "China" in got["text"]:
                    return {"seconds": time.perf_counter() - t0}
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"rag ui gave no answer within {limit} s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def build(tree: Path, home: Path) -> None:
    """The bundled index for this version (its own first-use step), not timed."""
    subprocess.run([sys.executable, "-m", "rag.cli", "index", "articles", "-q"], cwd=tree, env=_env(tree, home),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="c1dfe8e", help="commit to compare with (default: c1dfe8e)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ui-rounds", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "cold_start"))
    args = parser.parse_args()
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        work = Path(tmp)
        trees = {"before": _tree(args.before, work), "after": ROOT}
        homes = {name: work / f"home-{name}" for name in trees}
        for name in trees:
            build(trees[name], homes[name])
        runs: dict[str, dict[str, list[dict]]] = {name: {"ask": [], "ui": []} for name in trees}
        for r in range(args.rounds):
            for name in trees:
                runs[name]["ask"].append(ask(trees[name], homes[name]))
                print(f"round {r + 1} {name} ask {runs[name]['ask'][-1]['seconds']:.2f} s", file=sys.stderr)
        for r in range(args.ui_rounds):
            for name in trees:
                runs[name]["ui"].append(ui(trees[name], homes[name]))
                print(f"round {r + 1} {name} ui {runs[name]['ui'][-1]['seconds']:.2f} s", file=sys.stderr)
    load = os.getloadavg()[0]
    rows = []
    for name in trees:
        a, u = runs[name]["ask"], runs[name]["ui"]
        rows.append({"version": name if name == "after" else f"before ({args.before})",
                     "ask_median_s": round(statistics.median(x["seconds"] for x in a), 2),
                     "ask_min_s": round(min(x["seconds"] for x in a), 2),
                     "ask_max_s": round(max(x["seconds"] for x in a), 2),
                     "ask_rss_mb": round(statistics.median(x["rss_mb"] for x in a)),
                     "ui_first_answer_s": round(statistics.median(x["seconds"] for x in u), 2) if u else None})
    ratio_ask = rows[0]["ask_median_s"] / rows[1]["ask_median_s"]
    ratio_ui = (rows[0]["ui_first_answer_s"] / rows[1]["ui_first_answer_s"]) if runs["after"]["ui"] else None
    command = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cold_start.py " + " ".join(sys.argv[1:])
    lines = ["# Cold start: `rag ask` and `rag ui` on the bundled index", "",
             header(started, command.strip()).rstrip("\n"),
             f"Machine: {os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '1')}, "
             f"load {load:.1f}; {args.rounds} ask rounds, {args.ui_rounds} ui rounds, before/after alternating", "",
             "| version | rag ask median s | min | max | peak RSS MB | rag ui to first answer s |",
             "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['version']} | {r['ask_median_s']} | {r['ask_min_s']} | {r['ask_max_s']} | {r['ask_rss_mb']} | "
              f"{r['ui_first_answer_s']} |" for r in rows]
    lines += ["", f"rag ask: {ratio_ask:.1f}x faster (before / after, medians, same run)"
              + (f"; rag ui to first answer: {ratio_ui:.1f}x" if ratio_ui else ""), "",
              f"Question: \"{QUESTION}\". Each run is a new process (`python -m rag.cli ask ... --json`, from spawn to "
              "exit; `rag ui --port P`, from spawn to the first answer of `POST /v1/answer`). Each version answers "
              "from its own index of the two bundled articles, built before timing."]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"date": f"{started:%Y-%m-%d %H:%M} UTC", "command": command.strip(),
                                                    "load": load, "rows": rows, "ratio_ask": round(ratio_ask, 2),
                                                    "ratio_ui": round(ratio_ui, 2) if ratio_ui else None,
                                                    "runs": runs}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
