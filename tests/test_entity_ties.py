"""A surname alone stands for its most frequent full name; a tie goes to the name met first, in every process
(it once followed a set's order, which changes with each process's string hashing)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = r'''
from rag.core.records import Passage
from rag.engines.extractive.analysis import Part
from rag.engines.extractive.entities import candidates
from rag.engines.extractive.evidence import Evidence
from rag.engines.extractive.parts import PartEvidence

text = ("Ivanka Phillips met the board on Monday. Later, Donald Phillips spoke to reporters. "
        "Marta Phillips and Aaron Phillips stayed away. The deal is done, said Phillips on Tuesday.")
sentence = "The deal is done, said Phillips on Tuesday."
p = Passage(text=text, article_id="a", title="Board meets", source="Example News", published=None, start=0,
            end=len(text), score=1.0)
at = text.index(sentence)
pe = PartEvidence(Part("who said the deal is done"), ranked=[(1.0, Evidence(p, at, at + len(sentence), sentence))],
                  status="supported")
print(candidates([pe], "person", "Who said the deal is done?")[0].name)
'''


def test_a_surname_tie_goes_to_the_first_full_name_whatever_the_hash_seed() -> None:
    names = set()
    for seed in range(6):
        env = dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=str(ROOT))
        done = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        names.add(done.stdout.strip())
    assert names == {"Ivanka Phillips"}
