"""Question answering over news articles, where every claim cites the exact sentence it came from.

    >>> from rag import answer
    >>> a = answer("Who refused to sign the statement?")
    >>> a.text, a.citations[0].title

Layers, each importing only the ones above it in this list: `rag.core` (records, settings, text rules) →
`rag.storage` (Chroma + SQLite store, BM25 keyword index, embedder) → `rag.retrieval` (hybrid retrieval) →
`rag.engines` (extractive and llm engines, follow-ups, the citation check) → `rag.api` / `rag.chat` (the
public API) → `rag.cli`. Importing `rag` loads none of torch, chromadb or gradio.
"""
from __future__ import annotations

from rag.core import offline as _offline

_offline.apply()  # before anything imports transformers, chromadb, gradio or tiktoken

from rag.api import Index, answer, get_index, retrieve  # noqa: E402
from rag.chat import Chat  # noqa: E402
from rag.core.config import Config  # noqa: E402
from rag.core.errors import BadQuestion, RagError  # noqa: E402
from rag.core.records import Answer, Article, Chunk, Citation, Passage  # noqa: E402

__all__ = [
    "answer",
    "retrieve",
    "Chat",
    "Index",
    "get_index",
    "Config",
    "Answer",
    "Article",
    "Chunk",
    "Citation",
    "Passage",
    "BadQuestion",
    "RagError",
]
