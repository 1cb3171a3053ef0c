"""Check that every figure the README and docs/ quote comes, verbatim, from a results file with the same date and command.

The convention (docs/testing.md, "Figures"):
- a table of figures sits in a block opened by `<!-- figures: benchmarks/results/NAME.md -->` (or
  evals/results/...) and closed by `<!-- /figures -->`;
- every table row inside the block appears verbatim as a line of that results file;
- the block states `Date: YYYY-MM-DD` and `Command: `...`` once each, equal to the results file's own
  `Date:` / `Command:` header lines;
- outside blocks, no table has a figure in it; a paragraph with a three-decimal figure (0.743, not in a code
  span) names its results file, and the files a paragraph names exist and hold its three-decimal figures;
- every results file has the two header lines, and they agree with the `date` / `command` of its .json twin.

    python benchmarks/check_figures.py [ROOT]     # prints one problem per line; exit 1 if there is any
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

OPEN = re.compile(r"^<!--\s*figures:\s*(\S+)\s*-->\s*$")
CLOSE = re.compile(r"^<!--\s*/figures\s*-->\s*$")
RESULTS = re.compile(r"\b((?:benchmarks|evals)/results/[\w./-]+?\.md)\b")
DATE = re.compile(r"Date:\s*(\d{4}-\d{2}-\d{2})")
COMMAND = re.compile(r"Command:\s*`([^`]+)`")
# A table cell that is a bare measured number: 0.743, 1,789, **0.965**, 3.69x, 59 ms, 37.5%.
FIGURE_CELL = re.compile(r"^\**[-+]?(\d[\d,]*)?\.?\d+\s*(%|x|×|s|ms)?\**$")
THREE_DECIMALS = re.compile(r"(?<![\d.])\d\.\d{3}(?!\d)")
CODE_SPAN = re.compile(r"`[^`]*`")  # settings and constants are written as code: `min_support = 0.225`


def prose_figures(text: str) -> set[str]:
    """The three-decimal figures (0.743) of a text, leaving out those inside code spans."""
    return set(THREE_DECIMALS.findall(CODE_SPAN.sub("", text)))


@dataclass
class Block:
    """One figures block of a page: where it opens, what it cites, and its lines."""

    page: Path
    line: int
    source: str
    lines: list[str] = field(default_factory=list)


def pages(root: Path) -> list[Path]:
    """README.md and every Markdown page under docs/."""
    found = [root / "README.md"] if (root / "README.md").exists() else []
    return found + sorted((root / "docs").glob("*.md"))


def header(text: str) -> tuple[str | None, str | None]:
    """A results file's `Date:` (its YYYY-MM-DD) and `Command:` header lines, taken from before its first table."""
    head = text.split("\n|", 1)[0]
    d, c = DATE.search(head), COMMAND.search(head)
    return (d.group(1) if d else None), (c.group(1).strip() if c else None)


def check_results(root: Path) -> list[str]:
    """Every results file has its header lines, and they agree with the date and command its .json recorded."""
    problems = []
    for path in sorted([*root.glob("benchmarks/results/*.md"), *root.glob("evals/results/*.md")]):
        name = path.relative_to(root).as_posix()
        date, command = header(path.read_text(encoding="utf-8"))
        if date is None or command is None:
            problems.append(f"{name}: no `Date: YYYY-MM-DD` and `Command: `...`` header lines")
            continue
        twin = path.with_suffix(".json")
        recorded = json.loads(twin.read_text(encoding="utf-8")) if twin.is_file() else None
        if not isinstance(recorded, dict):
            continue
        if isinstance(recorded.get("date"), str) and recorded["date"][:10] != date:
            problems.append(f"{name}: header date {date} differs from {twin.name}'s {recorded['date']}")
        if isinstance(recorded.get("command"), str) and recorded["command"].strip() != command:
            problems.append(f"{name}: header command `{command}` differs from {twin.name}'s `{recorded['command']}`")
    return problems


