"""Inline SVG plots (no plotting dependency): metric bars against thresholds, a latency histogram."""
from __future__ import annotations

from html import escape


def metric_bars(values: dict[str, float | None], floors: dict[str, float], lower_better: frozenset[str] | set[str] = frozenset(),
                width: int = 560) -> str:
    """Horizontal bars for 0..1 metrics with a tick at each floor; red when below it; ↓ marks lower-is-better."""
    rows = [(k, v) for k, v in values.items() if v is not None and 0.0 <= v <= 1.0]
    label_w, bar_w, row_h = 230, width - 230 - 50, 22
    height = row_h * len(rows) + 24
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="metric values" font-family="sans-serif" font-size="12">']
    for i, (name, v) in enumerate(rows):
        y = 4 + i * row_h
        floor = floors.get(name)
        colour = "#c0392b" if floor is not None and v < floor else "#2e86c1"
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(name)}{" ↓" if name in lower_better else ""}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="14" fill="#eef2f5"/>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * v:.1f}" height="14" fill="{colour}"/>')
        if floor is not None:
            fx = label_w + bar_w * floor
            out.append(f'<line x1="{fx:.1f}" x2="{fx:.1f}" y1="{y}" y2="{y + 20}" stroke="#000" stroke-width="2">'
                       f'<title>threshold {floor:g}</title></line>')
        out.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}">{v:.2f}</text>')
    y = height - 6
    out.append(f'<text x="{label_w}" y="{y}" fill="#555">0</text><text x="{label_w + bar_w - 6}" y="{y}" fill="#555">1'
               f'</text><text x="{label_w + bar_w / 2 - 60}" y="{y}" fill="#555">| = threshold</text></svg>')
    return "".join(out)


def histogram(seconds: list[float], bins: int = 12, width: int = 560, height: int = 180) -> str:
    """Latency histogram: answers per time bin."""
    if not seconds:
        return "<p>No timed answers.</p>"
    lo, hi = 0.0, max(seconds) * 1.05 or 1.0
    step = (hi - lo) / bins
    counts = [0] * bins
    for s in seconds:
        counts[min(bins - 1, int((s - lo) / step))] += 1
    top = max(counts)
    left, bottom, plot_w, plot_h = 40, height - 30, width - 60, height - 50
    bw = plot_w / bins
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="latency histogram" font-family="sans-serif" font-size="11">',
           f'<line x1="{left}" x2="{left + plot_w}" y1="{bottom}" y2="{bottom}" stroke="#333"/>']
    for i, n in enumerate(counts):
        h = plot_h * n / top
        x = left + i * bw
        out.append(f'<rect x="{x + 1:.1f}" y="{bottom - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="#16a085">'
                   f'<title>{lo + i * step:.2f}–{lo + (i + 1) * step:.2f} s: {n}</title></rect>')
        if n:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{bottom - h - 3:.1f}" text-anchor="middle">{n}</text>')
    for i in range(0, bins + 1, 3):
        out.append(f'<text x="{left + i * bw:.1f}" y="{bottom + 14}" text-anchor="middle">{lo + i * step:.2f}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 2}" text-anchor="middle">seconds per answer</text></svg>')
    return "".join(out)
