"""Template text: lines that repeat across several scraped pages read in one run (menus, footers, appeals)."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

MIN_FILES = 3  # a line on 3+ pages is the site's, not a story's (two pages can share a quote)
PAGE_SUFFIXES = (".txt", ".md", ".markdown")


def page_lines(text: str) -> list[str]:
    """The non-empty lines of a page as the cleaner sees them (normalised, Markdown heading marks off)."""
    from index.clean import normalise

    text = re.sub(r"^#{1,6}\s*", "", text, flags=re.M)
    return [line for line in normalise(text).split("\n") if line]


def template_lines(texts: Iterable[str], min_files: int = MIN_FILES) -> frozenset[str]:
    """Lines found on at least `min_files` of the pages."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(page_lines(text)))
    return frozenset(line for line, n in counts.items() if n >= min_files)


def template_of_files(paths: Iterable[Path], max_mb: float) -> frozenset[str]:
    """Template lines across the plain-text pages among `paths` (other formats carry no page chrome)."""
    from index.decode import binary_kind, decode

    def texts() -> Iterable[str]:
        for p in paths:
            if p.suffix.lower() not in PAGE_SUFFIXES:
                continue
            try:
                if p.stat().st_size > max_mb * 2**20:
                    continue
                raw = p.read_bytes()
            except OSError:
                continue  # read_file reports it
            if not binary_kind(raw):
                yield decode(raw)

    return template_lines(texts())
