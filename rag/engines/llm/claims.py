"""The claim check for generated answers: keep a sentence of the model's only if a passage it cites says it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from rag.core.records import Citation, Passage
from rag.core.terms import terms
from rag.core.text import NUMBER_WORDS, sentence_spans, words
from rag.core.tuning import TUNING
from rag.engines.llm.prompt import is_instruction

# "[2]", "[1, 3]", "[Passage 2]", "[passage 1][2]": what models write for citation markers.
MARKER = re.compile(r"\[\s*(?:passage\s*)?(\d+(?:\s*[,;]\s*(?:passage\s*)?\d+)*)\s*\]", re.I)
_LEADING_MARKERS = re.compile(r"^\s*(?:\[\s*(?:passage\s*)?\d+(?:\s*[,;]\s*(?:passage\s*)?\d+)*\s*\]\s*)+", re.I)


@dataclass
class Claim:
    """One sentence of the model's answer: its text without markers, and the passage numbers it cites."""

    text: str
    cited: list[int] = field(default_factory=list)


@dataclass
class Span:
    """A candidate supporting span: one sentence (or two adjacent ones) of a passage, with body offsets."""

    passage: Passage
    start: int
    end: int
    text: str


@dataclass
class Verdict:
    """The support check's result for one claim: the spans that support it (empty: unsupported)."""

    claim: Claim
    support: list[tuple[Span, float]] = field(default_factory=list)
    best: float = 0.0


def _markers(text: str) -> list[int]:
    return [int(n) for group in MARKER.findall(text) for n in re.findall(r"\d+", group)]


def split_claims(text: str) -> list[Claim]:
    """Sentences of a model answer with their [n] markers (a marker opening a sentence belongs to the one before)."""
    claims: list[Claim] = []
    for s, e in sentence_spans(text):
        sentence = text[s:e]
        lead = _LEADING_MARKERS.match(sentence)
        if lead and claims:
            claims[-1].cited += [n for n in _markers(lead.group()) if n not in claims[-1].cited]
            sentence = sentence[lead.end():]
        plain = re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", sentence))
        plain = re.sub(r"^\s*(?:answer\s*:)\s*", "", " ".join(plain.split()), flags=re.I)
        if not words(plain):
            continue
        cited: list[int] = []
        for n in _markers(sentence):
            if n not in cited:
                cited.append(n)
        claims.append(Claim(plain, cited))
    return claims


def spans_of(passage: Passage) -> list[Span]:
    """A passage's sentences and adjacent sentence pairs, minus text addressed to an AI model."""
    sentences = [(s, e) for s, e in sentence_spans(passage.text) if not is_instruction(passage.text[s:e])]
    out = [Span(passage, passage.start + s, passage.start + e, passage.text[s:e]) for s, e in sentences]
    for (s1, _), (_, e2) in zip(sentences, sentences[1:]):
        if not is_instruction(passage.text[s1:e2]):
            out.append(Span(passage, passage.start + s1, passage.start + e2, passage.text[s1:e2]))
    return out


def numbers(text: str) -> set[str]:
    """Numbers in a text, as digits ("seven" and "7" are the same number)."""
    out = {w.replace(",", "") for w in re.findall(r"\d[\d,.]*\d|\d", text)}
    return out | {str(NUMBER_WORDS[w]) for w in words(text) if w in NUMBER_WORDS}


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z'’\-]{2,}")


def names(text: str) -> set[str]:
    """Capitalised words that do not open the text: a rough stand-in for names of people, places, bodies."""
    return {m.lower() for m in _NAME.findall(text.strip())}


def invents(claim: str, span: str, passage: str) -> bool:
    """Hard rules: a claim may not add a number the span lacks, nor a name its passage never mentions."""
    if numbers(claim) - numbers(span):
        return True
    vocab = {w[:4] for w in words(passage)}
    return any(n[:4] not in vocab for n in names(claim))


def _known(passage: Passage) -> str:
    """What a claim citing this passage may name: its text, and its article's outlet and headline
    ("The Guardian reports ... [1]" attributes, it does not invent)."""
    return f"{passage.source or ''} {passage.title or ''} {passage.text}"


def lexical(claim: str, span: str) -> float:
    """Share of the claim's content words (stemmed) that the span contains."""
    mine = set(terms(claim))
    return len(mine & set(terms(span))) / len(mine) if mine else 0.0


class ClaimChecker:
    """Scores claims against the spans of the passages they cite; embeddings are cached per text."""

    def __init__(self, passages: list[Passage], embed, threshold: float) -> None:
        self.passages = passages
        self.embed = embed
        self.threshold = threshold
        self._spans: dict[int, list[Span]] = {}
        self._vectors: dict[str, np.ndarray] = {}

    def _vecs(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            for t, v in zip(todo, self.embed.get_text_embedding_batch(todo)):
                v = np.asarray(v, dtype=np.float32)
                self._vectors[t] = v / (np.linalg.norm(v) + 1e-9)
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 1))

    def spans(self, n: int) -> list[Span]:
        if n not in self._spans:
            self._spans[n] = spans_of(self.passages[n - 1])
        return self._spans[n]

    def score(self, claim: str, spans: list[Span]) -> list[float]:
        """Support of `claim` by each span: 0 if the claim invents a number or name, else lexical + cosine."""
        if not spans:
            return []
        cos = self._vecs([s.text for s in spans]) @ self._vecs([claim])[0]
        w = TUNING.claims.lexical
        return [
            0.0 if invents(claim, s.text, _known(s.passage)) else w * lexical(claim, s.text) + (1 - w) * float(c)
            for s, c in zip(spans, cos)
        ]

    def check(self, claim: Claim) -> Verdict:
        """Which cited passages support the claim (uncited claims may be supported by any passage)."""
        valid = [n for n in claim.cited if 1 <= n <= len(self.passages)]
        # A claim without a usable marker is still kept if some passage supports it; it is then cited to it.
        pool = valid or list(range(1, len(self.passages) + 1))
        verdict = Verdict(claim)
        best_per_passage: list[tuple[Span, float]] = []
        for n in pool:
            spans = self.spans(n)
            scores = self.score(claim.text, spans)
            if scores:
                i = int(np.argmax(scores))
                best_per_passage.append((spans[i], scores[i]))
        if best_per_passage:
            verdict.best = max(score for _, score in best_per_passage)
        keep = [(s, sc) for s, sc in best_per_passage if sc >= self.threshold]
        if not valid:  # attributed, not cited by the model: cite only the single best span
            keep = sorted(keep, key=lambda x: -x[1])[:1]
        verdict.support = keep
        return verdict


def cite(verdicts: list[Verdict]) -> tuple[str, list[Citation]]:
    """Answer text with renumbered [n] markers for the supported claims, and their citations."""
    citations: list[Citation] = []
    seen: dict[tuple[str, int, int], int] = {}
    parts: list[str] = []
    said: set[str] = set()
    for v in verdicts:
        # Small models repeat themselves: a sentence already said is said once.
        norm = " ".join(v.claim.text.lower().split())
        if not v.support or norm in said:
            continue
        said.add(norm)
        markers = ""
        for span, score in v.support:
            p = span.passage
            key = (p.article_id, span.start, span.end)
            if key not in seen:
                seen[key] = len(citations) + 1
                citations.append(Citation(seen[key], p.article_id, p.title, p.source, p.published, p.url,
                                          span.text, span.start, span.end, round(score, 4)))
            if f"[{seen[key]}]" not in markers:
                markers += f"[{seen[key]}]"
        parts.append(f"{v.claim.text} {markers}")
    return " ".join(parts), citations
