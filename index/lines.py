"""Per-line evidence about a scraped page: is a line a sentence, and what (if anything) marks it as site chrome.

Every rule describes pages in general (shape, calls to action, legal and credit lines, menus, ad markers);
none names a site. Evidence comes in two strengths: `hard` chrome is dropped even inside the story, `soft`
chrome (the reader addressed about a service) yields to signs of reporting such as quotes and "said".
"""
from __future__ import annotations

import re

from index.dates import is_relative, parse_date

_WORD = re.compile(r"\w+")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_LOWER = re.compile(r"\b[a-z][a-z’'-]+\b")
# A sentence break inside a line ("… in November. Tomás Ibarra"): headlines do not have one.
_INNER_BREAK = re.compile(r"[a-z]{2}[.!?][\"'”’]?\s+[A-Z“\"]")

# Lines that mark an advertisement slot, whatever the site calls it.
_AD = re.compile(r"(skip |story continues below |article continues (?:below|after) |continue reading below )?"
                 r"(advertisement|advertising|ad|sponsored(?: content| post| by .{1,40})?|promoted(?: by .{1,40})?|"
                 r"paid (?:content|post|partner))[\s:.\-–·|]*(scroll to continue(?: with content)?)?", re.I)
# Captions and credits: a photo / image / illustration label or an agency photo credit.
_CAPTION = re.compile(
    r"(\b(Photograph|Photo|Photos|Image|Picture|Credit|Illustration|Video|Graphic)s?:|\bImage (source|caption)\b|"
    r"^(Photographs?|Photos?|Illustrations?|Images?|Video|Graphics?) by\b|\(Copyright|©)", re.I)
# An agency photo credit closing a line ("… Anadolu Agency/Getty Images"): a story may name the agency elsewhere.
_CREDIT_TAIL = re.compile(r"(Getty Images|AP Photo[^.]{0,40}|/AFP|/Reuters|/AP|"
                          r"(?<=[.!?] )[A-Z][\w’'-]+ [A-Z][\w’'-]+ for (The )?[A-Z][\w’'-]+( [A-Z][\w’'-]+)?)\)?$")
# Legal and house lines.
_LEGAL_STRONG = re.compile(
    r"\b(all rights reserved|may not be (?:published|reproduced|redistributed)|not responsible for the content|"
    r"will not be published|required fields)\b", re.I)
_LEGAL = re.compile(
    r"\b(all rights reserved|copyright|privacy policy|terms of (?:use|service)|cookie (?:policy|settings|preferences)|"
    r"may not be (?:published|reproduced|redistributed)|not responsible for the content|external link\w*|"
    r"powered by|required fields|will not be published|site index|site information|reprints?)\b", re.I)
# Credits for the reporting, and notes about the article itself (not part of the story).
_CREDIT = re.compile(
    r"^((additional )?(reporting|writing|editing|research) by\b|"
    r"this (article|story|report|content|page|post|piece|interview|conversation|transcript) "
    r"(is|was|has been|appears|appeared)\b|"
    r"a version of this (article|story)|this is an? (developing|breaking|live|updating) (news )?(story|report)|"
    r"the (views|opinions) expressed|.{0,80}\bcontributed to this (report|story|article)\b)", re.I)
# Imperatives that open a call to action.
_IMPERATIVE = re.compile(
    r"^(sign ?(up|in|out)|log ?(in|out)|subscribe|download|follow|share|click|tap|read|"
    r"see (more|all)|get|join|support|donate|register|create|"
    r"open in|continue (reading|to)|listen|watch|save|add to|try|start (reading|your|a free)|enter|type|"
    r"write a|leave a|post (a )?comment|manage|accept|reject|view|copy|explore|discover|learn more|order|reuse|"
    r"stay (informed|up to date|connected)|have a (news )?tip|got a (story|tip)|email us|contact (us|the)|"
    r"turn on|please (turn|enable|refresh|log|sign)|show|hide|expand|collapse|like this|skip to|back to top|go to)\b", re.I)