def split_page(page: Path) -> tuple[list[Block], list[tuple[int, str]], list[str]]:
    """The page's figures blocks, its lines outside them (numbered), and nesting problems; code fences are skipped."""
    blocks: list[Block] = []
    outside: list[tuple[int, str]] = []
    problems: list[str] = []
    current: Block | None = None
    fenced = False
    for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{page.name}:{n}"
        if line.lstrip().startswith("```"):
            fenced = not fenced  # a fence shows markup (e.g. an example block); nothing in it is checked
            if not current:
                outside.append((n, ""))  # and it ends the paragraph before it
            continue
        if fenced:
            continue
        if m := OPEN.match(line):
            if current:
                problems.append(f"{where}: figures block opened inside the block of line {current.line}")
            current = Block(page, n, m.group(1))
        elif CLOSE.match(line):
            if not current:
                problems.append(f"{where}: `<!-- /figures -->` without an open block")
            else:
                blocks.append(current)
            current = None
        elif current:
            current.lines.append(line)
        else:
            outside.append((n, line))
    if current:
        problems.append(f"{page.name}:{current.line}: figures block never closed")
    return blocks, outside, problems


def check_block(root: Path, b: Block) -> list[str]:
    """Problems of one block: its results file, its date and command, and each table row."""
    where = f"{b.page.name}:{b.line}"
    path = root / b.source
    if not RESULTS.fullmatch(b.source):
        return [f"{where}: {b.source} is not a results file (benchmarks/results/*.md or evals/results/*.md)"]
    if not path.is_file():
        return [f"{where}: results file {b.source} does not exist"]
    text = path.read_text(encoding="utf-8")
    date, command = header(text)
    problems = []
    if date is None or command is None:
        problems.append(f"{where}: {b.source} has no `Date: YYYY-MM-DD` and `Command: `...`` header lines")
    body = "\n".join(b.lines)
    dates, commands = DATE.findall(body), [c.strip() for c in COMMAND.findall(body)]
    if len(dates) != 1:
        problems.append(f"{where}: the block must state `Date: YYYY-MM-DD` once (found {len(dates)})")
    elif date and dates[0] != date:
        problems.append(f"{where}: block date {dates[0]} differs from {b.source}'s {date}")
    if len(commands) != 1:
        problems.append(f"{where}: the block must state Command: `...` once (found {len(commands)})")
    elif command and commands[0] != command:
        problems.append(f"{where}: block command `{commands[0]}` differs from {b.source}'s `{command}`")
    lines = {line.rstrip() for line in text.splitlines()}
    rows = [line.rstrip() for line in b.lines if line.startswith("|")]
    if not rows:
        problems.append(f"{where}: the block has no table")
    for i, row in enumerate(b.lines):
        if row.startswith("|") and row.rstrip() not in lines:
            problems.append(f"{b.page.name}:{b.line + 1 + i}: row not in {b.source}: {row.strip()[:100]}")
    prose = "\n".join(line for line in b.lines if not line.startswith("|"))
    problems += [f"{where}: figure {fig} is not in {b.source}" for fig in sorted(prose_figures(prose)) if fig not in text]
    return problems


def paragraphs(outside: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Outside-block lines joined into paragraphs (blank-line separated), with their first line number."""
    out: list[tuple[int, str]] = []
    start, buf = 0, []
    for n, line in outside + [(0, "")]:
        if line.strip():
            start = start or n
            buf.append(line)
        elif buf:
            out.append((start, "\n".join(buf)))
            start, buf = 0, []
    return out


def check_outside(root: Path, page: Path, outside: list[tuple[int, str]]) -> list[str]:
    """Tables outside blocks hold no figures; a paragraph's named results files exist and hold its 0.000 figures."""
    problems = []
    for n, text in paragraphs(outside):
        rows = [r for r in text.splitlines() if r.startswith("|")]
        for r in rows:
            cells = [c.strip() for c in r.strip().strip("|").split("|")]
            if any(FIGURE_CELL.match(c) for c in cells):
                problems.append(f"{page.name}:{n}: table of figures outside a figures block: {r.strip()[:100]}")
                break
        named = RESULTS.findall(text)
        missing = [s for s in named if not (root / s).is_file()]
        problems += [f"{page.name}:{n}: results file {s} does not exist" for s in missing]
        figures = sorted(prose_figures(text))
        if figures and not named and not rows:
            problems.append(f"{page.name}:{n}: figure {figures[0]} names no results file in its paragraph")
        if named and not missing:
            source = "\n".join((root / s).read_text(encoding="utf-8") for s in named)
            for fig in figures:
                if fig not in source:
                    problems.append(f"{page.name}:{n}: figure {fig} is not in {', '.join(named)}")
    return problems


def check(root: Path) -> list[str]:
    """Every problem in the README and docs/ of the repository at ROOT."""
    problems = check_results(root)
    for page in pages(root):
        blocks, outside, nesting = split_page(page)
        problems += nesting
        for b in blocks:
            problems += check_block(root, b)
        problems += check_outside(root, page, outside)
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    problems = check(root)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
