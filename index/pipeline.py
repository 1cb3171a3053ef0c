"""The indexer: files → Articles → Chunks → embeddings → Chroma + SQLite, skipping what is unchanged."""
from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.chunk import chunk_article
from index.read import Skipped, iter_files, read_file
from rag.config import Config
from rag.store import Store
from rag.types import Article, Chunk

Progress = Callable[[int, int], None]


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"indexed {self.added} new and {self.updated} changed articles ({self.chunks} chunks); "
            f"{self.unchanged} unchanged; {len(self.skipped)} skipped"
        )


def content_hash(article: Article, chunk_tokens: int) -> str:
    """Changes when anything stored for the article would change (text, metadata, chunk size)."""
    parts = [article.title, article.body, article.source, article.published, article.url, article.byline, str(chunk_tokens)]
    return hashlib.sha1("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()


def embed_text(article: Article, chunk: Chunk) -> str:
    """What the embedder sees: the headline gives a mid-article chunk its topic."""
    return f"{article.title}\n{chunk.text}"


def read_articles(paths: Iterable[str | Path], report: IndexReport) -> list[Article]:
    """Read every file; bad files and records go to `report.skipped`, duplicates keep the first copy."""
    articles: dict[str, Article] = {}
    for item in iter_files(paths):
        results = [item] if isinstance(item, Skipped) else read_file(item)
        for r in results:
            if isinstance(r, Skipped):
                report.skipped.append(r)
            else:
                articles.setdefault(r.article_id, r)
    return list(articles.values())


def index_paths(
    paths: Iterable[str | Path],
    config: Config | None = None,
    store: Store | None = None,
    progress: bool = True,
    batch_articles: int = 32,
) -> IndexReport:
    """Index files/folders incrementally; safe to re-run after a crash (each batch is committed whole)."""
    from rag.models import embedder

    config = config or Config.load()
    store = store or Store(config)
    report = IndexReport()
    articles = read_articles(paths, report)
    known = store.content_hashes()
    todo: list[tuple[Article, str]] = []
    for a in articles:
        h = content_hash(a, config.chunk_tokens)
        if known.get(a.article_id) == h:
            report.unchanged += 1
        else:
            todo.append((a, h))
    if not todo:
        return report

    bar = _bar(len(todo), progress)
    model = embedder(config.embed_batch) if todo else None
    for i in range(0, len(todo), batch_articles):
        batch = todo[i : i + batch_articles]
        chunked = [(a, h, chunk_article(a, config.chunk_tokens)) for a, h in batch]
        texts = [embed_text(a, c) for a, _, chunks in chunked for c in chunks]
        vectors = model.get_text_embedding_batch(texts) if texts else []
        items, k = [], 0
        for a, h, chunks in chunked:
            items.append((a, h, chunks, vectors[k : k + len(chunks)]))
            k += len(chunks)
            if a.article_id in known:
                report.updated += 1
            else:
                report.added += 1
            report.chunks += len(chunks)
        store.put(items)
        bar.update(len(batch))
    bar.close()
    return report


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="article", desc="indexing", disable=not enabled, file=sys.stderr)
