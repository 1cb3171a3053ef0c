"""Entity answers across articles: the name that the evidence of every part of a who/which question holds.

Candidates are the capitalised names in each part's best sentences (a well-tested rule set: no NER model
is installable offline here), typed by what the question asks for (a person has a first and last name; an
organisation may be one word), minus names the question itself uses. A surname alone ("Bankman-Fried")
counts for the full name seen elsewhere in the evidence. The name supported by the most parts wins, then
the one with the strongest sentences.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rag.engines.extractive.evidence import Evidence
from rag.engines.extractive.parts import SUPPORTED, PartEvidence
from rag.storage.bm25 import terms

_NAME = re.compile(r"\b[A-Z][\w’'\-&]*(?:\s+(?:of\s+|de\s+|van\s+|von\s+)?[A-Z][\w’'\-&]*)*")
# Capitalised words that open sentences or name calendar things, not entities.
_NOT_NAMES = set("""a an the this that these those it its he she they we i you his her their our my in on at for
from by with as after before while when where who what which how why but and or if so yet also however still
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december mr mrs ms dr sir read more advertisement photograph getty images of to into
onto about over under per via than there here then now today yesterday""".split())
_ORG_WORDS = re.compile(r"\b(inc|corp|corporation|co|ltd|llc|plc|group|research|capital|bank|university|league|"
                        r"club|fc|committee|commission|court|department|agency|association|foundation|institute|"
                        r"news|times|post|journal|network|labs?|technologies|systems|partners|ventures|fund|"
                        r"exchange|securities|holdings|media|studios?|games|motors|airlines)\b", re.I)


@dataclass
class Candidate:
    """A name and, per part, its best sentence holding it."""

    name: str
    per_part: dict[int, tuple[float, Evidence]] = field(default_factory=dict)

    def rank(self) -> tuple[int, float]:
        return len(self.per_part), sum(s for s, _ in self.per_part.values())


def names_in(sentence: str) -> list[str]:
    """Capitalised name spans of a sentence, trimmed of leading function words and possessives."""
    out = []
    for m in _NAME.finditer(sentence):
        words = m.group().split()
        while words and words[0].lower().strip(".,") in _NOT_NAMES:
            words = words[1:]
        name = re.sub(r"(’s|'s|[.,’'])$", "", " ".join(words)).strip()
        if not name or name.lower() in _NOT_NAMES or sum(w.isupper() and len(w) > 4 for w in words) > 1:
            continue  # nothing left, a function word, or a shouted headline
        out.append(name)
    return out


_TITLE = (r"(?:chief executive|chief executive officer|ceo|founder|co-founder|president|minister|judge|coach|"
          r"mr|ms|mrs|dr|sen|rep|director|chairman|chairwoman|spokesperson|spokesman|spokeswoman|analyst|"
          r"quarterback|striker|manager|singer|actor|actress|star|player|executive|chief)")


_SPEECH = {"said", "says", "told", "added", "noted", "lamented", "argued", "wrote", "testified", "asked", "replied"}


@lru_cache(maxsize=2048)
def _tokens(text: str) -> tuple[list[str], list[str], dict[str, list[int]]]:
    """A text's word tokens, the same without a possessive "'s", and where each of those bare words occurs.

    Every candidate name is checked against the same few texts: tokenising them once per text (not once
    per name and text) took most of an answer's time."""
    toks = re.findall(r"[\w’'\-]+", text)
    bare = [re.sub(r"[’']s$", "", w) for w in toks]
    at: dict[str, list[int]] = {}
    for i, w in enumerate(bare):
        at.setdefault(w, []).append(i)
    return toks, bare, at


# A name's person and company contexts, checked at each place the name occurs (found with str.find): one
# precompiled pattern each, instead of three patterns per name whose leading title alternation made re try
# every position of tens of kB of evidence (with compiling them, a fifth of an entity answer's time).
_SAID_AFTER = re.compile(rf" (?:said|says|told)\b|, who\b|, (?:the |a |an )?{_TITLE}\b")
_COMPANY_AFTER = re.compile(r",? the company\b", re.I)
_TITLE_OF_BEFORE = re.compile(rf"\b{_TITLE} (?:of|at) \Z", re.I)
_TITLED_BEFORE = re.compile(rf"\b{_TITLE}\.? \Z", re.I)
_REACH = 40  # longer than any title and its joining words ("chief executive officer of ")


def _occurrences(name: str, text: str) -> list[int]:
    """Where `name` starts in `text`, non-overlapping."""
    out, i = [], text.find(name)
    while i >= 0:
        out.append(i)
        i = text.find(name, i + len(name))
    return out


def _contexts(name: str, text: str) -> tuple[int, int, int]:
    """(said, company, titled): how often the text uses the name as "X said" / "X, who" / "X, the CEO",
    as "CEO of X" / "X, the company" (any case), and as "Dr X" / "CEO X" (any case)."""
    said = sum(1 for i in _occurrences(name, text) if _SAID_AFTER.match(text, i + len(name)))
    low, lname = text.lower(), name.lower()
    if len(low) != len(text) or len(lname) != len(name):  # a letter whose lower case is longer: shifted offsets
        low, lname = text, name
    company = titled = 0
    for i in _occurrences(lname, low):
        before = max(0, i - _REACH)
        company += bool(_TITLE_OF_BEFORE.search(text, before, i) or _COMPANY_AFTER.match(text, i + len(name)))
        titled += bool(_TITLED_BEFORE.search(text, before, i))
    return said, company, titled


