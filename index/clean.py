"""Turn a scraped news page (plain text, one block per line) into title, metadata and a clean body.

General rules, not per-site templates. Each line gets evidence (index/lines.py): prose or not, and chrome
marks such as ad slots, captions, calls to action, menus, legal lines, or text repeated across the pages of
one run. The story is the main cluster of prose lines; inside it only lines with chrome evidence go, outside
it everything goes. When in doubt a line is kept: a lost story sentence makes an answer impossible.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from index.lines import (
    SITE_WORD,
    addresses_reader,
    hard_reason,
    is_prose,
    is_sentence,
    menu_runs,
    n_words,
    site_to_reader,
    soft_reason,
)
from index.meta import byline_lines, find_date, find_headline, pick_byline
from index.outlets import find_outlet


@dataclass
class Cleaned:
    """What the cleaner recovers from a scraped page."""

    title: str
    body: str
    source: str | None
    byline: str | None
    published: str | None
    decisions: list[tuple[str, bool, str]] = field(default_factory=list, repr=False)  # (line, kept, why)


_BLANKS = re.compile(r"[ \t]{2,}|\t")  # only real runs: rewriting every single space costs ~1 ms/article


def normalise(text: str) -> str:
    """Unicode NFC, unix newlines, no-break spaces as spaces, no trailing blanks, no zero-widths."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = _BLANKS.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


# Labels that head the lists after a story (related links, comments, topics): a story does not continue
# past one, whereas an ad slot or a "Share" button inside it does not end it. The whole line is the label
# (5 words at most): "Related: <headline>" set inside a story does not end it.
_FOOTER_LABEL = re.compile(
    r"(related( \w+)?|more (on|from|about|stories|in)( [\w ]+)?|read (next|more|also)|also read|"
    r"most (read|viewed|popular|shared)|top (stories|headlines)|trending( now)?|recommended( for you)?|"
    r"you (may|might) (also )?like|explore more[\w ]*|tags?:?|categories:?|(\d+ )?comments?( \(\d+\))?|"

    r"discussion about this post|ready for more\??|editor'?s picks|leave a (reply|comment)|up next|"
    r"about [\w .&,'’-]+|#{3}|-+ ?30 ?-+|-* ?ends? ?-*)", re.I)
_COMMENTS_CLOSED = re.compile(r"comments are (closed|disabled|off)\.?", re.I)
_BIO = re.compile(
    r"^([A-Z][\w'’-]+ ){0,3}[A-Z][\w'’-]+ (is an? [\w ,-]{0,40}(writer|reporter|correspondent|editor|journalist|"
    r"columnist|producer|contributor)|covers|writes about|reports on)\b")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_QUESTION_TITLE = re.compile(r"[?!][\"'”’]?$")
_BY_START = re.compile(r"^(by|words by|written by|posted by):?\s", re.I)
TEMPLATE = "template text (repeated on 3+ pages of this run)"
_BYLINE_OK = ("menu or link list", "date line", TEMPLATE)
CLUSTER_GAP = 3  # lines of chrome (ads, captions, buttons) that may sit between two story paragraphs
JOIN_GAP = 8  # a block of paragraphs this close above the main one still belongs to the story
CHROME_BLOCK = 5  # more chrome lines than this after a paragraph, and the story has ended


def _evidence(lines: list[str], source: str | None, template: frozenset[str]) -> tuple[list, list, list[bool]]:
    """Per line: hard chrome reason, soft reason, and whether it is a story anchor (unflagged prose)."""
    menu = menu_runs(lines)
    hard: list[str | None] = []
    for i, line in enumerate(lines):
        why = hard_reason(line)
        if not why and i in menu:
            why = "menu or link list"
        if not why and i + 1 < len(lines) and len(line) >= 8 and lines[i + 1].startswith(line) \
                and lines[i + 1] != line and not is_sentence(line) and hard_reason(lines[i + 1]) == "caption or credit":
            why = "caption repeated with its credit"
        if not why and line in template and not is_prose(line):
            why = TEMPLATE
        hard.append(why)
    soft: list[str | None] = [soft_reason(line, source) for line in lines]
    for i, line in enumerate(lines):
        if not soft[i] and _BIO.match(line) and n_words(line) <= 25:
            soft[i] = "author's biography"
    prose = [is_prose(x) and not hard[i] and not soft[i] for i, x in enumerate(lines)]
    # Template prose is no anchor, unless the whole story is repeated (the same wire copy in several files).
    fresh = [p and lines[i] not in template for i, p in enumerate(prose)]
    if any(fresh):
        for i, p in enumerate(prose):
            if p and not fresh[i]:
                soft[i] = TEMPLATE
        prose = fresh
    return hard, soft, prose


