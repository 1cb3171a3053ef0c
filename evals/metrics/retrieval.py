"""Retrieval: Hit@1, Hit@k and MRR of `rag.retrieval.retriever` against the gold evidence (single-turn answerable cases)."""
from __future__ import annotations

from evals.metrics import MetricResult, mean
from evals.text import overlaps


def first_hit(passages: list[dict], evidence_texts: list[str], body_of) -> int | None:
    """1-based rank of the first passage that overlaps any evidence passage in its article (None: no hit)."""
    for rank, p in enumerate(passages, 1):
        body = body_of(p["article_id"]) or ""
        for text in evidence_texts:
            start = body.find(text)
            while start >= 0:
                if overlaps(p["start"], p["end"], start, start + len(text)):
                    return rank
                start = body.find(text, start + 1)
    return None


def compute(run) -> MetricResult:
    """A passage is a hit when its span overlaps a gold evidence span; MRR uses the first hit's rank."""
    per_case: dict[str, dict] = {}
    for r in run.results:
        c = r.case
        if not c.answerable or len(c.turns) > 1:
            continue
        rank = first_hit(r.retrieved, [e.text for e in c.evidence], run.body_of)
        per_case[c.id] = {"rank": rank, "hit_at_1": float(rank == 1), "hit_at_k": float(rank is not None),
                          "mrr": 1.0 / rank if rank else 0.0}
    values = {key: mean([v[key] for v in per_case.values()]) for key in ("hit_at_1", "hit_at_k", "mrr")}
    return MetricResult("retrieval", values, per_case,
                        note=f"k={run.k}; {len(per_case)} single-turn answerable cases")
