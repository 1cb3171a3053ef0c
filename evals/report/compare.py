"""Compare two JSON reports: metric deltas and the cases that started or stopped passing."""
from __future__ import annotations

from typing import Any

from evals.report.json_report import flat_metrics
from evals.report.side_by_side import lower_is_better


def compare(a: dict[str, Any], b: dict[str, Any]) -> str:
    """A plain-text diff of report A (before) and B (after)."""
    ma, mb = flat_metrics(a), flat_metrics(b)
    lines = [f"A: {a['engine']} {a['started']} ({a['gold']})", f"B: {b['engine']} {b['started']} ({b['gold']})", "",
             f"{'metric':40} {'A':>8} {'B':>8} {'change':>8}"]
    for name in list(dict.fromkeys([*ma, *mb])):
        va, vb = ma.get(name), mb.get(name)
        if va is None or vb is None:
            lines.append(f"{name:40} {_f(va):>8} {_f(vb):>8} {'':>8}")
            continue
        delta = vb - va
        worse = delta > 0 if lower_is_better(name, a) else delta < 0
        mark = "" if abs(delta) < 1e-9 else ("  worse" if worse else "  better")
        lines.append(f"{name:40} {va:8.3f} {vb:8.3f} {delta:+8.3f}{mark}")
    ca = {c["id"]: c for c in a["cases"]}
    cb = {c["id"]: c for c in b["cases"]}
    fixed = [i for i in cb if i in ca and cb[i]["passed"] and not ca[i]["passed"]]
    broke = [i for i in cb if i in ca and ca[i]["passed"] and not cb[i]["passed"]]
    lines += ["", f"now passing ({len(fixed)}): {', '.join(fixed) or '-'}",
              f"now failing ({len(broke)}): {', '.join(broke) or '-'}"]
    for i in broke:
        lines.append(f"  {i}: {'; '.join(cb[i]['failures'])}")
    only = sorted(set(ca) ^ set(cb))
    if only:
        lines.append(f"cases in only one report: {', '.join(only)}")
    return "\n".join(lines)


def regressions(a: dict[str, Any], b: dict[str, Any]) -> int:
    """How many cases pass in A but fail in B."""
    ca = {c["id"]: c["passed"] for c in a["cases"]}
    return sum(1 for c in b["cases"] if ca.get(c["id"]) and not c["passed"])


def _f(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"
