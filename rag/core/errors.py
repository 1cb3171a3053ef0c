"""Errors users see as one clear line instead of a traceback."""
from __future__ import annotations


class RagError(Exception):
    """Base class: anything the CLI reports as a one-line message."""


class BadQuestion(RagError, ValueError):
    """The question cannot be answered as asked (empty, too long, no words)."""


class BadInput(RagError, ValueError):
    """A file or record could not be read as an article."""


class ChromaUnavailable(RagError, ConnectionError):
    """The Chroma server cannot be reached; the same Index works again once the server is back."""
