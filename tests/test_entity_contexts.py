"""The name-context counts behind person/company typing equal the regex definition they replaced (a speed-up)."""
from __future__ import annotations

import re
from pathlib import Path

from rag.engines.extractive import entities as E

ARTICLES = Path(__file__).resolve().parent.parent / "articles"
HANDWRITTEN = """Dr Jane Okafor said the plan was sound. Jane Okafor, who chairs the panel, disagreed.
The chief executive of Northwind Labs, Omar Haddad, told reporters: "Northwind Labs, the company behind it, will pay."
CEO Omar Haddad resigned. Ms. Lena Park, the minister, spoke. Lena Park says no; lena park, the analyst, agreed.
Northwind Labs the company line. President of Acme Corp Zhang Wei. Acme Corp, the company said. Zhang Wei"""


def reference(name: str, text: str) -> tuple[int, int, int]:
    """The three patterns per name that `_contexts` replaced."""
    n = re.escape(name)
    said = re.compile(rf"{n}(?: (?:said|says|told)\b|, who\b|, (?:the |a |an )?{E._TITLE}\b)")
    company = re.compile(rf"\b{E._TITLE} (?:of|at) {n}|{n},? the company\b", re.I)
    titled = re.compile(rf"\b{E._TITLE}\.? {n}", re.I)
    return len(said.findall(text)), len(company.findall(text)), len(titled.findall(text))


def test_contexts_equal_the_regex_definition() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt"))] + [HANDWRITTEN]
    pairs = [(name, t) for t in texts for name in dict.fromkeys(E.names_in(t))]
    pairs += [(n, HANDWRITTEN) for n in ("Jane Okafor", "Northwind Labs", "Omar Haddad", "Lena Park", "Acme Corp")]
    counted = [(E._contexts(n, t), reference(n, t)) for n, t in pairs]
    assert all(new == old for new, old in counted)
    # The hand-written text exercises every context, so equality above is not equality of zeros.
    assert E._contexts("Jane Okafor", HANDWRITTEN) == (2, 0, 1)
    assert E._contexts("Northwind Labs", HANDWRITTEN)[1] == 3
    assert E._contexts("Lena Park", HANDWRITTEN) == (2, 0, 1)


def test_person_and_company_typing() -> None:
    assert E.person_like("Omar Haddad", [HANDWRITTEN])
    assert not E.person_like("Northwind Labs", [HANDWRITTEN])
