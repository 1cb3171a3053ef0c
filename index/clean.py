"""Turn a scraped news page (plain text, one block per line) into title, metadata and a clean body.

General rules, not per-site templates: site chrome is recognised by what it says (sign-up, app and
donation appeals, captions, credits) and by where it sits (outside the longest run of prose).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.dates import parse_date
from index.outlets import find_outlet

# Phrases that only site furniture uses. Matched on short lines, or on lines that also address the
# reader or speak as the publication ("your", "we", "us"), so news *about* subscriptions survives.
_CHROME = re.compile(
    r"\b(sign ?up|sign ?in|log ?in|logged in|log out|subscri\w*|newsletter|notifications?|"
    r"download (?:the|our) app|the app\b|start reading|already a member|membership|members? only|"
    r"your support|donat\w*|paywall\w*|related (?:stories|articles|content)|top stories|our picks|"
    r"free trial|days free|advertisement|cookies?|privacy policy|terms of (?:use|service)|"
    r"thank you for registering|refresh (?:the|your) (?:page|browser)|premium titles|one app|"
    r"share (?:this|on)|follow us|read more|most (?:read|popular)|recommended for you|"
    r"all rights reserved|skip to (?:main )?content|click here|curated specifically for you|"
    r"access to news from|trusted global sources|register (?:now|for free)|create an account)\b",
    re.IGNORECASE,
)
_ADDRESSES_READER = re.compile(r"\b(you|your|we|our|us)\b", re.IGNORECASE)
_CAPTION = re.compile(
    r"(Photograph:|Photo:|Photo by|Photos?:|Image:|Images?:|Picture:|Credit:|Getty Images|"
    r"\(Copyright|©|AP Photo|Reuters/|/AFP|Illustration:)",
)
_BYLINE = re.compile(
    r"^(by|via)\s|\b(staff|agencies|correspondent|reporter|editor|news wire|newswire|"
    r"press association|contributor)\b",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_WORD = re.compile(r"\w+")


@dataclass
class Cleaned:
    """What the cleaner recovers from a scraped page."""

    title: str
    body: str
    source: str | None
    byline: str | None
    published: str | None


_BLANKS = re.compile(r"[ \t]{2,}|\t")  # only real runs: rewriting every single space costs ~1 ms/article


def normalise(text: str) -> str:
    """Unicode NFC, unix newlines, no-break spaces as spaces, no trailing blanks, no zero-widths."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = _BLANKS.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _n_words(line: str) -> int:
    return len(_WORD.findall(line))


def _is_prose(line: str) -> bool:
    """A story paragraph: a real sentence (8+ words) ending in terminal punctuation."""
    return _n_words(line) >= 8 and bool(_TERMINAL.search(line))


def _is_chrome(line: str, nxt: str | None, source: str | None) -> bool:
    """Site furniture: appeals, sign-up prompts, captions, credits, repeated caption titles."""
    if _CAPTION.search(line):
        return True
    if nxt is not None and len(line) >= 8 and nxt.startswith(line) and nxt != line:
        return True  # caption/headline text repeated with a credit on the next line
    if _CHROME.search(line) and (_n_words(line) <= 12 or _ADDRESSES_READER.search(line)):
        return True
    # The publication speaking about itself in the first person is a house ad, not news.
    if source and source.lower() in line.lower() and re.search(r"\b(we|our|us)\b", line, re.I):
        return True
    return False


def _body_lines(lines: list[str], chrome: list[bool]) -> list[int]:
    """Indices of the story: runs of prose between chrome; minor runs only join next to a big one."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, line in enumerate(lines):
        if chrome[i]:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    if current:
        runs.append(current)

    def prose_words(run: list[int]) -> int:
        return sum(_n_words(lines[i]) for i in run if _is_prose(lines[i]))

    def substantial(run: list[int]) -> bool:
        return sum(_is_prose(lines[i]) for i in run) >= 2 and prose_words(run) >= 40

    if not runs:
        return []
    best = max(range(len(runs)), key=lambda r: prose_words(runs[r]))
    chosen = [runs[best]]
    # Story split by an inline "Advertisement"/"Read more": keep neighbouring runs that are stories too.
    for r in list(range(best - 1, -1, -1)):
        if not substantial(runs[r]):
            break
        chosen.insert(0, runs[r])
    for r in range(best + 1, len(runs)):
        if not substantial(runs[r]):
            break
        chosen.append(runs[r])
    picked = [i for run in chosen for i in run]
    # Trim headline/standfirst/dateline lines off the front and credits off the end.
    while picked and not _is_prose(lines[picked[0]]):
        picked.pop(0)
    while picked and not _is_prose(lines[picked[-1]]):
        picked.pop()
    return picked


def _headline(lines: list[str], source: str | None) -> str | None:
    """The first headline-shaped line: 4-30 words, no full stop, not a name, date, byline or caption."""
    for line in lines:
        n = _n_words(line)
        if not 4 <= n <= 30 or line.endswith(".") or _BYLINE.search(line) or _CAPTION.search(line):
            continue
        if source and line.lower().startswith(source.lower()):
            continue
        if parse_date(line):
            continue
        return line
    return None


def clean_page(raw: str) -> Cleaned:
    """Split a scraped page into headline, source, byline, date and the story paragraphs."""
    lines = [line for line in normalise(raw).split("\n") if line]
    source = find_outlet(lines[: max(12, len(lines) // 4)]) or find_outlet(lines)
    chrome = [
        _is_chrome(line, lines[i + 1] if i + 1 < len(lines) else None, source)
        for i, line in enumerate(lines)
    ]
    body_idx = _body_lines(lines, chrome)
    start = body_idx[0] if body_idx else len(lines)
    header = [line for i, line in enumerate(lines[:start]) if not chrome[i]]

    title = _headline(header, source) or _headline(lines, source) or (lines[0] if lines else "")
    byline = next(
        (h for h in header if _BYLINE.search(h) and _n_words(h) <= 8 and h != title), None
    )
    published = next((d for d in map(parse_date, header) if d), None)
    kept = set(body_idx)
    body = "\n\n".join(lines[i] for i in sorted(kept) if not chrome[i])
    return Cleaned(title=title, body=body, source=source, byline=byline, published=published)
