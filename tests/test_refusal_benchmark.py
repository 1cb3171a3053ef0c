"""benchmarks/refusal.py measures what the engine decides on: below `min_support` its support means a refusal."""
from __future__ import annotations

import re

from rag import answer


def test_benchmark_support_is_the_engines_refusal_rule(config):
    from benchmarks.refusal import BUNDLED_FAR, BUNDLED_YES, near_topic_unanswerable, supports

    near = near_topic_unanswerable()
    assert len(near) >= 7 and "Who is North Korea's foreign minister?" in near  # the gold set's near-topic cases
    questions = near + BUNDLED_FAR + BUNDLED_YES
    asked_for = re.compile(r"\bhow (many|old)\b|^what (did|does|do|has|have) .+ (say|said|tell|told)\b", re.I)
    for q, s in zip(questions, supports(config, questions)):
        refused = answer(q, config=config).refused
        # Support below min_support always refuses; above it only the asked-for checks may still refuse
        # (rag/engines/extractive/asked.py: no count of the thing, no age, not the named speaker).
        assert refused if s < config.min_support else (not refused or asked_for.search(q)), (q, s)
