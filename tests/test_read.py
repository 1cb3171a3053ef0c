"""The article reader: bundled pages clean as before, a varied fixture corpus keeps every story sentence."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.cleaning import load_half, score_half
from index.clean import clean_page
from index.dates import parse_date
from index.explain import explain_file
from index.pipeline import IndexReport, read_articles
from index.read import Skipped, iter_files, read_file
from rag.core.records import Article
from tests.conftest import AP, GUARDIAN

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = json.loads((ROOT / "tests" / "fixtures" / "bundled_clean.json").read_text(encoding="utf-8"))
ALL_PAGES = [(half, p, text, spec) for half in ("dev", "held") for p, text, spec in load_half(half)]
IDS = [f"{half}/{p.stem}" for half, p, _, _ in ALL_PAGES]


def _one(path) -> Article:
    (article,) = read_file(path)
    assert isinstance(article, Article), article
    return article


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


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


@pytest.mark.parametrize("path", [GUARDIAN, AP], ids=["guardian", "ap"])
def test_bundled_bodies_as_before(path):
    """Same body, title and metadata as the reader gave before the cleaner was rewritten (snapshot)."""
    a, old = _one(path), BUNDLED[path.name]
    assert a.body == old["body"]
    assert (a.title, a.source, a.byline, a.published) == (old["title"], old["source"], old["byline"], old["published"])


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


def test_cleaner_names_no_site():
    """The rules describe pages, not sites: no phrase from the bundled aggregator page is in the cleaner."""
    source = "".join((ROOT / "index" / f).read_text(encoding="utf-8").lower()
                     for f in ("clean.py", "lines.py", "meta.py", "template.py"))
    for phrase in ("premium titles", "one app", "curated specifically", "access to news from",
                   "trusted global sources", "inkl", "independent is"):
        assert phrase not in source, phrase


# --- the fixture corpus: tests/fixtures/pages/{dev,held}, each page with a JSON sidecar --------------------

def test_corpus_is_varied_and_split():
    assert len(ALL_PAGES) >= 20 and min(len(load_half(h)) for h in ("dev", "held")) >= 10
    assert len({spec["style"] for *_, spec in ALL_PAGES}) == len(ALL_PAGES)  # a distinct style per page


@pytest.mark.parametrize("half, path, text, spec", ALL_PAGES, ids=IDS)
def test_page_keeps_every_story_sentence_and_reads_metadata(half, path, text, spec):
    """Page by page, without template lines from other pages (a file indexed on its own)."""
    c = clean_page(text)
    body = _norm(c.body)
    assert [s for s in spec["story"] if _norm(s) not in body] == []
    assert (c.title, c.published) == (spec["title"], spec["date"])  # date None: relative or ambiguous


@pytest.mark.parametrize("half, path, text, spec", ALL_PAGES, ids=IDS)
def test_page_layout_does_not_matter(half, path, text, spec):
    """One line per paragraph, or blank lines between all lines: the same story comes out."""
    lines = [x for x in text.split("\n") if x.strip()]
    tight, loose = clean_page("\n".join(lines)), clean_page("\n\n".join(lines))
    assert tight.body == loose.body
    assert all(_norm(s) in _norm(tight.body) for s in spec["story"])


@pytest.mark.parametrize("half", ["dev", "held"])
def test_half_meets_targets(half):
    """Per half, template lines detected across its pages as in one indexing run."""
    r = score_half(half)
    assert r["sentences_kept_pct"] == 100.0
    assert r["chrome_dropped_pct"] >= 90.0
    assert r["headline_right"] == f"{r['pages']}/{r['pages']}"
    ok, n = r["absolute_date_right"].split("/")
    assert ok == n


# --- single rules -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, iso", [
    ("November 3, 2023 4:12 PM UTC Updated 2 hours ago", "2023-11-03"),
    ("Posted Tuesday, February 20, 2024 9:15 am", "2024-02-20"),
    ("Fri 4 Feb 2022 04.05 GMT", "2022-02-04"),
    ("Published Feb. 20, 2024 Updated Feb. 21, 2024, 9:02 a.m. ET", "2024-02-20"),
    ("Updated 5:42 PM EST, March 2, 2024", "2024-03-02"),
    ("Updated 2 hours ago", None),
    ("February 30, 2024", None),
])
def test_written_dates(text, iso):
    assert parse_date(text) == iso


STORY = [
    "The city council voted on Tuesday to close the old swimming pool on Mill Road at the end of the year.",
    "Councillors said repairs to the roof and the filters would cost more than building a new pool.",
    "A new pool is planned next to the leisure centre and should open in 2027, the council said.",
]


def test_ad_line_inside_story_does_not_end_it():
    page = "\n".join(["Pool to close at end of year", STORY[0], "Story continues below advertisement",
                      STORY[1], "ADVERTISEMENT", STORY[2], "Most Popular", "Other headline here today"])
    c = clean_page(page)
    assert c.body == "\n\n".join(STORY) and c.title == "Pool to close at end of year"


def test_relative_date_left_empty_and_name_as_byline():
    page = "\n".join(["News", "Pool to close at end of year", "Updated 2 hours ago", "Ana Lopes",
                      "Local government reporter", *STORY])
    c = clean_page(page)
    assert c.published is None and c.byline == "Ana Lopes" and c.title == "Pool to close at end of year"


def test_template_lines_across_a_run(tmp_path):
    """Lines on 3+ pages of one run are site text: a promo above the story goes; story paragraphs that
    versions of one story share stay, and so does a repeated paragraph touching the story (when in doubt, keep)."""
    promo = "The Valley Post has covered the region every day since 1901 and is read in every town in it."
    menu = "Valley life and more"
    stories = [[line.replace("Mill Road", f"Mill Road {n}") for line in STORY] for n in range(3)]  # lead differs
    for n, story in enumerate(stories):
        (tmp_path / f"p{n}.txt").write_text("\n".join([promo, menu, f"Headline number {n} for the test", *story]))
    articles, _ = read_articles([tmp_path], IndexReport())
    assert sorted(a.body for a in articles) == sorted("\n\n".join(story) for story in stories)
    # The reason given is the template: both lines are on all three pages.
    c = clean_page((tmp_path / "p0.txt").read_text(), template=frozenset({promo, menu}))
    dropped = {line for line, keep, why in c.decisions if not keep and "template" in why}
    assert dropped == {promo, menu}


def test_explain_lists_every_line_with_a_reason(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("\n".join(["Skip to content", "Pool to close at end of year", "By Ana Lopes", *STORY,
                               "Sign up for our newsletter"]))
    report = explain_file(page)
    assert "title: Pool to close at end of year" in report and "byline: Ana Lopes" in report
    rows = report.split("\n\n", 1)[1].splitlines()
    assert len(rows) == 7
    assert rows[0].startswith("drop") and rows[-1].startswith("drop") and "call to action" in rows[-1]
    assert all(r.startswith("keep") and r.endswith(s) for r, s in zip(rows[3:6], STORY))
    cli = subprocess.run([sys.executable, "-m", "rag.cli", "index", "--explain", str(page)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0 and cli.stdout.strip() == report.strip()


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


INSERTS = ["ADVERTISEMENT", "Share this article", "Photo: City Council handout",
           "Related: Another headline about something else", "Sign up for our daily briefing email"]


@pytest.mark.parametrize("half, path, text, spec", ALL_PAGES, ids=IDS)
def test_chrome_between_paragraphs_never_costs_a_sentence(half, path, text, spec):
    """Ad slots, buttons, captions, inline links and sign-up prompts set between the story's paragraphs."""
    lines, out, n = [x for x in text.split("\n") if x.strip()], [], 0
    story_lines = [i for i, x in enumerate(lines) if any(_norm(s) in _norm(x) for s in spec["story"])]
    for i, line in enumerate(lines):
        out.append(line)
        if i in story_lines[:-1]:
            out.append(INSERTS[n % len(INSERTS)])
            n += 1
    body = _norm(clean_page("\n".join(out)).body)
    assert [s for s in spec["story"] if _norm(s) not in body] == []
    assert all(x not in body for x in INSERTS)
