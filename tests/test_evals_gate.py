"""The eval gate in CI: the bundled gold suite against evals/thresholds.toml, one test per threshold,
and proof that the gate fails (exit 1, the metric named) on a deliberately wrong engine."""
from __future__ import annotations

import pytest

from evals.gold import load_gold
from evals.metrics import compute_all
from evals.runner import run_suite
from evals.thresholds import check, load_thresholds
from rag.core.records import Answer, Citation

THRESHOLDS = load_thresholds()
METRICS = sorted({m for limits in THRESHOLDS.values() for m in limits})


@pytest.fixture(scope="module")
def checks(config):
    """Run the whole bundled gold set once with the default engine (about 1-3 minutes on 2 cores)."""
    run = run_suite(load_gold(), config, progress=False)
    return {c.metric: c for c in check(compute_all(run), THRESHOLDS)}


@pytest.mark.slow
@pytest.mark.parametrize("metric", METRICS)
def test_gold_suite_meets_threshold(checks, metric):
    c = checks[metric]
    assert c.ok, c.message()


class WrongEngine:
    """A deliberately bad engine: never refuses, always cites the least relevant retrieved passage."""

    name = "wrong"
    streams = False

    def unavailable(self, config):
        return None

    def condense(self, question, history, resources):
        return None

    def answer(self, question, passages, history, resources) -> Answer:
        p = passages[-1]
        end = p.text.find(". ") + 1 or len(p.text)
        cited = Citation(1, p.article_id, p.title, p.source, p.published, p.url, p.text[:end], p.start,
                         p.start + end, 0.0)
        return Answer(question=question, text=f"{cited.text} [1]", refused=False, citations=[cited], engine="wrong")

    def stream(self, question, passages, history, resources):
        yield self.answer(question, passages, history, resources)


WRONG = WrongEngine()


@pytest.mark.slow
def test_gate_fails_on_a_wrong_engine_and_names_the_metric(config, monkeypatch, capsys):
    from rag.cli import main
    from rag.engines import registry

    # Registered like any engine, so answers go through the real retrieval, verification and harness.
    monkeypatch.setitem(registry.ENGINES, "wrong", f"{__name__}:WRONG")
    code = main(["--home", str(config.home), "eval", "--engine", "wrong", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert "rag eval: FAIL refusal.recall = 0.000" in err
    assert "answer_correctness.all_facts" in err and "below the floor by" in err


def test_corrupted_gold_copy_is_rejected_before_running(config, tmp_path, capsys):
    from evals.gold import BUNDLED
    from rag.cli import main

    corrupt = tmp_path / "gold.jsonl"
    corrupt.write_text(BUNDLED.read_text(encoding="utf-8").replace("refused to sign.", "refused to sign it."),
                       encoding="utf-8")
    code = main(["--home", str(config.home), "eval", "--gold", str(corrupt), "--articles", str(config.articles_dir)])
    assert code == 2
    assert "evidence problem" in capsys.readouterr().err


def test_unknown_engine_is_one_clear_line(config, capsys):
    from rag.cli import main

    code = main(["--home", str(config.home), "eval", "--engine", "nope", "--no-progress"])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rag eval: unknown engine 'nope'")
