"""The serving process of benchmarks/scale.py: opens one index, times questions, then takes commands on stdin.

Run by scale.py, one per index size, so its memory is that of a process serving the index and nothing else.
Prints one JSON object per line on stdout: the warm figures first, then one per command
("ask QUESTION" → the answer's time and text, "askprof QUESTION" → the same under cProfile, written next to
the warm profile, "remove ID ..." → the removal time, "quit").
"""
from __future__ import annotations

import cProfile
import io
import json
import math
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rag.api import Index  # noqa: E402
from rag.core.config import Config  # noqa: E402
from rag.warm import keep_fresh  # noqa: E402


def rss_mb() -> tuple[float, float]:
    """(resident, peak resident) MB of this process, from /proc."""
    got = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            got[line.split(":")[0]] = int(line.split()[1]) / 1024
    return round(got["VmRSS"], 1), round(got["VmHWM"], 1)


def pct(xs: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of xs, in ms."""
    s = sorted(xs)
    return round(1000 * s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))], 1)


def timed(fn, questions: list[str]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of fn per question (CPU time is what a shared, busy machine distorts least)."""
    wall, cpu = [], []
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        fn(q)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu


def profile(fn, questions: list[str], top: int = 25) -> str:
    """cProfile of `fn` over the questions: the functions with the most own time, then the most cumulative."""
    prof = cProfile.Profile()
    prof.enable()
    for q in questions:
        fn(q)
    prof.disable()
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf).strip_dirs()
    st.sort_stats("tottime").print_stats(top)
    st.sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def count_meaning_texts() -> list[str]:
    """From now on, every text the engine encodes at question time for sentence meaning (claims, and the
    sentences the index did not store) is appended to the returned list; the encoder itself still runs."""
    from rag.engines.extractive import parts

    seen: list[str] = []
    encode = parts._encode

    def counted(texts: list[str]):  # noqa: ANN202 - whatever the real encoder returns
        seen.extend(texts)
        return encode(texts)

    parts._encode = counted
    return seen


def emit(obj: dict) -> None:
    print(json.dumps(obj), flush=True)


def main() -> None:
    home, questions_file, prof_file = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    spec = json.loads(questions_file.read_text())
    index = Index(Config(home=home), first_use=lambda _index: None)
    keep_fresh(index)  # as `rag serve` and `rag ui` do: another process's write is picked up in the background
    t = time.perf_counter()
    index.answer(spec["warmup"][0])  # opens Chroma, loads the keyword index and MiniLM
    first = time.perf_counter() - t
    for q in spec["warmup"][1:]:
        index.answer(q)
    retrieve_s, retrieve_cpu = timed(index.retrieve, spec["questions"])
    encoded = count_meaning_texts()
    answer_s, answer_cpu = timed(index.answer, spec["questions"])
    rss, peak = rss_mb()
    prof_file.write_text(profile(index.answer, spec["questions"][:10]))
    emit({"first_answer_s": round(first, 2), "retrieve_p50_ms": pct(retrieve_s, 0.5),
          "retrieve_p95_ms": pct(retrieve_s, 0.95), "answer_p50_ms": pct(answer_s, 0.5),
          "answer_p95_ms": pct(answer_s, 0.95), "retrieve_cpu_p50_ms": pct(retrieve_cpu, 0.5),
          "answer_cpu_p50_ms": pct(answer_cpu, 0.5), "answer_cpu_p95_ms": pct(answer_cpu, 0.95),
          "n_questions": len(answer_s), "rss_mb": rss, "peak_rss_mb": peak,
          "encoded_per_answer": round(len(encoded) / len(answer_s), 1)})
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        t = time.perf_counter()
        if cmd in ("ask", "askprof"):
            prof = cProfile.Profile() if cmd == "askprof" else None
            if prof is not None:
                prof.enable()
            a = index.answer(arg)
            if prof is not None:
                prof.disable()
                buf = io.StringIO()
                pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("cumulative").print_stats(40)
                prof_file.with_name(prof_file.stem + "-after-write.txt").write_text(buf.getvalue())
            emit({"seconds": round(time.perf_counter() - t, 3), "text": a.text,
                  "articles": [c.article_id for c in a.citations]})
        elif cmd == "remove":
            removed = index.store.remove(arg.split())
            emit({"seconds": round(time.perf_counter() - t, 3), "removed": len(removed)})
        elif cmd == "quit":
            break


if __name__ == "__main__":
    main()
