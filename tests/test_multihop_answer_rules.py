"""The two scoring rules of `rag eval multihop --answers` (strict and MultiHop-RAG's lenient) and the halves."""
from __future__ import annotations

from evals.multihop_answers import half, leading_word, lenient, majority_answers, strict


def test_strict_yes_no_reads_the_leading_verdict_word_only():
    assert strict("Yes", "Yes\n\nThe Verge says: ... [1]", False, "comparison_query")
    assert strict("True", "**Yes.** The Verge says ... [1]", False, "comparison_query")
    assert not strict("Yes", "No\n\nThe Verge says yes ... [1]", False, "comparison_query")
    assert strict("no", "No. Fortune does not say whether ...", False, "temporal_query")
    assert not strict("no", "The articles say no such thing [1]", False, "temporal_query")
    assert not strict("Yes", "Yes", True, "comparison_query")  # a refusal is never right on an answerable one
    assert leading_word("[1] **No**, ...") == "no"


def test_strict_phrases_and_null_questions():
    assert strict("Sam Bankman-Fried", "Sam Bankman-Fried [1]\n\n...", False, "inference_query")
    assert not strict("Sam Bankman-Fried", "Bankman-Fried [1]", False, "inference_query")
    assert strict("Consistent", "Consistent\n\n...", False, "temporal_query")
    assert not strict("Consistent", "Inconsistent\n\n...", False, "temporal_query")  # whole words only
    assert strict("Insufficient information.", "The indexed articles do not contain ...", True, "null_query")
    assert not strict("Insufficient information.", "Google [1]", False, "null_query")


def test_lenient_is_whitespace_token_overlap_like_qa_evaluate():
    assert lenient("Sam Bankman-Fried", "it was Sam who said so", False)  # "sam" is a shared token
    assert not lenient("Sam Bankman-Fried", "it was Sam, said the court", False)  # "sam," is not "sam"
    assert not lenient("Yes", "Yes. The Verge says", False)  # "yes." is not "yes" (split on whitespace only)
    assert lenient("Yes", "Yes\n\nThe Verge says", False)
    assert lenient("Insufficient information.", "", True)  # a refusal reads as the benchmark's refusal phrase
    assert not lenient("Google", "Apple [1]", False)


def test_majority_and_halves():
    qs = [(1, {"question_type": "comparison_query", "answer": "Yes"}),
          (2, {"question_type": "comparison_query", "answer": "yes"}),
          (3, {"question_type": "comparison_query", "answer": "no"}),
          (4, {"question_type": "inference_query", "answer": "Google"})]
    m = majority_answers(qs)
    assert m["comparison_query"] == "yes" and m["inference_query"] == "google"
    assert [half(i) for i in (1, 4, 6, 9, 11)] == ["A", "A", "B", "B", "A"]
