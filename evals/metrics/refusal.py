"""Refusals: precision (refusals that were right) and recall (unanswerable questions that were refused)."""
from __future__ import annotations

from evals.metrics import MetricResult


def compute(run) -> MetricResult:
    """Errors count as not refusing. Precision is 0 when nothing was refused (sklearn's zero_division=0)."""
    tp = fp = fn = 0
    per_case: dict[str, dict] = {}
    for r in run.results:
        unanswerable = not r.case.answerable
        refused = r.refused
        tp += refused and unanswerable
        fp += refused and not unanswerable
        fn += unanswerable and not refused
        per_case[r.case.id] = {"refused": float(refused), "right": float(refused == unanswerable)}
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else None
    false_refusals = fp / sum(r.case.answerable for r in run.results) if any(r.case.answerable for r in run.results) else None
    return MetricResult("refusal", {"precision": precision, "recall": recall, "false_refusal_rate": false_refusals},
                        per_case, note=f"{tp} right refusals, {fp} wrong refusals, {fn} missed refusals")
