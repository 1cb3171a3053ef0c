"""The MultiHop-RAG split rule, in one place: tune on dev, report held-out test, never choose with it."""
from __future__ import annotations

SPLITS = ("dev", "test", "all")


def in_split(index: int, split: str) -> bool:
    """Is query number `index` (its position in MultiHopRAG.json) in `split`? dev: i % 5 != 0; test: i % 5 == 0."""
    if split == "dev":
        return index % 5 != 0
    if split == "test":
        return index % 5 == 0
    if split == "all":
        return True
    raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
