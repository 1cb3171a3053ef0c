"""Answers and sources as safe Markdown/HTML: article text is untrusted, so every character of it is escaped."""
from __future__ import annotations

import html
import re
from collections.abc import Callable

from rag.core.records import Answer, Citation, Passage
from rag.core.text import MARKER

# Every ASCII punctuation mark Markdown could read as syntax (links, emphasis, code, lists, autolinks,
# math); & < > are turned into entities first, so they are left out here.
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:@=^/])")
CONTEXT_CHARS = 240  # characters of article shown on each side of a cited sentence (cut at sentence breaks)
_BREAK = re.compile(r"(?<=[.!?\u201d\"'])\s+|\n\n")  # a sentence or paragraph boundary

Body = Callable[[str], str | None]


def escape_md(text: str) -> str:
    """Untrusted text as Markdown that renders as exactly this text: no tags, links, emphasis or math."""
    return _MD_PUNCT.sub(r"\\\1", html.escape(text, quote=False))


_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;", "\\": "&#92;"})


def escape_html(text: str) -> str:
    """Untrusted text for an HTML element or attribute (line breaks kept).

    Besides < > & and quotes, the characters of template syntax (${...}, {{...}}, backticks) become
    entities too, so no front-end template step can evaluate article text.
    """
    return html.escape(text, quote=True).translate(_TEMPLATE_CHARS).replace("\n", "<br>")


def _with_markers(text: str, link: Callable[[int], str]) -> str:
    """Escape `text` but render each `[n]` marker with `link(n)`."""
    out, pos = [], 0
    for m in MARKER.finditer(text):
        out.append(escape_md(text[pos : m.start()]))
        out.append(link(int(m.group(1))))
        pos = m.end()
    out.append(escape_md(text[pos:]))
    return "".join(out)


def source_id(turn: int, n: int) -> str:
    """The HTML id of citation `n` of answer `turn` in the sources panel (what `[n]` links to)."""
    return f"src-{turn}-{n}"


def _verdict_first(answer: Answer, body: str) -> str:
    """A verdict (yes/no) answer: the verdict in bold, then each part's evidence as its own bullet."""
    if answer.kind != "yes_no" or "\n\n" not in body:
        return body
    lead, rest = body.split("\n\n", 1)
    return f"**{lead.strip()}**\n\n" + "\n".join(f"- {line}" for line in rest.split("\n") if line.strip())


def chat_markdown(answer: Answer, turn: int) -> str:
    """The chat bubble: escaped answer text whose `[n]` markers link to the sources panel."""
    known = {c.n for c in answer.citations}

    def link(n: int) -> str:
        return f"[\\[{n}\\]](#{source_id(turn, n)})" if n in known else f"\\[{n}\\]"

    body = _verdict_first(answer, _with_markers(answer.text, link))
    if answer.refused:
        # A refusal looks different: its own label and box, and no links (it has no citations).
        return f'<div class="rag-refused">\n\n**Not in the articles.** {body}\n\n</div>'
    return f'<div class="rag-answer">\n\n{body}\n\n</div>'


def meta_line(title: str, source: str | None, published: str | None) -> str:
    """`Title — Source, date` as escaped Markdown."""
    meta = ", ".join(x for x in (source, published) if x)
    return f"**{escape_md(title)}**" + (f" — {escape_md(meta)}" if meta else "")


def api_markdown(answer: Answer) -> str:
    """What the `/chat` API returns: the answer, then each source with the sentence it cites."""
    text = _verdict_first(answer, _with_markers(answer.text, lambda n: f"\\[{n}\\]"))
    if answer.refused:
        text = f"**Not in the articles.** {text}"
    lines = [text]
    if answer.citations:
        lines += ["", "**Sources**", ""]
        for c in answer.citations:
            lines.append(f"- \\[{c.n}\\] {meta_line(c.title, c.source, c.published)}: “{escape_md(c.text)}”")
    elif answer.related:
        lines += ["", "**Closest passages** (they do not answer the question)", ""]
        for p in answer.related[:3]:
            lines.append(f"- {meta_line(p.title, p.source, p.published)}")
    return "\n".join(lines)


