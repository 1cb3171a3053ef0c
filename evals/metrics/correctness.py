"""Answer correctness: the required facts are stated (any accepted variant), plus token F1 vs the reference."""
from __future__ import annotations

from evals.metrics import MetricResult, mean
from evals.text import has_fact, token_f1


def compute(run) -> MetricResult:
    """Over answerable cases: share with every fact, mean share of facts, mean token F1 (refusals score 0)."""
    per_case: dict[str, dict] = {}
    for r in run.results:
        c = r.case
        if not c.answerable:
            continue
        answered = r.answer is not None and not r.refused
        present = [answered and has_fact(r.text, variants) for variants in c.facts]
        per_case[c.id] = {
            "all_facts": float(all(present)),
            "fact_recall": sum(present) / len(present),
            "token_f1": token_f1(r.text, c.reference) if answered else 0.0,
            "missing": [v[0] for v, ok in zip(c.facts, present) if not ok],
        }
    values = {key: mean([v[key] for v in per_case.values()]) for key in ("all_facts", "fact_recall", "token_f1")}
    return MetricResult("answer_correctness", values, per_case,
                        note=f"{len(per_case)} answerable cases; a refusal or error scores 0")
