"""Two engines on the same gold set, side by side: every metric of both, the delta, and per-case outcomes."""
from __future__ import annotations

from html import escape
from typing import Any

from evals.report.json_report import flat_metrics


def lower_is_better(name: str, data: dict[str, Any] | None = None) -> bool:
    """Latencies, false-refusal rates and anything with a `max` threshold: smaller values are better."""
    if name.startswith("latency.") or name.endswith("false_refusal_rate"):
        return True
    return any(c["metric"] == name and c["bound"] == "max" for c in (data or {}).get("checks", []))


def rows(base: dict[str, Any], other: dict[str, Any]) -> list[tuple[str, float | None, float | None, float | None, str]]:
    """(metric, baseline value, other value, other − baseline, "better"/"worse"/"") for every metric of either."""
    ma, mb = flat_metrics(base), flat_metrics(other)
    out: list[tuple[str, float | None, float | None, float | None, str]] = []
    for name in dict.fromkeys([*ma, *mb]):
        va, vb = ma.get(name), mb.get(name)
        if va is None or vb is None:
            out.append((name, va, vb, None, ""))
            continue
        delta = vb - va
        worse = delta > 0 if lower_is_better(name, base) else delta < 0
        out.append((name, va, vb, delta, "" if abs(delta) < 5e-4 else ("worse" if worse else "better")))
    return out


def _cases(base: dict[str, Any], other: dict[str, Any]) -> list[tuple[str, bool | None, bool | None, str]]:
    ca = {c["id"]: c for c in base["cases"]}
    cb = {c["id"]: c for c in other["cases"]}
    out = []
    for i in dict.fromkeys([*ca, *cb]):
        a, b = ca.get(i), cb.get(i)
        engine = ((b or {}).get("answer") or {}).get("engine", "")
        out.append((i, a["passed"] if a else None, b["passed"] if b else None, engine))
    return out


def _f(v: float | None, sign: bool = False) -> str:
    return "–" if v is None else (f"{v:+.3f}" if sign else f"{v:.3f}")


def _pass(v: bool | None) -> str:
    return "–" if v is None else ("pass" if v else "FAIL")


def _title(base: dict[str, Any], other: dict[str, Any]) -> str:
    return f"{other['engine']} vs {base['engine']}"


def markdown(base: dict[str, Any], other: dict[str, Any]) -> str:
    """A Markdown table, metric by metric: baseline, other engine, delta (other − baseline), better/worse."""
    a, b = base["engine"], other["engine"]
    n_a, n_b = sum(c["passed"] for c in base["cases"]), sum(c["passed"] for c in other["cases"])
    lines = [f"# Eval comparison: {_title(base, other)}", "",
             f"Gold set `{other['gold']}`; {a}: {n_a}/{len(base['cases'])} cases pass (run {base['started']}), "
             f"{b}: {n_b}/{len(other['cases'])} pass (run {other['started']}). Δ = {b} − {a}; ↓ = lower is better.",
             "", f"| metric | {a} | {b} | Δ | |", "|---|---:|---:|---:|---|"]
    for name, va, vb, delta, verdict in rows(base, other):
        arrow = " ↓" if lower_is_better(name, base) else ""
        lines.append(f"| {name}{arrow} | {_f(va)} | {_f(vb)} | {_f(delta, True)} | {verdict} |")
    changed = [(i, pa, pb, e) for i, pa, pb, e in _cases(base, other) if pa != pb]
    if changed:
        lines += ["", f"Cases whose outcome differs ({len(changed)}):", "", f"| case | {a} | {b} | {b} answer engine |",
                  "|---|---|---|---|"]
        lines += [f"| {i} | {_pass(pa)} | {_pass(pb)} | {e} |" for i, pa, pb, e in changed]
    fallbacks = sum(1 for c in other["cases"] if (c.get("answer") or {}).get("engine", "").endswith("-fallback"))
    if fallbacks:
        lines += ["", f"{b}: {fallbacks} of {len(other['cases'])} answers were the noted extractive fallback."]
    return "\n".join(lines) + "\n"


def html(base: dict[str, Any], other: dict[str, Any]) -> str:
    """The same comparison as one self-contained HTML page."""
    a, b = escape(base["engine"]), escape(other["engine"])
    colour = {"better": "#27ae60", "worse": "#c0392b", "": "#222"}
    body = "".join(
        f"<tr><td>{escape(n)}{' ↓' if lower_is_better(n, base) else ''}</td><td>{_f(va)}</td><td>{_f(vb)}</td>"
        f"<td style='color:{colour[v]}'>{_f(d, True)} {v}</td></tr>" for n, va, vb, d, v in rows(base, other))
    cases = "".join(f"<tr><td><code>{escape(i)}</code></td><td>{_pass(pa)}</td><td>{_pass(pb)}</td><td>{escape(e)}</td></tr>"
                    for i, pa, pb, e in _cases(base, other))
    return f"""<!doctype html><html lang=en><head><meta charset=utf-8><title>rag eval: {escape(_title(base, other))}</title>
<style>body{{font-family:system-ui,sans-serif;margin:24px}} table{{border-collapse:collapse;margin:12px 0}}
td,th{{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}} td:first-child,th:first-child{{text-align:left}}</style></head><body>
<h1>rag eval — {a} vs {b}</h1><p>Gold set <code>{escape(other['gold'])}</code>. Δ = {b} − {a}; ↓ = lower is better.</p>
<table><thead><tr><th>metric</th><th>{a}</th><th>{b}</th><th>Δ</th></tr></thead><tbody>{body}</tbody></table>
<table><thead><tr><th>case</th><th>{a}</th><th>{b}</th><th>{b} answer engine</th></tr></thead><tbody>{cases}</tbody></table>
</body></html>
"""
