"""The extractive engine: answer with the retrieved articles' own best sentences, each cited `[n]`."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.config import Config
from rag.text import sentence_spans, words
from rag.types import Answer, Citation, Passage

REFUSAL = "The indexed articles do not contain an answer to this question."

_STOP = set(
    """a an the and or but if of to in on at by for with from as is are was were be been being do does did
    what who whom whose which when where why how many much that this these those it its it's he she they them
    their his her we you your i me my our us not no there here than then so such can could would should will
    shall may might must have has had about into over under after before during between any all some each
    say said says tell told according article articles report reported""".split()
)
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z\-]+")
_NUMBER = re.compile(r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million|billion)\b", re.I)
_DATE = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|november|december|\d{4}|yesterday|today|last (?:week|month|year))\b", re.I)


def stem(word: str) -> str:
    """A light suffix stripper, enough to match refused/refusing/refuse."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> set[str]:
    """Stemmed words that carry meaning (stop words removed)."""
    return {stem(w) for w in words(text) if w not in _STOP and len(w) > 1}


@dataclass
class Evidence:
    """A candidate sentence: where it is, and how well it answers."""

    passage: Passage
    start: int  # offsets into the article body
    end: int
    text: str
    score: float = 0.0


def candidates(passages: list[Passage]) -> list[Evidence]:
    """Every sentence of the passages, with body offsets (passage.start + offset in the passage)."""
    out: list[Evidence] = []
    for p in passages:
        for s, e in sentence_spans(p.text):
            out.append(Evidence(p, p.start + s, p.start + e, p.text[s:e]))
    return out


def _type_bonus(question: str, sentence: str) -> float:
    """Does the sentence hold the kind of thing asked for (a name, number, date)?"""
    q = question.lower().split()
    head = q[0] if q else ""
    asked = content_terms(question)
    if head in ("who", "which", "whom", "whose", "where"):
        names = {m.lower() for m in _CAPITALISED.findall(sentence)[1:]} - {w for w in asked}
        return min(len(names), 4) / 4
    if "how many" in question.lower() or "how much" in question.lower():
        return 1.0 if _NUMBER.search(sentence) else 0.0
    if head == "when":
        return 1.0 if _DATE.search(sentence) else 0.0
    return 0.0


def score(question: str, evidence: list[Evidence], embed) -> None:
    """Score each sentence: meaning (cosine) + shared keywords + answer-type fit."""
    if not evidence:
        return
    q_terms = content_terms(question)
    vectors = np.asarray(embed.get_text_embedding_batch([e.text for e in evidence]))
    q = np.asarray(embed.get_query_embedding(question))
    cos = vectors @ q / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q) + 1e-9)
    for e, c in zip(evidence, cos):
        overlap = len(q_terms & content_terms(e.text)) / len(q_terms) if q_terms else 0.0
        e.score = float(0.55 * c + 0.35 * overlap + 0.10 * _type_bonus(question, e.text))


def _similar(a: str, b: str) -> bool:
    wa, wb = set(words(a)), set(words(b))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > 0.6


def compose(question: str, passages: list[Passage], embed, max_sentences: int = 3, min_support: float = 0.45) -> Answer:
    """Pick the best-supported sentences; refuse when even the best one is too weak."""
    evidence = candidates(passages)
    score(question, evidence, embed)
    evidence.sort(key=lambda e: e.score, reverse=True)
    if not evidence or evidence[0].score < min_support:
        return Answer(question=question, text=REFUSAL, refused=True, related=passages[:3])

    floor = max(min_support, 0.85 * evidence[0].score)
    groups: list[list[Evidence]] = []  # one group per statement; same wire sentence → one group
    for e in evidence:
        if e.score < floor:
            break
        twin = next((g for g in groups if " ".join(words(g[0].text)) == " ".join(words(e.text))), None)
        if twin is not None:
            if all(x.passage.article_id != e.passage.article_id for x in twin):
                twin.append(e)
            continue
        if len(groups) < max_sentences and not any(_similar(g[0].text, e.text) for g in groups):
            groups.append([e])

    citations: list[Citation] = []
    parts: list[str] = []
    for group in groups:
        markers = ""
        for e in group:
            n = len(citations) + 1
            p = e.passage
            citations.append(Citation(n, p.article_id, p.title, p.source, p.published, p.url, e.text, e.start, e.end, round(e.score, 4)))
            markers += f"[{n}]"
        parts.append(f"{group[0].text} {markers}")
    return Answer(question=question, text=" ".join(parts), refused=False, citations=citations)


def compose_answer(question: str, passages: list[Passage], config: Config, history=None) -> Answer:
    """The extractive engine as registered in `rag.engines` (history is already folded into `question`)."""
    from rag.models import embedder

    return compose(question, passages, embedder(config.embed_batch), config.max_sentences, config.min_support)
