"""The article reader on the two bundled scraped pages: metadata found, chrome gone, story kept."""
from __future__ import annotations

import json

import pytest

from index.read import Skipped, iter_files, read_file
from rag.core.records import Article
from tests.conftest import AP, GUARDIAN

CHROME = [
    "Get all your news in one place", "premium titles", "Start reading", "Sign up to read this article",
    "Already a member", "Sign in here", "Related Stories", "Top stories on inkl", "One subscription",
    "Our Picks", "Fourteen days free", "Download the app", "trusted global sources", "Photograph:",
    "Stay up to date with notifications", "Notifications can be managed", "Your support helps us",
    "Your donation allows us", "paywalls", "Your support makes all the difference",
    "Thank you for registering", "refresh the page", "Copyright 2021", "Read news from 100",
]


def _one(path) -> Article:
    (article,) = read_file(path)
    assert isinstance(article, Article), article
    return article


def test_guardian_metadata():
    a = _one(GUARDIAN)
    assert a.title == "China urges US ‘flexibility’ with North Korea amid Washington anger at UN ‘silence’"
    assert a.source == "The Guardian"
    assert a.byline == "Staff and agencies"
    assert a.published is None  # the page carries no date; we do not invent one


def test_ap_metadata():
    a = _one(AP)
    assert a.title == "China says US should do more to reduce North Korea tensions"
    assert a.source == "The Independent"
    assert a.published == "2022-02-04"
    assert a.byline == "Via AP news wire"


@pytest.mark.parametrize("path", [GUARDIAN, AP])
def test_no_chrome_left(path):
    body = _one(path).body
    for phrase in CHROME:
        assert phrase.lower() not in body.lower(), phrase


def test_story_sentences_kept():
    g = _one(GUARDIAN).body
    assert g.startswith("China’s ambassador to the UN has called on the United States")
    assert "The other seven members – China, Gabon, Ghana, India, Kenya, Mexico and Russia – refused to sign." in g
    assert "“There’s no reason for this council to reward them for nine tests in one month" in g
    assert g.endswith("on 12 February with South Korea and Japan on North Korea.")
    assert len(g.split("\n\n")) == 25  # all 25 story paragraphs, each kept as a paragraph
    ap = _one(AP).body
    assert ap.startswith("China’s U.N. ambassador said Friday")
    assert "Asked whether the Security Council should respond to the nine missile launches" in ap
    assert ap.endswith("Zhang said the answer lies in the hands of the United States.")


def test_article_id_is_stable_and_distinct():
    assert _one(GUARDIAN).article_id == _one(GUARDIAN).article_id
    assert _one(GUARDIAN).article_id != _one(AP).article_id


def test_json_records_and_bad_lines(tmp_path):
    good = {"title": "A title here", "source": "Wire", "published_at": "2023-11-27T08:45:59+00:00",
            "url": "https://example.org/a", "body": "Some body text that is long enough to index. " * 3}
    (tmp_path / "a.json").write_text(json.dumps([good]))
    (tmp_path / "b.jsonl").write_text(json.dumps(good | {"url": "https://example.org/b"}) + "\n{not json\n")
    (tmp_path / "c.txt").write_bytes(b"")
    (tmp_path / "d.pdf").write_bytes(b"%PDF")
    results = [r for f in iter_files([tmp_path, tmp_path / "d.pdf"]) for r in ([f] if isinstance(f, Skipped) else read_file(f))]
    articles = [r for r in results if isinstance(r, Article)]
    skipped = [str(r) for r in results if isinstance(r, Skipped)]
    assert [a.published for a in articles] == ["2023-11-27", "2023-11-27"]
    assert articles[0].source == "Wire" and articles[0].url == "https://example.org/a"
    assert any("b.jsonl:2" in s and "invalid JSON" in s for s in skipped)
    assert any("c.txt" in s and "empty" in s for s in skipped)
    assert any("d.pdf" in s and "unsupported" in s for s in skipped)