def is_footer_label(line: str) -> bool:
    """A label that heads what follows a story (related links, comments, topics, an 'About us' box, '###')."""
    return n_words(line) <= 5 and (not line.endswith(".") and bool(_FOOTER_LABEL.fullmatch(line.strip(" :›»>")))
                                   or bool(_COMMENTS_CLOSED.fullmatch(line)))


def _extend(lines: list[str], first: int, last: int, hard: list, soft: list) -> tuple[int, int]:
    """Widen the story over sentences next to it: short ones ('The dog was unhurt.', also past up to two chrome
    lines after it) and paragraphs repeated in other files of the run (versions of one story share them)."""
    def short_sentence(k: int) -> bool:
        x = lines[k]
        if hard[k] or (soft[k] and soft[k] != TEMPLATE) or is_footer_label(x):
            return False
        if soft[k] == TEMPLATE:
            return True  # a repeated paragraph touching the story: when in doubt, keep
        return (n_words(x) >= 3 and bool(_TERMINAL.search(x)) and not addresses_reader(x)
                and (x[0].isupper() or x[0] in "“\"‘'"))

    k, skipped = last + 1, 0
    while k < len(lines) and skipped <= 2 and not is_footer_label(lines[k]):
        if short_sentence(k):
            last, skipped = k, 0
        elif hard[k] and hard[k] != TEMPLATE:
            skipped += 1  # a sentence survives next to an ad slot, a button or a stray menu line
        else:
            break
        k += 1
    k = first - 1
    while k >= 0 and short_sentence(k):
        first, k = k, k - 1
    return first, last


def _story_span(lines: list[str], anchors: list[int], hard: list, soft: list) -> tuple[int, int] | None:
    """First and last line of the story: the cluster of anchors with most prose, joined to its neighbours.

    Forward the story runs on until a footer label (related links, comments …) or a block of chrome
    (6+ ad, call-to-action, legal or caption lines); lists and short lines between paragraphs do not
    end it. Backward it joins only what is close (the header holds prose-like appeals and teasers).
    """
    if not anchors:
        return None
    flagged = [bool(h or s) for h, s in zip(hard, soft)]

    def label_between(a: int, b: int) -> bool:
        return any(is_footer_label(lines[k]) for k in range(a + 1, b))

    def gap(a: int, b: int) -> float:  # lines between two anchors; unflagged lines (lists, subheads) count half
        return sum(1 if flagged[k] else 0.5 for k in range(a + 1, b))

    def chrome_between(a: int, b: int) -> int:  # flagged lines other than menus, which lists inside stories resemble
        return sum(1 for k in range(a + 1, b) if flagged[k] and hard[k] != "menu or link list")

    clusters: list[list[int]] = [[anchors[0]]]
    for a in anchors[1:]:
        prev = clusters[-1][-1]
        if gap(prev, a) <= CLUSTER_GAP and not label_between(prev, a):
            clusters[-1].append(a)
        else:
            clusters.append([a])
    words = [sum(n_words(lines[i]) for i in c) for c in clusters]
    lo = hi = max(range(len(clusters)), key=lambda c: words[c])

    def joins_above(c: int) -> bool:  # cluster c joins the story that starts at cluster c + 1
        a, b = clusters[c][-1], clusters[c + 1][0]
        if gap(a, b) <= JOIN_GAP and not label_between(a, b):
            return True
        # An intro of several paragraphs before a box of links (a newsletter's opening) is still the story;
        # header teasers are single sentences.
        return len(clusters[c]) >= 2 and words[c] >= 40 and chrome_between(a, b) <= CHROME_BLOCK

    while lo > 0 and joins_above(lo - 1):
        lo -= 1
    while hi + 1 < len(clusters) and chrome_between(clusters[hi][-1], clusters[hi + 1][0]) <= CHROME_BLOCK \
            and not label_between(clusters[hi][-1], clusters[hi + 1][0]):
        hi += 1
    return clusters[lo][0], clusters[hi][-1]


@dataclass
class _Page:
    """The evidence about one page's lines, shared by the steps of `clean_page`."""

    lines: list[str]
    hard: list[str | None]
    soft: list[str | None]
    prose: list[bool]
    anchors: list[int]


