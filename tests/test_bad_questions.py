"""Bad questions get one clear message (API: a ValueError subclass; CLI: exit 2), never a traceback."""
from __future__ import annotations

import pytest

from rag import BadQuestion
from rag.core.question import clean_question

BAD = {
    "empty": ("", "empty"),
    "whitespace": (" \t\n ", "empty"),
    "huge": ("why " * 25_000, "limit"),
    "only control characters": ("\x00\x01\x07", "empty"),
    "only punctuation": ("?!... ;-)", "no words"),
    "spanish": ("¿Quién se negó a firmar la declaración?", "English"),
    "chinese": ("谁拒绝签署声明？", "English"),
    "not text": (42, "text"),
}


@pytest.mark.parametrize("name", BAD)
def test_rejected_with_reason(name):
    question, reason = BAD[name]
    with pytest.raises(BadQuestion, match=reason) as err:
        clean_question(question)
    assert isinstance(err.value, ValueError)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("question", "cleaned"),
    [
        ("Who\x00 refused\x07 to sign?", "Who refused to sign?"),
        ("  Who   refused\n to sign?  ", "Who refused to sign?"),
        ("Was Gabon among them?", "Was Gabon among them?"),  # "was" is German too: still English
        ("Kim Jong-un?", "Kim Jong-un?"),
    ],
)
def test_usable_questions_are_cleaned_not_rejected(question, cleaned):
    assert clean_question(question) == cleaned


def test_cli_reports_bad_question_in_one_line(tmp_path):
    from tests.test_cli import run

    r = run(["ask", "¿Quién se negó a firmar la declaración?", "--json"], tmp_path / "home")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
