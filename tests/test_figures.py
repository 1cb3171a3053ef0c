"""benchmarks/check_figures.py: the repo's README and docs/ pass it, and a tampered copy of each kind fails it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "check_figures.py"

RESULTS = """# A benchmark

Date: 2026-12-01 08:12 UTC  
Command: `python benchmarks/x.py --cache /tmp/x`  

| system | Hits@10 |
|---|---:|
| ours | 0.965 |
| plain BM25 | 0.838 |
"""

PAGE = """# Retrieval

<!-- figures: benchmarks/results/x.md -->
Date: 2026-12-01 · Command: `python benchmarks/x.py --cache /tmp/x`

| system | Hits@10 |
|---|---:|
| ours | 0.965 |
<!-- /figures -->

Plain BM25 reaches 0.838 (`benchmarks/results/x.md`).
"""


def run(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True)


def test_the_repository_passes():
    r = run(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A tiny repository that passes: one results file and one docs page quoting it."""
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "docs").mkdir()
    (tmp_path / "benchmarks" / "results" / "x.md").write_text(RESULTS)
    (tmp_path / "docs" / "retrieval.md").write_text(PAGE)
    (tmp_path / "README.md").write_text("# tiny\n\nSee docs/retrieval.md.\n")
    return tmp_path


def tamper(root: Path, old: str, new: str, path: str = "docs/retrieval.md") -> None:
    page = root / path
    text = page.read_text()
    assert old in text
    page.write_text(text.replace(old, new))


def test_the_tiny_copy_passes(tiny: Path):
    r = run(tiny)
    assert (r.returncode, r.stdout) == (0, "")


def test_a_figure_row_not_in_its_file_fails(tiny: Path):
    tamper(tiny, "| ours | 0.965 |", "| ours | 0.975 |")
    r = run(tiny)
    assert r.returncode == 1
    assert "row not in benchmarks/results/x.md: | ours | 0.975 |" in r.stdout


def test_a_date_mismatch_fails(tiny: Path):
    tamper(tiny, "Date: 2026-12-01", "Date: 2026-11-30")
    r = run(tiny)
    assert r.returncode == 1
    assert "block date 2026-11-30 differs from benchmarks/results/x.md's 2026-12-01" in r.stdout


def test_a_command_mismatch_fails(tiny: Path):
    tamper(tiny, "--cache /tmp/x`\n\n|", "--cache /tmp/y`\n\n|")
    r = run(tiny)
    assert r.returncode == 1
    assert "block command" in r.stdout


def test_a_results_file_without_its_header_fails(tiny: Path):
    tamper(tiny, "Date: 2026-12-01 08:12 UTC  \n", "", path="benchmarks/results/x.md")
    r = run(tiny)
    assert r.returncode == 1
    assert "has no `Date: YYYY-MM-DD`" in r.stdout


def test_a_header_that_disagrees_with_the_recorded_json_fails(tiny: Path):
    twin = tiny / "benchmarks" / "results" / "x.json"
    twin.write_text('{"date": "2026-12-01 08:12 UTC", "command": "python benchmarks/x.py --cache /tmp/x"}')
    assert run(tiny).returncode == 0
    twin.write_text('{"date": "2026-11-30 08:12 UTC", "command": "python benchmarks/x.py --cache /tmp/z"}')
    r = run(tiny)
    assert r.returncode == 1
    assert "header date 2026-12-01 differs from x.json's 2026-11-30" in r.stdout
    assert "header command" in r.stdout


def test_a_missing_results_file_fails(tiny: Path):
    (tiny / "benchmarks" / "results" / "x.md").unlink()
    r = run(tiny)
    assert r.returncode == 1
    assert "results file benchmarks/results/x.md does not exist" in r.stdout


def test_a_table_of_figures_outside_a_block_fails(tiny: Path):
    tamper(tiny, "<!-- /figures -->\n", "<!-- /figures -->\n\n| system | Hits@10 |\n|---|---:|\n| ours | 0.965 |\n")
    r = run(tiny)
    assert r.returncode == 1
    assert "table of figures outside a figures block" in r.stdout


def test_a_prose_figure_not_in_its_named_file_fails(tiny: Path):
    tamper(tiny, "reaches 0.838", "reaches 0.848")
    r = run(tiny)
    assert r.returncode == 1
    assert "figure 0.848 is not in benchmarks/results/x.md" in r.stdout


def test_a_prose_figure_naming_no_results_file_fails(tiny: Path):
    tamper(tiny, " (`benchmarks/results/x.md`)", "")
    r = run(tiny)
    assert r.returncode == 1
    assert "figure 0.838 names no results file" in r.stdout


def test_an_unclosed_block_fails(tiny: Path):
    tamper(tiny, "<!-- /figures -->\n", "")
    r = run(tiny)
    assert r.returncode == 1
    assert "never closed" in r.stdout


def test_the_copy_of_the_repository_docs_fails_when_a_row_is_edited(tmp_path: Path):
    """The real pages and results, copied, then one quoted row edited in the results file: caught."""
    for part in ("README.md", "docs", "benchmarks/results", "evals/results"):
        src = ROOT / part
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / part)
    results = tmp_path / "benchmarks" / "results" / "refusal.md"
    text = results.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| 0.225 |"))
    results.write_text(text.replace(row, row.replace("| 0.225 |", "| 0.226 |")))
    r = run(tmp_path)
    assert r.returncode == 1
    assert "row not in benchmarks/results/refusal.md" in r.stdout
