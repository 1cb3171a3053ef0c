"""On-topic is not enough: the answer must hold the asked-for thing (a count of it, an age, the named speaker's
words, the claim's own figure), else the question is refused. On the bundled articles."""
from __future__ import annotations

import pytest

from rag import answer

REFUSED = [
    "How many nuclear warheads does North Korea have?",  # the articles count tests and members, not warheads
    "How many medals did China win at the Beijing Olympics?",  # the Olympics are named, no medals counted
    "How old is Zhang Jun?",  # no age is given
    "What did President Biden say after the Security Council meeting?",  # Biden is named, never quoted
    "What did South Korea's president say about the January missile tests?",
]


@pytest.mark.parametrize("question", REFUSED)
def test_on_topic_sentences_without_the_asked_for_thing_are_refused(config, question):
    a = answer(question, config=config)
    assert a.refused and a.kind == "refusal", a.text
    assert a.related, "a refusal still shows the closest passages"


def test_the_same_kinds_of_question_are_answered_when_the_articles_have_it(config):
    count = answer("How many weapons tests did North Korea conduct in January?", config=config)
    assert not count.refused and ("seven" in count.text or "nine" in count.text)
    said = answer("What did Zhang Jun say about easing tensions with North Korea?", config=config)
    assert not said.refused and any("Zhang" in c.text for c in said.citations), said.text


def test_a_claims_figure_must_be_in_its_evidence(config):
    a = answer("Did the Independent report that North Korea launched nine missiles in January?", config=config)
    assert a.verdict == "yes" and "nine" in a.text, a.text


def test_a_follow_up_asking_for_the_signers_does_not_lead_with_the_refusers(config):
    """As a chat runs it: the first answer is in the history (it lists both groups)."""
    first = answer("Who refused to sign the January statement?", config=config)
    history = [{"role": "user", "content": first.question}, {"role": "assistant", "content": first.text}]
    a = answer("And who signed it?", config=config, history=history)
    assert not a.refused and "Albania" in a.text.split("\n")[0], a.text
