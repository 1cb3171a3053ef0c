"""The Chroma server dies mid-session: one clear error, then the same Index answers again once it is back."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from index.pipeline import index_paths
from rag.api import Index
from rag.core.config import Config
from rag.core.errors import ChromaUnavailable, RagError
from tests.conftest import ARTICLES, ROOT, SEVEN
from tests.test_chroma_server import CHROMA, free_port

pytestmark = pytest.mark.server
QUESTION = "Who refused to sign the statement?"


def start_chroma(data: Path, port: int, log: Path) -> subprocess.Popen:
    """`chroma run` on loopback, returned once its heartbeat answers."""
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log.open("a"), stderr=subprocess.STDOUT,
                            env=os.environ | {"ANONYMIZED_TELEMETRY": "False"})
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                stop(proc)
                raise RuntimeError(f"chroma run did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop exactly this server (by pid)."""
    if proc.poll() is None:
        os.kill(proc.pid, sig)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _expected_passages(passages: list, config: Config) -> list[tuple[str, float]]:
    """What retrieval must give on the two bundled articles, checked against the store, not another retrieve."""
    store = Index(config).store
    assert len(passages) == min(config.top_k, store.chunk_count()) == store.chunk_count()  # 7 chunks, k=10
    assert len({p.chunk_id for p in passages}) == len(passages)
    assert all(store.body(p.article_id)[p.start:p.end] == p.text for p in passages)
    assert "refused to sign" in passages[0].text and passages[0].source == "The Guardian"
    return [(p.chunk_id, p.score) for p in passages]


def test_server_killed_mid_session_then_back(tmp_path):
    port, data, log = free_port(), tmp_path / "server-data", tmp_path / "chroma.log"
    url = f"http://127.0.0.1:{port}"
    config = Config.load(home=tmp_path / "home", chroma_url=url, articles_dir=ARTICLES)
    server = start_chroma(data, port, log)
    try:
        assert index_paths([ARTICLES], config, progress=False).added == 2
        index = Index(config)  # one long-lived session, as the UI holds it
        before = index.answer(QUESTION)
        assert not before.refused and all(c in before.text for c in SEVEN)
        passages = index.retrieve(QUESTION)
        expected = _expected_passages(passages, config)

        stop(server, signal.SIGKILL)  # the server dies without warning
        for call in (lambda: index.answer(QUESTION), lambda: index.retrieve(QUESTION)):
            with pytest.raises(ChromaUnavailable) as err:
                call()
            assert isinstance(err.value, RagError)
            message = str(err.value)
            assert message.startswith(f"cannot reach the Chroma server at {url}: ") and "\n" not in message

        env = os.environ | {"RAG_HOME": str(config.home), "RAG_CHROMA_URL": url, "OMP_NUM_THREADS": "1"}
        r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", QUESTION], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 2 and r.stdout == ""
        assert r.stderr.startswith(f"rag ask: cannot reach the Chroma server at {url}: ")
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr

        server = start_chroma(data, port, log)  # back on the same address, same data
        after = index.answer(QUESTION)  # same object, same process: no restart needed
        assert after.to_dict() == before.to_dict()
        # The same session retrieves what it did before the outage, and what a fresh session on the restarted
        # server retrieves: every chunk of the two articles, best (the refusal sentence's chunk) first.
        assert [(p.chunk_id, p.score) for p in index.retrieve(QUESTION)] == expected
        assert [(p.chunk_id, p.score) for p in Index(config).retrieve(QUESTION)] == expected
    finally:
        stop(server)
