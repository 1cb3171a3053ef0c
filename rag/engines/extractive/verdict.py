"""Yes/no verdicts (and "X or Y" choices) from the evidence of each part, never from a prior.

Each part is supported, contradicted (its best sentences say the opposite) or missing. A plain claim
("Did A say X, while B says Y?") is "Yes" only when every part is supported; a question about a difference
("Was there a change ...?") is "Yes" only when some part is contradicted; a question about the order of two
reports compares the articles' published dates. With no support for any part there is no verdict (a
refusal); with some parts missing a "No" names what the articles do not say.
"""
from __future__ import annotations

from dataclasses import dataclass

from rag.engines.extractive.analysis import SAME, Analysis
from rag.engines.extractive.parts import PartEvidence


@dataclass
class Verdict:
    """The decision and why: "yes" / "no", or an option word, or None (the evidence cannot decide)."""

    answer: str | None
    reason: str  # "supported" | "contradicted" | "missing" | "order" | "no_date" | "none"
    order: tuple[PartEvidence, PartEvidence, str] | None = None  # (main, anchor, "before"/"after")


def _day(pe: PartEvidence) -> str | None:
    return (pe.best.passage.published or None) if pe.best is not None else None


def _order_parts(a: Analysis, ev: list[PartEvidence]) -> tuple[PartEvidence, PartEvidence, str] | None:
    """(main report, anchor report, "before"/"after"): the anchor is the part opening with before/after."""
    if len(ev) < 2:
        return None
    for i, pe in enumerate(ev):
        words = pe.part.text.lower().split()
        if words and words[0] in ("before", "after"):
            main = ev[i + 1] if i == 0 else ev[i - 1]
            return main, pe, words[0]
    if a.order:  # "Did A report X before or after B ...?" with no part opening on it: first vs second
        return ev[0], ev[1], a.order
    return None


def decide(a: Analysis, ev: list[PartEvidence]) -> Verdict:
    """The verdict for a yes/no or choice question."""
    found = [pe for pe in ev if pe.status in ("supported", "contradicted")]
    if not found:
        return Verdict(None, "none")
    contradicted = any(pe.status == "contradicted" for pe in ev)
    missing = any(pe.status in ("missing", "no_outlet") for pe in ev)
    before_after = {o for o in a.options} == {"before", "after"}
    order = _order_parts(a, ev) if (a.order or before_after) else None
    if order is not None:
        main, anchor, word = order
        if main.status != "supported" or anchor.status not in ("supported", "contradicted"):
            return Verdict(_pick(a, False), "missing", order)
        d_main, d_anchor = _day(main), _day(anchor)
        if not d_main or not d_anchor:
            return Verdict(None, "no_date", order)
        if before_after:
            return Verdict("before" if d_main < d_anchor else "after", "order", order)
        ok = d_main >= d_anchor if word == "after" else d_main <= d_anchor
        if a.asks_difference:  # "After A ..., was there a change in B?": the order holds, then the difference
            return Verdict(_pick(a, contradicted != a.negated), "order" if ok else "missing", order)
        return Verdict(_pick(a, ok and not contradicted), "order", order)
    if a.asks_difference:
        if missing and not contradicted:
            return Verdict(None, "missing")
        return Verdict(_pick(a, contradicted != a.negated), "contradicted" if contradicted else "supported")
    if contradicted:
        return Verdict(_pick(a, False), "contradicted")
    if missing:
        return Verdict(_pick(a, False), "missing")
    return Verdict(_pick(a, True), "supported")


def _pick(a: Analysis, same: bool) -> str:
    """"yes"/"no" for a yes/no question; for a choice, the option meaning "the same" or its opposite.

    For a yes/no question about a difference, `same` is whether the difference was found.
    """
    if not a.options:
        return "yes" if same else "no"
    first, second = a.options
    if first in SAME:
        return first if same else second
    return second if same else first
