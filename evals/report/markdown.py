"""The Markdown summary: metrics against thresholds, then every failing case."""
from __future__ import annotations

from typing import Any

from evals.report.json_report import flat_metrics


def fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def render(data: dict[str, Any]) -> str:
    """A short summary for humans and CI logs."""
    cases = data["cases"]
    passed = sum(c["passed"] for c in cases)
    lines = [
        f"# Eval report: {data['engine']} engine",
        "",
        f"Gold set `{data['gold']}`, {len(cases)} cases ({passed} pass), k={data['k']}, "
        f"run {data['started']} in {data['seconds']:.0f} s. Gate: **{'PASS' if data['passed'] else 'FAIL'}**.",
        "",
        "| metric | value | threshold | |",
        "|---|---:|---:|---|",
    ]
    checks = {c["metric"]: c for c in data["checks"]}
    for name, value in flat_metrics(data).items():
        c = checks.get(name)
        limit = f"{'≥' if c['bound'] == 'min' else '≤'} {c['limit']:g}" if c else ""
        mark = ("ok" if c["ok"] else "**FAIL**") if c else ""
        lines.append(f"| {name} | {fmt(value)} | {limit} | {mark} |")
    skipped = [f"{n}: {m['skipped']}" for n, m in data["metrics"].items() if m["skipped"]]
    if skipped:
        lines += ["", "Skipped: " + "; ".join(skipped)]
    lines += ["", "| tag | cases | pass |", "|---|---:|---:|"]
    lines += [f"| {tag} | {row['cases']} | {row['passed']} |" for tag, row in data.get("by_tag", {}).items()]
    failing = [c for c in cases if not c["passed"]]
    if failing:
        lines += ["", f"## Failing cases ({len(failing)})", ""]
        for c in failing:
            text = (c["answer"] or {}).get("text", "") if c["answer"] else ""
            lines.append(f"- **{c['id']}** — {' → '.join(c['turns'])}  ")
            lines.append(f"  {'; '.join(c['failures'])}. Answer: {text[:200]!r}")
    return "\n".join(lines) + "\n"
