"""Reports of a scored run: JSON (everything), Markdown summary, HTML page, JUnit XML, and comparisons."""
from __future__ import annotations

from pathlib import Path

from evals.metrics import MetricResult
from evals.runner import Run
from evals.thresholds import Check


def write_all(run: Run, metrics: list[MetricResult], checks: list[Check], folder: str | Path) -> dict[str, Path]:
    """Write report.json, report.md, report.html and junit.xml into `folder`; return their paths."""
    from evals.report import html, json_report, junit, markdown

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = json_report.build(run, metrics, checks)
    paths = {"json": folder / "report.json", "md": folder / "report.md", "html": folder / "report.html",
             "junit": folder / "junit.xml"}
    json_report.write(data, paths["json"])
    paths["md"].write_text(markdown.render(data), encoding="utf-8")
    paths["html"].write_text(html.render(data), encoding="utf-8")
    paths["junit"].write_text(junit.render(data), encoding="utf-8")
    return paths
