"""Question analysis: what form of answer a question wants, and its parts, each with its own constraints.

General English, no benchmark templates: a yes/no question opens with an auxiliary verb (possibly after a
leading "After ..., " / "Between ..., " clause); a question offering "X or Y" wants one of them; parts are
the clauses joined by "while", "and", "but", "whereas", "compared to", "similar to", "between ... and ...".
Each part keeps the outlets and dates it names (matched against the indexed outlets).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.retrieval.hints import question_hints
from rag.storage.bm25 import terms

_AUX = ("did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "can", "could", "would", "will",
        "should")
_WH = re.compile(r"^\s*(who|whom|whose|which|what|when|where|why|how)\b", re.I)
_LEAD = re.compile(r"^\s*(after|before|between|following|considering|given|regarding|based on|in light of|"
                   r"according to|while|when|since|as)\b", re.I)
# Clause boundaries inside one question. "and" splits only before a new clause (an auxiliary, "another",
# "the ... article", an outlet), never inside a name ("Taylor Swift and Travis Kelce").
_SPLIT = re.compile(
    r"\s*,?\s*\b(?:while|whereas|but)\b\s*"
    r"|\s*,?\s*\b(?:compared (?:to|with)|similar to|in contrast to|as opposed to|unlike|than|as)\s+"
    r"(?=(?:the\s+|a\s+|an\s+|another\s+|its\s+)?(?:\x00|[^,]{0,30}?\b(?:article|report|piece|coverage)\b))"
    r"|\s*;\s*|,\s*and\b,?\s*|\s+and,\s*"
    r"|,\s+(?=(?:" + "|".join(_AUX) + r"|is there|was there)\b)"
    r"|\s+and\s+(?=(?:" + "|".join(_AUX) + r"|also|then|that|another|later|subsequently)\b)"
    r"|\s+and\s+(?=(?:the|a|an)\s+[^,]{0,40}?\b(?:article|report|piece|story|coverage|one)\b)"
    r"|\s+and\s+(?=(?:the\s+|a\s+)?\x00)"
    r"|\s+(?=(?:before|after|prior to|earlier than|later than)\s+(?:the\s+|a\s+)?\x00)", re.I)
# Words about the reporting itself, not the facts reported: they never have to be found in the evidence.
_META = set(terms("article articles report reports reported reporting suggest suggests suggested indicate indicates "
                  "indicated imply implies implied claim claims claimed mention mentions mentioned discuss discusses "
                  "discussed describe describes described portray portrays portrayed portrayal state states stated "
                  "note notes noted highlight highlights highlighted focus focuses focused cover covers covered "
                  "news source sources piece story publish published publication excerpt excerpts latest recent "
                  "recently another both second first subsequent subsequently later earlier previous previously "
                  "considering regarding based information detail detailed details account"))
# Pairs of options a question may offer ("consistent or inconsistent"): the first of each pair is "the same".
SAME = {"consistent", "consistency", "agree", "agreement", "agreed", "similar", "same", "align", "aligned",
        "alignment", "remain", "remained", "unchanged", "support", "supported", "successful", "positive",
        "compatible", "confirm", "before"}
DIFFERENT = {"inconsistent", "inconsistency", "disagree", "disagreement", "different", "differ", "differing",
             "contradict", "contradictory", "change", "changed", "changes", "conflict", "conflicting",
             "discrepancy", "unsuccessful", "negative", "incompatible", "after", "diverge", "opposite"}
# How a yes/no question asks whether two reports differ (the verdict is then "yes" on a conflict): words that
# only ever ask it ("inconsistent", "contradict", "disagree", "differ"), and "change" / "shift" / "discrepancy"
# where the question asks about one: "was there a change", "did X change?", "result in a change", "changed".
# The same nouns inside a claim ("roster changes", "climate change", "aware of the financial discrepancies")
# are what an article says, not what the question asks. "A different aspect / approach than B's" is not among
# them either: such a question states what each side says, so it holds when both are supported, like any claim.
_NOUNS = r"(?:change|shift|inconsistenc(?:y|ies)|discrepanc(?:y|ies)|disagreement|difference|contradiction|conflict)s?"
_ASKS_DIFFERENCE = re.compile(
    r"\b(?:inconsisten\w*|contradict\w*|disagree\w*|differ|differs|differed|diverg\w*|changed|shifted)\b"
    rf"|\bthere\s+(?:(?:a|an|any|some|no)\s+)?{_NOUNS}\b"
    rf"|\b(?:result(?:s|ed|ing)?\s+in|lead(?:s|ing)?\s+to|led\s+to|show(?:s|n|ed)?)\s+(?:(?:a|an|any)\s+)?{_NOUNS}\b"
    r"|\b(?:did|does|do|has|have)\s+(?:[\w'’.,-]+\s+){1,12}?(?:change|shift)"
    r"(?:\s*[?,]|\s+(?:its|their|his|her|the|a|an|in|from|with|after|between|over|since|when)\b)"
    r"|\bdifferent (?:view|stance|conclusion|amount|figure|number)\b", re.I)
# "Was there no change ...?": yes means the reports agree.
_NO_DIFFERENCE = re.compile(rf"\bthere\s+no\s+{_NOUNS}\b|\b(?:did|does|do)\s+not\s+(?:change|differ)\b", re.I)
PERSON = re.compile(r"\b(who|whom|whose|individual|person|people|man|woman|ceo|founder|executive|player|"
                    r"athlete|coach|author|singer|actor|actress|artist|entrepreneur|figure|leader|politician)\b", re.I)
ORG = re.compile(r"\b(company|companies|firm|organi[sz]ation|corporation|business|startup|group|entity|brand|"
                 r"platform|team|club|agency|outlet|network|bank|exchange|university|league|retailer)\b", re.I)
PLACE = re.compile(r"\b(where|country|city|place|state|nation|region|location)\b", re.I)
_ORDER = re.compile(r"\b(before|after|earlier|later|prior to|subsequent(?:ly)?|first|then)\b", re.I)


_RELATION = set(terms("consistent consistency inconsistent inconsistency agree agreement disagree disagreement "
                      "align aligned alignment similar same different differ change changed remain remained "
                      "maintain discrepancy contradict contradictory compare comparison show"))
_CALENDAR = re.compile(r"\b(january|february|march|april|may|june|july|august|september|october|november|december|"
                       r"\d{1,2}(?:st|nd|rd|th)?|\d{4}(?:-\d\d-\d\d"
                       r"(?:t[\d:+]+)?)?)\b", re.I)


_TOPICAL = re.compile(r"\b(focus(es|ed|ing)? on|discuss(es|ed|ing)?|cover(s|ed|ing)?|mention(s|ed|ing)?|"
                      r"highlight(s|ed|ing)?|address(es|ed|ing)?|reports? on|detail(s|ed|ing)?|talk(s|ed)? about|"
                      r"about)\b", re.I)


@dataclass
class Part:
    """One clause of the question: its words, the outlets and days it names, whether it is negated."""

    text: str
    sources: set[str] = field(default_factory=set)
    days: set[int] = field(default_factory=set)
    negated: bool = False
    source_names: list[str] = field(default_factory=list)  # as written in the question, to drop from its terms

    def terms(self) -> list[str]:
        """Content terms of the clause, without words about reporting ("article", "suggest", "reported")."""
        return self.topic() + [t for t in self.predicate() if t not in self.topic()]

    def _clean(self) -> str:
        text = self.text
        for name in self.source_names:
            text = re.sub(re.escape(name), " ", text, flags=re.I)
        text = re.sub(r"(?<=\w)['’]s\b|(?<=s)['’](?=\s)", "", text)  # possessives: "judge's" is "judge"
        text = re.sub(r"(?<!\w)['‘’\"“”]|['‘’\"“”](?!\w)", " ", text)  # quotes around names
        return _CALENDAR.sub(" ", text)

    @property
    def topical(self) -> bool:
        """A claim about what an article is about ("focuses on X", "discusses X"), not about what happened."""
        return bool(_TOPICAL.search(self.text))

    def topic(self) -> list[str]:
        """Terms of the names the clause is about (capitalised words after its first word)."""
        words = re.findall(r"[\w’'\-.]+", self._clean())[1:]
        caps = " ".join(w for w in words if w[:1].isupper() or w[:1].isdigit())
        return [t for t in dict.fromkeys(terms(caps)) if t not in _META and t not in _RELATION]

    def predicate(self) -> list[str]:
        """Terms of what the clause says about them (its lower-case content words)."""
        words = re.findall(r"[\w’'\-.]+", self._clean())
        low = " ".join(w for i, w in enumerate(words) if not (i and (w[:1].isupper() or w[:1].isdigit())))
        return [t for t in dict.fromkeys(terms(low)) if t not in _META and t not in _RELATION]


@dataclass
class Analysis:
    """What kind of answer the question wants, what it asks for, and its parts in order."""

    question: str
    form: str  # "yes_no" | "choice" | "entity" | "open"
    asks: str  # "person" | "organisation" | "place" | "number" | "date" | "letter" | "thing" | "yes_no"
    parts: list[Part]
    options: list[str] = field(default_factory=list)  # ("consistent", "inconsistent"), as worded
    asks_difference: bool = False  # "was there a change ...?": yes means the reports differ
    negated: bool = False  # "was there no change ...?": yes means they do not
    order: str | None = None  # "before" | "after" when the question asks about the order of reports
    sources: set[str] = field(default_factory=set)  # every outlet the question names
    unknown: list[str] = field(default_factory=list)  # outlets it names that the index does not hold


def _form(question: str) -> tuple[str, str]:
    """("yes_no" | "entity" | "open", the main clause) of a question."""
    q = question.strip()
    if _WH.match(q):
        return ("entity" if re.match(r"^\s*(who|whom|whose|which|what)\b", q, re.I) else "open"), q
    first = q.split(maxsplit=1)[0].lower() if q.split() else ""
    if first in _AUX:
        return "yes_no", q
    if _LEAD.match(q):
        # "After X reported ..., did Y ...?": the main clause starts at the first ", <aux> " / ", which".
        m = re.search(r",\s+(" + "|".join(_AUX) + r"|who|which|what|how|is there|was there)\b", q, re.I)
        if m:
            main = q[m.start(1):]
            wh = _WH.match(main)
            return ("yes_no" if not wh else "entity" if wh.group(1).lower() in ("who", "which", "what") else "open"), q
    if re.search(r"\b(?:" + "|".join(_AUX) + r")\b", q.split(",")[0].lower()) is None and "?" in q:
        return "open", q
    return "open", q


def _asks(question: str, form: str) -> str:
    """The kind of thing asked for, from the question's wh-phrase and its head noun."""
    q = question.lower()
    if form in ("yes_no", "choice"):
        return "yes_no"
    if re.search(r"\bhow (many|much)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (day|date|year|month)\b", q):
        return "date"
    if re.search(r"\b(?:which|what)\b(?:\s+\w+){0,4}\s+(?:letters?|initials?|characters?|numerals?)\b|"
                 r"\b(?:single|first|last) (?:letter|initial|character)\b|\bsingle (?:roman )?numeral\b", q):
        return "letter"  # a character derived from a name: no article states it
    head = re.search(r"\b(?:who|which|what)\b(?:\s+\w+){0,4}", question, re.I)
    window = head.group() if head else q
    if re.match(r"\s*who\b", window, re.I) and not ORG.search(window):
        return "person"
    if ORG.search(window):
        return "organisation"
    if PERSON.search(window):
        return "person"
    if PLACE.search(window):
        return "place"
    return "thing"


