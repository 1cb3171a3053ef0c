"""Answers that reason over the parts of a question: a verdict or a name first, then each part's evidence.

Used by the extractive engine for yes/no and "X or Y" questions and for who/which questions with several
parts; other questions keep the sentence-extraction answer (`engine.previous_answer`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rag.core.records import Answer, Passage
from rag.engines.base import Resources
from rag.engines.extractive.analysis import Analysis, Part, analyse
from rag.engines.extractive.entities import best_entity
from rag.engines.extractive.parts import PartEvidence, _claim, gather
from rag.engines.extractive.verdict import Verdict, decide

_sources_cache: dict[tuple[str, int], list[str]] = {}
SHORTLIST_CHUNKS = 200  # chunks whose sentences are scored for a clause (the best by the clause's words)


def known_sources(resources: Resources) -> list[str]:
    """Outlet names in the index, as stored (from its keyword index)."""
    kw = resources.keywords()
    key = (str(resources.config.home), kw.generation)
    if key not in _sources_cache:
        if len(_sources_cache) > 16:
            _sources_cache.clear()
        _sources_cache[key] = kw.source_names()
    return _sources_cache[key]


def wants_reasoning(a: Analysis) -> bool:
    """Yes/no and choice questions, and who/which questions with two or more parts."""
    return a.form in ("yes_no", "choice") or (a.form == "entity" and len(a.parts) >= 2)


def _retriever(resources: Resources) -> Callable[[Part], list[Passage]] | None:
    """Per-part retrieval: the best sentence matches (BM25 over single sentences) for the part's own words,
    within its outlets and on its days when it names them. Keyword only: cheap, and a clause paraphrases
    one sentence of its evidence."""
    import numpy as np

    from rag.retrieval.fast import source_mask, top_rows
    from rag.retrieval.retriever import _passage

    kw = resources.keywords()
    if not kw.meta:
        return None

    def more(part: Part) -> list[Passage]:
        words = _claim(part)
        if not part.terms():
            return []
        # The chunks best for the clause's words, then their best sentence: scoring every sentence of the
        # index cost ~30 ms a clause at a million chunks.
        chunk = kw.scores(words)
        if part.sources:
            chunk = np.where(source_mask(kw, part.sources), chunk, 0.0)
        rows = top_rows(chunk, SHORTLIST_CHUNKS)
        rows = rows[chunk[rows] > 0]
        if not len(rows):
            return []
        score = kw.sentence_scores_at(words, rows) + 0.5 * chunk[rows]
        if part.days:
            on_day = np.isin(kw.days[rows], list(part.days))
            if on_day.any():
                score = score + 0.25 * float(score.max()) * on_day
        out = []
        for i in top_rows(score, 4):
            row = int(rows[i])
            if score[i] <= 0:
                break
            m = kw.meta[row]
            body = resources.body(m["article_id"]) or ""
            out.append(_passage(m, body[int(m["start"]):int(m["end"])], float(score[i])))
        return out

    return more


def _who(pe: PartEvidence) -> str:
    p = pe.best.passage if pe.best is not None else None
    return (p.source or p.title) if p is not None else "The articles"


def outlet_name(part: Part) -> str:
    """The outlet(s) this part names, as the question wrote them ("" when it names none).

    `source_names` holds every outlet named anywhere in the question; the part's own are in `sources`."""
    own = [n for n in part.source_names if n.lower() in part.sources]
    return " or ".join(dict.fromkeys(own[:1] if len(part.sources) == 1 else own)) if own else ""


def _missing_text(pe: PartEvidence) -> str:
    outlet = outlet_name(pe.part)
    who = outlet if outlet else "The articles"
    if pe.status == "no_outlet":
        return f"No article from {outlet or 'that outlet'} is indexed, so it cannot say whether {_claim(pe.part)}."
    return f"{who} {'does' if outlet else 'do'} not say whether {_claim(pe.part)}."


