"""Read article files (.txt .md .html .json .jsonl) into `Article`s; unreadable inputs become `Skipped`."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.clean import clean_page, normalise
from index.dates import parse_date
from index.decode import binary_kind, decode
from rag.core.config import Config
from rag.core.records import Article

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
MAX_MB = Config.max_file_mb  # the setting's default: far above any article, below runaway dumps

# Record field names tried in order, per Article field (MultiHop-RAG's corpus.json fits the first ones).
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "body": ("body", "text", "content", "article", "maintext"),
    "source": ("source", "publisher", "sitename", "site", "outlet"),
    "published": ("published_at", "published", "date", "publish_date", "pubdate", "datetime"),
    "url": ("url", "link", "href"),
    "byline": ("author", "byline", "authors"),
}


@dataclass
class Skipped:
    """A file (or record) that was not indexed, and why: reported to the user, never silently lost."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def article_id(url: str | None, source: str | None, title: str, body: str) -> str:
    """Stable id: from the URL if known, else outlet + headline, else the body itself."""
    key = url or (f"{source or ''}\x1f{title}" if title else body)
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Supported files under `paths` (folders recursively, sorted); missing paths are Skipped."""
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith("."):
                    yield f
        elif p.is_file():
            yield p if p.suffix.lower() in SUFFIXES else Skipped(
                str(p), f"unsupported type {p.suffix or '(none)'}; use one of {', '.join(SUFFIXES)}")
        else:
            yield Skipped(str(p), "no such file or folder")


Fields = dict[str, tuple[str, ...]]


def parse_fields(spec: str | None) -> Fields:
    """`"body=story,title=hed|headline"` → record field names tried first for those Article fields."""
    out: Fields = {}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        name, _, keys = part.partition("=")
        name = name.strip()
        if name not in FIELDS or not keys.strip():
            raise ValueError(f"bad field mapping {part!r}: use NAME=KEY with NAME one of {', '.join(FIELDS)}")
        out[name] = tuple(k.strip() for k in keys.split("|") if k.strip())
    return out


def read_file(path: Path, fields: Fields | None = None, max_mb: float = MAX_MB,
              template: frozenset[str] = frozenset()) -> list[Article | Skipped]:
    """Every article in one file; a problem becomes a `Skipped` for that file or record.

    `template`: lines repeated across the pages of this run (index.template), dropped as site text.
    """
    path = Path(path).resolve()  # stored with the article, so `--prune` works from any folder
    try:
        size = path.stat().st_size  # checked before reading: a huge file never reaches memory
        if size == 0:
            return [Skipped(str(path), "empty file")]
        if size > max_mb * 2**20:
            return [Skipped(str(path), f"file is {size / 2**20:.1f} MB, over the {max_mb:g} MB limit "
                                       "(raise max_file_mb / RAG_MAX_FILE_MB to index it)")]
        raw = path.read_bytes()
        kind = binary_kind(raw)
        if kind:
            return [Skipped(str(path), f"{kind}, not text")]
        text = decode(raw)
        suffix = path.suffix.lower()
        if suffix in (".json", ".jsonl"):
            names = {k: tuple(fields.get(k, ())) + v for k, v in FIELDS.items()} if fields else FIELDS
            return _records(text, path, lines=suffix == ".jsonl", names=names)
        if suffix in (".html", ".htm"):
            return [_html(text, path)]
        return [_page(text, path, template)]
    except OSError as exc:
        return [Skipped(str(path), exc.strerror or str(exc))]


def _finish(path: Path, title: str, body: str, where: str | None = None, **meta: Any) -> Article | Skipped:
    if len(body.split()) < 5:
        return Skipped(where or str(path), "no article text found")
    title = title.strip() or body.split("\n", 1)[0][:120]
    aid = article_id(meta.get("url"), meta.get("source"), title, body)
    return Article(article_id=aid, title=title, body=body, path=str(path), **meta)


def _page(text: str, path: Path, template: frozenset[str] = frozenset()) -> Article | Skipped:
    if path.suffix.lower() in (".md", ".markdown"):
        text = re.sub(r"^#{1,6}\s*", "", text, flags=re.M)  # headings become plain lines
    c = clean_page(text, template)
    return _finish(path, c.title, c.body, source=c.source, published=c.published, byline=c.byline)


def _html(text: str, path: Path) -> Article | Skipped:
    import trafilatura

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False)
    if doc is None:
        return Skipped(str(path), "no article text found in the HTML")
    doc = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = normalise(doc.get("text") or "")
    body = re.sub(r"\n+", "\n\n", body)
    return _finish(
        path,
        doc.get("title") or "",
        body,
        source=doc.get("sitename") or None,
        published=parse_date(doc.get("date")) or doc.get("date") or None,
        url=doc.get("url") or None,
        byline=doc.get("author") or None,
    )


def _field(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if record.get(key) not in (None, ""):
            return record[key]
    return None


def _record(record: Any, where: str, path: Path, names: Fields) -> Article | Skipped:
    if not isinstance(record, dict):
        return Skipped(where, "record is not a JSON object")
    body = _field(record, names["body"])
    if not isinstance(body, str):
        return Skipped(where, f"record has no text field (one of {', '.join(names['body'])}; set json_fields)")
    byline = _field(record, names["byline"])
    published = _field(record, names["published"])
    # Identity per record: the URL, else outlet + headline, else the body (see `article_id`),
    # so one file of many records updates record by record.
    return _finish(
        path,
        str(_field(record, names["title"]) or ""),
        normalise(body),
        where=where,
        source=str(_field(record, names["source"]) or "") or None,
        published=parse_date(str(published)) if published else None,
        url=str(_field(record, names["url"]) or "") or None,
        byline=", ".join(byline) if isinstance(byline, list) else (str(byline) if byline else None),
    )


def _records(text: str, path: Path, lines: bool, names: Fields) -> list[Article | Skipped]:
    out: list[Article | Skipped] = []
    if lines:
        for no, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(_record(json.loads(line), f"{path}:{no}", path, names))
            except json.JSONDecodeError as exc:
                out.append(Skipped(f"{path}:{no}", f"invalid JSON ({exc.msg}, column {exc.colno})"))
        return out
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [Skipped(str(path), f"invalid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})")]
    if isinstance(data, dict):
        data = data.get("articles", data.get("data", [data]))
    if not isinstance(data, list):
        return [Skipped(str(path), "JSON must be an article object or a list of them")]
    return [_record(r, f"{path}[{i}]", path, names) for i, r in enumerate(data)]
