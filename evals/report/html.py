"""A self-contained HTML report: summary, inline SVG plots, per-question table (failures first)."""
from __future__ import annotations

from html import escape
from typing import Any

from evals.report.json_report import flat_metrics
from evals.report.plots import histogram, metric_bars

_CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin:0 0 4px} .muted{color:#666}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}
.pass{background:#27ae60}.fail{background:#c0392b}
.grid{display:flex;gap:24px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #ddd;border-radius:8px;padding:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e3e3e3;padding:6px;vertical-align:top;text-align:left}
tr.failed td:first-child{border-left:4px solid #c0392b} tr.passed td:first-child{border-left:4px solid #27ae60}
blockquote{margin:4px 0;padding:2px 8px;border-left:3px solid #aaa;background:#f7f7f7;font-size:12px}
.why{color:#c0392b;font-weight:600} code{font-size:12px} .tag{background:#eef;border-radius:4px;padding:0 4px;margin-right:2px;font-size:11px}
"""


def _case_row(c: dict[str, Any]) -> str:
    answer = c["answer"] or {}
    convo = "".join(f"<div class=muted>{escape(h['role'])}: {escape(h['content'][:160])}</div>" for h in c["history"])
    cites = "".join(
        f"<blockquote>[{x['n']}] {escape(x['text'])}<br><span class=muted>{escape(x['title'] or '')} "
        f"({escape(x['source'] or '')}) {x['start']}–{x['end']}</span></blockquote>" for x in answer.get("citations", []))
    facts = ", ".join(escape(" / ".join(f)) for f in c["facts"]) or "<i>none: should refuse</i>"
    s = c["scores"]
    score_bits = []
    for key, label in (("answer_correctness.fact_recall", "facts"), ("answer_correctness.token_f1", "F1"),
                       ("citation_support.supported", "support"), ("retrieval.rank", "rank")):
        if s.get(key) is not None:
            score_bits.append(f"{label} {s[key]:.2f}" if isinstance(s[key], float) else f"{label} {s[key]}")
    why = f"<div class=why>{escape('; '.join(c['failures']))}</div>" if c["failures"] else ""
    text = escape(answer.get("text", "")) if c["answer"] else f"<i>{escape(c['error'] or '')}</i>"
    tags = "".join(f"<span class=tag>{escape(t)}</span>" for t in c["tags"])
    return (f"<tr class={'passed' if c['passed'] else 'failed'}><td><code>{escape(c['id'])}</code><br>{tags}</td>"
            f"<td>{convo}<b>{escape(c['question'])}</b><div class=muted>expected: {escape(c['reference'])}</div>"
            f"<div class=muted>facts: {facts}</div></td><td>{why}{text}{cites}</td>"
            f"<td>{'<br>'.join(score_bits)}<br>{c['latency_s']:.2f} s</td></tr>")


def render(data: dict[str, Any]) -> str:
    """The whole page as one string (no external files, scripts or fonts)."""
    values = flat_metrics(data)
    lower_better = {c["metric"] for c in data["checks"] if c["bound"] == "max"}
    floors = {c["metric"]: c["limit"] for c in data["checks"] if c["bound"] == "min"}
    cases = sorted(data["cases"], key=lambda c: (c["passed"], c["id"]))  # failures first
    n_pass = sum(c["passed"] for c in cases)
    checks = "".join(f"<li class={'' if c['ok'] else 'why'}>{escape(c['message'])}</li>" for c in data["checks"])
    latencies = [c["latency_s"] for c in data["cases"] if c["answer"] is not None]
    tags = "".join(f"<tr><td>{escape(t)}</td><td>{r['passed']}/{r['cases']}</td></tr>"
                   for t, r in data.get("by_tag", {}).items())
    gate = "<span class='badge pass'>GATE PASS</span>" if data["passed"] else "<span class='badge fail'>GATE FAIL</span>"
    return f"""<!doctype html><html lang=en><head><meta charset=utf-8>
<title>rag eval: {escape(data['engine'])}</title><style>{_CSS}</style></head><body>
<h1>rag eval — {escape(data['engine'])} engine {gate}</h1>
<div class=muted>gold set <code>{escape(data['gold'])}</code> · {len(cases)} cases, {n_pass} pass,
{len(cases) - n_pass} fail · k={data['k']} · {escape(data['started'])} · {data['seconds']:.0f} s</div>
<div class=grid><div class=card><b>Metrics</b> (0–1; higher is better unless marked ↓)<br>{metric_bars(values, floors, lower_better)}</div>
<div class=card><b>Latency</b> (per answer)<br>{histogram(latencies)}</div>
<div class=card><b>Thresholds</b> (evals/thresholds.toml)<ul>{checks}</ul></div>
<div class=card><b>Pass rate by tag</b><table>{tags}</table></div></div>
<table><thead><tr><th>case</th><th>question</th><th>answer and cited passages</th><th>scores</th></tr></thead>
<tbody>{''.join(_case_row(c) for c in cases)}</tbody></table>
</body></html>
"""
