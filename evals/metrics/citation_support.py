"""Citation support: do the answer's citations cover the gold evidence (every evidence group)?"""
from __future__ import annotations

from evals.metrics import MetricResult, mean
from evals.text import overlaps


def covered(citation: dict, evidence_text: str, body: str | None) -> tuple[bool, bool]:
    """(overlaps, contains): the cited span shares characters with / fully contains the evidence passage."""
    if not body:
        return False, False
    start = body.find(evidence_text)
    contains = evidence_text in citation["text"]
    while start >= 0:  # the same words may occur twice in an article; any occurrence counts
        if overlaps(citation["start"], citation["end"], start, start + len(evidence_text)):
            return True, contains
        start = body.find(evidence_text, start + 1)
    return False, contains


def compute(run) -> MetricResult:
    """Over answerable cases that got an answer: share whose citations overlap (or contain) every evidence group."""
    per_case: dict[str, dict] = {}
    bodies: dict[str, str | None] = {}
    for r in run.results:
        c = r.case
        if not c.answerable or r.answer is None or r.refused:
            continue
        group_overlap, group_contain = [], []
        for items in c.groups().values():
            hits = []
            for cit in r.citations:
                aid = cit["article_id"]
                if aid not in bodies:
                    bodies[aid] = run.body_of(aid)
                hits += [covered(cit, e.text, bodies[aid]) for e in items]
            group_overlap.append(any(h[0] for h in hits))
            group_contain.append(any(h[1] for h in hits))
        per_case[c.id] = {"supported": float(all(group_overlap)), "contains": float(all(group_contain)),
                          "groups_covered": sum(group_overlap) / len(group_overlap)}
    values = {key: mean([v[key] for v in per_case.values()]) for key in ("supported", "contains", "groups_covered")}
    return MetricResult("citation_support", values, per_case,
                        note=f"{len(per_case)} answered answerable cases; 'supported' = a citation overlaps "
                             "each evidence group, 'contains' = a cited sentence contains it whole")
