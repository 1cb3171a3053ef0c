"""`rag eval multihop --answers N`: every MultiHop-RAG question type, scored by two rules, with baselines.

Rules (both applied to the reply as the user reads it, `[n]` markers removed):
- strict: a yes/no gold ("yes", "no", "true", "false") must equal the reply's leading verdict word (its first
  word: "Yes" / "No"); any other gold must appear in the reply as a whole-word phrase (case-insensitive);
  a null question ("Insufficient information.") is right when the reply is a refusal, and an answerable
  question that is refused is wrong.
- lenient: MultiHop-RAG's own `qa_evaluate.py`: lower-case both, split on whitespace, right when the two token
  sets intersect. The benchmark's prompt has the model write "Insufficient information." when it cannot
  answer, so a refusal is scored as that phrase.
Baselines, in the same run over the same passages: the previous extractive engine (sentence extraction, no
question analysis), and the majority answer per type (the most frequent gold answer of that type on the
whole dev split: "Yes" for comparison/temporal, the most named entity for inference; refuse every null).
Dev is split into two halves by list index (half A: (i // 5) % 2 == 0, half B: the rest).
"""
from __future__ import annotations

import re
import statistics
import sys
import time
from collections import Counter
from typing import Any

from evals.text import plain
from rag.core.config import Config

TYPES = ("inference_query", "comparison_query", "temporal_query", "null_query")
_YES, _NO = {"yes", "true"}, {"no", "false"}
_NULL = "insufficient information."


