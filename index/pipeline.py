"""The indexer: files → Articles → Chunks → embeddings → Chroma + SQLite, skipping what is unchanged."""
from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from index.chunk import chunk_article
from index.read import Fields, Skipped, iter_files, parse_fields, read_file
from index.template import template_of_files
from rag.core.config import Config
from rag.core.errors import RagError
from rag.core.records import Article, Chunk
from rag.storage.backends import bulk_runtime, index_precision
from rag.storage.store import Store

if TYPE_CHECKING:
    from rag.api import Index

Progress = Callable[[int, int], None]  # (articles done, articles to embed)


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    removed: int = 0  # articles pruned because their file (or record) is gone

    def summary(self) -> str:
        text = (
            f"indexed {self.added} new and {self.updated} changed articles ({self.chunks} chunks); "
            f"{self.unchanged} unchanged; {len(self.skipped)} skipped"
        )
        return text + (f"; {self.removed} removed" if self.removed else "")


def content_hash(article: Article, chunk_tokens: int, precision: str = "fp32") -> str:
    """Changes when anything stored for the article would change (text, metadata, chunking, vectors)."""
    parts = [article.title, article.body, article.source, article.published, article.url, article.byline,
             str(chunk_tokens), precision]
    return hashlib.sha1("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()


def embed_text(article: Article, chunk: Chunk) -> str:
    """What the embedder sees: the headline gives a mid-article chunk its topic."""
    return f"{article.title}\n{chunk.text}"


def read_articles(paths: Iterable[str | Path], report: IndexReport, fields: Fields | None = None,
                  max_mb: float = Config.max_file_mb) -> tuple[list[Article], set[str]]:
    """Every article under `paths` and the files read; bad inputs go to `report.skipped`, duplicates keep the first."""
    articles: dict[str, Article] = {}
    files: set[str] = set()
    items = list(iter_files(paths))
    # Lines repeated across the pages of this run are the sites' template text (menus, footers, appeals).
    template = template_of_files([f for f in items if not isinstance(f, Skipped)], max_mb)
    for item in items:
        if isinstance(item, Skipped):
            report.skipped.append(item)
            continue
        results = read_file(item, fields, max_mb, template)
        for r in results:
            if isinstance(r, Skipped):
                report.skipped.append(r)
            else:
                articles.setdefault(r.article_id, r)
        if any(isinstance(r, Article) for r in results):
            # Only a file that read cleanly can prove an article left it: a file broken mid-edit
            # must not make --prune delete everything it held.
            files.add(str(item.resolve()))
    return list(articles.values()), files


def stale_articles(store: Store, seen: set[str], files_read: set[str]) -> list[str]:
    """Stored articles whose file is gone, or whose file was just read and no longer holds them."""
    stale = []
    for aid, path in store.paths().items():
        if aid in seen:
            continue
        if not path or path in files_read or not Path(path).exists():
            stale.append(aid)
    return stale


def index_paths(
    paths: Iterable[str | Path],
    config: Config | None = None,
    store: Store | None = None,
    progress: bool | Progress = True,
    batch_articles: int = 32,
    prune: bool = False,
) -> IndexReport:
    """Index files/folders incrementally; safe to re-run after a crash (each batch is committed whole).

    With `prune`, articles whose files are gone (or no longer contain them) are removed too.
    """
    config = config or Config.load()
    store = store or Store(config)
    try:
        fields = parse_fields(config.json_fields)
    except ValueError as exc:
        raise RagError(f"json_fields: {exc}") from exc
    report = IndexReport()
    articles, files_read = read_articles(paths, report, fields, config.max_file_mb)
    with store.writer():  # one indexer at a time per index: what is stored is read and written under the lock
        store.sync()  # never write through a Chroma view older than another process's last write
        # auto becomes this machine's choice, or what the index already holds (a clashing setting is refused).
        config = replace(config, embed_precision=index_precision(config, store))
        precision = config.embed_precision
        known = store.content_hashes()
        stored_paths = store.paths() if known else {}
        todo: list[tuple[Article, str]] = []
        moved: dict[str, str] = {}
        for a in articles:
            h = content_hash(a, config.chunk_tokens, precision)
            if known.get(a.article_id) == h:
                report.unchanged += 1
                if a.path and stored_paths.get(a.article_id) != a.path:
                    moved[a.article_id] = a.path  # same article, new file: no re-embedding
            else:
                todo.append((a, h))
        store.set_paths(moved)
        if prune:
            stale = stale_articles(store, {a.article_id for a in articles}, files_read)
            store.delete_articles(stale)
            report.removed = len(stale)
        if todo:
            _embed_and_store(todo, known, config, store, report, progress, batch_articles)
            if precision == "fp32" and config.embed_runtime == "auto":
                from rag.storage.embedder import backend

                backend(precision)  # export the ONNX model for questions now, not on the first question
        _store_sentences(store, config, progress is True)
    return report


def index_bundled(index: Index) -> None:
    """The first-use step (entry point `newsrag.first_use`): an empty index gets the `articles_dir` articles."""
    folder = Path(index.config.articles_dir)
    if folder.is_dir():
        print(f"rag: the index at {index.config.home} is empty; indexing {folder}/ first", file=sys.stderr)
        report = index_paths([folder], index.config, index.store)
        print(f"rag: {report.summary()}", file=sys.stderr)


def _embed_and_store(todo: list[tuple[Article, str]], known: dict[str, str], config: Config, store: Store,
                     report: IndexReport, progress: bool | Progress, batch_articles: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from rag.storage.embedder import encode

    store.set_info("embedder", {"precision": config.embed_precision, "chunk_tokens": config.chunk_tokens})
    runtime = bulk_runtime(config)
    bar = _bar(len(todo), progress is True)
    batches = [todo[i : i + batch_articles] for i in range(0, len(todo), batch_articles)]

    def prepare(batch: list[tuple[Article, str]]) -> tuple[list[tuple[Article, str, list[Chunk]]], list[str]]:
        chunked = [(a, h, chunk_article(a, config.chunk_tokens)) for a, h in batch]
        return chunked, [embed_text(a, c) for a, _, chunks in chunked for c in chunks]

    def embed(texts: list[str], chunked: list[tuple[Article, str, list[Chunk]]]) -> list[list[float]]:
        vectors = encode(texts, config.embed_batch, config.embed_precision, runtime) if texts else []
        # The chunks' sentences too (what questions weigh by meaning, rag/storage/meaning.py): model work,
        # so on this thread; the store's write below only saves them.
        if store.meaning in store.indexes:
            store.meaning.prepare(c.text for _, _, chunks in chunked for c in chunks)
        return vectors

    # The encoder is the bottleneck: it runs on its own thread (torch and ONNX Runtime release the GIL) while
    # this one chunks the next batch and writes the previous one, so reading, chunking and writing are hidden.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-encode") as pool:
        chunked, texts = prepare(batches[0]) if batches else ([], [])
        pending = pool.submit(embed, texts, chunked)
        for n, _batch in enumerate(batches):
            vectors = pending.result()
            current = chunked
            if n + 1 < len(batches):
                chunked, texts = prepare(batches[n + 1])
                pending = pool.submit(embed, texts, chunked)
            items, k = [], 0
            for a, h, chunks in current:
                items.append((a, h, chunks, vectors[k : k + len(chunks)]))
                k += len(chunks)
                if a.article_id in known:
                    report.updated += 1
                else:
                    report.added += 1
                report.chunks += len(chunks)
            store.put(items)  # one batch, committed whole: a crash loses at most this batch
            bar.update(len(current))
            if callable(progress):
                progress(min((n + 1) * batch_articles, len(todo)), len(todo))
    bar.close()


def _store_sentences(store: Store, config: Config, show: bool, batch: int = 32) -> None:
    """Sentence vectors for articles indexed before they were stored (an older index): made once, here."""
    if store.meaning not in store.indexes:
        return
    todo = store.meaning.missing(store.content_hashes())
    if not todo:
        return
    bar = _bar(len(todo), show, "sentence vectors")
    for i in range(0, len(todo), batch):
        articles = [a for a in (store.article(aid) for aid in todo[i : i + batch]) if a is not None]
        store.meaning.write([(a, "", chunk_article(a, config.chunk_tokens), None) for a in articles])
        bar.update(len(todo[i : i + batch]))
    bar.close()


def _bar(total: int, enabled: bool, desc: str = "indexing"):
    from tqdm import tqdm

    return tqdm(total=total, unit="article", desc=desc, disable=not enabled, file=sys.stderr)
