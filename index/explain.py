"""`rag index --explain FILE`: every line of a scraped page with keep/drop and the reason, so a user can see why a fact is missing."""
from __future__ import annotations

from pathlib import Path

from index.clean import Cleaned, clean_page
from index.decode import decode
from index.template import page_lines, template_of_files


def explain_text(text: str, template: frozenset[str] = frozenset(), markdown: bool = False) -> Cleaned:
    """The cleaner's result for a page, with its per-line decisions (`Cleaned.decisions`), as `rag index` reads it."""
    return clean_page("\n".join(page_lines(text)) if markdown else text, template)


def explain_file(path: Path | str, others: list[Path] | None = None, max_mb: float = 32.0) -> str:
    """A report: metadata found, then one line per page line, 'keep' or 'drop', the reason and the text.

    `others`: the files indexed together with this one, for template lines (text repeated across pages).
    """
    path = Path(path)
    template = template_of_files([path, *others], max_mb) if others else frozenset()
    c = explain_text(decode(path.read_bytes()), template, markdown=path.suffix.lower() in (".md", ".markdown"))
    out = [f"file: {path}", f"title: {c.title}", f"source: {c.source}", f"byline: {c.byline}",
           f"published: {c.published}", ""]
    width = max((len(why) for _, _, why in c.decisions), default=0)
    for line, keep, why in c.decisions:
        out.append(f"{'keep' if keep else 'drop'}  {why:<{width}}  {line}")
    return "\n".join(out)


def explain_paths(target: str, with_paths: list[str]) -> int:
    """CLI entry: print the explanation for `target` (exit 0), or a one-line error (exit 2)."""
    import sys

    from index.read import MAX_MB, Skipped, iter_files

    path = Path(target)
    if not path.is_file():
        print(f"rag index --explain: no such file: {target}", file=sys.stderr)
        return 2
    if path.suffix.lower() not in (".txt", ".md", ".markdown"):
        print(f"rag index --explain: {target}: only plain-text pages (.txt, .md) are cleaned line by line",
              file=sys.stderr)
        return 2
    others = [f for f in iter_files(with_paths) if not isinstance(f, Skipped) and f.resolve() != path.resolve()]
    print(explain_file(path, others, MAX_MB))
    return 0
