"""Question answering over news articles, where every claim cites the exact sentence it came from.

    >>> from rag import answer
    >>> a = answer("Who refused to sign the statement?")
    >>> a.text, a.citations[0].title
"""
from __future__ import annotations

from rag import offline as _offline

_offline.apply()  # before anything imports transformers, chromadb, gradio or tiktoken

from rag.errors import BadQuestion, RagError  # noqa: E402
from rag.types import Answer, Article, Chunk, Citation, Passage  # noqa: E402
# Load the rag.retrieve submodule first: importing it later would rebind `rag.retrieve` to the module and
# break `from rag import retrieve` (the function below must win).
import rag.retrieve as _retrieve_module  # noqa: E402,F401
from rag.api import answer, retrieve  # noqa: E402

__all__ = [
    "answer",
    "retrieve",
    "Answer",
    "Article",
    "Chunk",
    "Citation",
    "Passage",
    "BadQuestion",
    "RagError",
]
