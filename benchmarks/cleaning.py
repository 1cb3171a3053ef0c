"""Cleaning benchmark: the scraped-page fixtures, per half (dev / held-back), scored against their sidecars.

    PYTHONPATH=$PWD /work/main/.venv/bin/python benchmarks/cleaning.py

Per half: story sentences kept, chrome lines dropped, headline / date / byline right. Template lines are
detected across the files of one half, as `rag index` does across the files of one run.
"""
from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "fixtures" / "pages"
RESULTS = ROOT / "benchmarks" / "results"
_SPACES = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def load_half(half: str) -> list[tuple[Path, str, dict]]:
    """(path, page text, sidecar) for every page of one half."""
    return [(p, p.read_text(encoding="utf-8"), json.loads(p.with_suffix(".json").read_text(encoding="utf-8")))
            for p in sorted((PAGES / half).glob("*.txt"))]


def score_page(text: str, spec: dict, template: frozenset[str]) -> dict:
    """What the cleaner got right on one page."""
    from index.clean import clean_page

    c = clean_page(text, template=template)
    body = _norm(c.body)
    paragraphs = {_norm(p) for p in c.body.split("\n\n")}
    lost = [s for s in spec["story"] if _norm(s) not in body]
    left = [line for line in spec["chrome"] if _norm(line) in paragraphs]
    return {
        "sentences": len(spec["story"]), "sentences_kept": len(spec["story"]) - len(lost), "lost": lost,
        "chrome": len(spec["chrome"]), "chrome_dropped": len(spec["chrome"]) - len(left), "chrome_left": left,
        "title": c.title, "title_ok": c.title == spec["title"],
        "date": c.published, "date_ok": c.published == spec["date"], "date_absolute": spec["date"] is not None,
        "byline": c.byline,
        "byline_ok": (c.byline or "").casefold() == (spec["byline"] or "").casefold(),
    }


def score_half(half: str) -> dict:
    """Totals and per-page results for one half."""
    from index.template import template_lines

    pages = load_half(half)
    template = template_lines(text for _, text, _ in pages)
    per = {p.stem: score_page(text, spec, template) for p, text, spec in pages}
    n = len(per)
    tot = lambda k: sum(r[k] for r in per.values())  # noqa: E731
    absolute = [r for r in per.values() if r["date_absolute"]]
    return {
        "pages": n,
        "sentences_kept": f"{tot('sentences_kept')}/{tot('sentences')}",
        "sentences_kept_pct": round(100 * tot("sentences_kept") / tot("sentences"), 1),
        "chrome_dropped": f"{tot('chrome_dropped')}/{tot('chrome')}",
        "chrome_dropped_pct": round(100 * tot("chrome_dropped") / tot("chrome"), 1),
        "headline_right": f"{tot('title_ok')}/{n}",
        "date_right": f"{tot('date_ok')}/{n}",
        "absolute_date_right": f"{sum(r['date_ok'] for r in absolute)}/{len(absolute)}",
        "byline_right": f"{tot('byline_ok')}/{n}",
        "per_page": per,
    }


def main() -> int:
    """Score both halves, print a table, write benchmarks/results/cleaning.{md,json}."""
    sys.path.insert(0, str(ROOT))
    halves = {h: score_half(h) for h in ("dev", "held")}
    cols = ["pages", "sentences_kept", "sentences_kept_pct", "chrome_dropped", "chrome_dropped_pct",
            "headline_right", "date_right", "absolute_date_right", "byline_right"]
    rows = ["| half | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]
    rows += [f"| {h} | " + " | ".join(str(r[c]) for c in cols) + " |" for h, r in halves.items()]
    misses = []
    for h, r in halves.items():
        for name, p in r["per_page"].items():
            for key, label in (("lost", "lost story sentence"), ("chrome_left", "chrome kept")):
                misses += [f"- {h}/{name}: {label}: {x!r}" for x in p[key]]
            for key, label in (("title", "headline"), ("date", "date"), ("byline", "byline")):
                if not p[f"{key}_ok"]:
                    misses.append(f"- {h}/{name}: {label} read as {p[key]!r}")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "PYTHONPATH=$PWD /work/main/.venv/bin/python benchmarks/cleaning.py"
    table = "\n".join(rows)
    print(table)
    print("\n".join(misses) or "(no misses)")
    RESULTS.mkdir(exist_ok=True)
    md = (f"# Cleaning benchmark\n\nDate: {when}\n\nCommand: `{command}`\n\n"
          "Fixtures: tests/fixtures/pages/{dev,held} (rules were written on dev; held is only evaluated).\n\n"
          f"{table}\n\n## Misses\n\n" + ("\n".join(misses) or "(none)") + "\n")
    (RESULTS / "cleaning.md").write_text(md, encoding="utf-8")
    (RESULTS / "cleaning.json").write_text(json.dumps({"date": when, "command": command, "halves": halves},
                                                      indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
