"""The bundled gold set: well-formed, broad enough, and every evidence passage is verbatim in its article."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.gold import BUNDLED, GoldError, evidence_problems, load_gold
from index.read import read_file

ARTICLES = Path(__file__).resolve().parent.parent / "articles"


@pytest.fixture(scope="module")
def cases():
    return load_gold(BUNDLED)


def test_every_evidence_passage_occurs_in_its_articles_cleaned_body(cases):
    bodies = {p.name: read_file(p)[0].body for p in ARTICLES.iterdir()}
    for case in cases:
        for e in case.evidence:
            assert e.article in bodies, f"{case.id}: unknown article {e.article}"
            assert e.text in bodies[e.article], f"{case.id}: evidence not verbatim in {e.article}: {e.text!r}"
    assert evidence_problems(cases, ARTICLES) == []


def test_gold_set_covers_what_the_issue_asks_for(cases):
    tags = Counter(t for c in cases for t in c.tags)
    assert len(cases) >= 40
    assert sum(not c.answerable for c in cases) >= 10
    for tag in ("who", "what", "when", "where", "how-many", "why", "both-articles", "disagreement",
                "multi-turn", "paraphrase", "near", "far"):
        assert tags[tag] >= 1, tag
    assert sum(len(c.turns) > 1 for c in cases) >= 5
    both = [c for c in cases if "both-articles" in c.tags]
    assert all(len({e.article for e in c.evidence}) == 2 for c in both)


def test_answerable_cases_have_facts_and_evidence_unanswerable_have_none(cases):
    for c in cases:
        if c.answerable:
            assert c.facts and c.evidence and c.reference, c.id
        else:
            assert not c.facts and not c.evidence, c.id


def test_a_missing_field_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "question": "Who?", "answerable": True}) + "\n")
    with pytest.raises(GoldError, match="missing field 'reference'"):
        load_gold(bad)
    bad.write_text("{not json\n")
    with pytest.raises(GoldError, match="not JSON"):
        load_gold(bad)


def test_evidence_not_in_the_article_is_reported(tmp_path, cases):
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["evidence"][0]["text"] = "Eleven members refused to sign."
    copy = tmp_path / "corrupt.jsonl"
    copy.write_text(json.dumps(first) + "\n", encoding="utf-8")
    problems = evidence_problems(load_gold(copy), ARTICLES)
    assert problems and "evidence not in" in problems[0]
