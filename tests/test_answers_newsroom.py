"""The newsroom cases on the bundled articles: direct answers, conflicting figures, follow-ups, filters,
refusals, and the citation check on every answer."""
from __future__ import annotations

import pytest

from rag import answer
from rag.chat import Chat
from rag.engines.extractive.engine import REFUSAL
from rag.engines.verify import citation_problems
from rag.storage.store import Store
from tests.conftest import SEVEN

SIGNERS = ["Albania", "Brazil", "Britain", "France", "Ireland", "Norway", "the United Arab Emirates", "the United States", "Japan"]


def _checked(question, config, **kw):
    a = answer(question, config=config, **kw)
    assert citation_problems(a, Store(config).body) == []
    return a


def test_who_refused_leads_with_the_seven_countries(config):
    a = _checked("Who refused to sign the statement?", config)
    assert a.text.startswith("China, Gabon, Ghana, India, Kenya, Mexico and Russia [1]")
    assert "China, Gabon, Ghana, India, Kenya, Mexico and Russia – refused to sign" in a.citations[0].text
    assert a.citations[0].source == "The Guardian"


def test_conflicting_figures_are_both_given_with_their_sources(config):
    a = _checked("How many weapons tests did North Korea carry out in January?", config)
    assert not a.refused and a.conflict
    lead = a.text.split("\n")[0]
    assert "seven" in lead and "nine" in lead
    by_figure = {w: [c for c in a.citations if w in c.text] for w in ("seven", "nine")}
    assert by_figure["seven"] and by_figure["nine"]
    sources = {c.source for c in a.citations}
    assert {"The Guardian", "The Independent"} <= sources
    for s in sources:
        assert s in lead  # each figure is attributed by outlet name, not only by number


def test_follow_up_from_history(config):
    a = _checked("And who signed it?", config, history=["Who refused to sign the statement?"])
    assert not a.refused
    for country in SIGNERS:
        assert country in a.text
    assert not a.text.startswith("China")


def test_chat_keeps_the_conversation(config):
    chat = Chat(config)
    first = chat.ask("Who refused to sign the statement?")
    assert all(c in first.text for c in SEVEN)
    second = chat.ask("And who signed it?")
    assert all(c in second.text for c in SIGNERS)
    third = chat.ask("What did the US envoy say about that?")
    assert "Thomas-Greenfield" in third.text
    assert len(chat.history) == 6
    for a in chat.answers:
        assert citation_problems(a, Store(config).body) == []


def test_excluding_a_source_changes_the_answer(config):
    q = "How many weapons tests did North Korea carry out in January?"
    both = _checked(q, config)
    guardian = _checked(q, config, sources=["The Guardian"])
    assert any(c.source == "The Independent" for c in both.citations)
    assert guardian.citations and all(c.source == "The Guardian" for c in guardian.citations)
    assert guardian.text != both.text


def test_date_filter_outside_the_articles_refuses(config):
    from datetime import date

    a = _checked("Who refused to sign the statement?", config, since=date(2030, 1, 1))
    assert a.refused and a.text == REFUSAL and a.citations == []


@pytest.mark.parametrize("question", [
    "What did the Mars rover discover about water on the planet?",
    "Which team won the Super Bowl?",
])
def test_unanswerable_is_refused_with_related_passages(config, question):
    a = _checked(question, config)
    assert a.refused and a.text == REFUSAL and a.citations == []
    assert "[" not in a.text
    # The closest passages are still offered (not cited): real chunks of the indexed articles, best first.
    assert a.related, "a refusal should list the related passages it read"
    body = Store(config).body
    assert all(body(p.article_id)[p.start:p.end] == p.text for p in a.related)
    assert [p.score for p in a.related] == sorted((p.score for p in a.related), reverse=True)


def test_every_answer_passes_the_citation_check(config):
    questions = [
        "Who refused to sign the statement?", "Who is China's ambassador to the UN?",
        "What did Zhang Jun say about US policy?", "When is the Beijing Olympics?",
        "How many missile launches did the DPRK carry out in January?", "Where did Trump meet Kim Jong Un?",
        "Why did the US call the council meeting?", "Which countries proposed easing sanctions?",
    ]
    for q in questions:
        _checked(q, config)