_SECOND = re.compile(r"\b(you|your|you're|yours)\b", re.I)
_FIRST_PLURAL = re.compile(r"\b(we|our|us|we're|we’re)\b", re.I)
# What a site sells or asks of its reader: with "you"/"we" and no reporting, a line is about the site.
_SERVICE = re.compile(
    r"\b(newsletters?|inbox|subscri\w*|sign(ed|ing)? ?up|log(ged)? ?in|(the|our) app|app store|account|cookies?|"
    r"browser|javascript|email address|your email|e-?mail us|notifications?|support (us|our|local|independent)|"
    r"your support|donat\w*|membership|members only|become a member|free trial|ad-free|journalism|"
    r"our (live |latest )?(coverage|reporting|newsroom|reporters|journalists|site|website)|newsroom|your feed|"
    r"reading list|(read|them) offline|delivered to your|(best|online|browsing|reading) experience|"
    r"(cookie|privacy|notification) settings|paywalls?)\b", re.I)
# Section labels: short lines that head a list of links, comments or topics.
_LABEL = re.compile(
    r"^(related( \w+)?|more (on|from|about|stories|news|in)\b.*|read (next|more|also)|also read|most (read|viewed|popular|shared)|"
    r"top (stories|headlines)|trending( now| on .*)?|recommended( for you| stories)?|you (may|might) (also )?like.*|"
    r"explore more.*|key events|latest( news| stories)?|topics|tags?:?.*|categories:?.*|comments?|\d+ comments?|"
    r"discussion about this post|share( this( article| story)?)?:?|ready for more\??|featured|editor'?s picks|"
    r"watch|listen|live|breaking|updated|menu|search|sections|home|exclusive|opinion|analysis|video|"
    r"\d+ likes?|like loading\.*|follow us)$", re.I)
# Reporting: the marks of a news sentence, which keep a line that otherwise speaks to "you".
_REPORTING = re.compile(r"(\b(said|says|told|according to|added|asked|wrote|stated|announced)\b|[“”\"])", re.I)
# "Related: <headline>" and the like, set into a story as a link.
_INLINE_LINK = re.compile(r"^(related|read more|read also|also read|see also|more|watch|listen|recommended|"
                          r"explainer|analysis|opinion|live|latest)\s*:\s*\S", re.I)
_CRUMB = re.compile(r"\s[›»>/|]\s")
# Words that make an instruction the site's own (as against advice inside a story).
SITE_WORD = re.compile(
    r"\b(we|our|us|newsletters?|inbox|email address|alerts?|notifications?|podcasts?|membership|subscri\w+|"
    r"account|journalism|newsroom)\b", re.I)
# "Updated at 02.36 GMT", "Published 25 January": a time stamp without a full date.
_STAMP = re.compile(r"^(updated|published|posted|last (updated|modified))( on| at)?\s+(\w+,? ){0,3}\d{1,2}([.:]\d{2})?"
                    r"\s*([ap]\.?m\.?)?\s*([A-Z]{2,4}|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)?$", re.I)
_TIME_ONLY = re.compile(r"^\d{1,2}[.:]\d{2}\s*([ap]\.?m\.?)?(\s*[A-Z]{2,4})?$", re.I)


def n_words(line: str) -> int:
    """Words in a line (runs of letters or digits)."""
    return len(_WORD.findall(line))


def is_sentence(line: str) -> bool:
    """Shaped like running prose: 5+ words, lower-case words, ends in terminal punctuation."""
    return n_words(line) >= 5 and bool(_TERMINAL.search(line)) and len(_LOWER.findall(line)) >= 3


def is_prose(line: str) -> bool:
    """A story paragraph candidate: a sentence of 8+ words."""
    return n_words(line) >= 8 and is_sentence(line)


def is_time(line: str) -> bool:
    """A bare clock time ('8.05pm GMT', '10:45 p.m.'), as live blogs stamp their posts."""
    return bool(_TIME_ONLY.match(line))


def is_date_line(line: str) -> bool:
    """A short line that carries a date or a relative time and is not a sentence."""
    return n_words(line) <= 20 and not is_prose(line) and (
        bool(parse_date(line)) or is_relative(line) or bool(_STAMP.match(line)))