def _options(question: str) -> list[str]:
    """The two options a question offers ("consistent or inconsistent", "agree ... or ... different")."""
    for m in re.finditer(r"\b([a-z]+)\s+or\s+([a-z]+)\b", question.lower()):
        a, b = m.group(1), m.group(2)
        if (a in SAME and b in DIFFERENT) or (a in DIFFERENT and b in SAME):
            return [a, b]
    # "Do A and B agree on X, or do they present different Y?": the options are the two verbs.
    pair = re.search(r"\b(agree|align|similar|consistent|same)\b.*,?\s+or\s+(?:do|does|did|are|is|were)\s+"
                     r"(?:they|these|the\s+\w+)\b.*?\b(differ|different|contradict|inconsistent)\b", question.lower())
    if pair:
        return [pair.group(1), pair.group(2)]
    return []


def split_parts(question: str, known_sources: list[str]) -> list[Part]:
    """Clauses of the question that say something beyond naming an outlet, each with its outlets, days, negation."""
    text = re.sub(r"\?\s*$", "", question.strip())
    # Outlet names may hold "and" or "|" ("Life and Style"): shield them while splitting.
    shielded: list[str] = []
    names = set(known_sources) | {re.split(r"\s[-|]\s", n)[0] for n in known_sources}
    for name in sorted(names, key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.I)
        if len(name) > 3 and pattern.search(text):
            text = pattern.sub(lambda m: f"\x00{len(shielded)}\x00", text)
            shielded.append(name)
    text = re.sub(r"\bbetween\b(.*?)\band\b", r"\1 while ", text, count=1, flags=re.I)  # between A and B
    raw = [p.strip(" ,") for p in _SPLIT.split(text) if p and p.strip(" ,")]
    raw = [re.sub(r"\x00(\d+)\x00", lambda m: shielded[int(m.group(1))], p) for p in raw]
    parts: list[Part] = []
    carry = ""
    for piece in raw:
        if not Part(piece, source_names=[n for n in shielded if n.lower() in piece.lower()]).terms():
            if parts:
                parts[-1].text += " " + piece
            else:
                carry = piece + " "
            continue
        piece, carry = carry + piece, ""
        h = question_hints(piece, known_sources)
        neg = bool(re.search(r"\b(not|no|never|none|nor|without|other than|rather than|neither|n't)\b|n't\b",
                             piece.lower()))
        named = [n for n in shielded if n.lower() in piece.lower()]
        heads = [re.split(r"\s[-|]\s", s)[0] for s in h.sources]
        parts.append(Part(piece, set(h.sources), set(h.days), neg, named + heads))
    _share_predicate(parts)
    return _per_outlet(parts) or [Part(question)]


