"""Taking articles out: `rag remove ID ...` and `GET /v1/articles` / `DELETE /v1/articles/{id}` through real
processes; a removed article is gone from status, listings and every later answer's citations."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from index.pipeline import index_paths
from rag.core.config import Config
from rag.storage.store import Store
from tests.conftest import ARTICLES, ROOT
from tests.test_http_api import Server, request

QUESTION = "Who refused to sign the statement?"


def _rag(home, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_HOME": str(home), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600)


@pytest.fixture
def home(tmp_path, config):
    """A copy of the session index of the two bundled articles (removing must not touch the shared one)."""
    copy = tmp_path / "home"
    shutil.copytree(config.home, copy)
    return copy


def test_listing_pages_and_filters(config):
    store = Store(config)
    total, rows = store.list_articles(limit=1)
    assert total == 2 and len(rows) == 1 and rows[0]["n_chunks"] > 0
    _, both = store.list_articles()
    assert {r["source"] for r in both} == {"The Guardian", "The Independent"}
    assert store.list_articles(query="flexibility")[0] == 1
    assert store.list_articles(source="The Independent")[1][0]["title"].startswith("China says US should do more")
    assert store.list_articles(query="100%_")[0] == 0  # LIKE wildcards in the search are plain characters


def test_rag_remove_takes_an_article_out_of_answers_and_status(home):
    store = Store(Config.load(home=home))
    guardian = next(r["article_id"] for r in store.list_articles()[1] if r["source"] == "The Guardian")
    before = json.loads(_rag(home, "ask", QUESTION, "--json").stdout)
    assert guardian in {c["article_id"] for c in before["citations"]}

    out = _rag(home, "remove", guardian, "no-such-id")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "removed 1 article; 1 left"
    assert out.stderr.strip() == f"rag remove: no article 'no-such-id' in the index at {home}"
    status = _rag(home, "status")
    assert "articles: 1\n" in status.stdout and status.returncode == 0  # consistent: Chroma, keyword rows, table
    after = json.loads(_rag(home, "ask", QUESTION, "--json").stdout)
    assert guardian not in {c["article_id"] for c in after["citations"]}

    again = _rag(home, "remove", guardian)
    assert again.returncode == 2 and "no article" in again.stderr


@pytest.mark.server
def test_http_list_and_delete(tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    cfg = Config.load(home=tmp_path / "home", articles_dir=folder)
    index_paths([folder], cfg, progress=False)
    server = Server(tmp_path, env={"RAG_ARTICLES_DIR": str(folder)})
    try:
        code, listing = request(f"{server.url}/v1/articles?limit=1")
        assert code == 200 and listing["total"] == 2 and len(listing["articles"]) == 1
        code, found = request(f"{server.url}/v1/articles?q=flexibility")
        assert code == 200 and found["total"] == 1
        guardian = found["articles"][0]["article_id"]

        code, gone = request(f"{server.url}/v1/articles/{guardian}", method="DELETE")
        assert code == 200 and gone == {"removed": [guardian], "articles": 1}
        assert request(f"{server.url}/v1/articles")[1]["total"] == 1
        code, answer = request(f"{server.url}/v1/answer", {"question": QUESTION})
        assert code == 200 and guardian not in {c["article_id"] for c in answer["citations"]}
        code, err = request(f"{server.url}/v1/articles/{guardian}", method="DELETE")
        assert code == 404 and err["error"]["code"] == "article_not_found"
    finally:
        server.stop()


def test_removing_a_cited_article_while_its_answer_streams_in_the_chat(home):
    """The chat streams a finished, verified answer; removing its source mid-stream neither errors nor breaks
    the sources panel (the card shows the cited sentence alone), and the next answer no longer cites it."""
    from rag.api import Index
    from ui import render
    from ui.answers import steps

    index = Index(Config.load(home=home), first_use=lambda i: None)
    stream = steps(index, QUESTION, engine=None, history=None, sources=None, since=None, until=None)
    first, final = next(stream)
    assert not final and first.citations
    cited = {c.article_id for c in first.citations}
    assert index.store.remove(sorted(cited))
    rest = list(stream)  # the answer completes
    answer, final = rest[-1]
    assert final and answer.citations
    panel = render.sources_section(0, answer, index.store.body)
    assert all(render.escape_html(c.text) in panel for c in answer.citations)
    after = index.answer(QUESTION)
    assert not cited & {c.article_id for c in after.citations}


class _RemovingEngine:
    """A streaming engine that, between its first and last step, has the cited article removed (as another
    process or a chat user would), then still yields its final answer citing it."""

    name, streams = "removing", True

    def unavailable(self, config):
        return None

    def condense(self, question, history, resources):
        return None

    def answer(self, question, passages, history, resources):
        *_, last = self.stream(question, passages, history, resources)
        return last

    def stream(self, question, passages, history, resources):
        from rag.engines.extractive.engine import ENGINE

        final = ENGINE.answer(question, passages, history, resources)
        yield final
        if not getattr(self, "removed", False):
            self.removed = True
            resources.store.remove(sorted({c.article_id for c in final.citations}))
        yield final


REMOVING = _RemovingEngine()


def test_a_source_removed_mid_stream_is_answered_again_not_an_error(home, monkeypatch):
    from rag.api import Index
    from rag.engines import registry

    monkeypatch.setitem(registry.ENGINES, "removing", f"{__name__}:REMOVING")
    index = Index(Config.load(home=home), first_use=lambda i: None)
    steps = list(index.stream(QUESTION, engine="removing"))
    first, last = steps[0], steps[-1]
    gone = {c.article_id for c in first.citations}
    assert gone and not gone & {c.article_id for c in last.citations}  # the final answer is over the index as it is now
