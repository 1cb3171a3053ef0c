"""Property tests: the reader and chunker never crash on arbitrary text, and offsets always round-trip."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunk import chunk_article
from index.clean import clean_page
from index.read import article_id
from rag.core.records import Article
from rag.core.text import sentence_spans

# Text shaped like scraped pages: words, punctuation, quotes, newlines, plus arbitrary Unicode.
_pieces = st.sampled_from(
    ["China", "said", "U.N.", "Mr.", "the", "“quoted”", "—", ".", "?", "!", "\n", "\n\n", " ", "Sign up",
     "Photograph: Getty", "Friday 04 February 2022", "…", "\u00a0", "\u200b", "\r\n", "é", "中国", "🙂"]
)
page_text = st.one_of(
    st.text(max_size=3000),
    st.lists(_pieces, max_size=400).map(" ".join),
    st.lists(st.one_of(_pieces, st.text(max_size=20)), max_size=300).map("".join),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(page_text)
def test_clean_page_never_crashes(raw):
    c = clean_page(raw)
    assert isinstance(c.body, str) and isinstance(c.title, str)
    assert "\r" not in c.body and "\u00a0" not in c.body


@FAST
@given(page_text)
def test_sentence_spans_are_ordered_and_trimmed(text):
    spans = sentence_spans(text)
    for (_, e), (s2, _) in zip(spans, spans[1:]):
        assert e <= s2
    for s, e in spans:
        assert 0 <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()


@FAST
@given(page_text, st.integers(min_value=8, max_value=300))
def test_chunk_offsets_round_trip(text, max_tokens):
    article = Article(article_id=article_id(None, None, "t", text), title="t", body=text)
    chunks = chunk_article(article, max_tokens)
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert c.text.strip()
    for a, b in zip(chunks, chunks[1:]):
        assert a.end <= b.start
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids))
