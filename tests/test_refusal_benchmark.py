"""benchmarks/refusal.py measures what the engine decides on: below `min_support` its support means a refusal."""
from __future__ import annotations

from rag import answer


def test_benchmark_support_is_the_engines_refusal_rule(config):
    from benchmarks.refusal import BUNDLED_FAR, BUNDLED_YES, near_topic_unanswerable, supports

    near = near_topic_unanswerable()
    assert len(near) >= 7 and "Who is North Korea's foreign minister?" in near  # the gold set's near-topic cases
    questions = near + BUNDLED_FAR + BUNDLED_YES
    for q, s in zip(questions, supports(config, questions)):
        assert (s < config.min_support) == answer(q, config=config).refused, (q, s)
