"""Every common article format read into the same `Article`: HTML, Markdown, JSON/JSONL records, folders."""
from __future__ import annotations

import json

import pytest

from index.dates import parse_date
from index.read import Skipped, iter_files, parse_fields, read_file
from rag.core.records import Article

STORY = " ".join(f"Sentence number {i} of the council story says something new about the vote." for i in range(12))

HTML = f"""<!doctype html><html><head>
<title>Council votes on budget | Example Times</title>
<meta property="og:title" content="Council votes on the budget">
<meta property="og:site_name" content="Example Times">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2023-10-05T09:30:00+00:00">
<link rel="canonical" href="https://example.org/news/council-budget">
</head><body>
<nav><a href="/">Home</a> <a href="/subscribe">Subscribe to our newsletter</a></nav>
<article><h1>Council votes on the budget</h1>
<p>{STORY}</p>
<p>The mayor said the budget passed by nine votes to four after a long debate on Tuesday night.</p>
</article>
<footer>Copyright Example Times. All rights reserved. Cookie policy.</footer>
</body></html>"""


def _articles(results):
    return [r for r in results if isinstance(r, Article)]


def test_html_main_text_and_metadata(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(HTML)
    (a,) = read_file(f)
    assert isinstance(a, Article), a
    assert a.title == "Council votes on the budget"
    assert a.source == "Example Times"
    assert a.published == "2023-10-05"
    assert a.url == "https://example.org/news/council-budget"
    assert a.byline == "Jane Reporter"
    assert "nine votes to four" in a.body and "Sentence number 11" in a.body
    for chrome in ("Subscribe", "newsletter", "All rights reserved", "Cookie"):
        assert chrome not in a.body


def test_markdown_headings_become_title(tmp_path):
    f = tmp_path / "note.md"
    f.write_text(f"# Storm closes the harbour\n\nBy Sam Writer\n\n{STORY}\n")
    (a,) = read_file(f)
    assert isinstance(a, Article), a
    assert a.title == "Storm closes the harbour"
    assert not a.body.startswith("#") and "Sentence number 3" in a.body


def test_multihop_corpus_shape_loads_as_is(tmp_path):
    # The exact shape of MultiHop-RAG's corpus.json (key order, null author, ISO timestamps).
    rec = {"title": "Deals of the day", "author": None, "source": "Mashable", "published_at": "2023-11-27T08:45:59+00:00",
           "category": "entertainment", "url": "https://mashable.com/article/x", "body": STORY}
    rec2 = rec | {"title": "Second one", "author": "A. Writer", "url": "https://mashable.com/article/y"}
    f = tmp_path / "corpus.json"
    f.write_text(json.dumps([rec, rec2], indent=4, ensure_ascii=True))
    a, b = read_file(f)
    assert (a.title, a.source, a.published, a.url, a.byline) == ("Deals of the day", "Mashable", "2023-11-27", rec["url"], None)
    assert b.byline == "A. Writer"
    assert a.article_id != b.article_id  # one identity per record, from its URL
    assert a.path == b.path == str(f.resolve())  # the file, so --prune can tell when it is gone


def test_configurable_field_names(tmp_path):
    f = tmp_path / "feed.jsonl"
    f.write_text(json.dumps({"hed": "Custom fields", "story": STORY, "outlet_name": "Wire", "when": "5 October 2023"}) + "\n")
    assert "no text field" in str(read_file(f)[0])
    (a,) = read_file(f, parse_fields("title=hed,body=story,source=outlet_name,published=when"))
    assert (a.title, a.source, a.published) == ("Custom fields", "Wire", "2023-10-05")
    with pytest.raises(ValueError):
        parse_fields("nonsense")


def test_folders_are_read_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.txt").write_text(f"Deep story\n\n{STORY}")
    (tmp_path / "a" / "top.md").write_text(f"# Top story\n\n{STORY}")
    (tmp_path / "a" / "b" / ".hidden.txt").write_text(STORY)
    (tmp_path / "a" / "image.png").write_bytes(b"\x89PNG")
    files = [f for f in iter_files([tmp_path]) if not isinstance(f, Skipped)]
    assert sorted(f.name for f in files) == ["deep.txt", "top.md"]


@pytest.mark.parametrize("text, iso", [
    ("2023-11-27T08:45:59+00:00", "2023-11-27"),
    ("Friday 04 February 2022 16:18 EST", "2022-02-04"),
    ("Published: 5 October 2023", "2023-10-05"),
    ("Oct. 5, 2023", "2023-10-05"),
    ("2023-02-30", None),
    ("no date here", None),
])
def test_dates(text, iso):
    assert parse_date(text) == iso
