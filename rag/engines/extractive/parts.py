"""Evidence per part of a question: each clause gets its own best sentences, within the outlet it names.

A sentence is scored for a part by the IDF-weighted share of the part's words it holds (the headline counts
half) and by meaning (MiniLM cosine between the clause and the sentence, for the best few dozen by words),
so "declined" finds "refused". A sentence whose polarity is the opposite of the clause's ("refused to sign"
for "signed") is marked as contradicting it rather than supporting it.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rag.core.records import Passage
from rag.engines.extractive.analysis import Part
from rag.engines.extractive.evidence import NEGATIONS, Evidence, candidates
from rag.engines.extractive.spans import figures_in
from rag.storage.bm25 import terms
from rag.storage.meaning import rounded

_NEG_WORDS = re.compile(r"\b(not|no|never|none|nor|neither|without|cannot|other than|rather than|lack(?:s|ed|ing)?|"
                        r"refus\w*|declin\w*|reject\w*|den(?:y|ied|ies)|fail\w*)\b|n't\b", re.I)
LEX, SEM = 0.5, 0.5  # weights of word overlap and meaning in a sentence's score for a part
SUPPORTED = 0.45  # score at which a sentence supports a part (chosen on half A of MultiHop-RAG dev, checked on B)
SHORTLIST = 8  # sentences per part that are embedded (the best by words; each costs a MiniLM pass)


@dataclass
class PartEvidence:
    """A part and what the articles say about it."""

    part: Part
    ranked: list[tuple[float, Evidence]] = field(default_factory=list)  # best first
    status: str = "missing"  # "supported" | "contradicted" | "missing" | "no_outlet"
    detail: dict[int, tuple[float, float]] = field(default_factory=dict)  # id(sentence) -> (predicate share, meaning)

    @property
    def best(self) -> Evidence | None:
        return self.ranked[0][1] if self.ranked else None

    @property
    def score(self) -> float:
        return self.ranked[0][0] if self.ranked else 0.0


def polarity(text: str) -> bool:
    """Whether a clause or sentence is negated ("not", "refused", "other than", "never" ...)."""
    return bool(_NEG_WORDS.search(text))


_TOKEN = re.compile(r"[\w’'\-]+")


def local_polarity(sentence: str, want: set[str], reach: int = 3) -> bool:
    """Negation near the words a clause asks about: from the first to the last of them, `reach` words either
    side ("..., as Beijing joined others in refusing to sign" does not negate "urged the US to be flexible")."""
    tokens = _TOKEN.findall(sentence)
    hits = [i for i, tok in enumerate(tokens) if set(terms(tok)) & want]
    if not hits:
        return polarity(sentence)
    window = " ".join(tokens[max(0, min(hits) - reach): max(hits) + reach + 1])
    return polarity(window)


FIGURE_MISS = 0.1  # a claim's figure ("nine missiles") missing from a sentence costs it this much


_SAID: set[str] = set()
_VECTORS: dict[str, np.ndarray] = {}  # text -> unit vector; sentences recur across questions about one story
Stored = Callable[[list[str]], dict[str, np.ndarray]]  # texts -> the index's stored vectors of those it has


def _encode(texts: list[str]) -> list[list[float]] | np.ndarray:
    """Unit vectors for sentence scoring: int8 ONNX, or fp32 where ONNX Runtime cannot load or export it."""
    from rag.storage.embedder import encode
    from rag.storage.meaning import int8_encode

    try:
        return int8_encode(texts)
    except (OSError, ImportError) as exc:  # no models folder, or the export failed (logged once by the embedder)
        if "meaning" not in _SAID:
            _SAID.add("meaning")
            print(f"rag: sentence meaning scored in fp32 (int8 ONNX model unavailable: {exc})", file=sys.stderr)
        return encode(texts, 64, "fp32")


def _fill(texts: list[str]) -> None:
    """Encode the texts not known yet: int8 ONNX, one text per run (int8 quantises activations per run: a
    batch-mate would move a text's vector), on two threads (docs/speed.md, "Sentence meaning"); rounded to
    float16 as stored vectors are."""
    missing = [t for t in dict.fromkeys(texts) if t not in _VECTORS]
    for t, v in zip(missing, _encode(missing) if missing else []):
        _VECTORS[t] = rounded(v)


def meaning(query: str, texts: list[str], stored: Stored | None = None) -> list[float]:
    """MiniLM cosine of `query` with each text; every text is encoded once per process, or not at all when
    the index stored it (rag/storage/meaning.py: the indexer encoded every chunk sentence the same way)."""
    if len(_VECTORS) > 50000:
        _VECTORS.clear()
    missing = [t for t in dict.fromkeys(texts) if t not in _VECTORS and t != query]
    if missing and stored is not None and "meaning" not in _SAID:  # stored vectors are int8's: never fp32's
        _VECTORS.update(stored(missing))
    _fill([query, *texts])
    q = _VECTORS[query]
    return [float(_VECTORS[t] @ q) for t in texts]


def _in_outlet(p: Passage, part: Part) -> bool:
    return not part.sources or (p.source or "").lower() in part.sources


def gather(parts: list[Part], passages: list[Passage], idf: Callable[[str], float],
           more: Callable[[Part], list[Passage]] | None = None, stored: Stored | None = None) -> list[PartEvidence]:
    """Rank sentences for every part (only its named outlets' articles) and mark it supported / contradicted /
    missing. `more(part)` retrieves extra passages for one part (its own words, its outlet); `stored(texts)`
    gives the index's stored sentence vectors."""
    _fill([_claim(part) for part in parts])  # all claims at once: two threads, not one claim per part
    out = []
    for part in parts:
        pool = [p for p in passages if _in_outlet(p, part)]
        if more is not None:
            seen = {(p.article_id, p.start) for p in pool}
            pool += [p for p in more(part) if (p.article_id, p.start) not in seen and _in_outlet(p, part)]
        pe = PartEvidence(part)
        if not pool:
            pe.status = "no_outlet" if part.sources else "missing"
            out.append(pe)
            continue
        pe.ranked = rank(part, candidates(pool), idf, pe.detail, stored)
        pe.status = judge(part, pe)
        out.append(pe)
    return out


_ABBR = re.compile(r"\b([A-Z])\.([A-Z])\.(?:([A-Z])\.)?")


def _words(text: str) -> set[str]:
    """Stemmed terms, with dotted abbreviations joined ("U.N." is "UN")."""
    return set(terms(_ABBR.sub(lambda m: "".join(g for g in m.groups() if g), text)))


def rank(part: Part, evidence: list[Evidence], idf: Callable[[str], float],
         detail: dict[int, tuple[float, float]] | None = None, stored: Stored | None = None
         ) -> list[tuple[float, Evidence]]:
    """(score, sentence) best first: words (headline at half weight) then meaning over the shortlist;
    `detail[id(sentence)]` gets (share of the claim's predicate words, meaning)."""
    topic = {t: idf(t) for t in part.topic()}
    pred = {t: idf(t) for t in part.predicate() if t not in topic}
    # Names say what a sentence is about, the other words what it says: both must be there.
    share = 0.5 if topic and pred else 1.0
    lexical = []
    for e in evidence:
        s_terms = _words(e.text)
        t_terms = _words(e.passage.title) - s_terms
        top = (sum(w for t, w in topic.items() if t in s_terms)
               + 0.5 * sum(w for t, w in topic.items() if t in t_terms)) / (sum(topic.values()) or 1.0)
        what = sum(w for t, w in pred.items() if t in s_terms) / (sum(pred.values()) or 1.0)
        lexical.append((share * (top if topic else 0.0) + share * (what if pred else 0.0), what if pred else 1.0, e))
    lexical.sort(key=lambda x: -x[0])
    short = [x for x in lexical[:SHORTLIST] if len(x[2].text) > 25]
    if not short:
        return []
    claim = _claim(part)
    sims = meaning(claim, [e.text for _, _, e in short], stored)
    wanted = figures_in(claim)  # a figure the claim states must be in its evidence ("nine", not "seven")
    scored = []
    for (c, what, e), sim in zip(short, sims):
        if detail is not None:
            detail[id(e)] = (what, sim)
        miss = FIGURE_MISS if wanted and not wanted & figures_in(e.text) else 0.0
        scored.append((LEX * c + SEM * sim - miss, e))
    scored.sort(key=lambda x: -x[0])
    return scored



_LEADING = set("""did does do is are was were has have had after before between while and both the a an article
articles report reports reported from by in on of suggest suggests suggested indicate indicates indicated say says
said claim claims claimed imply implies implied mention mentions mentioned discuss discusses discussed state states
stated note notes noted highlight highlights highlighted describe describes described portray portrays portrayed
that another second first later subsequent report's article's""".split())


def _claim(part: Part) -> str:
    """The clause without question words and outlet names: what a supporting sentence would say."""
    text = part.text
    for name in part.source_names:
        text = re.sub(re.escape(name), " ", text, flags=re.I)
    text = re.sub(r"(?<!\w)['‘’\"“”]|['‘’\"“”](?!\w)", " ", text)
    words = text.split()
    while words and (words[0].lower().strip(",.'\"") in _LEADING or not any(ch.isalnum() for ch in words[0])):
        words = words[1:]
    text = " ".join(words)
    return " ".join(text.split()) or part.text


MARGIN = 0.2  # how much closer an opposite sentence must be than the best same-polarity one to contradict
TOPICAL_DROP = 0.1  # chosen on dev half A like the rest (+0.02 comparison on both halves)
OPPOSITE = 0.2  # share of the claim's own words a sentence needs to contradict it
PREDICATE, CLOSE = 0.15, 0.45  # a supporting sentence holds this share of the claim's words, or means it this closely


def says_it(pe: PartEvidence, e: Evidence) -> bool:
    """Does the sentence state the claim, not only name its subject? (its words, or its meaning)"""
    what, sim = pe.detail.get(id(e), (1.0, 1.0))
    return what >= PREDICATE or sim >= CLOSE


def judge(part: Part, pe: PartEvidence) -> str:
    """supported / contradicted / missing from the part's best sentences and their polarity."""
    # "The Verge article focuses on X" is shown by a sentence about X: a lower bar, no predicate needed.
    bar = SUPPORTED - TOPICAL_DROP if part.topical else SUPPORTED
    if not pe.ranked or pe.score < bar:
        return "missing"
    want = polarity(_claim(part))
    words = set(part.terms())
    # The best sentence of the same polarity supports the clause; if the only close ones say the opposite,
    # it is contradicted.
    close = [(s, e) for s, e in pe.ranked if s >= bar and (part.topical or says_it(pe, e))]
    if not close:
        return "missing"
    same = [(s, e) for s, e in close if local_polarity(e.text, words) == want]
    # Opposite polarity contradicts only a sentence about the same action (it holds the claim's own words):
    # "tabled a draft resolution" does not contradict "refused to sign".
    opposite = [(s, e) for s, e in close if (s, e) not in same and pe.detail.get(id(e), (1.0, 1.0))[0] >= OPPOSITE]
    if same and opposite and opposite[0][0] - same[0][0] > MARGIN:
        pe.ranked = opposite + [x for x in pe.ranked if x not in opposite]
        return "contradicted"
    if same:
        pe.ranked = same + [x for x in pe.ranked if x not in same]
        return "supported"
    if opposite:
        pe.ranked = opposite + [x for x in pe.ranked if x not in opposite]
        return "contradicted"
    return "missing"


__all__ = ["PartEvidence", "gather", "polarity", "rank", "judge", "meaning", "NEGATIONS"]