def study(question: str, passages: list[Passage],
          resources: Resources) -> tuple[Analysis, list[PartEvidence] | None]:
    """The question's analysis and, when it is one this module answers, each part's evidence (else None)."""
    a = analyse(question, known_sources(resources))
    if a.unknown or a.asks == "letter" or not wants_reasoning(a) or not passages:
        return a, None
    return a, gather(a.parts, passages, resources.idf(passages), _retriever(resources), resources.sentence_vectors)


def reason(question: str, passages: list[Passage], resources: Resources, citer_factory: Callable[[], Any],
           refusal: str) -> Answer | None:
    """The reasoned answer, or None when the question is not one this module answers."""
    a, ev = study(question, passages, resources)
    return reasoned(question, a, ev, passages, citer_factory, refusal)


def reasoned(question: str, a: Analysis, ev: list[PartEvidence] | None, passages: list[Passage],
             citer_factory: Callable[[], Any], refusal: str) -> Answer | None:
    """The answer `reason` gives for an analysis and its parts' evidence (from `study`)."""
    if a.unknown:  # asked what an outlet said that the index does not hold: nothing here can answer
        outlets = " or ".join(dict.fromkeys(a.unknown))
        text = f"No article from {outlets} is indexed, so the articles cannot answer this."
        return Answer(question=question, text=text, refused=True, related=passages[:3], kind="refusal")
    if a.asks == "letter":  # a character derived from a name is not something an article states
        return Answer(question=question, text=refusal, refused=True, related=passages[:3], kind="refusal")
    if ev is None:
        return None
    citer = citer_factory()
    if a.form == "entity":
        top = best_entity(ev, a.asks, question)
        if top is None:
            return Answer(question=question, text=refusal, refused=True, related=passages[:3], kind="refusal")
        lines = []
        for i in sorted(top.per_part):
            e = top.per_part[i][1]
            lines.append(f"{e.passage.source or e.passage.title} says: {e.text} {citer.mark(e)}")
        text = f"{top.name}\n\n" + "\n".join(dict.fromkeys(lines))
        return Answer(question=question, text=text, refused=False, citations=citer.citations, kind="entity")
    v = decide(a, ev)
    if v.answer is None and v.reason == "none":
        return Answer(question=question, text=refusal, refused=True, related=passages[:3], kind="refusal")
    body = _evidence_lines(ev, citer, v)
    if v.answer is None:  # some parts found, but the evidence cannot decide (a missing date or report)
        return Answer(question=question, text=" ".join(body), refused=False, citations=citer.citations,
                      kind="passage")
    if a.options:
        return Answer(question=question, text=f"{v.answer.capitalize()}\n\n" + "\n".join(body), refused=False,
                      citations=citer.citations, kind="entity")
    return Answer(question=question, text=f"{v.answer.capitalize()}\n\n" + "\n".join(body), refused=False,
                  citations=citer.citations, kind="yes_no", verdict=v.answer)


def _evidence_lines(ev: list[PartEvidence], citer, v: Verdict) -> list[str]:
    """One line per part: what its outlet says (cited), says otherwise (cited), or does not say."""
    lines: list[str] = []
    for pe in ev:
        if pe.status == "supported" and pe.best is not None:
            line = f"{_who(pe)} says: {pe.best.text} {citer.mark(pe.best)}"
        elif pe.status == "contradicted" and pe.best is not None:
            line = f"{_who(pe)} says otherwise: {pe.best.text} {citer.mark(pe.best)}"
        else:
            line = _missing_text(pe)
        if line not in lines:
            lines.append(line)
    if v.order is not None:
        main, anchor, _ = v.order
        dates = []
        for pe in (main, anchor):
            if pe.best is not None and pe.status in ("supported", "contradicted"):
                when = pe.best.passage.published or "no publication date"
                dates.append(f"{_who(pe)}, {when} {citer.mark(pe.best)}")
        if dates:
            lines.append("Published: " + "; ".join(dates) + ".")
    return lines
