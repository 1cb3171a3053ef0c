"""Citation validity: every citation is verbatim `body[start:end]` of the article it names."""
from __future__ import annotations

from evals.metrics import MetricResult
from rag.engines.verify import span_problem


def compute(run) -> MetricResult:
    """Share of citations that check out; an answer that raised (e.g. CitationError) counts as one bad citation."""
    per_case: dict[str, dict] = {}
    good = total = 0
    for r in run.results:
        if r.answer is None:
            per_case[r.case.id] = {"valid": 0.0, "bad": ["error: " + (r.error or "").splitlines()[0]]}
            total += 1
            continue
        # The same check every engine's answer passes (rag.engines.verify), on the recorded citations.
        bad = [c["n"] for c in r.citations if span_problem(c["article_id"], c["start"], c["end"], c["text"], run.body_of)]
        good += len(r.citations) - len(bad)
        total += len(r.citations)
        if r.citations:
            per_case[r.case.id] = {"valid": 1.0 - len(bad) / len(r.citations), "bad": bad}
    return MetricResult("citation_validity", {"valid": good / total if total else None}, per_case,
                        note=f"{total} citations checked against the indexed bodies")
