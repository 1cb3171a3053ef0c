"""A real `chroma run` server on loopback: every command works against it via RAG_CHROMA_URL / --chroma-url."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARTICLES, ROOT, SEVEN, free_port, wait_until_up

pytestmark = pytest.mark.server
CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    log = open(tmp_path / "chroma.log", "w")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env=os.environ | {"ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/api/v2/heartbeat", proc, tmp_path / "chroma.log", 60, "chroma run", pause=0.3)
    yield url, tmp_path / "server-data"
    os.kill(proc.pid, signal.SIGTERM)  # stop exactly the server this test started
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    log.close()


def test_index_ask_status_against_a_chroma_server(chroma_server, tmp_path):
    url, data = chroma_server
    home = tmp_path / "home"
    env = os.environ | {"RAG_HOME": str(home), "OMP_NUM_THREADS": "1"}
    env.pop("RAG_CHROMA_URL", None)

    def run(*args, **extra):
        return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, env=env | extra,
                              capture_output=True, text=True, timeout=300)

    r = run("--chroma-url", url, "index", str(ARTICLES), "-q")
    assert r.returncode == 0, r.stderr
    assert "indexed 2 new" in r.stdout
    assert not (home / "chroma").exists()  # vectors went to the server, not to a local Chroma
    assert any(data.rglob("*.sqlite3"))

    a = run("ask", "Who refused to sign the statement?", "--json", RAG_CHROMA_URL=url)
    assert a.returncode == 0, a.stderr
    d = json.loads(a.stdout)
    assert not d["refused"] and all(c in d["text"] for c in SEVEN)

    s = run("status", "--json", RAG_CHROMA_URL=url)
    status = json.loads(s.stdout)
    assert s.returncode == 0 and status["consistent"] and status["articles"] == 2 and status["chunks"] > 2
    assert status["chroma"] == url

    again = run("--chroma-url", url, "index", str(ARTICLES), "-q")
    assert "0 new and 0 changed" in again.stdout and "2 unchanged" in again.stdout


def test_unreachable_server_is_one_line(tmp_path):
    env = os.environ | {"RAG_HOME": str(tmp_path / "home"), "RAG_CHROMA_URL": f"http://127.0.0.1:{free_port()}"}
    r = subprocess.run([sys.executable, "-m", "rag.cli", "status"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Chroma" in r.stderr
