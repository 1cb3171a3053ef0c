"""Direct answers: the exact words of the evidence that answer who / when / where / how many, and
figures on which the evidence disagrees."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.core.terms import STOP, terms
from rag.core.text import MONTH as _MONTH
from rag.core.text import NUMBER_WORDS, WEEKDAYS
from rag.engines.extractive.evidence import NAME_LIST, Evidence, new_names

_WHEN = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?:,? \d{{4}})?|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?"
    rf"|(?:on|last|next|this) (?:{'|'.join(WEEKDAYS)})"
    rf"|(?:in|since|until|by) (?:{_MONTH} )?\d{{4}}|(?:in|since|until|by) {_MONTH})\b"
)
_WHERE = re.compile(r"\b(?:in|at|to|from|near) ((?:the )?[A-Z][\w’'\-]*(?: [A-Z][\w’'\-]*)*)")
_NUMBER = re.compile(r"\b(\d[\d,]*(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")\b", re.I)
_WORD = re.compile(r"[A-Za-z][\w’'\-]*")


@dataclass
class Figure:
    """A number in an evidence sentence, with the words it counts ("seven" + "weapons tests")."""

    value: float
    evidence: Evidence
    start: int  # offsets of the number word inside evidence.text
    end: int
    noun: str  # the words it counts


def direct_span(kind: str, question: str, sentence: str) -> tuple[int, int] | None:
    """(start, end) inside `sentence` of the words that answer the question directly, if any."""
    if kind == "who":
        best = max(NAME_LIST.finditer(sentence), key=lambda m: len(new_names(m.group(), question)), default=None)
        if best is not None and new_names(best.group(), question):
            s, e = best.span()
            if s == 0 and len(new_names(best.group(), question)) == 1:
                return None  # a lone capitalised sentence opener is not an answer
            return s, e
    elif kind == "when":
        m = _WHEN.search(sentence)
        if m:
            return m.span()
    elif kind == "where":
        asked = set(terms(question))
        for m in _WHERE.finditer(sentence):
            if not set(terms(m.group(1))) <= asked:
                return m.span(1)
    return None


def counted_noun(question: str) -> list[str]:
    """The thing a "how many" question counts: its content words right after "how many"."""
    m = re.search(r"\bhow (?:many|much)\s+(.*)", question, re.I)
    out: list[str] = []
    for w in _WORD.findall(m.group(1) if m else ""):
        if w.lower() in STOP:
            break
        out.append(w)
    return out


def _value(token: str) -> float | None:
    t = token.lower().replace(",", "")
    if t in NUMBER_WORDS:
        return float(NUMBER_WORDS[t])
    try:
        return float(t)
    except ValueError:
        return None


_DATES = re.compile(rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b"
                    r"|\b\d{1,2}:\d\d(?::\d\d)?\b|\b\d{4}-\d\d-\d\d\b", re.I)


def figures_in(text: str) -> set[float]:
    """The numbers a text states (digits or words), without dates, times, years and the ambiguous "one"."""
    out = set()
    for m in _NUMBER.finditer(_DATES.sub(" ", text)):
        value = _value(m.group())
        if value is not None and m.group().lower() != "one" and not re.fullmatch(r"(1[89]|20)\d\d", m.group()):
            out.add(value)
    return out


def figures(question: str, evidence: list[Evidence]) -> list[Figure]:
    """Numbers in the evidence that count something, with the words up to the clause end (no years/dates)."""
    out: list[Figure] = []
    for e in evidence:
        for m in _NUMBER.finditer(e.text):
            before, after = e.text[: m.start()], e.text[m.end():]
            if re.fullmatch(r"(1[89]|20)\d\d", m.group()) or re.match(rf"\s*{_MONTH}", after) \
                    or re.search(rf"{_MONTH}\s*$", before) or before.endswith(("$", "£", "€")) \
                    or after.startswith(("%", ":", ".", " per cent", " percent")):
                continue
            clause = re.split(r"[,;:.!?()“”\"]| -- | – | — ", after, maxsplit=1)[0]
            noun = " ".join(_WORD.findall(clause)[:7])
            value = _value(m.group())
            if value is not None and noun and noun.split()[0].lower() not in STOP:
                out.append(Figure(value, e, m.start(), m.end(), noun))
    return out


def related_figures(question: str, strong: list[Figure], weak: list[Figure],
                    similar: Callable[[str, list[str]], list[float]], threshold: float = 0.4) -> list[Figure]:
    """Figures that count what the question counts: the counted word itself (from any sentence in
    `strong`), or, in the well-supported sentences `weak`, words close in meaning to the question's."""
    target = counted_noun(question)
    if not target:
        return []
    t_terms = set(terms(" ".join(target)))
    out = [f for f in strong if t_terms & set(terms(f.noun.split()[0] if len(f.noun.split()) < 2 else " ".join(f.noun.split()[:2])))]
    unsure = [f for f in weak if f not in out]
    if unsure:
        about = " ".join(w for w in _WORD.findall(re.sub(r"(?i)\bhow (many|much)\b", " ", question))
                         if w.lower() not in STOP)
        for f, sim in zip(unsure, similar(about, [f.noun for f in unsure])):
            if sim >= threshold:
                out.append(f)
    return out
