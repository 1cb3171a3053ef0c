"""Many processes, one index: a serving chat sees articles another process adds or prunes, without a restart."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import ARTICLES, ROOT, blocked_indexer, free_port

HARBOUR = ("Port Elvar opens its new pier\n\n"
           "The harbour master of Port Elvar said the new pier opened on Tuesday after two years of work.\n"
           "The pier cost 14 million euros and can berth three ferries at once, the harbour authority said.\n")
QUESTION = "When did the new pier in Port Elvar open?"


def _rag(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600)


@pytest.mark.server
@pytest.mark.slow
def test_chat_sees_articles_another_process_adds_and_prunes(tmp_path):
    from gradio_client import Client

    docs = tmp_path / "docs"
    shutil.copytree(ARTICLES, docs)
    env = {**os.environ, "RAG_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    assert _rag("index", str(docs), "-q", env=env).returncode == 0
    port = free_port()
    ui = subprocess.Popen([sys.executable, "-m", "rag.cli", "ui", "--port", str(port)], env=env, cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 300
        while True:  # wait until the chat serves
            try:
                chat = Client(url, verbose=False, download_files=False)
                break
            except Exception:
                if time.time() > deadline or ui.poll() is not None:
                    raise
                time.sleep(2)
        assert "Gabon" in chat.predict("Who refused to sign the statement?", api_name="/chat")  # Chroma now open
        assert "Port Elvar" not in chat.predict(QUESTION, api_name="/chat")

        (docs / "harbour.txt").write_text(HARBOUR, encoding="utf-8")  # a second process adds an article
        added = _rag("index", str(docs), "-q", env=env)
        assert added.returncode == 0 and "indexed 1 new" in added.stdout, added.stderr
        md = chat.predict(QUESTION, api_name="/chat")
        assert "Tuesday" in md and "Port Elvar opens its new pier" in md, md

        (docs / "harbour.txt").unlink()  # and prunes it again
        pruned = _rag("index", str(docs), "--prune", "-q", env=env)
        assert pruned.returncode == 0 and "1 removed" in pruned.stdout, pruned.stderr
        md = chat.predict(QUESTION, api_name="/chat")
        assert "Port Elvar" not in md, md
        assert "Gabon" in chat.predict("Who refused to sign the statement?", api_name="/chat")
    finally:
        ui.terminate()
        try:
            out, _ = ui.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            ui.kill()
            out, _ = ui.communicate()
    assert "Traceback" not in out, out[-3000:]


def test_a_second_indexer_waits_for_the_first_and_says_who_holds_the_lock(tmp_path, empty_config):
    from rag.storage.store import Store

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    env = {**os.environ, "RAG_HOME": str(empty_config.home), "OMP_NUM_THREADS": "1"}
    store = Store(empty_config)
    with store.writer():
        second, waited = blocked_indexer(docs, env)
        assert f"waiting for another indexer (pid {os.getpid()})" in waited
        assert second.poll() is None  # still waiting while the lock is held
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0 and "indexed 1 new" in out, err
    assert Store(empty_config).article_count() == 1


@pytest.mark.slow
def test_upload_and_cli_indexer_at_once_leave_a_consistent_index(tmp_path, empty_config):
    from rag.api import Index
    from rag.storage.store import Store
    from ui.uploads import add_files

    cli_docs = tmp_path / "cli"
    shutil.copytree(ARTICLES, cli_docs)
    upload = tmp_path / "harbour.txt"
    upload.write_text(HARBOUR, encoding="utf-8")
    env = {**os.environ, "RAG_HOME": str(empty_config.home), "OMP_NUM_THREADS": "1"}
    cli = subprocess.Popen([sys.executable, "-m", "rag.cli", "index", str(cli_docs), "-q"], env=env, cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    result = add_files([("harbour.txt", upload)], tmp_path / "uploads", Store(empty_config))
    out, err = cli.communicate(timeout=600)
    assert cli.returncode == 0, err
    assert result.added == 1 and not result.skipped
    store = Store(empty_config)
    assert store.article_count() == 3 and store.check() == []
    index = Index(empty_config, first_use=lambda i: None)
    assert "Gabon" in index.answer("Who refused to sign the statement?").text
    assert "Tuesday" in index.answer(QUESTION).text
