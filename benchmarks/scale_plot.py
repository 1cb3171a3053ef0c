"""Log-log SVG line charts for benchmarks/scale.py (no plotting dependency, like evals/report/plots.py)."""
from __future__ import annotations

import math
from html import escape
from pathlib import Path

COLOURS = ("#2e86c1", "#c0392b", "#16a085", "#8e44ad", "#d35400")


def _ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten (and 2x, 5x when the range is short) between lo and hi."""
    out = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5) if math.log10(hi / lo) < 2.5 else (1,):
            v = m * 10**e
            if lo <= v <= hi:
                out.append(v)
    return out


def _fmt(v: float) -> str:
    return f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k" if v >= 1e3 else f"{v:g}"


def panel(xs: list[float], series: dict[str, list[float | None]], y_label: str, title: str,
          width: int = 420, height: int = 300, x0: int = 0) -> str:
    """One log-log chart (an SVG <g>) of each series against xs."""
    left, top, plot_w, plot_h = x0 + 60, 30, width - 80, height - 80
    ys = [y for s in series.values() for y in s if y]
    xlo, xhi = min(xs) / 1.5, max(xs) * 1.5
    ylo, yhi = min(ys) / 1.5, max(ys) * 1.5

    def px(x: float) -> float:
        return left + plot_w * math.log(x / xlo) / math.log(xhi / xlo)

    def py(y: float) -> float:
        return top + plot_h * (1 - math.log(y / ylo) / math.log(yhi / ylo))

    out = [f'<text x="{left + plot_w / 2}" y="18" text-anchor="middle" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>']
    for t in _ticks(ylo, yhi):
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 4}" y="{py(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    for t in xs:
        out.append(f'<line x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{top}" y2="{top + plot_h}" stroke="#eee"/>'
                   f'<text x="{px(t):.1f}" y="{top + plot_h + 14}" text-anchor="middle">{_fmt(t)}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h + 30}" text-anchor="middle">chunks (log)</text>'
               f'<text x="{x0 + 14}" y="{top + plot_h / 2}" text-anchor="middle" '
               f'transform="rotate(-90 {x0 + 14} {top + plot_h / 2})">{escape(y_label)} (log)</text>')
    for k, (name, s) in enumerate(series.items()):
        c = COLOURS[k % len(COLOURS)]
        pts = [(px(x), py(y)) for x, y in zip(xs, s) if y]
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="'
                   + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"/>')
        out += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{c}"/>' for a, b in pts]
        ly = top + plot_h + 46 + 14 * (k // 2)
        lx = left + (k % 2) * plot_w / 2
        out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="{ly - 4}" y2="{ly - 4}" stroke="{c}" stroke-width="2"/>'
                   f'<text x="{lx + 22}" y="{ly}">{escape(name)}</text>')
    return "<g>" + "".join(out) + "</g>"


def plot(rows: list[dict], path: Path) -> None:
    """Latency and memory against index size, side by side, log scale on both axes."""
    rows = [r for r in rows if r.get("chunks")]
    if not rows:
        return
    xs = [float(r["chunks"]) for r in rows]

    def col(key: str) -> list[float | None]:
        return [r.get(key) for r in rows]

    lat = panel(xs, {"retrieve p50": col("retrieve_p50_ms"), "retrieve p95": col("retrieve_p95_ms"),
                     "answer p50": col("answer_p50_ms"), "answer p95": col("answer_p95_ms"),
                     "answer CPU p50": col("answer_cpu_p50_ms")},
                "ms", "Warm question latency")
    mem = panel(xs, {"serving RSS": col("rss_mb"), "on disk": col("disk_mb")}, "MB", "Memory and disk", x0=440)
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="880" height="340" font-family="sans-serif" '
                    f'font-size="11" role="img" aria-label="latency and memory against index size">{lat}{mem}</svg>')