def _share_predicate(parts: list[Part]) -> None:
    """"A on X and B on Y both report Z": what follows "both" / "all" is said of every part."""
    if len(parts) < 2:
        return
    m = re.search(r"\b(?:both|all|each)\b\s+(.*)$", parts[-1].text, re.I)
    if not m or not Part(m.group(1)).predicate():
        return
    tail = re.sub(r",?\s*respectively\b", "", m.group(1))
    for p in parts[:-1]:
        if len(p.predicate()) < 2:
            p.text = f"{p.text} {tail}"


def _per_outlet(parts: list[Part]) -> list[Part]:
    """A clause naming two outlets ("both the Guardian and the Independent report X") is one claim per outlet."""
    out: list[Part] = []
    for p in parts:
        heads: dict[str, set[str]] = {}
        for s in p.sources:
            heads.setdefault(re.split(r"\s[-|]\s", s)[0], set()).add(s)
        if len(heads) < 2:
            out.append(p)
            continue
        low = p.text.lower()
        for _, group in sorted(heads.items(), key=lambda kv: low.find(kv[0].removeprefix("the ")) % 10**6):
            out.append(Part(p.text, set(group), set(p.days), p.negated, list(p.source_names)))
    return out


def analyse(question: str, known_sources: list[str]) -> Analysis:
    """The question's form, what it asks for, its options and its parts."""
    form, _ = _form(question)
    options = _options(question) if form == "yes_no" else []
    if options:
        form = "choice"
    parts = split_parts(question, known_sources)
    whole = question_hints(question, known_sources)
    order = None
    if form in ("yes_no", "choice") and len(parts) >= 2:
        m = re.search(r"\b(before|after|earlier than|later than|prior to)\b", question, re.I)
        if m and re.search(r"\breport|publish|announc|mention|say|said|state|cover|write|wrote", question, re.I):
            order = "before" if m.group(1).lower() in ("before", "earlier than", "prior to") else "after"
    asks_difference = bool(_ASKS_DIFFERENCE.search(question)) and not options
    return Analysis(question, form, _asks(question, form), parts, options, asks_difference,
                    asks_difference and bool(_NO_DIFFERENCE.search(question)), order,
                    set(whole.sources), unknown_outlets(question, known_sources))


