"""The records that flow through the pipeline: Article → Chunk → Passage → Answer (with Citations)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Article:
    """One news article: metadata plus its cleaned body (the text every offset points into)."""

    article_id: str
    title: str
    body: str
    source: str | None = None
    published: str | None = None  # ISO date (YYYY-MM-DD) or None
    url: str | None = None
    byline: str | None = None
    path: str | None = None  # the file it was read from

    def meta(self) -> dict[str, Any]:
        """Article fields without the body, as stored beside every chunk."""
        return {k: v for k, v in asdict(self).items() if k != "body"}


@dataclass
class Chunk:
    """A run of whole sentences of one article; `text == article.body[start:end]`."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    position: int  # index of the chunk within its article


def chunk_metadata(chunk: Chunk, article: Article) -> dict[str, Any]:
    """Flat metadata stored beside each vector (Chroma takes no None values, hence the "")."""
    day = int(article.published.replace("-", "")) if article.published else 0
    return {
        "article_id": article.article_id,
        "title": article.title,
        "source": article.source or "",
        "published": article.published or "",
        "published_day": day,  # YYYYMMDD as an int, so date filters are range queries
        "url": article.url or "",
        "start": chunk.start,
        "end": chunk.end,
        "position": chunk.position,
    }



@dataclass
class Passage:
    """A retrieved chunk with its article's metadata and a retrieval score (higher is better)."""

    text: str
    article_id: str
    title: str
    source: str | None
    published: str | None
    start: int
    end: int
    score: float
    url: str | None = None
    chunk_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Citation:
    """A cited span: `text == body_of(article_id)[start:end]`, shown as `[n]` in the answer."""

    n: int
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    text: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What `answer()` returns: text with `[n]` markers, the citations behind them, and whether it refused."""

    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Passage] = field(default_factory=list)  # closest passages, shown when refusing
    engine: str = "extractive"
    conflict: bool = False  # the cited sources disagree on the figure asked for (each is cited)
    kind: str = "passage"  # what leads the text: "entity" | "yes_no" | "passage" | "refusal"
    verdict: str | None = None  # "yes" | "no" for yes/no answers (the text then starts with "Yes" / "No")

    def __post_init__(self) -> None:
        if self.refused:
            self.kind = "refusal"

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "text": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "related": [p.to_dict() for p in self.related],
            "engine": self.engine,
            "conflict": self.conflict,
            "kind": self.kind,
            "verdict": self.verdict,
        }
