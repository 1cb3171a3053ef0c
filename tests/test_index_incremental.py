"""Incremental indexing: unchanged skipped without embedding, changed replaced, --prune, crash recovery."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import rag.storage.embedder
from index.pipeline import index_paths
from rag.storage.store import Store
from tests.conftest import GUARDIAN, ROOT

TOPICS = ["harbour", "election", "vaccine", "railway", "drought", "festival", "factory", "library", "bridge",
          "orchestra", "satellite", "forest"]


def record(i: int, extra: str = "") -> dict:
    t = TOPICS[i % len(TOPICS)]
    body = " ".join(f"The {t} report {i} adds detail number {j} about the {t} plan.{extra}" for j in range(6))
    return {"title": f"The {t} story {i}", "source": "Wire", "published_at": f"2023-10-0{1 + i % 9}",
            "url": f"https://example.org/{t}/{i}", "body": body}


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "guardian.txt").write_text(GUARDIAN.read_text())
    write_jsonl(d / "feed.jsonl", [record(i) for i in range(4)])
    return d


def no_embedding(*a, **k):
    raise AssertionError("unchanged articles must not be embedded")


def test_unchanged_changed_and_prune(docs, empty_config, monkeypatch):
    store = Store(empty_config)
    first = index_paths([docs], empty_config, store, progress=False)
    assert (first.added, first.updated, first.unchanged, first.skipped) == (5, 0, 0, [])
    assert store.check() == [] and store.chunk_count() == first.chunks

    with monkeypatch.context() as m:  # re-run: nothing embedded, nothing written
        m.setattr(rag.storage.embedder, "encode", no_embedding)
        again = index_paths([docs], empty_config, store, progress=False)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)

    # One record changed, one gone from the file, the .txt file deleted.
    recs = [record(i) for i in range(4)]
    recs[1] = record(1, " A correction was added.")
    write_jsonl(docs / "feed.jsonl", recs[:3])
    (docs / "sub" / "guardian.txt").unlink()
    old_ids = set(store.collection.get(where={"article_id": _aid(store, recs[1]["url"])})["ids"])
    changed = index_paths([docs], empty_config, store, progress=False)
    assert (changed.added, changed.updated, changed.unchanged, changed.removed) == (0, 1, 2, 0)
    new = store.collection.get(where={"article_id": _aid(store, recs[1]["url"])}, include=["documents"])
    assert not old_ids & set(new["ids"]) and all("correction" in d for d in new["documents"])
    assert store.article_count() == 5  # without --prune, gone articles stay
    assert store.check() == []

    pruned = index_paths([docs], empty_config, store, progress=False, prune=True)
    assert pruned.removed == 2 and store.article_count() == 3
    assert store.check() == []
    assert store.chunk_count() == sum(len(store.collection.get(where={"article_id": a})["ids"]) for a in store.paths())

    (docs / "feed.jsonl").write_text("{half-saved edit\n")  # a broken file proves nothing left it
    broken = index_paths([docs], empty_config, store, progress=False, prune=True)
    assert broken.removed == 0 and len(broken.skipped) == 1 and store.article_count() == 3


def _aid(store: Store, url: str) -> str:
    with store._lock:
        return store._db.execute("SELECT article_id FROM articles WHERE url = ?", (url,)).fetchone()[0]


def test_moved_file_updates_path_without_embedding(docs, empty_config, monkeypatch):
    store = Store(empty_config)
    index_paths([docs], empty_config, store, progress=False)
    (docs / "sub" / "guardian.txt").rename(docs / "guardian-moved.txt")
    monkeypatch.setattr(rag.storage.embedder, "encode", no_embedding)
    r = index_paths([docs], empty_config, store, progress=False, prune=True)
    assert (r.unchanged, r.removed) == (5, 0)
    assert str((docs / "guardian-moved.txt").resolve()) in store.paths().values()


def test_crash_inside_a_batch_is_repaired_by_rerun(docs, empty_config, monkeypatch):
    write_jsonl(docs / "feed.jsonl", [record(i) for i in range(8)])
    from llama_index.vector_stores.chroma import ChromaVectorStore

    store = Store(empty_config)
    real_add, calls = ChromaVectorStore.add, []

    def add_then_crash(self, nodes, **kw):
        calls.append(len(nodes))
        if len(calls) == 2:
            real_add(self, nodes[: len(nodes) // 2])  # half of the batch reached Chroma, then the process died
            raise KeyboardInterrupt
        return real_add(self, nodes, **kw)

    monkeypatch.setattr(ChromaVectorStore, "add", add_then_crash)
    with pytest.raises(KeyboardInterrupt):
        index_paths([docs], empty_config, store, progress=False, batch_articles=3)
    assert any("interrupted" in p for p in store.check())
    monkeypatch.undo()

    fresh = Store(empty_config)
    r = index_paths([docs], empty_config, fresh, progress=False, batch_articles=3)
    assert r.added + r.updated == 9 - 3  # the first batch was committed and is kept
    assert fresh.check() == [] and fresh.article_count() == 9
    ids = fresh.collection.get()["ids"]
    assert len(ids) == len(set(ids)) == fresh.chunk_count()


def test_crash_before_the_keyword_rows_is_repaired_by_rerun(docs, empty_config, monkeypatch):
    # The window a SIGKILL once hit in CI: the batch is in Chroma, its keyword rows are not written yet.
    write_jsonl(docs / "feed.jsonl", [record(i) for i in range(8)])
    from rag.storage.bm25 import KeywordRows

    calls = []

    class CrashOnSecondBatch(KeywordRows):
        def write(self, items):
            calls.append(len(items))
            if len(calls) == 2:
                raise KeyboardInterrupt
            return super().write(items)

    crashing = Store(empty_config, indexes=[CrashOnSecondBatch(empty_config.home)])
    with pytest.raises(KeyboardInterrupt):
        index_paths([docs], empty_config, crashing, progress=False, batch_articles=3)

    fresh = Store(empty_config)
    index_paths([docs], empty_config, fresh, progress=False, batch_articles=3)
    rows = KeywordRows(empty_config.home)
    assert fresh.check() == [] and rows.problems(fresh.chunk_count()) == [] and fresh.article_count() == 9


@pytest.mark.slow
def test_sigkill_then_rerun_finishes_with_no_duplicates(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    write_jsonl(docs / "feed.jsonl", [record(i) for i in range(24)])
    home = tmp_path / "home"
    env = os.environ | {"RAG_HOME": str(home), "OMP_NUM_THREADS": "1"}
    script = ("import sys; from index.pipeline import index_paths; from rag.core.config import Config\n"
              f"index_paths([{str(docs)!r}], Config.load(), progress=lambda d, t: print(d, flush=True), batch_articles=2)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() and proc.stdout.readline()  # two batches committed
    time.sleep(0.3)  # land inside a later batch
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    run = lambda *a: subprocess.run([sys.executable, "-m", "rag.cli", *a], cwd=ROOT, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    r = run("index", str(docs), "-q")
    assert r.returncode == 0, r.stderr
    s = run("status", "--json")
    status = json.loads(s.stdout)
    assert s.returncode == 0 and status["consistent"], status["problems"]
    assert status["articles"] == 24
    # Same chunks as an index built in one go.
    clean = run("--home", str(tmp_path / "clean"), "index", str(docs), "-q")
    assert clean.returncode == 0
    assert f"({status['chunks']} chunks)" in clean.stdout
    from rag.api import answer
    from rag.core.config import Config

    resumed_cfg, clean_cfg = Config.load(home=home), Config.load(home=tmp_path / "clean")

    def chunks(cfg: Config) -> list[tuple[str, str]]:
        got = Store(cfg).collection.get(include=["documents"])
        return sorted(zip(got["ids"], got["documents"]))

    assert chunks(resumed_cfg) == chunks(clean_cfg)
    # And the same answers: text, refusal and every citation (scores may differ in the last float bits).
    cited = lambda a: (a.text, a.refused, [(c.n, c.article_id, c.start, c.end, c.text) for c in a.citations])  # noqa: E731
    for q in ("What does the railway report 3 add?", "Which plan is the drought story 16 about?",
              "What is the capital of Australia?"):
        assert cited(answer(q, config=resumed_cfg)) == cited(answer(q, config=clean_cfg)), q
    assert not answer("What does the railway report 3 add?", config=resumed_cfg).refused


def test_status_cli_reports_size_models_and_problems(docs, empty_config):
    store = Store(empty_config)
    index_paths([docs], empty_config, store, progress=False)
    env = os.environ | {"RAG_HOME": str(empty_config.home), "OMP_NUM_THREADS": "1"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "rag.cli", *a], cwd=ROOT, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    ok = run("status")
    assert ok.returncode == 0, ok.stderr
    assert "articles: 5" in ok.stdout and "size_mb:" in ok.stdout and "all-MiniLM-L6-v2 (fp32)" in ok.stdout
    store.collection.delete(ids=store.collection.get(limit=1)["ids"])  # break it behind the indexer's back
    bad = run("status")
    assert bad.returncode == 1 and "problem:" in bad.stdout and "differs" in bad.stdout
    fixed = run("index", str(docs), "-q")
    assert "0 new and 0 changed" in fixed.stdout  # a lost chunk is not visible to hashes: status is the alarm
