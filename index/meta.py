"""Headline, byline and date of a scraped page, read from its structure around the start of the story."""
from __future__ import annotations

import re

from index.dates import is_ambiguous, parse_date
from index.lines import hard_reason, headline_shaped, is_date_line, is_prose, is_time, n_words

# Words that make a capitalised pair a publication, section or menu item rather than a person.
_NOT_NAME = {
    "the", "a", "an", "via", "by", "and", "staff", "news", "home", "top", "latest", "most", "local", "world",
    "gazette", "times", "herald", "post", "daily", "courier", "press", "journal", "tribune", "chronicle",
    "observer", "ledger", "review", "record", "star", "mail", "express", "guardian", "independent",
    "telegraph", "standard", "globe", "weekly", "monthly", "magazine", "media", "radio", "tv", "online",
    "live", "sport", "sports", "business", "opinion", "politics", "culture", "notes", "diary", "blog",
    "index", "help", "site", "paper", "edition", "section", "contact", "about", "more", "new",
    # function words and page labels that Title Case menus capitalise ("In Brief", "Watch Live")
    "in", "on", "at", "of", "for", "to", "from", "with", "your", "my", "our", "brief", "briefs", "breaking",
    "watch", "video", "photos", "up", "next", "now", "today", "subscriber", "exclusive", "read", "share",
}
# Job titles that follow a name ("Jenna Morales Staff Writer", "Tom Hale, Technology Reporter").
_ROLE = {
    "staff", "senior", "chief", "special", "contributing", "deputy", "associate", "freelance", "writer",
    "writers", "reporter", "reporters", "correspondent", "editor", "editors", "columnist", "contributor",
    "producer", "journalist", "agencies", "wire", "newswire",
}
# A line that says who wrote the piece without a person's name ("Staff and agencies", "Via AP news wire").
_ROLE_LINE = re.compile(
    r"^(by|via)\s|\b(staff|agencies|correspondent|reporter|editor|writer|news wire|newswire|press association|"
    r"contributor)s?$", re.I)
_BY = re.compile(r"(?:^|\s)(?:by|words by|written by):?\s+(.+)$", re.I)
_CUT = re.compile(r"\s*(,|\||•|·|–|—| - |;|:|\(|\d).*$")
_CONNECT = {"and", "&"}


def _name_token(tok: str) -> bool:
    core = tok.strip(".’'")
    return (len(core) >= 1 and core[0].isupper() and all(c.isalpha() or c in "'’.-" for c in tok)
            and core.lower() not in _NOT_NAME and core.lower() not in _ROLE)


def person(text: str) -> str | None:
    """The person's name (or names joined by 'and') at the start of `text`, else None."""
    text = _CUT.sub("", text.strip())
    out: list[str] = []
    for tok in text.split():
        if _name_token(tok) or (tok.lower() in _CONNECT and out and out[-1].lower() not in _CONNECT):
            out.append(tok)
        else:
            break
    while out and out[-1].lower() in _CONNECT:
        out.pop()
    names = [t for t in out if t.lower() not in _CONNECT]
    if len(names) < 2 or (len(names) > 4 and not any(t.lower() in _CONNECT for t in out)):
        return None
    return " ".join(out)


_TITLE_BAR = re.compile(r"^\s*(\||-|–|—|::|·)\s*\S")


def find_headline(lines: list[str], start: int, excluded: set[int], story: str = "") -> int | None:
    """The line the story hangs from: the nearest headline-shaped block above the story, its first line.

    A headline followed directly by a headline-shaped standfirst forms one block, and so does a site's
    tagline followed by the headline: the tagline shares no words with the `story`. A heading right after
    a bare time is a live-blog post heading, not the page's headline.
    """
    ok = [i < start and i not in excluded and headline_shaped(lines[i]) and not is_prose(lines[i])
          and not (i > 0 and is_time(lines[i - 1])) for i in range(len(lines))]
    for i in range(len(lines)):
        if ok[i] and any(ok[j] and j != i and _TITLE_BAR.match(lines[i][len(lines[j]):]) and lines[i].startswith(lines[j])
                         for j in range(min(start, len(lines)))):
            ok[i] = False  # "Headline | Site", the browser's title bar, when the bare headline is there too
    for i in range(min(start, len(lines)) - 1, -1, -1):
        if ok[i]:
            block = [i]
            while block[0] > 0 and ok[block[0] - 1]:
                block.insert(0, block[0] - 1)
            # Headline + standfirst, or tagline + headline: the first line that shares words with the story.
            return next((b for b in block if _shares_words(lines[b], story)), block[0])
    return None


_STOP = set("""about after again also among been before being between both could does doing down during each
from have having here into just more most much only other over same should some such than that their them
then there these they this those through under until very what when where which while will with would your
says said year years week today""".split())


def _content(text: str) -> set[str]:
    """Content-word stems (first 5 letters of longer words, no stopwords) for a rough overlap."""
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP}


def _shares_words(line: str, story: str) -> bool:
    return bool(_content(line) & _content(story))


# What may follow a name on a byline line: a job title or the place filed from ("Andrew Marsh in Beijing").
_TAIL = re.compile(r"^((in|at)\s+[A-Z][\w .'’-]*|([\w&]+\s+){0,2}(writer|reporter|correspondent|editor|columnist|"
                   r"contributor|producer|journalist)s?)$", re.I)


def byline_lines(lines: list[str], upto: int, excluded: set[int]) -> list[tuple[int, str, str]]:
    """Byline candidates above `upto`: (index, byline, kind).

    Kinds: 'by' ('By NAME …', 'Posted … by NAME'), 'name' (a name with a job title or place, or a bare name
    beside a role or date line), 'bare' (a bare name, placed later by the headline), 'role' (no name:
    'Staff and agencies', 'Via AP news wire').
    """
    out: list[tuple[int, str, str]] = []
    for i in range(min(upto, len(lines))):
        line = lines[i]
        if i in excluded or n_words(line) > 14 or is_prose(line):
            continue
        m = _BY.search(line)
        name = person(m.group(1)) if m else None
        if name and hard_reason(line) not in ("caption or credit", "credit or note about the article"):
            out.append((i, name, "by"))
            continue
        name = person(line)
        rest = line[len(name):].strip(" ,|–—-") if name and line.startswith(name) else None
        if name and rest == "" and n_words(line) <= 4:
            near = [lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)]
            placed = any(_ROLE_LINE.search(x) and n_words(x) <= 4 or is_date_line(x) for x in near)
            out.append((i, name, "name" if placed else "bare"))
        elif name and rest and _TAIL.match(rest):
            out.append((i, name, "name"))
        elif _ROLE_LINE.search(line) and n_words(line) <= 8:
            out.append((i, line, "role"))
    return out


def pick_byline(cands: list[tuple[int, str, str]], kinds: tuple[str, ...], headline: int | None = None
                ) -> tuple[int, str] | None:
    """The first candidate of the first kind in `kinds` that has one; a bare name only next to the headline."""
    for kind in kinds:
        for i, text, k in cands:
            if k == kind and i != headline and (kind != "bare" or (headline is not None and abs(i - headline) <= 2)):
                return i, text
    return None


def find_date(lines: list[str], upto: int) -> tuple[int, str] | None:
    """(line index, ISO date) of the first absolute date on a short line above `upto`; relative dates give none."""
    for i in range(min(upto, len(lines))):
        if n_words(lines[i]) <= 20 and not is_prose(lines[i]) and not is_ambiguous(lines[i]):
            iso = parse_date(lines[i])
            if iso:
                return i, iso
    return None
