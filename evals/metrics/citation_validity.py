"""Citation validity: every citation is verbatim `body[start:end]` of the article it names."""
from __future__ import annotations

from evals.metrics import MetricResult


def compute(run) -> MetricResult:
    """Share of citations that check out; an answer that raised (e.g. CitationError) counts as one bad citation."""
    per_case: dict[str, dict] = {}
    good = total = 0
    for r in run.results:
        if r.answer is None:
            per_case[r.case.id] = {"valid": 0.0, "bad": ["error: " + (r.error or "").splitlines()[0]]}
            total += 1
            continue
        bad = []
        for c in r.citations:
            body = run.body_of(c["article_id"])
            if body is None or not (0 <= c["start"] <= c["end"] <= len(body)) or body[c["start"]:c["end"]] != c["text"]:
                bad.append(c["n"])
        good += len(r.citations) - len(bad)
        total += len(r.citations)
        if r.citations:
            per_case[r.case.id] = {"valid": 1.0 - len(bad) / len(r.citations), "bad": bad}
    return MetricResult("citation_validity", {"valid": good / total if total else None}, per_case,
                        note=f"{total} citations checked against the indexed bodies")
