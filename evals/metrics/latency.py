"""Latency: seconds per answered question (the last turn of each case), mean / p50 / p95 / max."""
from __future__ import annotations

from evals.metrics import MetricResult


def percentile(xs: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * len(xs) + 0.5) - 1))]


def compute(run) -> MetricResult:
    """Wall-clock time of each `answer()` call, on whatever machine ran the suite."""
    xs = [r.latency_s for r in run.results if r.answer is not None]
    values = {"mean_s": sum(xs) / len(xs) if xs else None, "p50_s": percentile(xs, 50),
              "p95_s": percentile(xs, 95), "max_s": max(xs) if xs else None}
    per_case = {r.case.id: {"seconds": r.latency_s} for r in run.results}
    return MetricResult("latency", values, per_case, note=f"{len(xs)} timed answers")