_NAMEPAT = r"(?:the\s+)?([A-Z][\w&.\-]*(?:\s+(?:of\s+)?[A-Z][\w&.\-]*){0,4})"
_OUTLET_REF = re.compile(
    r"\b(?:article|report|piece|story|column|editorial|op-ed|coverage)s?\s+(?:published\s+)?(?:by|from|in)\s+"
    + _NAMEPAT
    + r"|\b(?:an?|the)\s+([A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,4})\s+(?:article|report|piece|story)\b"
    r"|\b(?:and|or)\s+(?:another|one|a second|the other)\s+(?:\w+\s+)?(?:by|from|in)\s+" + _NAMEPAT
    + r"|\b(?:reported|published|discussed|covered|detailed)\s+(?:by|in)\s+" + _NAMEPAT
    + r"|\b(?:articles|reports)\s+(?:from|by|in)\s+[^,?]*?\band\s+" + _NAMEPAT)


_MONTH_DAY = set("""january february march april may june july august september october november december monday
tuesday wednesday thursday friday saturday sunday""".split())


def unknown_outlets(question: str, known_sources: list[str]) -> list[str]:
    """Outlets the question names ("an article from Bloomberg", "a Reuters report") that are not indexed."""
    known = {_plain(n) for n in known_sources} | {_plain(re.split(r"\s[-|]\s", n)[0]) for n in known_sources}
    out = []
    for m in _OUTLET_REF.finditer(question):
        name = next((g for g in m.groups() if g), "").strip()
        if name.split()[0].lower() in _MONTH_DAY if name else True:
            continue
        if name and _plain(name) not in known and not any(_plain(name) in k or k in _plain(name) for k in known if k):
            out.append(name)
    return out


def _plain(name: str) -> str:
    words = re.sub(r"[^a-z0-9 ]+", " ", name.lower()).split()
    return " ".join(words[1:] if words[:1] == ["the"] else words)
