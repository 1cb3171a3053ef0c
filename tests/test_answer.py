"""End-to-end answers on the bundled articles: exact facts, verified citations, refusals, bad questions."""
from __future__ import annotations

import pytest

from rag import BadQuestion, answer, retrieve
from rag.engines.verify import citation_problems
from rag.storage.store import Store
from tests.conftest import SEVEN


def _checked(question, config):
    a = answer(question, config=config)
    assert citation_problems(a, Store(config).body) == []
    return a


def test_who_refused_to_sign(config):
    a = _checked("Who refused to sign the statement?", config)
    assert not a.refused
    for country in SEVEN:
        assert country in a.text
    assert any("China, Gabon, Ghana, India, Kenya, Mexico and Russia – refused to sign" in c.text for c in a.citations)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When will Antony Blinken hold trilateral talks in Hawaii?", "12 February"),  # when
        ("Where will Blinken hold trilateral talks with South Korea and Japan?", "Hawaii"),  # where
        ("How many weapons tests did North Korea conduct in January?", "seven"),  # how many
        ("What did Zhang Jun say the key to easing tensions with North Korea was?", "in the hands of the US"),  # what
        ("Which countries released a joint statement condemning the North's tests?", "Albania"),  # which
        ("Why did North Korea send congratulations to China?", "Beijing Olympics"),  # why
    ],
)
def test_questions_of_different_kinds(config, question, expected):
    a = _checked(question, config)
    assert not a.refused
    assert expected in a.text
    assert all(f"[{c.n}]" in a.text for c in a.citations)


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Australia?", "Who won the 2018 football World Cup?", "How do I bake banana bread?"],
)
def test_unsupported_question_is_refused(config, question):
    a = _checked(question, config)
    assert a.refused and a.citations == []
    assert "[" not in a.text


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "?!?", None])
def test_bad_questions_are_rejected_clearly(config, question):
    with pytest.raises(BadQuestion) as err:
        answer(question, config=config)
    assert isinstance(err.value, ValueError)
    assert "question" in str(err.value)


def test_retrieve_contract(config):
    passages = retrieve("Who refused to sign the statement?", k=3, config=config)
    assert 1 <= len(passages) <= 3
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    store = Store(config)
    for p in passages:
        assert store.body(p.article_id)[p.start : p.end] == p.text
        assert p.title and p.source


def test_to_dict_is_json(config):
    import json

    d = answer("Who refused to sign the statement?", config=config).to_dict()
    json.dumps(d)
    assert set(d["citations"][0]) >= {"n", "article_id", "title", "source", "published", "url", "text", "start", "end", "score"}
