"""Retrieval: the question's nearest chunks in Chroma (through llama-index), as `Passage`s, best first."""
from __future__ import annotations

import math
from datetime import date
from typing import Any

from rag.config import Config
from rag.store import Store
from rag.types import Passage


def _filters(sources: list[str] | None, since: date | None, until: date | None) -> Any:
    """llama-index metadata filters for outlet and publication-date restrictions (None if no filter)."""
    from llama_index.core.vector_stores import FilterCondition, FilterOperator, MetadataFilter, MetadataFilters

    parts: list[MetadataFilter] = []
    if sources:
        parts.append(MetadataFilter(key="source", value=list(sources), operator=FilterOperator.IN))
    if since:
        parts.append(MetadataFilter(key="published_day", value=int(since.strftime("%Y%m%d")), operator=FilterOperator.GTE))
    if until:
        parts.append(MetadataFilter(key="published_day", value=int(until.strftime("%Y%m%d")), operator=FilterOperator.LTE))
    return MetadataFilters(filters=parts, condition=FilterCondition.AND) if parts else None


def to_passage(node: Any, score: float) -> Passage:
    """A llama-index node + score → Passage (metadata written by `rag.store.chunk_metadata`)."""
    m = node.metadata
    return Passage(
        text=node.get_content(),
        article_id=m["article_id"],
        title=m.get("title", ""),
        source=m.get("source") or None,
        published=m.get("published") or None,
        start=int(m["start"]),
        end=int(m["end"]),
        score=float(score),
        url=m.get("url") or None,
        chunk_id=node.node_id,
    )


class Retriever:
    """Dense retrieval over one store; build once, call many times."""

    def __init__(self, store: Store, config: Config | None = None) -> None:
        self.store = store
        self.config = config or store.config

    def retrieve(
        self,
        question: str,
        k: int | None = None,
        sources: list[str] | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Passage]:
        """Top-k passages for `question`; scores are cosine similarities in [-1, 1]."""
        from llama_index.core import VectorStoreIndex

        from rag.models import embedder

        k = k or self.config.top_k
        index = VectorStoreIndex.from_vector_store(self.store.vector_store, embed_model=embedder(self.config.embed_batch))
        retriever = index.as_retriever(similarity_top_k=k, filters=_filters(sources, since, until))
        hits = retriever.retrieve(question)
        # ChromaVectorStore reports exp(-cosine distance); turn it back into a cosine similarity.
        return [to_passage(h.node, 1.0 + math.log(max(h.score or 1e-9, 1e-9))) for h in hits]
