"""Judged answers become gold cases: `Index.judge` / the chat's "Judge the last answer" / POST /v1/feedback,
then `rag eval export-feedback --out FILE`, then `rag eval --gold FILE` guards them."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from evals.gold import load_gold
from evals.metrics import compute_all
from evals.runner import failures, run_suite
from rag.api import Index
from rag.core.config import Config
from tests.conftest import ARTICLES, ROOT, SEVEN

RIGHT_Q = "Who refused to sign the statement?"
WRONG_Q = "Which countries declined to sign the joint statement?"  # answered with the signers today
NOWHERE_Q = "What did the mayor of Riverside announce?"


@pytest.fixture
def home(tmp_path, config):
    """A copy of the session index (judgements are written beside it)."""
    copy = tmp_path / "home"
    shutil.copytree(config.home, copy)
    return Config.load(home=copy, articles_dir=ARTICLES)


def _export(cfg: Config, out) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_HOME": str(cfg.home), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "rag.cli", "eval", "export-feedback", "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def test_judgements_export_as_gold_cases_that_guard_the_answers(home, tmp_path):
    index = Index(home, first_use=lambda i: None)
    right = index.answer(RIGHT_Q)
    assert all(c in right.text for c in SEVEN)
    index.judge(right, "right", note="the seven")
    wrong = index.answer(WRONG_Q)
    index.judge(wrong, "wrong", expected="Gabon")
    index.judge(index.answer(NOWHERE_Q), "wrong")

    out = tmp_path / "feedback.jsonl"
    done = _export(home, out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out}: 3 judgements: 1 must-pass, 1 must-refuse, 1 right"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("//") for line in lines) == 3  # each case says what it is
    cases = {c.id: c for c in load_gold(out)}
    assert set(cases) == {"feedback-1", "feedback-2", "feedback-3"}
    assert cases["feedback-1"].answerable and {e.text for e in cases["feedback-1"].evidence} == {c.text for c in right.citations}
    assert all(e.article == "000_29834b6968a0d052.txt" for e in cases["feedback-1"].evidence)
    assert cases["feedback-2"].facts == [["Gabon"]] and "Gabon" in cases["feedback-2"].evidence[0].text
    assert not cases["feedback-3"].answerable and "to-review" in cases["feedback-3"].tags

    run = run_suite(list(cases.values()), home, progress=False)
    compute_all(run)  # fills each case's scores, which `failures` reads
    status = {r.case.id: not failures(r) for r in run.results}
    # The right answer keeps passing; the wrong one fails until the engine names what was expected.
    assert status["feedback-1"] is True
    assert status["feedback-2"] is ("Gabon" in wrong.text and not wrong.refused)


def test_expected_answer_no_article_states_is_left_to_review(home, tmp_path):
    index = Index(home, first_use=lambda i: None)
    index.judge(index.answer(RIGHT_Q), "wrong", expected="Liechtenstein and Andorra")
    out = tmp_path / "review.jsonl"
    assert _export(home, out).returncode == 0
    text = out.read_text(encoding="utf-8")
    assert "no indexed sentence states it: to review" in text
    assert all(line.startswith("//") for line in text.splitlines())  # nothing runnable until a person adds evidence


def test_the_chat_judges_its_last_answer(home):
    from ui.app import judge_last

    index = Index(home, first_use=lambda i: None)
    assert judge_last(index, [], "wrong", "x").startswith("Ask a question first")
    first, second = index.answer(RIGHT_Q), index.answer("And who signed it?", history=[
        {"role": "user", "content": RIGHT_Q}, {"role": "assistant", "content": index.answer(RIGHT_Q).text}])
    turns = [{"role": "user", "content": RIGHT_Q}, {"role": "assistant", "content": first.text, "answer": first.to_dict()},
             {"role": "user", "content": "And who signed it?"},
             {"role": "assistant", "content": second.text, "answer": second.to_dict()}]
    assert "judgement #1: **wrong**" in judge_last(index, turns, "wrong", "Albania, Brazil and France")
    from rag.storage.feedback import FeedbackLog

    (j,) = FeedbackLog(home.home).all()
    assert j["question"] == "And who signed it?" and j["expected"] == "Albania, Brazil and France"
    assert j["history"] == [{"role": "user", "content": RIGHT_Q}, {"role": "assistant", "content": first.text}]
    assert j["answer"]["text"] == second.text and j["index"]["articles"] == 2


@pytest.mark.server
def test_feedback_over_http(tmp_path, home):
    from tests.test_http_api import Server, request

    server = Server(tmp_path, env={"RAG_HOME": str(home.home)})
    server.home = home.home
    try:
        code, answer = request(f"{server.url}/v1/answer", {"question": RIGHT_Q})
        assert code == 200
        code, got = request(f"{server.url}/v1/feedback", {"answer": answer, "verdict": "right"})
        assert code == 200 and got == {"id": 1, "verdict": "right"}
        code, err = request(f"{server.url}/v1/feedback", {"answer": answer, "verdict": "maybe"})
        assert code == 400 and "verdict" in err["error"]["message"]
    finally:
        server.stop()
    out = tmp_path / "http.jsonl"
    assert _export(home, out).returncode == 0
    (case,) = load_gold(out)
    assert json.loads(out.read_text().splitlines()[1])["tags"] == ["feedback", "right"] and case.answerable


def test_a_conversation_exports_as_markdown_with_every_cited_sentence(config):
    import re

    from rag.chat import Chat
    from rag.storage.store import Store

    chat = Chat(config)
    chat.ask(RIGHT_Q)
    chat.ask("And who signed it?")
    md = chat.to_markdown()
    body = Store(config).body
    assert md.startswith("# Conversation") and f"**Q1.** {RIGHT_Q}" in md and "**Q2.** And who signed it?" in md
    for turn, answer in enumerate(chat.answers, 1):
        for c in answer.citations:
            assert f"[^{turn}-{c.n}]" in md  # the marker in the answer text...
            line = next(x for x in md.splitlines() if x.startswith(f"[^{turn}-{c.n}]: "))
            assert line.endswith(f"\u201c{c.text}\u201d") and c.title in line  # ...and its footnote, verbatim
            assert body(c.article_id)[c.start:c.end] == c.text
    assert not re.search(r"(?<!\^)\[\d+\]", md)  # every bare [n] became a footnote reference


def test_the_chat_exports_its_conversation(home):
    from pathlib import Path

    from ui.app import export_conversation

    index = Index(home, first_use=lambda i: None)
    assert export_conversation(index, []) is None
    first = index.answer(RIGHT_Q)
    turns = [{"role": "user", "content": RIGHT_Q}, {"role": "assistant", "content": first.text, "answer": first.to_dict()}]
    path = Path(export_conversation(index, turns) or "")
    assert path.parent == home.home / "exports" and path.suffix == ".md"
    md = path.read_text(encoding="utf-8")
    assert f"**Q1.** {RIGHT_Q}" in md
    for c in first.citations:
        assert f"[^1-{c.n}]: " in md and f"\u201c{c.text}\u201d" in md


def test_thumbs_under_any_answer_judge_that_answer(home):
    from rag.storage.feedback import FeedbackLog
    from ui.app import judge_message

    index = Index(home, first_use=lambda i: None)
    first, second = index.answer(RIGHT_Q), index.answer("When will Blinken hold talks in Hawaii?")
    turns = [{"role": "user", "content": RIGHT_Q}, {"role": "assistant", "content": first.text, "answer": first.to_dict()},
             {"role": "user", "content": "When will Blinken hold talks in Hawaii?"},
             {"role": "assistant", "content": second.text, "answer": second.to_dict()}]
    # What the chat shows: the same turns, plus a question that failed (an error bubble is not an answer).
    shown = [{"role": "user", "content": "q1"}, {"role": "assistant", "content": '<div class="rag-answer">a1</div>'},
             {"role": "user", "content": "  ?"}, {"role": "assistant", "content": '<div class="rag-error">bad</div>'},
             {"role": "user", "content": "q2"}, {"role": "assistant", "content": '<div class="rag-answer">a2</div>'}]
    assert "not an answer" in judge_message(index, shown, turns, 3, "wrong", "")
    assert "**right**" in judge_message(index, shown, turns, 1, "right", "")  # the first answer, not the last
    assert "**wrong**" in judge_message(index, shown, turns, 5, "wrong", "12 February")
    judged = FeedbackLog(home.home).all()
    assert [(j["question"], j["verdict"]) for j in judged] == [
        (RIGHT_Q, "right"), ("When will Blinken hold talks in Hawaii?", "wrong")]
    assert judged[1]["history"][0]["content"] == RIGHT_Q and judged[1]["expected"] == "12 February"