def context_span(body: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[int, int]:
    """About `width` characters of body on each side of body[start:end], cut at sentence or word breaks."""
    lo, hi = max(0, start - width), min(len(body), end + width)
    if lo > 0:
        # Start at the first paragraph or sentence that begins inside the window, else at a word.
        starts = [m.end() for m in _BREAK.finditer(body, lo, start)]
        space = body.find(" ", lo, start)
        lo = starts[0] if starts else (space + 1 if space >= 0 else start)
    if hi < len(body):
        ends = [m.start() for m in _BREAK.finditer(body, end, hi)]
        space = body.rfind(" ", end, hi)
        hi = ends[-1] if ends else (space if space >= 0 else end)
    return lo, hi


def passage_html(body: str | None, start: int, end: int, text: str) -> str:
    """The cited sentence in its paragraph, escaped, with the sentence in <mark>."""
    if not body or body[start:end] != text:
        return f"<p><mark>{escape_html(text)}</mark></p>"  # the body changed since: show the sentence alone
    lo, hi = context_span(body, start, end)
    before = ("… " if lo > 0 else "") + body[lo:start]
    after = body[end:hi] + (" …" if hi < len(body) else "")
    return f"<p>{escape_html(before)}<mark>{escape_html(text)}</mark>{escape_html(after)}</p>"


def _card(turn: int, c: Citation, body: Body) -> str:
    meta = " · ".join(escape_html(x) for x in (c.source, c.published) if x)
    link = ""
    if c.url and re.match(r"https?://", c.url):
        link = f' · <a href="{escape_html(c.url)}" target="_blank" rel="noopener noreferrer nofollow">original</a>'
    return (
        f'<div class="rag-card" id="{source_id(turn, c.n)}">'
        f'<div class="rag-card-head"><span class="rag-n">[{c.n}]</span> <b>{escape_html(c.title)}</b></div>'
        f'<div class="rag-meta">{meta or "source and date unknown"}{link}</div>'
        f"{passage_html(body(c.article_id), c.start, c.end, c.text)}</div>"
    )


def _related(p: Passage) -> str:
    meta = " · ".join(escape_html(x) for x in (p.source, p.published) if x)
    return (
        f'<div class="rag-card rag-related"><div class="rag-card-head"><b>{escape_html(p.title)}</b></div>'
        f'<div class="rag-meta">{meta}</div><p>{escape_html(p.text[:400])}{"…" if len(p.text) > 400 else ""}</p></div>'
    )


def sources_section(turn: int, answer: Answer, body: Body) -> str:
    """One answer's sources: a card per citation (or, for a refusal, the closest passages)."""
    head = f'<div class="rag-question">Sources for: {escape_html(answer.question)}</div>'
    if answer.citations:
        cards = "".join(_card(turn, c, body) for c in answer.citations)
    elif answer.related:
        cards = '<p class="rag-note">No source supports an answer. Closest passages:</p>'
        cards += "".join(_related(p) for p in answer.related[:3])
    else:
        cards = '<p class="rag-note">No source supports an answer.</p>'
    return f'<section class="rag-turn" id="turn-{turn}" data-turn="{turn}">{head}{cards}</section>'


def sources_panel(sections: list[str]) -> str:
    """All answers' source sections, newest shown; clicking `[n]` in an older answer shows its section."""
    if not sections:
        return '<div class="rag-sources"><p class="rag-note">Sources appear here. Click a [n] in an answer to select its source.</p></div>'
    shown = [s if i == len(sections) - 1 else s.replace('class="rag-turn"', 'class="rag-turn" hidden', 1)
             for i, s in enumerate(sections)]
    return f'<div class="rag-sources">{"".join(shown)}</div>'
