"""Metrics: one module each, each with `compute(run) -> MetricResult`; `compute_all` runs them in order."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MetricResult:
    """A metric's aggregate values (None = not applicable), per-case values, and how it was computed."""

    name: str
    values: dict[str, float | None]
    per_case: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str = ""
    skipped: str | None = None  # why the metric did not run (e.g. no LLM configured)

    def flat(self) -> dict[str, float | None]:
        """Values keyed "metric.value", the names thresholds.toml uses."""
        return {f"{self.name}.{k}": v for k, v in self.values.items()}


def mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def compute_all(run: Any, judge_llm: Any = None) -> list[MetricResult]:
    """Every metric over a run; per-case values are also stored on each CaseResult.scores."""
    from evals.metrics import citation_support, citation_validity, correctness, latency, llm_judge, refusal, retrieval

    results = [correctness.compute(run), citation_support.compute(run), citation_validity.compute(run),
               refusal.compute(run), retrieval.compute(run), latency.compute(run), llm_judge.compute(run, judge_llm)]
    by_id = {r.case.id: r for r in run.results}
    for m in results:
        for case_id, values in m.per_case.items():
            by_id[case_id].scores.update({f"{m.name}.{k}": v for k, v in values.items()})
    return results