def _metadata(pg: _Page, start: int, end: int) -> tuple[int, int | None, tuple | None, tuple | None]:
    """(story start, headline index, (index, byline), (index, date)), read around the start of the story."""
    lines, hard, anchors = pg.lines, pg.hard, pg.anchors
    # Metadata sits above the story or among its first lines (dek, byline and date before the lead).
    second = next((a for a in anchors if a > start), start)
    upto = max(second, start)
    excluded = {i for i, h in enumerate(hard) if h and h != "date line"}
    # Bylines first (a name line is no headline); menus, dates and template text can still hold one.
    cands = byline_lines(lines, upto, {i for i, h in enumerate(hard) if h and h not in _BYLINE_OK})
    by = pick_byline(cands, ("by", "name"))
    named = {i for i, _, kind in cands if kind in ("by", "role")} | {i for i in range(upto) if _BY_START.match(lines[i])}
    flagged = excluded | named | {i for i, s in enumerate(pg.soft) if s} | ({by[0]} if by else set())
    story = " ".join(lines[a] for a in anchors if start <= a <= end)
    head = find_headline(lines, start, flagged, story)
    if head is None:  # a short headline can sit in a run of short lines that looks like a menu
        head = find_headline(lines, start, flagged - {i for i, h in enumerate(hard) if h == "menu or link list"}, story)
    if head is None and second > start:  # a prose line (a note, a kicker) above the headline opened the "story"
        head = find_headline(lines, second, flagged, story)
        if head is not None:
            start = next(a for a in anchors if a > head)
    if head is None and second > start and _QUESTION_TITLE.search(lines[start]) and n_words(lines[start]) <= 25 \
            and all(k in flagged for k in range(start)):
        head, start = start, second  # the page opens with a question or exclamation as its headline
    by = by or pick_byline(cands, ("bare", "role"), head)
    return start, head, by, find_date(lines, upto)


def _decide(pg: _Page, start: int, end: int, meta: dict[int, str], byline: str | None) -> list[tuple[str, bool, str]]:
    """Keep or drop each line, with the reason: metadata and lines outside the story go, chrome inside goes."""
    bio = _bio_pattern(byline) if byline else None
    out: list[tuple[str, bool, str]] = []
    for i, line in enumerate(pg.lines):
        hard, soft = pg.hard[i], pg.soft[i]
        if i in meta:
            keep, why = False, meta[i]
        elif i < start:
            keep, why = False, f"above the story: {hard or soft or 'header'}"
        elif i > end:
            keep, why = False, f"after the story: {hard or soft or 'footer'}"
        elif hard == "call to action" and is_prose(line) and not SITE_WORD.search(line):
            keep, why = True, "an instruction inside the story (advice, not the site's)"
        elif hard:
            keep, why = False, hard
        elif bio and bio.match(line) and i >= end - 2:
            keep, why = False, "about the author (the byline's name)"
        elif soft and (not is_prose(line) or site_to_reader(line)):
            # a sentence inside the story stays even if it says "you", unless the site speaks as "we" too
            keep, why = False, soft
        else:
            keep, why = True, "story" if pg.prose[i] else "inside the story"
        out.append((line, keep, why))
    return out


def clean_page(raw: str, template: frozenset[str] = frozenset()) -> Cleaned:
    """Split a scraped page into headline, source, byline, date and the story paragraphs.

    `template`: lines repeated across the pages of this run (index.template), taken as site text.
    """
    lines = [line for line in normalise(raw).split("\n") if line]
    source = find_outlet(lines[: max(12, len(lines) // 4)]) or find_outlet(lines)
    hard, soft, prose = _evidence(lines, source, template)
    pg = _Page(lines, hard, soft, prose, [i for i, p in enumerate(prose) if p])
    span = _story_span(lines, pg.anchors, hard, soft)
    start, end = _extend(lines, *span, hard, soft) if span else (len(lines), len(lines) - 1)
    start, head, by, when = _metadata(pg, start, end)
    meta = {head: "headline"} if head is not None else {}
    if by:
        meta.setdefault(by[0], "byline")
    if when:
        meta.setdefault(when[0], "date line")
    decisions = _decide(pg, start, end, meta, by[1] if by else None)
    excluded = {i for i, h in enumerate(hard) if h and h != "date line"}
    title = lines[head] if head is not None else _fallback_title(lines, excluded)
    body = "\n\n".join(line for line, keep, _ in decisions if keep)
    return Cleaned(title=title, body=body, source=source, byline=by[1] if by else None,
                   published=when[1] if when else None, decisions=decisions)


def _bio_pattern(byline: str) -> re.Pattern[str] | None:
    """A line about the author at the end of the story: the byline's name (or surname), then 'is', 'covers' …"""
    names = [n.strip() for n in re.split(r"\s+(?:and|&)\s+", byline) if len(n.split()) >= 2]
    forms = {f for n in names for f in (n, n.split()[-1])}
    if not forms:
        return None
    alt = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"^({alt}) (is|was|covers|writes|reports|has been)\b", re.I)


def _fallback_title(lines: list[str], excluded: set[int]) -> str:
    """No headline above the story: the first short unflagged line, else the first line."""
    for i, line in enumerate(lines):
        if i not in excluded and 3 <= n_words(line) <= 30 and not is_prose(line):
            return line
    return lines[0] if lines else ""
