"""Metrics, thresholds and reports on hand-built runs (exact expected numbers; no index needed)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from evals.gold import Evidence, GoldCase
from evals.metrics import citation_support, citation_validity, compute_all, correctness, refusal, retrieval
from evals.report import compare, html, json_report, junit, markdown
from evals.runner import CaseResult, Run, failures
from evals.text import has_fact, token_f1
from evals.thresholds import check

BODY = "Seven members refused to sign. They were China and Russia. The talks are in Hawaii on 12 February."
SEVEN = (0, 30)   # "Seven members refused to sign."
HAWAII = (60, len(BODY))


def cite(n, span, article="a1"):
    s, e = span
    return {"n": n, "article_id": article, "title": "T", "source": "S", "published": None, "url": None,
            "text": BODY[s:e], "start": s, "end": e, "score": 1.0}


def answer(text, cites=(), refused=False):
    return {"question": "q", "text": text, "refused": refused, "citations": list(cites), "related": [], "engine": "x"}


def case(id, facts=(), evidence=(), answerable=True, reference="ref"):
    return GoldCase(id, ["question?"], reference, [list(f) for f in facts],
                    [Evidence("a.txt", t) for t in evidence], answerable, [])


def make_run(results, k=3):
    return Run(results, "x", k, "gold.jsonl", lambda aid: BODY if aid == "a1" else None)


def test_fact_matching_accepts_variants_whole_words_and_keeps_acronyms_case_sensitive():
    assert has_fact("Britain signed [1].", ["UK", "Britain"])
    assert not has_fact("Give us a break", ["US", "U.S."])
    assert has_fact("talks with the US", ["US"])
    assert not has_fact("sevenfold", ["seven"])
    assert has_fact("China’s envoy", ["China's envoy"])
    assert token_f1("the cat sat", "a cat sat") == 1.0 and token_f1("dog", "cat") == 0.0


def test_correctness_support_validity_and_failure_reasons():
    good = CaseResult(case("good", [["seven", "7"]], ["Seven members refused to sign."]),
                      answer("Seven members refused to sign. [1]", [cite(1, SEVEN)]), [], None, 0.1, [])
    wrong = CaseResult(case("wrong", [["seven"], ["Hawaii"]], ["Seven members refused to sign."]),
                       answer("The talks are in Hawaii on 12 February. [1]", [cite(1, HAWAII)]), [], None, 0.2, [])
    forged = dict(cite(1, SEVEN), text="Eight members refused to sign.")
    bad = CaseResult(case("forged", [["eight"]], ["Seven members refused to sign."]),
                     answer("Eight members refused to sign. [1]", [forged]), [], None, 0.3, [])
    run = make_run([good, wrong, bad])
    c = correctness.compute(run)
    assert c.values["all_facts"] == 2 / 3 and c.per_case["wrong"]["missing"] == ["seven"]
    s = citation_support.compute(run)
    assert s.per_case["good"]["supported"] == 1.0 and s.per_case["wrong"]["supported"] == 0.0
    v = citation_validity.compute(run)
    assert v.values["valid"] == 2 / 3 and v.per_case["forged"]["bad"] == [1]
    compute_all(run)
    assert failures(good) == []
    assert failures(wrong) == ["missing facts: seven", "citations do not cover the gold evidence"]
    assert "invalid citations" in failures(bad)[0]


def test_refusal_precision_recall_and_retrieval_ranks():
    hawaii = "The talks are in Hawaii on 12 February."
    p_other = {"article_id": "a1", "start": 0, "end": 30, "score": 0.9, "text": BODY[:30]}
    p_hit = {"article_id": "a1", "start": 60, "end": len(BODY), "score": 0.8, "text": BODY[60:]}
    results = [
        CaseResult(case("ans1", [["Hawaii"]], [hawaii]), answer("x", refused=True), [], None, 0.1, [p_other, p_hit]),
        CaseResult(case("ans2", [["Hawaii"]], [hawaii]), answer("Hawaii [1]", [cite(1, HAWAII)]), [], None, 0.1, [p_other]),
        CaseResult(case("no1", answerable=False), answer("x", refused=True), [], None, 0.1, []),
        CaseResult(case("no2", answerable=False), answer("made up [1]", [cite(1, SEVEN)]), [], None, 0.1, []),
    ]
    run = make_run(results)
    r = refusal.compute(run)
    assert r.values == {"precision": 0.5, "recall": 0.5, "false_refusal_rate": 0.5}
    ret = retrieval.compute(run)
    assert ret.per_case["ans1"]["rank"] == 2 and ret.per_case["ans2"]["rank"] is None
    assert ret.values["mrr"] == 0.25 and ret.values["hit_at_k"] == 0.5 and ret.values["hit_at_1"] == 0.0


def _report(results):
    run = make_run(results)
    metrics = compute_all(run)
    checks = check(metrics, {"min": {"answer_correctness.all_facts": 0.9}, "max": {"latency.p95_s": 5.0}})
    return json_report.build(run, metrics, checks), checks


def test_threshold_message_names_the_metric_and_the_gap_and_reports_render_escaped():
    evil = "<script>alert(1)</script>"
    results = [CaseResult(case("c1", [["seven"]], ["Seven members refused to sign."], reference=evil),
                          answer("They were China and Russia. [1]", [cite(1, (31, 59))]), [], None, 0.5, [])]
    data, checks = _report(results)
    failed = [c for c in checks if not c.ok]
    assert [c.metric for c in failed] == ["answer_correctness.all_facts"]
    assert failed[0].message() == "answer_correctness.all_facts = 0.000 (min 0.9): below the floor by 0.900"
    page = html.render(data)
    assert evil not in page and "&lt;script&gt;" in page and "<svg" in page and "GATE FAIL" in page
    assert "They were China and Russia." in page  # the cited passage is inline
    assert "**FAIL**" in markdown.render(data)
    root = ET.fromstring(junit.render(data).split("?>", 1)[1])
    assert root.find("testsuite[@name='thresholds']").get("failures") == "1"
    assert root.find("testsuite[@name='cases']/testcase/failure") is not None


def test_compare_shows_metric_changes_and_cases_that_flipped():
    before, _ = _report([CaseResult(case("c1", [["seven"]], ["Seven members refused to sign."]),
                                    answer("They were China and Russia. [1]", [cite(1, (31, 59))]), [], None, 0.5, [])])
    after, _ = _report([CaseResult(case("c1", [["seven"]], ["Seven members refused to sign."]),
                                   answer("Seven members refused to sign. [1]", [cite(1, SEVEN)]), [], None, 0.4, [])])
    text = compare.compare(before, after)
    assert "answer_correctness.all_facts" in text and "+1.000  better" in text
    assert "now passing (1): c1" in text
    assert compare.regressions(after, before) == 1
