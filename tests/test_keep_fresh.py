"""A serving process picks up another process's `rag index` in the background (rag.warm.keep_fresh), so the
question after the update does not reopen Chroma itself; without the refresher it does (the control)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from rag.api import Index
from rag.core.config import Config
from rag.warm import keep_fresh
from tests.conftest import ARTICLES, ROOT

PIER = ("Port Elvar opens its new pier\n\n"
        "The harbour master of Port Elvar said the new pier opened on Tuesday after two years of work.\n")
CANAL = ("Lutra dredges its old canal\n\n"
         "The town council of Lutra said dredging of the old canal will begin in March and last six weeks.\n")


def _index(docs, home) -> None:
    env = {**os.environ, "RAG_HOME": str(home), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "rag.cli", "index", str(docs), "-q"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


def _reopened_by(index: Index, question: str) -> tuple[bool, str]:
    """Answer `question`; whether answering it opened a new Chroma collection, and the answer's text."""
    before = index.store.__dict__.get("collection")
    text = index.answer(question).text
    return index.store.__dict__.get("collection") is not before, text


@pytest.mark.slow
def test_a_server_refreshes_in_the_background_after_another_process_indexes(tmp_path):
    docs, home = tmp_path / "docs", tmp_path / "home"
    shutil.copytree(ARTICLES, docs)
    _index(docs, home)
    index = Index(Config.load(home=home), first_use=lambda _index: None)
    assert "Gabon" in index.answer("Who refused to sign the statement?").text  # Chroma open at this point

    # Control: with nothing refreshing, the question after another process's write reopens Chroma itself.
    (docs / "pier.txt").write_text(PIER, encoding="utf-8")
    _index(docs, home)
    assert index.store.moved()
    reopened, text = _reopened_by(index, "When did the new pier in Port Elvar open?")
    assert reopened and "Tuesday" in text, text

    # With the refresher, the write is picked up before the question comes.
    keep_fresh(index, every=0.1)
    (docs / "canal.txt").write_text(CANAL, encoding="utf-8")
    _index(docs, home)
    deadline = time.time() + 120
    while index.store.moved() and time.time() < deadline:
        time.sleep(0.1)
    assert not index.store.moved(), "the refresher did not pick up the write within 2 minutes"
    reopened, text = _reopened_by(index, "When will dredging of the old canal in Lutra begin?")
    assert not reopened and "March" in text, text