def _is_caption(line: str) -> bool:
    """A caption or credit line: a label ('Photograph:', 'Image source') at its start, or a credit closing it.

    A long paragraph with a caption pasted into its middle stays: the story around it counts more.
    """
    found = list(_CAPTION.finditer(line))
    if found:
        m = found[-1]
        tail = line[m.end():]
        return m.start() == 0 or not is_prose(line) or (n_words(tail) <= 8 and not _TERMINAL.search(tail.rstrip(")")))
    return bool(_CREDIT_TAIL.search(line)) and not is_sentence(line)


def hard_reason(line: str) -> str | None:
    """Evidence that drops a line wherever it is: ad slots, captions, credits, legal text, labels."""
    if _AD.fullmatch(line):
        return "advertisement marker"
    if _is_caption(line):
        return "caption or credit"
    if _CREDIT.search(line.lstrip("([")):
        return "credit or note about the article"
    if (_LEGAL_STRONG.search(line) or (_LEGAL.search(line) and not is_prose(line))) and not _REPORTING.search(line):
        return "legal or house line"
    if n_words(line) <= 8 and not is_sentence(line) and _LABEL.match(line.rstrip(" :›»>")):
        return "section label"
    # An imperative is chrome when it is no sentence, or when it speaks to the reader about the site.
    if _IMPERATIVE.match(line.lstrip("“\"'‘ ")) and not _REPORTING.search(line) and (
            not is_sentence(line) or _SECOND.search(line) or _FIRST_PLURAL.search(line) or _SERVICE.search(line)):
        return "call to action"
    if _INLINE_LINK.match(line) and not is_sentence(line):
        return "inline link"
    if len(_CRUMB.findall(line)) >= 2 and n_words(line) <= 12 and not is_sentence(line):
        return "breadcrumb"
    if is_date_line(line):
        return "date line"
    if not _WORD.search(line) or re.fullmatch(r"[\d\W]+", line) and not is_time(line):
        return "no words"
    return None


def soft_reason(line: str, source: str | None) -> str | None:
    """Evidence that a line speaks to the reader about the site; overruled by signs of reporting."""
    if _REPORTING.search(line):
        return None
    if _SECOND.search(line) and _SERVICE.search(line):
        return "addresses the reader about the site"
    if _FIRST_PLURAL.search(line) and (_SERVICE.search(line) or (source and source.lower() in line.lower())):
        return "the publication speaking about itself"
    return None


def addresses_reader(line: str) -> bool:
    """'you' or 'we' outside quotes and reporting: the page talking to its reader."""
    return bool((_SECOND.search(line) or _FIRST_PLURAL.search(line)) and not _REPORTING.search(line))


def site_to_reader(line: str) -> bool:
    """'you' and 'we/our' and a service word, no reporting: the site's own voice even inside a story."""
    return bool(_SECOND.search(line) and _FIRST_PLURAL.search(line) and _SERVICE.search(line)
                and not _REPORTING.search(line))


def headline_shaped(line: str) -> bool:
    """3-25 words, no full stop at the end or sentence break inside, some capitals, not a date or time."""
    n = n_words(line)
    return (3 <= n <= 25 and not line.endswith((".", ":", ",", ";")) and not _INNER_BREAK.search(line)
            and any(c.isupper() for c in line) and any(c.islower() for c in line)  # all caps: a kicker or label
            and not is_date_line(line) and not is_time(line))


def menu_runs(lines: list[str], min_run: int = 3) -> set[int]:
    """Indices in runs of 3+ consecutive short, unpunctuated lines: navigation menus and link lists."""
    # A lead-in to a list ("The roads affected are:") is no menu item.
    short = [n_words(x) <= 4 and not _TERMINAL.search(x) and not (x.endswith(":") and n_words(x) >= 3) for x in lines]
    out: set[int] = set()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and short[j]:
            j += 1
        if j - i >= min_run:
            out.update(range(i, j))
        i = max(j, i + 1)
    return out
