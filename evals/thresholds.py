"""Thresholds: versioned floors (and ceilings) in evals/thresholds.toml, checked against a run's metrics."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from evals.metrics import MetricResult
from rag.core.errors import RagError

DEFAULT = Path(__file__).resolve().parent / "thresholds.toml"


@dataclass
class Check:
    """One threshold against its measured value."""

    metric: str
    bound: str  # "min" or "max"
    limit: float
    value: float | None

    @property
    def ok(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.limit if self.bound == "min" else self.value <= self.limit

    def message(self) -> str:
        if self.value is None:
            return f"{self.metric}: not measured (threshold {self.bound} {self.limit:g})"
        gap = abs(self.value - self.limit)
        if self.bound == "min":
            verdict = "ok" if self.ok else f"below the floor by {gap:.3f}"
            return f"{self.metric} = {self.value:.3f} (min {self.limit:g}): {verdict}"
        verdict = "ok" if self.ok else f"above the ceiling by {gap:.3f}"
        return f"{self.metric} = {self.value:.3f} (max {self.limit:g}): {verdict}"


def load_thresholds(path: str | Path = DEFAULT) -> dict[str, dict[str, float]]:
    """{"min": {metric: floor}, "max": {metric: ceiling}} from a thresholds TOML file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RagError(f"thresholds file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RagError(f"thresholds file {path}: {exc}") from None
    out: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    for bound in out:
        for metric, limit in data.get(bound, {}).items():
            if not isinstance(limit, (int, float)):
                raise RagError(f"thresholds file {path}: [{bound}] {metric} must be a number")
            out[bound][metric] = float(limit)
    return out


def check(metrics: list[MetricResult], thresholds: dict[str, dict[str, float]]) -> list[Check]:
    """Every threshold against the run; thresholds of skipped metrics (e.g. llm_judge) are left out."""
    values: dict[str, float | None] = {}
    skipped = {m.name for m in metrics if m.skipped}
    for m in metrics:
        values.update(m.flat())
    checks = []
    for bound, limits in thresholds.items():
        for metric, limit in limits.items():
            if metric.split(".")[0] in skipped:
                continue
            checks.append(Check(metric, bound, limit, values.get(metric)))
    return checks