def person_like(name: str, texts: list[str]) -> bool:
    """A person's name: two or more words, no organisation word, and the texts use it as people's names are
    used (the surname alone, "X said", "X, who", a title next to it) more than as a company's (its first word
    alone, "X's products")."""
    words = name.split()
    if len(words) < 2 or _ORG_WORDS.search(name):
        return False
    person = org = 0
    for t in texts:
        toks, _, at = _tokens(t)
        for i in at.get(words[-1], ()):
            prev = toks[i - 1] if i else ""
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            if not prev[:1].isupper() and not nxt[:1].isupper():
                person += 1  # the surname alone: "Whitfield said"
        for i in at.get(words[0], ()):
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            if nxt != words[1] and i:
                if nxt.lower() in _SPEECH:
                    person += 1  # a family name first ("Zhang said", for Zhang Jun)
                else:
                    org += 1  # the first word alone: "Acme engineers", "Zeta's new van"
        said, company, titled = _contexts(name, t)
        person += said + titled
        org += company
    return person > 0 and person >= org


def _fits(name: str, asks: str, texts: list[str]) -> bool:
    """Does the name look like what is asked for? (a person for who/individual, not a person for a company)."""
    if asks == "person":
        return person_like(name, texts)
    if asks == "organisation":
        return not person_like(name, texts)
    return True


# Literal-first searches: a pattern that opens with a lookbehind cannot use re's fast literal scan, and each
# answer searched the joined passages (tens of kB) for every candidate name that way (most of its time).
_WORDISH = re.compile(r"[\w’'-]")
_AFTER_WORD = re.compile(r"[\w,;:] ")


@lru_cache(maxsize=4096)
def _ends_word(literal: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(literal)}\b")


def _as_word(word: str, text: str) -> bool:
    """`re.search(rf"(?<![\\w’'-]){re.escape(word)}(?![\\w’'-])", text)`, found by str.find."""
    i = text.find(word)
    while i != -1:
        j = i + len(word)
        if (i == 0 or not _WORDISH.match(text[i - 1])) and (j == len(text) or not _WORDISH.match(text[j])):
            return True
        i = text.find(word, i + 1)
    return False


def _mid_sentence(name: str, text: str) -> bool:
    """`re.search(rf"(?<=[\\w,;:] ){re.escape(name)}\\b", text)`: the name after a word (or , ; :) and a space."""
    ends = _ends_word(name)
    i = text.find(name)
    while i != -1:
        if i >= 2 and _AFTER_WORD.match(text, i - 2) and ends.match(text, i):
            return True
        i = text.find(name, i + 1)
    return False


def _trim(name: str, joined: str) -> str:
    """Drop leading words that are not part of the name: a title ("CEO of"), or an ordinary word that opens a
    sentence ("Echoing", "Considering", "Didn't") and appears in lower case in the texts."""
    words = name.split()
    while len(words) > 1 and (re.fullmatch(_TITLE, words[0].lower().strip(".")) or words[0].lower() in _NOT_NAMES
                              or _as_word(words[0].lower(), joined)
                              or "'" in words[0] or "’" in words[0]):
        words = words[1:]
        if words and words[0].lower() in ("of", "at", "for"):
            words = words[1:]
    return " ".join(words)


def candidates(ev: list[PartEvidence], asks: str, question: str, top: int = 4) -> list[Candidate]:
    """Names in the parts' best sentences, typed and merged (a surname joins its full name), best first."""
    asked = set(terms(question))
    found: dict[str, Candidate] = {}
    mentions: list[tuple[int, float, Evidence, str]] = []
    for i, pe in enumerate(ev):
        for s, e in pe.ranked[:top]:
            if s < 0.8 * SUPPORTED:
                continue
            # A name in the sentence itself counts fully; one elsewhere in the same passage (the article's
            # subject, named a sentence earlier) counts less.
            inside = names_in(e.text)
            for name, weight in [(n, 1.0) for n in inside] + [(n, 0.7) for n in names_in(e.passage.text)
                                                              if n not in inside]:
                if set(terms(name)) and not set(terms(name)) <= asked:
                    mentions.append((i, s * weight, e, name))
    texts = list(dict.fromkeys(e.text for pe in ev for _, e in pe.ranked))
    joined = " ".join(dict.fromkeys([*texts, *(e.passage.text for pe in ev for _, e in pe.ranked[:top])]))
    mentions = [(i, s, e, _trim(name, joined)) for i, s, e, name in mentions]
    # A lone word capitalised only where a sentence opens ("Additionally") is not a name.
    mentions = [m for m in mentions if m[3] and (len(m[3].split()) > 1
                or _mid_sentence(m[3], joined))]
    # Full names anywhere in the passages: a surname alone ("Bankman-Fried said") stands for the full name.
    full = {n for n in (_trim(x, joined) for x in names_in(joined)) if len(n.split()) >= 2}
    for i, s, e, name in mentions:
        key = name
        if len(name.split()) == 1:  # a surname (or one-word name) joins the most frequent full name ending with it
            # Ties go to the name met first (a set's order changes with each process's string hashing).
            longer = sorted((f for f in full if f.split()[-1] == name), key=lambda f: (-joined.count(f), joined.find(f)))
            key = longer[0] if longer else name
        if not _fits(key, asks, texts):
            continue
        c = found.setdefault(key, Candidate(key))
        if i not in c.per_part or c.per_part[i][0] < s:
            c.per_part[i] = (s, e)
    return sorted(found.values(), key=lambda c: c.rank(), reverse=True)


def best_entity(ev: list[PartEvidence], asks: str, question: str) -> Candidate | None:
    """The candidate supported by the most parts (at least half of the supported ones), or None."""
    ranked = candidates(ev, asks, question)
    if not ranked:
        return None
    supported = sum(pe.status == "supported" for pe in ev)
    top = ranked[0]
    if len(top.per_part) < max(1, (supported + 1) // 2):
        return None
    return top
