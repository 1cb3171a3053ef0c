"""Reasoned answers: yes/no verdicts from each part's evidence, before/after from dates, names across articles.

On the bundled articles (the Guardian and the Independent on China and North Korea) and on small fixtures of
dated articles (tests/fixtures/dated; tests/fixtures/dated-opposite holds the lander story saying the opposite).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag import answer
from rag.core.config import Config
from rag.engines.extractive.analysis import analyse

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _outlets(a) -> set[str]:
    return {(c.source or "").split(" - ")[0] for c in a.citations}


def test_both_outlets_report_it_yes_with_a_citation_from_each(config):
    a = answer("Did both the Guardian and the Independent report that China's UN ambassador urged the US to be "
               "more flexible?", config=config)
    assert a.kind == "yes_no" and a.verdict == "yes" and a.text.startswith("Yes")
    assert {"The Guardian", "The Independent"} <= _outlets(a)
    assert a.to_dict()["verdict"] == "yes" and a.to_dict()["kind"] == "yes_no"


def test_only_one_outlet_reports_it_no_naming_who_does_not(config):
    a = answer("Did both the Guardian and the Independent report that China refused to sign the statement?",
               config=config)
    assert a.verdict == "no" and a.text.startswith("No")
    assert _outlets(a) == {"The Guardian"}  # the Guardian's sentence is cited
    assert "The Independent does not say whether China refused to sign the statement" in a.text


def test_a_part_no_article_supports_is_not_yes_and_is_named(config):
    a = answer("Did the Guardian report that China refused to sign the statement and that Kenya launched a "
               "satellite?", config=config)
    assert a.verdict != "yes" and not a.text.startswith("Yes")
    assert "Kenya launched a satellite" in a.text


def test_a_claim_the_article_contradicts_gets_no(config):
    a = answer("Did the Guardian report that China signed the statement?", config=config)
    assert a.verdict == "no" and "says otherwise" in a.text and a.citations


def test_nothing_supported_is_a_refusal(config):
    a = answer("Did the Guardian report that Brazil won the football World Cup in Qatar?", config=config)
    assert a.refused and a.kind == "refusal" and a.verdict is None and not a.citations


@pytest.fixture(scope="module")
def dated(tmp_path_factory) -> Config:
    """An index of the four dated fixture articles."""
    from index.pipeline import index_paths

    home = tmp_path_factory.mktemp("dated")
    cfg = Config.load(home=home, articles_dir=FIXTURES / "dated")
    assert index_paths([FIXTURES / "dated"], cfg, progress=False).added == 4
    return cfg


def test_before_after_from_published_dates(dated):
    yes = answer("Did TechCrunch report the battery lawsuit before The Verge reported that a judge ruled on the "
                 "patents?", config=dated)
    assert yes.verdict == "yes", yes.text
    assert "2023-10-02" in yes.text and "2023-11-20" in yes.text  # both dates shown, each cited
    no = answer("Did The Verge report that a judge ruled on the patents before TechCrunch reported the battery "
                "lawsuit?", config=dated)
    assert no.verdict == "no", no.text


def test_after_a_report_did_another_follow(dated):
    a = answer("After TechCrunch reported that Acme Robotics sued Zeta Motors, did The Verge report that a judge "
               "ruled Zeta Motors infringed Acme's patents?", config=dated)
    assert a.verdict == "yes" and _outlets(a) == {"TechCrunch", "The Verge"}


def test_entity_spanning_two_articles_names_the_shared_entity(dated):
    a = answer("Who is the chief executive who, according to TechCrunch, spent eight years developing battery "
               "cells and, according to Fortune, will open a factory in Lyon?", config=dated)
    assert a.kind == "entity" and a.text.startswith("Dana Whitfield")
    assert {"TechCrunch", "Fortune"} <= _outlets(a)
    company = answer("Which company, according to TechCrunch, was sued over battery designs and, according to "
                     "The Verge, was ordered to stop selling vans?", config=dated)
    assert company.text.startswith("Zeta Motors")


def test_swapping_the_article_for_one_saying_the_opposite_flips_the_verdict(tmp_path):
    from index.pipeline import index_paths

    folder = tmp_path / "articles"
    shutil.copytree(FIXTURES / "dated", folder)
    cfg = Config.load(home=tmp_path / "home", articles_dir=folder)
    index_paths([folder], cfg, progress=False)
    q = "Did Engadget report that the Ibis lander touched down safely on the Moon?"
    assert answer(q, config=cfg).verdict == "yes"
    shutil.copy(FIXTURES / "dated-opposite" / "lander.jsonl", folder / "lander.jsonl")
    index_paths([folder], cfg, progress=False)  # the same article (same url), now saying the opposite
    flipped = answer(q, config=cfg)  # the same open index sees the new body (its change counter moved)
    assert flipped.verdict == "no", flipped.text
    assert "did not touch down safely" in flipped.text


def test_analysis_is_general_english():
    a = analyse("Did the Guardian report the missile tests before the Independent reported Zhang Jun's remarks?",
                ["The Guardian - AU", "The Independent"])
    assert a.form == "yes_no" and a.order == "before" and len(a.parts) == 2
    assert [sorted(p.sources) for p in a.parts] == [["the guardian - au"], ["the independent"]]
    c = analyse("Has the coverage of the summit remained consistent or changed between March and May?", [])
    assert c.form == "choice" and c.options == ["consistent", "changed"]
    w = analyse("Which company, according to Fortune, bought the startup and was later fined?", ["Fortune"])
    assert w.form == "entity" and w.asks == "organisation" and len(w.parts) == 2
    p = analyse("Who is the individual who founded the exchange and was convicted of fraud?", [])
    assert p.asks == "person"


def test_outlets_the_index_does_not_hold_are_named_and_refused(config):
    from rag.engines.extractive.analysis import unknown_outlets

    known = ["The Guardian - AU", "The Independent"]
    got = unknown_outlets("Did an article by Bloomberg and another by The Hindu say X?", known)
    assert got == ["Bloomberg", "The Hindu"]
    assert unknown_outlets("Did the Guardian article on Black Friday and the Independent report say X?", known) == []
    a = answer("Did a Le Monde article report that China refused to sign the statement?", config=config)
    assert a.refused and "Le Monde" in a.text and not a.citations


def test_difference_questions_are_told_from_claims_that_mention_a_difference():
    asks = [
        "Was there a change in how the Guardian and the Independent described China's position?",
        "Was there no change in the Guardian's portrayal of the talks between January and March?",
        "Did the Independent change its account of the vote after the Guardian's report?",
        "Did the Guardian's report contradict the Independent's report on the statement?",
        "Is the Guardian's figure inconsistent with the one the Independent gave?",
        "After the Guardian's report on the talks, did the narrative about the envoy change?",
        "Did the second report result in a change in how the vote was described?",
        "Is the portrayal of the envoy in the two reports inconsistent?",
    ]
    claims = [
        "Does the Guardian say the farmers were hurt by climate change and by drought?",
        "Do both articles agree that teams never adjust their plans after roster changes?",
        "Does the Independent imply a discrepancy in the envoy's account, while the Guardian quotes her?",
        "Does the Guardian describe a different aspect of the crisis than the Independent?",
    ]
    for q in asks:
        assert analyse(q, []).asks_difference, q
    for q in claims:
        assert not analyse(q, []).asks_difference, q
    assert analyse(asks[1], []).negated and not analyse(asks[0], []).negated


def test_was_there_no_change_is_yes_when_the_reports_agree():
    from rag.engines.extractive.analysis import Part
    from rag.engines.extractive.parts import PartEvidence
    from rag.engines.extractive.verdict import decide

    def evidence(*statuses: str) -> list[PartEvidence]:
        out = []
        for s in statuses:
            pe = PartEvidence(Part("the envoy said the talks would resume"))
            pe.status = s
            out.append(pe)
        return out

    change = analyse("Was there a change in what the Guardian and the Independent said about the talks?", [])
    same = analyse("Was there no change in what the Guardian and the Independent said about the talks?", [])
    assert decide(change, evidence("supported", "supported")).answer == "no"
    assert decide(same, evidence("supported", "supported")).answer == "yes"
    assert decide(change, evidence("supported", "contradicted")).answer == "yes"
    assert decide(same, evidence("supported", "contradicted")).answer == "no"
