"""The JSON report: every question, conversation, answer, citation, retrieved passage and score."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from evals.metrics import MetricResult
from evals.runner import Run, failures
from evals.thresholds import Check
from rag.core.errors import RagError

SCHEMA = 1


def build(run: Run, metrics: list[MetricResult], checks: list[Check]) -> dict[str, Any]:
    """A JSON-able dict of a scored run (what `--compare` reads back)."""
    cases = []
    for r in run.results:
        c = r.case
        fails = failures(r)
        cases.append({
            "id": c.id, "turns": c.turns, "question": c.question, "answerable": c.answerable, "tags": c.tags,
            "reference": c.reference, "facts": c.facts, "evidence": [asdict(e) for e in c.evidence],
            "history": r.history, "answer": r.answer, "error": r.error, "latency_s": round(r.latency_s, 4),
            "retrieved": [{k: v for k, v in p.items() if k != "text"} | {"text": p["text"][:300]} for p in r.retrieved],
            "scores": r.scores, "passed": not fails, "failures": fails,
        })
    return {
        "schema": SCHEMA, "started": run.started, "seconds": round(run.seconds, 2), "gold": run.gold,
        "engine": run.engine, "k": run.k,
        "metrics": {m.name: {"values": m.values, "note": m.note, "skipped": m.skipped} for m in metrics},
        "checks": [{"metric": x.metric, "bound": x.bound, "limit": x.limit, "value": x.value, "ok": x.ok,
                    "message": x.message()} for x in checks],
        "passed": all(x.ok for x in checks),
        "by_tag": by_tag(cases),
        "cases": cases,
    }


def by_tag(cases: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Cases and passes per tag (e.g. how the disagreement or multi-turn questions fare)."""
    out: dict[str, dict[str, int]] = {}
    for c in cases:
        for tag in c["tags"]:
            row = out.setdefault(tag, {"cases": 0, "passed": 0})
            row["cases"] += 1
            row["passed"] += c["passed"]
    return dict(sorted(out.items()))


def write(data: dict[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def read(path: str | Path) -> dict[str, Any]:
    """Load a report written by `write` (one clear error for a missing or foreign file)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RagError(f"report not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RagError(f"{path} is not a JSON report ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or "cases" not in data:
        raise RagError(f"{path} is not a `rag eval` report (schema {SCHEMA})")
    return data


def flat_metrics(data: dict[str, Any]) -> dict[str, float | None]:
    """{"metric.value": number} from a report dict."""
    return {f"{name}.{k}": v for name, m in data["metrics"].items() for k, v in m["values"].items()}
