"""The extractive composer on hand-made passages: wire copy said once, direct answers, refusal, lead spans."""
from __future__ import annotations

from rag.core.records import Passage
from rag.engines.extractive.engine import REFUSAL, compose
from rag.engines.extractive.evidence import question_kind
from rag.engines.extractive.spans import direct_span, figures

WIRE = "The council will meet again on Tuesday to discuss the drought relief package."


def _p(aid: str, text: str, source: str, score: float = 0.8) -> Passage:
    return Passage(text=text, article_id=aid, title=f"Title {aid}", source=source, published=None,
                   start=100, end=100 + len(text), score=score)


def _no_model(target: str, phrases: list[str]) -> list[float]:
    return [0.0 for _ in phrases]


def _compose(question: str, passages: list[Passage], **kw):
    return compose(question, passages, idf=lambda t: 1.0, similar=_no_model, **kw)


def test_same_wire_copy_is_said_once_citing_both_articles():
    a = _compose("When will the council meet to discuss the drought relief package?",
                 [_p("a1", WIRE + " Farmers welcomed it.", "AP"), _p("a2", "Officials spoke. " + WIRE, "Reuters")])
    assert not a.refused
    assert a.text.count(WIRE) == 1
    cited = [c for c in a.citations if c.text == WIRE]
    assert {c.article_id for c in cited} == {"a1", "a2"}
    assert cited[1].start == 100 + len("Officials spoke. ")


def test_refusal_has_no_citations_but_related_passages():
    a = _compose("What is the boiling point of mercury?", [_p("a1", WIRE, "AP")])
    assert a.refused and a.text == REFUSAL and a.citations == [] and a.related


def test_conflict_needs_two_different_figures():
    one = [_p("a1", "The storm destroyed nine houses in the village.", "AP"),
           _p("a2", "Nine houses were destroyed by the storm, the mayor said.", "Reuters")]
    a = _compose("How many houses did the storm destroy?", one)
    assert not a.conflict and a.text.startswith("nine houses")
    two = one + [_p("a3", "The storm destroyed 12 houses, according to the fire brigade.", "BBC")]
    b = _compose("How many houses did the storm destroy?", two)
    assert b.conflict and "12 (BBC [" in b.text


def test_direct_spans_are_verbatim():
    s = "US secretary of state Antony Blinken is scheduled to hold trilateral talks in Hawaii on 12 February."
    q = "When will Blinken hold talks in Hawaii?"
    start, end = direct_span(question_kind(q), q, s)
    assert s[start:end] == "12 February"
    q = "Where will Blinken hold talks?"
    start, end = direct_span(question_kind(q), q, s)
    assert s[start:end] == "Hawaii"
    assert question_kind("How much did it cost?") == "count"


def test_years_and_dates_are_not_counts():
    from rag.engines.extractive.evidence import Evidence

    def counted(text: str) -> list[tuple[float, str]]:
        p = _p("a1", text, "AP")
        found = figures("How many tests?", [Evidence(p, 100, 100 + len(p.text), p.text)])
        return [(f.value, p.text[f.start:f.end]) for f in found]

    # The one count is 3 (its number word, verbatim); the year 2017 and the day 20 are not counts.
    assert counted("In 2017 the regime ran 3 tests on 20 January.") == [(3.0, "3")]
    assert counted("The regime ran tests on 20 January 2017.") == []
    assert counted("In 2017 the regime ran tests in 1998 and on 5 March.") == []
    assert counted("By 2022 the regime had run 12 tests.") == [(12.0, "12")]
    assert counted("The 2017 tests were the largest, with 3 tests in March.") == [(3.0, "3")]  # a year before a noun
    assert counted("Tests resumed on 20 January and on January 24 after 5 quiet weeks.") == [(5.0, "5")]
