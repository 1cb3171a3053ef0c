"""Gold sets: load and validate a JSONL file of hand-written cases (format documented in README)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.core.errors import RagError

BUNDLED = Path(__file__).resolve().parent / "gold" / "bundled.jsonl"


class GoldError(RagError):
    """A gold file that cannot be used (bad JSON, missing fields, evidence not in its article)."""


@dataclass(frozen=True)
class Evidence:
    """A verbatim passage of one article that supports the answer; items sharing a `group` are alternatives."""

    article: str  # file name of the article (relative to the articles folder)
    text: str
    group: str = "default"


@dataclass
class GoldCase:
    """One question (or a short conversation whose last turn is scored) with what a good answer holds."""

    id: str
    turns: list[str]
    reference: str
    facts: list[list[str]]  # each fact: accepted variants, any one of which must appear
    evidence: list[Evidence]
    answerable: bool
    tags: list[str] = field(default_factory=list)

    @property
    def question(self) -> str:
        return self.turns[-1]

    def groups(self) -> dict[str, list[Evidence]]:
        """Evidence grouped: an answer is supported when every group has one item cited."""
        out: dict[str, list[Evidence]] = {}
        for e in self.evidence:
            out.setdefault(e.group, []).append(e)
        return out


def _case(raw: Any, where: str) -> GoldCase:
    if not isinstance(raw, dict):
        raise GoldError(f"{where}: a case must be a JSON object")
    for key in ("id", "reference", "answerable"):
        if key not in raw:
            raise GoldError(f"{where}: missing field {key!r}")
    turns = raw.get("turns") or ([raw["question"]] if raw.get("question") else None)
    if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        raise GoldError(f"{where}: needs a non-empty 'question' or 'turns' (a list of questions)")
    facts = [[f] if isinstance(f, str) else list(f) for f in raw.get("facts", [])]
    if not all(f and all(isinstance(v, str) and v.strip() for v in f) for f in facts):
        raise GoldError(f"{where}: 'facts' must be strings or lists of accepted variants")
    evidence = []
    for e in raw.get("evidence", []):
        if not isinstance(e, dict) or not e.get("article") or not e.get("text"):
            raise GoldError(f"{where}: each evidence item needs 'article' and 'text'")
        evidence.append(Evidence(str(e["article"]), str(e["text"]), str(e.get("group", "default"))))
    answerable = bool(raw["answerable"])
    if answerable and not (facts and evidence):
        raise GoldError(f"{where}: an answerable case needs 'facts' and 'evidence'")
    return GoldCase(str(raw["id"]), list(turns), str(raw["reference"]), facts, evidence, answerable,
                    [str(t) for t in raw.get("tags", [])])


def load_gold(path: str | Path = BUNDLED) -> list[GoldCase]:
    """Read a JSONL gold file (blank lines and lines starting with // are skipped)."""
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"gold file not found: {path}")
    cases: list[GoldCase] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{n}: not JSON ({exc.msg})") from None
        cases.append(_case(raw, f"{path}:{n}"))
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise GoldError(f"{path}: duplicate case ids {', '.join(dupes)}")
    if not cases:
        raise GoldError(f"{path}: no cases")
    return cases


def evidence_problems(cases: list[GoldCase], articles_dir: str | Path) -> list[str]:
    """Evidence passages that are not verbatim in their article's cleaned body (as the indexer reads it)."""
    from index.read import read_file

    bodies: dict[str, str | None] = {}
    problems: list[str] = []
    for case in cases:
        for e in case.evidence:
            if e.article not in bodies:
                path = Path(articles_dir) / e.article
                read = [a for a in read_file(path) if hasattr(a, "body")] if path.is_file() else []
                bodies[e.article] = "\n".join(a.body for a in read) if read else None
            body = bodies[e.article]
            if body is None:
                problems.append(f"{case.id}: article {e.article} not found in {articles_dir}")
            elif e.text not in body:
                problems.append(f"{case.id}: evidence not in {e.article}: {e.text[:60]!r}")
    return problems