def half(i: int) -> str:
    """Which half of dev a query (by list index) falls in: A or B."""
    return "A" if (i // 5) % 2 == 0 else "B"


def _reply(text: str) -> str:
    """The reply without markers and Markdown emphasis."""
    return plain(text.replace("**", ""))


def leading_word(text: str) -> str:
    """The reply's first word, lower-cased ("Yes", "No", ...)."""
    m = re.search(r"[A-Za-z]+", _reply(text))
    return m.group().lower() if m else ""


def strict(gold: str, text: str, refused: bool, qtype: str) -> bool:
    """The strict rule (module docstring)."""
    g = gold.strip().lower()
    if qtype == "null_query" or g == _NULL:
        return refused
    if refused:
        return False
    if g in _YES | _NO:
        word = leading_word(text)
        return (word in _YES and g in _YES) or (word in _NO and g in _NO)
    return re.search(rf"(?<!\w){re.escape(plain(gold).lower())}(?!\w)", _reply(text).lower()) is not None


def lenient(gold: str, text: str, refused: bool) -> bool:
    """MultiHop-RAG qa_evaluate.py: set(prediction.lower().split()) & set(gold.lower().split())."""
    prediction = "Insufficient information." if refused else _reply(text)
    return bool(set(prediction.lower().split()) & set(gold.lower().split()))


def majority_answers(queries: list[tuple[int, dict[str, Any]]]) -> dict[str, str]:
    """The most frequent gold answer of each type (case-folded), over the queries given (the dev split)."""
    out = {}
    for t in TYPES:
        counts = Counter(q["answer"].strip().lower() for _, q in queries if q["question_type"] == t)
        out[t] = counts.most_common(1)[0][0] if counts else ""
    return out


def summarise(rows: list[dict[str, Any]], system: str) -> dict[str, Any]:
    """Accuracy (both rules) and refusal rate per type, overall, and per half of dev, for one system."""
    def block(rs: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(rs)
        answerable = [r for r in rs if r["type"] != "null_query"]
        return {"n": n,
                "strict": sum(r[system]["strict"] for r in rs) / n if n else None,
                "lenient": sum(r[system]["lenient"] for r in rs) / n if n else None,
                "refused": sum(r[system]["refused"] for r in rs) / n if n else None,
                "answerable_refused": (sum(r[system]["refused"] for r in answerable) / len(answerable)
                                       if answerable else None)}

    out: dict[str, Any] = {}
    for part in ("all", "A", "B"):
        rs = rows if part == "all" else [r for r in rows if r["half"] == part]
        out[part] = {"overall": block(rs), **{t: block([r for r in rs if r["type"] == t]) for t in TYPES}}
    return out


def score_all(queries: list[tuple[int, dict[str, Any]]], cfg: Config, limit: int, progress: bool,
              engine: str | None = None, skip: int = 0) -> dict[str, Any]:
    """Answer the first `limit` dev queries (every type) with the engine, the previous engine and the majority."""
    from tqdm import tqdm

    from rag.api import get_index
    from rag.core.question import clean_question
    from rag.engines.extractive.engine import previous_answer
    from rag.engines.verify import verify

    majority = majority_answers(queries)
    picked = queries[skip : skip + limit]
    idx = get_index(cfg)
    rows: list[dict[str, Any]] = []
    times: list[float] = []
    for i, q in tqdm(picked, desc="answers", unit="q", disable=not progress, file=sys.stderr):
        gold, qtype = q["answer"], q["question_type"]
        t0 = time.perf_counter()
        new = idx.answer(q["query"], engine=engine)
        times.append(time.perf_counter() - t0)
        question = clean_question(q["query"])
        old = verify(previous_answer(question, idx.retrieve(question), cfg, idx), idx.store.body)
        maj_refused = qtype == "null_query"
        maj_text = "" if maj_refused else majority[qtype]
        row: dict[str, Any] = {"i": i, "type": qtype, "half": half(i), "gold": gold,
                               "kind": getattr(new, "kind", None), "verdict": getattr(new, "verdict", None),
                               "reply": _reply(new.text)[:300]}
        for name, text, refused in (("engine", new.text, new.refused), ("previous", old.text, old.refused),
                                    ("majority", maj_text, maj_refused)):
            row[name] = {"strict": strict(gold, text, refused, qtype), "lenient": lenient(gold, text, refused),
                         "refused": refused}
        rows.append(row)
    warm = times[1:] or times
    return {"questions": len(rows), "majority_answers": majority,
            "p50_ms": round(1000 * statistics.median(warm), 1) if warm else None,
            "p90_ms": round(1000 * sorted(warm)[int(0.9 * (len(warm) - 1))], 1) if warm else None,
            "systems": {s: summarise(rows, s) for s in ("engine", "previous", "majority")}, "rows": rows}


def render(a: dict[str, Any], engine: str) -> list[str]:
    """Markdown tables: per type x system, both rules and the refusal rate, for all of dev's sample and its halves."""
    names = {"engine": f"{engine} engine", "previous": "previous engine", "majority": "majority answer"}
    short = {"inference_query": "inference", "comparison_query": "comparison", "temporal_query": "temporal",
             "null_query": "null", "overall": "**overall**"}
    lines = ["", f"Answers, every question type ({a['questions']} dev questions; warm p50 {a['p50_ms']} ms, "
                 f"p90 {a['p90_ms']} ms per answer). strict / lenient accuracy, refused share; "
                 "for null questions strict = refused.", ""]
    for part, label in (("all", "dev sample"), ("A", "half A ((i//5) % 2 == 0)"), ("B", "half B")):
        lines += [f"**{label}**", "", "| type | n | " + " | ".join(names[s] for s in names) + " |",
                  "|---|---:|" + "---|" * len(names)]
        for t in (*TYPES, "overall"):
            cells = []
            for s in names:
                b = a["systems"][s][part][t]
                cells.append("–" if b["strict"] is None else
                             f"{b['strict']:.3f} / {b['lenient']:.3f} / ref {b['refused']:.2f}")
            lines.append(f"| {short[t]} | {a['systems']['engine'][part][t]['n']} | " + " | ".join(cells) + " |")
        ov = {s: a["systems"][s][part]["overall"]["answerable_refused"] for s in names}
        lines += ["", "answerable questions refused: " + ", ".join(
            f"{names[s]} {v:.3f}" for s, v in ov.items() if v is not None), ""]
    return lines
