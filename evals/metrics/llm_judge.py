"""Optional LLM judge: llama-index Correctness/Faithfulness evaluators, only when an LLM is configured."""
from __future__ import annotations

import importlib
from typing import Any

from evals.metrics import MetricResult, mean


def configured_llm(config: Any) -> Any | None:
    """The project's llama-index LLM (`rag.engines.llm.client.get_llm`) when one is configured here, else None."""
    for module_name in ("rag.engines.llm.client", "rag.engines.llm.engine"):
        try:
            factory = getattr(importlib.import_module(module_name), "get_llm", None)
        except Exception:  # not installed / not built: the judge is optional by design
            continue
        if callable(factory):
            try:
                return factory(config)
            except Exception:  # e.g. no RAG_LLM_URL / model file: skip the judge, say so in the report
                return None
    return None


def compute(run, llm: Any = None) -> MetricResult:
    """Correctness (1-5, scaled to 0-1) against the reference and faithfulness to the cited passages."""
    if llm is None:
        return MetricResult("llm_judge", {}, skipped="no LLM configured (pass --judge with an LLM engine installed)")
    from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator

    correctness, faithfulness = CorrectnessEvaluator(llm=llm), FaithfulnessEvaluator(llm=llm)
    per_case: dict[str, dict] = {}
    for r in run.results:
        c = r.case
        if not c.answerable or r.answer is None or r.refused:
            continue
        got = correctness.evaluate(query=c.question, response=r.text, reference=c.reference)
        faithful = faithfulness.evaluate(query=c.question, response=r.text, contexts=[x["text"] for x in r.citations])
        per_case[c.id] = {"correctness": ((got.score or 1.0) - 1.0) / 4.0, "faithful": float(bool(faithful.passing))}
    values = {key: mean([v[key] for v in per_case.values()]) for key in ("correctness", "faithful")}
    return MetricResult("llm_judge", values, per_case, note="llama-index CorrectnessEvaluator / FaithfulnessEvaluator")
