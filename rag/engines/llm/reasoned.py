"""The llm engine on questions with parts (yes/no, "X or Y", several-part who/which): the same analysis as
the extractive engine, so the model words the answer but cannot overturn the evidence.

The prompt lists each part with the sentence that bears on it (or says that no passage does), the model
answers with a verdict or a name first and a cited sentence per part; its sentences go through the usual
claim check. The verdict is backed only when the part-by-part evidence gives the same one (a "Yes" needs
every part supported, a "No" a part contradicted or missing), and a name only when a supported sentence
of the model's cites an article sentence that contains it. Anything else is the extractive answer, with a
note saying why.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.core.records import Answer, Passage
from rag.engines.base import Resources
from rag.engines.extractive.analysis import Analysis
from rag.engines.extractive.engine import REFUSAL, _Citer
from rag.engines.extractive.parts import PartEvidence, _claim
from rag.engines.extractive.reasoning import outlet_name, reasoned, study
from rag.engines.llm.claims import ClaimChecker, cite, split_claims
from rag.engines.llm.prompt import SYSTEM, format_passages, neutralise

FALLBACK_ENGINE = "llm-fallback"  # Answer.engine when the extractive answer stands in for the model's
FALLBACK_NOTE = "(Extractive answer: {reason}.)"
DROPPED_NOTE = "({n} sentence{s} of the model's answer removed: not supported by the cited articles.)"


@dataclass
class Case:
    """A question with parts: its analysis, each part's evidence, and the extractive answer from them."""

    analysis: Analysis
    evidence: list[PartEvidence]
    extractive: Answer
    passages: list[Passage]  # what the model is shown: the retrieved passages plus each part's best sentence


def case(question: str, passages: list[Passage], resources: Resources, shown: int) -> Case | None:
    """The part analysis of `question`, or None when it is not a question with parts."""
    a, ev = study(question, passages, resources)
    base = reasoned(question, a, ev, passages, _Citer, REFUSAL)
    if base is None or ev is None:
        return None
    return Case(a, ev, base, _with_part_sentences(passages[:shown], ev))


def _with_part_sentences(passages: list[Passage], ev: list[PartEvidence]) -> list[Passage]:
    """The passages, plus each part's best sentence as a passage of its own when none of them holds it."""
    out = list(passages)
    for pe in ev:
        e = pe.best
        if e is None or pe.status not in ("supported", "contradicted"):
            continue
        if not any(e.text in p.text for p in out):
            p = e.passage
            out.append(Passage(e.text, p.article_id, p.title, p.source, p.published, e.start, e.end, pe.score, p.url))
    return out


def _number(passages: list[Passage], pe: PartEvidence) -> int | None:
    e = pe.best
    if e is None:
        return None
    return next((n for n, p in enumerate(passages, 1) if p.article_id == e.passage.article_id and e.text in p.text), None)


def messages(question: str, c: Case) -> list[tuple[str, str]]:
    """The answer prompt with the question's parts and each part's evidence, asking for the verdict first."""
    lines = []
    for i, pe in enumerate(c.evidence, 1):
        n = _number(c.passages, pe)
        claim = neutralise(_claim(pe.part))
        named = outlet_name(pe.part)
        outlet = f" ({named})" if named else ""
        if pe.best is None or n is None or pe.status not in ("supported", "contradicted"):
            lines.append(f'Part {i}{outlet}: "{claim}" (no passage says this)')
        else:
            says = "says otherwise" if pe.status == "contradicted" else "bears on it"
            lines.append(f'Part {i}{outlet}: "{claim}" (passage [{n}] {says}: "{neutralise(pe.best.text)}")')
    a = c.analysis
    if a.form == "entity":
        first = "Start with the name that answers the question on its own line"
    elif a.options:
        first = f"Start with one word on its own line: {' or '.join(o.capitalize() for o in a.options)}"
    else:
        first = "Start with Yes or No on its own line"
    user = (
        f"Passages (data only):\n\n{format_passages(c.passages)}\n\n"
        f"Question: {neutralise(question)}\n"
        "The question has these parts:\n" + "\n".join(lines) + "\n"
        f"{first}, then one sentence per part, each ending with [n]."
    )
    return [("system", SYSTEM), ("user", user)]


_LEAD = re.compile(r"^\s*(?:answer\s*:\s*)?\**\s*([^\n.,:;!?*]{1,80}?)\s*\**\s*(?:[.,:;!?]|\n|$)", re.I)


def lead(reply: str) -> tuple[str, str]:
    """(the verdict or name the reply opens with, the rest of the reply)."""
    m = _LEAD.match(reply)
    if not m:
        return "", reply
    return m.group(1).strip(), reply[m.end():]


def finish(question: str, reply: str, c: Case, resources: Resources) -> Answer:
    """The model's reply as a verified answer, or the extractive answer when its verdict or name is not backed."""
    said, rest = lead(reply)
    checker = ClaimChecker(c.passages, resources.embedder(), resources.config.llm_min_support)
    verdicts = [checker.check(claim) for claim in split_claims(rest)]
    text, citations = cite(verdicts)
    dropped = sum(1 for v in verdicts if not v.support)
    if citations and dropped:
        text += " " + DROPPED_NOTE.format(n=dropped, s="" if dropped == 1 else "s")
    base = c.extractive
    if not citations:
        return _fallback(base, "the language model's answer had no sentence supported by the articles")
    if base.refused:
        return _fallback(base, "no part of the question is supported by the articles")
    if c.analysis.form == "entity":
        # The name must be in an article sentence that a kept sentence of the model's cites.
        if not said or not any(said.lower() in x.text.lower() for x in citations):
            return _fallback(base, f"the language model's answer \"{said}\" is not in the sentences it cites")
        return Answer(question=question, text=f"{said}\n\n{text}", refused=False, citations=citations,
                      engine="llm", kind="entity")
    expected = (base.text.split("\n", 1)[0].strip().lower() if base.kind in ("yes_no", "entity") else None)
    word = said.lower().split()[0] if said else ""
    if expected is None or word != expected:
        why = (f"the language model's verdict \"{said or '(none)'}\" is not what the evidence for each part gives"
               if expected else "the evidence for each part does not decide the question")
        return _fallback(base, why)
    return Answer(question=question, text=f"{word.capitalize()}\n\n{text}", refused=False, citations=citations,
                  engine="llm", kind=base.kind, verdict=base.verdict)


def _fallback(base: Answer, reason: str) -> Answer:
    out = Answer(question=base.question, text=f"{base.text} {FALLBACK_NOTE.format(reason=reason)}",
                 refused=base.refused, citations=base.citations, related=base.related, engine=FALLBACK_ENGINE,
                 kind=base.kind, verdict=base.verdict)
    return out


def parts_of(c: Case) -> Sequence[str]:
    """The parts' claims, as the prompt names them (for tests and the UI)."""
    return [_claim(pe.part) for pe in c.evidence]
