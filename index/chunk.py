"""Split an article body into sentence-aligned chunks of about N tiktoken tokens, keeping offsets."""
from __future__ import annotations

import hashlib
import re

from rag.core.records import Article, Chunk
from rag.core.text import count_tokens, sentence_spans


def _split_long(body: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence at spaces into pieces under `max_tokens` (offsets kept)."""
    pieces: list[tuple[int, int]] = []
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", body[start:end])]
    i = 0
    while i < len(words):
        j, s = i, words[i][0]
        while j + 1 < len(words) and count_tokens(body[s : words[j + 1][1]]) <= max_tokens:
            j += 1
        pieces.append((s, words[j][1]))
        i = j + 1
    return pieces


def chunk_id(article_id: str, start: int, end: int) -> str:
    """Deterministic id, so re-indexing the same text upserts the same chunk."""
    return hashlib.sha1(f"{article_id}:{start}:{end}".encode()).hexdigest()[:20]


def chunk_article(article: Article, max_tokens: int = 256) -> list[Chunk]:
    """Greedy packing of whole sentences; `chunk.text == article.body[chunk.start:chunk.end]`."""
    body = article.body
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(body):
        spans.extend(_split_long(body, s, e, max_tokens) if count_tokens(body[s:e]) > max_tokens else [(s, e)])
    chunks: list[Chunk] = []
    cur_start: int | None = None
    cur_end = 0
    cur_tokens = 0
    for s, e in spans:
        n = count_tokens(body[s:e]) + 1  # +1: the separator between sentences
        if cur_start is not None and cur_tokens + n > max_tokens:
            chunks.append(_make(article, cur_start, cur_end, len(chunks)))
            cur_start, cur_tokens = None, 0
        if cur_start is None:
            cur_start = s
        cur_end, cur_tokens = e, cur_tokens + n
    if cur_start is not None:
        chunks.append(_make(article, cur_start, cur_end, len(chunks)))
    return chunks


def _make(article: Article, start: int, end: int, position: int) -> Chunk:
    return Chunk(
        chunk_id=chunk_id(article.article_id, start, end),
        article_id=article.article_id,
        text=article.body[start:end],
        start=start,
        end=end,
        position=position,
    )
