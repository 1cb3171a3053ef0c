"""Many machines, one Chroma server: workers with different, empty RAG_HOMEs answer from the server alone.

Worker A indexes (CLI), worker B serves the HTTP API (`rag serve`); they share nothing but the server's URL.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ARTICLES, ROOT, SEVEN, blocked_indexer, free_port, wait_until_up
from tests.test_chroma_server import chroma_server  # noqa: F401  (the fixture: a real `chroma run`)
from tests.test_concurrent_writers import HARBOUR, QUESTION

pytestmark = [pytest.mark.server, pytest.mark.slow]
REFUSED = "Who refused to sign the statement?"


def _ask(url: str, question: str) -> dict:
    req = urllib.request.Request(f"{url}/v1/answer", data=json.dumps({"question": question}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read())


def _flat(text: str) -> str:
    return " ".join(text.split())


def _check_citations(answer: dict, server_url: str, files: list[Path]) -> None:
    """Every citation is `body[start:end]` of the article as the server holds it, and verbatim in a source file."""
    import chromadb
    from chromadb.config import Settings

    host, port = server_url.rsplit("//", 1)[1].split(":")
    bodies = chromadb.HttpClient(host=host, port=int(port), settings=Settings(anonymized_telemetry=False)) \
        .get_collection("news_chunks__articles", embedding_function=None)
    originals = [_flat(f.read_text(encoding="utf-8")) for f in files]
    assert answer["citations"]
    for c in answer["citations"]:
        got = bodies.get(ids=[c["article_id"]], include=["documents"])
        assert got["ids"] == [c["article_id"]], c
        assert got["documents"][0][c["start"] : c["end"]] == c["text"], c
        assert any(_flat(c["text"]) in o for o in originals), c["text"]


def test_two_workers_with_empty_homes_share_one_chroma_server(chroma_server, tmp_path):  # noqa: F811
    server_url, _ = chroma_server
    docs = tmp_path / "docs"
    shutil.copytree(ARTICLES, docs)
    nothing = tmp_path / "no-articles"  # B must not fill its index itself (first use indexes articles_dir)
    nothing.mkdir()
    base = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    base |= {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "RAG_CHROMA_URL": server_url}
    env_a = base | {"RAG_HOME": str(tmp_path / "a")}
    home_b = tmp_path / "b"
    env_b = base | {"RAG_HOME": str(home_b), "RAG_ARTICLES_DIR": str(nothing)}

    def index_a() -> str:
        r = subprocess.run([sys.executable, "-m", "rag.cli", "index", str(docs), "-q"], env=env_a, cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        return r.stdout

    assert "indexed 2 new" in index_a()
    port = free_port()
    log = open(tmp_path / "b.log", "w")
    b = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--port", str(port)], env=env_b, cwd=ROOT,
                         stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/v1/status", b, tmp_path / "b.log", 300, "worker B (rag serve)", pause=1)

        first = _ask(url, REFUSED)  # B's home was empty: everything came from the server
        assert not first["refused"] and all(c in first["text"] for c in SEVEN), first["text"]
        _check_citations(first, server_url, list(docs.iterdir()))
        assert "Port Elvar" not in _ask(url, QUESTION)["text"]

        (docs / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
        assert "indexed 1 new" in index_a()  # A adds an article; B is not restarted
        harbour = _ask(url, QUESTION)
        assert "Tuesday" in harbour["text"] and any(c["title"] == "Port Elvar opens its new pier"
                                                    for c in harbour["citations"]), harbour
        _check_citations(harbour, server_url, [docs / "harbour.txt"])

        shutil.rmtree(home_b)  # B's cache is gone: the next question rebuilds it from the server
        again = _ask(url, QUESTION)
        assert "Tuesday" in again["text"], again
        _check_citations(again, server_url, [docs / "harbour.txt"])
        assert (home_b / "articles.sqlite").exists()
        assert all(c in _ask(url, REFUSED)["text"] for c in SEVEN)
        with urllib.request.urlopen(f"{url}/v1/status", timeout=60) as r:
            status = json.loads(r.read())
        assert status["articles"] == 3 and status["consistent"], status
    finally:
        b.terminate()
        try:
            b.wait(timeout=30)
        except subprocess.TimeoutExpired:
            b.kill()
            b.wait()
        log.close()
    assert "Traceback" not in (tmp_path / "b.log").read_text()


def test_an_index_built_before_the_catalogue_publishes_its_bodies_instead_of_losing_them(chroma_server, tmp_path):  # noqa: F811
    """Server-mode indexes made before this change kept bodies only in RAG_HOME: the first sync uploads them."""
    import chromadb

    from index.pipeline import index_paths
    from rag.api import Index
    from rag.core.config import Config
    from rag.storage.store import Store

    server_url, _ = chroma_server
    old = Config.load(home=tmp_path / "old", chroma_url=server_url, articles_dir=tmp_path / "none")
    assert index_paths([ARTICLES], old, progress=False).added == 2
    host, port = server_url.rsplit("//", 1)[1].split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    for name in ("news_chunks__articles", "news_chunks__state"):  # as the server looked before the catalogue
        client.delete_collection(name)
    assert Store(old).article_count() == 2  # the bodies now exist only in the old RAG_HOME
    Store(old).sync()
    assert Store(old).article_count() == 2 and Store(old).check() == []
    other = Index(Config.load(home=tmp_path / "other", chroma_url=server_url, articles_dir=tmp_path / "none"),
                  first_use=lambda i: None)
    a = other.answer(REFUSED)
    assert all(c in a.text for c in SEVEN) and other.store.article_count() == 2


def test_an_indexer_on_another_machine_waits_for_the_server_lease(chroma_server, tmp_path):  # noqa: F811
    from rag.core.config import Config
    from rag.storage.store import Store

    server_url, _ = chroma_server
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    holder = Store(Config.load(home=tmp_path / "machine-1", chroma_url=server_url))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"RAG_HOME": str(tmp_path / "machine-2"), "RAG_CHROMA_URL": server_url, "OMP_NUM_THREADS": "1"}
    with holder.writer():  # a different home: no shared file lock, only the lease in the server
        second, waited = blocked_indexer(docs, env)
        assert f"pid {os.getpid()}" in waited, waited
        time.sleep(2)
        assert second.poll() is None  # still waiting while the lease is held
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0 and "indexed 1 new" in out, err
    holder.sync()
    assert holder.article_count() == 1
