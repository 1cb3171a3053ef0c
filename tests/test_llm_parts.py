"""The llm engine on yes/no questions: the prompt carries each part's evidence and the model's verdict must
agree with it. Fixed model replies over real retrieval and real MiniLM (no LLM needed)."""
from __future__ import annotations

import pytest

from rag import retrieve
from rag.api import get_index
from rag.engines.llm.reasoned import FALLBACK_ENGINE, case, finish, lead, messages
from rag.engines.verify import citation_problems
from rag.storage.store import Store

URGED = ("Did both the Guardian and the Independent report that China's UN ambassador urged the US to be "
         "more flexible?")
REFUSED = "Did both the Guardian and the Independent report that China refused to sign the statement?"
GUARDIAN_URGED = ("The Guardian says China's ambassador to the UN called on the United States to be more flexible "
                  "in its dealings with North Korea [{g}].")
INDEPENDENT_URGED = ("The Independent says China's U.N. ambassador said the United States should come up with "
                     "more attractive and more practical policies and actions to reduce tensions with North Korea [{i}].")
GUARDIAN_REFUSED = ("The Guardian says China and Russia, along with other nations, refused to sign on to the "
                    "statement decrying the launches [{g}].")


def _case(question, config):
    c = case(question, retrieve(question, k=10, config=config), get_index(config), get_index(config).config.llm_passages)
    assert c is not None
    return c


def _n(c, source: str, needle: str) -> int:
    return next(n for n, p in enumerate(c.passages, 1) if (p.source or "").startswith(source) and needle in p.text)


def _outlets(a) -> set[str]:
    return {(x.source or "").split(" - ")[0] for x in a.citations}


def _verified(a, config):
    assert citation_problems(a, Store(config).body) == []
    return a


def test_prompt_lists_each_part_with_its_evidence_or_none(config):
    c = _case(REFUSED, config)
    user = messages(REFUSED, c)[1][1]
    assert 'Part 1 (The Guardian): "China refused to sign the statement" (passage [' in user
    assert 'Part 2 (The Independent): "China refused to sign the statement" (no passage says this)' in user
    assert "Start with Yes or No on its own line" in user


def test_backed_yes_is_the_models_answer(config):
    c = _case(URGED, config)
    g, i = _n(c, "The Guardian", "more flexible"), _n(c, "The Independent", "more attractive")
    reply = "Yes\n" + GUARDIAN_URGED.format(g=g) + " " + INDEPENDENT_URGED.format(i=i)
    a = _verified(finish(URGED, reply, c, get_index(config)), config)
    assert a.engine == "llm" and a.kind == "yes_no" and a.verdict == "yes" and a.text.startswith("Yes\n\n")
    assert {"The Guardian", "The Independent"} <= _outlets(a)


def test_verdict_against_the_evidence_falls_back_to_the_extractive_answer(config):
    c = _case(URGED, config)
    g, i = _n(c, "The Guardian", "more flexible"), _n(c, "The Independent", "more attractive")
    reply = "No\n" + GUARDIAN_URGED.format(g=g) + " " + INDEPENDENT_URGED.format(i=i)
    a = _verified(finish(URGED, reply, c, get_index(config)), config)
    assert a.engine == FALLBACK_ENGINE and a.verdict == "yes" and a.text.startswith("Yes")
    assert 'verdict "No" is not what the evidence for each part gives' in a.text


def test_a_yes_when_one_outlet_is_silent_is_not_backed(config):
    c = _case(REFUSED, config)
    g = _n(c, "The Guardian", "refused to sign on to it")
    i = _n(c, "The Independent", "")
    reply = f"Yes\n{GUARDIAN_REFUSED.format(g=g)} The Independent also says China refused to sign [{i}]."
    a = _verified(finish(REFUSED, reply, c, get_index(config)), config)
    assert a.engine == FALLBACK_ENGINE and a.verdict == "no" and a.text.startswith("No")
    assert "The Independent does not say whether China refused to sign the statement" in a.text


def test_a_backed_no_keeps_only_supported_sentences(config):
    c = _case(REFUSED, config)
    g = _n(c, "The Guardian", "refused to sign on to it")
    reply = f"No.\n{GUARDIAN_REFUSED.format(g=g)} The Independent reports that Brazil signed it [1]."
    a = _verified(finish(REFUSED, reply, c, get_index(config)), config)
    assert a.engine == "llm" and a.verdict == "no" and a.text.startswith("No\n\n")
    assert "Brazil" not in a.text and "1 sentence of the model's answer removed" in a.text
    assert _outlets(a) == {"The Guardian"}


def test_reply_with_nothing_supported_falls_back(config):
    c = _case(URGED, config)
    a = finish(URGED, "Yes\nThe moon is made of cheese [1].", c, get_index(config))
    assert a.engine == FALLBACK_ENGINE and a.verdict == "yes" and "no sentence supported" in a.text


@pytest.mark.parametrize("reply,said", [("Yes\nA [1].", "Yes"), ("**No**, because B [2].", "No"),
                                        ("Answer: Before. C [1].", "Before"), ("Zhang Jun\n\nD [1].", "Zhang Jun")])
def test_lead_reads_the_verdict_or_name(reply, said):
    assert lead(reply)[0] == said


def test_attributing_a_sentence_to_the_wrong_outlet_is_not_support(config):
    c = _case(URGED, config)
    g = _n(c, "The Guardian", "more flexible")
    wrong = GUARDIAN_URGED.replace("The Guardian", "The Independent").format(g=g)
    right = GUARDIAN_URGED.format(g=g)
    a = finish(URGED, f"Yes\n{right} {wrong}", c, get_index(config))
    assert a.engine == "llm" and "1 sentence of the model's answer removed" in a.text
    assert a.text.count("The Independent says") == 0
