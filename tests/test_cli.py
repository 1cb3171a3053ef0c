"""The `rag` command as a user runs it: JSON contract, first-run indexing, one-line errors, --help."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEVEN


def run(args, home, **kw):
    env = os.environ | {"RAG_HOME": str(home), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, **kw)


def test_ask_json_indexes_on_first_use(tmp_path):
    r = run(["ask", "Who refused to sign the statement?", "--json"], tmp_path / "home")
    assert r.returncode == 0, r.stderr
    assert "index" in r.stderr and "is empty" in r.stderr  # first run says it indexes articles/
    d = json.loads(r.stdout)
    assert d["refused"] is False
    assert all(c in d["text"] for c in SEVEN)
    assert any("refused to sign" in c["text"] for c in d["citations"])


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_exits_2_with_one_line(tmp_path, question):
    r = run(["ask", question], tmp_path / "home")
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "empty" in r.stderr


def test_index_reports_bad_files_and_keeps_good_ones(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text((ROOT / "articles" / "000_29834b6968a0d052.txt").read_text())
    (docs / "bad.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    r = run(["index", str(docs), "-q"], tmp_path / "home")
    assert r.returncode == 0, r.stderr
    assert "bad.txt" in r.stderr and "indexed 1 new" in r.stdout


@pytest.mark.parametrize("command", [[], ["index"], ["ask"], ["status"]])
def test_help(command, tmp_path):
    r = run([*command, "--help"], tmp_path)
    assert r.returncode == 0 and "usage: rag" in r.stdout
