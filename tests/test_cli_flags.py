"""Every CLI flag and setting through the real `rag` command (a subprocess, its own RAG_HOME): ask's filters and
-k, index --prune, eval --thresholds / --limit / --split test, RAG_UI_AUTH, RAG_MAX_FILE_MB, RAG_JSON_FIELDS, and
the chat served from a Chroma server (--chroma-url)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag import retrieve
from tests.conftest import AP, ARTICLES, GUARDIAN, ROOT, SEVEN, free_port

WEAPONS = "How many weapons tests did North Korea carry out in January?"
REFUSED = "Who refused to sign the statement?"


def rag(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess:
    """`rag ARGS` as a user runs it, with RAG_HOME=home and only the RAG_* settings given here."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=base | {"RAG_HOME": str(home), "OMP_NUM_THREADS": "1"} | env)


def ask(question: str, *flags: str, home: Path, **env: str) -> dict:
    r = rag("ask", question, "--json", *flags, home=home, **env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def articles_count(home: Path) -> int:
    r = rag("status", home=home)
    return int(next(line for line in r.stdout.splitlines() if line.startswith("articles: ")).split()[1])


# --- rag ask -----------------------------------------------------------------------------------------------

def test_ask_k_reads_only_the_top_passages(config):
    top = retrieve(REFUSED, k=1, config=config)[0]
    inside = lambda c: c["article_id"] == top.article_id and top.start <= c["start"] and c["end"] <= top.end  # noqa: E731
    one = ask(REFUSED, "-k", "1", home=config.home)
    assert not one["refused"] and one["citations"] and all(inside(c) for c in one["citations"])
    full = ask(REFUSED, home=config.home)  # the default (10) reads the other chunks too, and cites them
    assert not all(inside(c) for c in full["citations"])


def test_ask_source_keeps_only_that_outlet(config):
    both = ask(WEAPONS, home=config.home)
    assert {c["source"] for c in both["citations"]} == {"The Guardian", "The Independent"}
    for outlet in ("The Guardian", "The Independent"):
        only = ask(WEAPONS, "--source", outlet, home=config.home)
        assert not only["refused"] and {c["source"] for c in only["citations"]} == {outlet}


@pytest.fixture(scope="module")
def dated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two bundled articles as a JSON corpus with publication dates (the .txt files carry none)."""
    folder = tmp_path_factory.mktemp("dated")
    records = [{"title": "China urges US flexibility with North Korea", "source": "The Guardian",
                "published_at": "2022-02-01T09:00:00+00:00", "body": GUARDIAN.read_text(encoding="utf-8")},
               {"title": "China says US should do more to reduce North Korea tensions", "source": "The Independent",
                "published_at": "2022-02-08T09:00:00+00:00", "body": AP.read_text(encoding="utf-8")}]
    (folder / "dated.json").write_text(json.dumps(records), encoding="utf-8")
    home = folder / "home"
    r = rag("index", str(folder / "dated.json"), "-q", home=home)
    assert r.returncode == 0 and "indexed 2 new" in r.stdout, r.stderr
    return home


def test_ask_since_and_until_filter_by_publication_date(dated_home):
    assert {c["published"] for c in ask(WEAPONS, home=dated_home)["citations"]} == {"2022-02-01", "2022-02-08"}
    late = ask(WEAPONS, "--since", "2022-02-05", home=dated_home)
    assert late["citations"] and {c["published"] for c in late["citations"]} == {"2022-02-08"}
    early = ask(WEAPONS, "--until", "2022-02-05", home=dated_home)
    assert early["citations"] and {c["published"] for c in early["citations"]} == {"2022-02-01"}
    none = ask(WEAPONS, "--since", "2022-02-02", "--until", "2022-02-07", home=dated_home)
    assert none["refused"] and none["citations"] == []
    bad = rag("ask", WEAPONS, "--since", "February", home=dated_home)
    assert bad.returncode == 2 and bad.stdout == ""


# --- rag index ---------------------------------------------------------------------------------------------

HARBOUR = "Harbour news\n\nThe harbour master of Port Elvar said the new pier opened on Tuesday after two years of work.\n"
MILL = "Mill news\n\nThe old flour mill in Dunmore reopened as a museum on Saturday, the town council said.\n"


def test_index_prune_removes_articles_whose_files_are_gone(tmp_path):
    docs, home = tmp_path / "docs", tmp_path / "home"
    docs.mkdir()
    (docs / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    (docs / "mill.txt").write_text(MILL, encoding="utf-8")
    assert "indexed 2 new" in rag("index", str(docs), "-q", home=home).stdout
    (docs / "mill.txt").unlink()
    kept = rag("index", str(docs), "-q", home=home)
    assert kept.returncode == 0 and "removed" not in kept.stdout and articles_count(home) == 2  # no --prune: kept
    pruned = rag("index", str(docs), "-q", "--prune", home=home)
    assert pruned.returncode == 0 and "; 1 removed" in pruned.stdout, pruned.stdout
    assert articles_count(home) == 1
    assert ask("When did the flour mill reopen?", home=home)["refused"]
    assert not ask("When did the new pier open?", home=home)["refused"]


def test_max_file_mb_setting_skips_bigger_files_unread(tmp_path):
    docs, home = tmp_path / "docs", tmp_path / "home"
    docs.mkdir()
    (docs / "small.txt").write_text(HARBOUR, encoding="utf-8")  # ~120 bytes
    (docs / "big.txt").write_text(MILL + "The museum shows the mill's machinery. " * 60, encoding="utf-8")  # ~2.5 KB
    r = rag("index", str(docs), "-q", home=home, RAG_MAX_FILE_MB="0.001")  # 1 KiB
    assert r.returncode == 0 and "indexed 1 new" in r.stdout, r.stderr
    assert "big.txt" in r.stderr and "over the 0.001 MB limit" in r.stderr and "small.txt" not in r.stderr
    again = rag("index", str(docs), "-q", home=home)  # the default limit (32 MB) takes it
    assert "indexed 1 new" in again.stdout and "1 unchanged" in again.stdout and articles_count(home) == 2


def test_json_fields_setting_maps_record_keys(tmp_path):
    docs, home = tmp_path / "docs", tmp_path / "home"
    docs.mkdir()
    record = {"hed": "Pier opens in Port Elvar", "story": HARBOUR.split("\n\n", 1)[1], "desk": "Elvar Gazette"}
    (docs / "feed.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    plain = rag("index", str(docs), "-q", home=home)
    assert plain.returncode == 2 and "no text field" in plain.stderr  # `story` is no body key by default
    mapped = rag("index", str(docs), "-q", home=home, RAG_JSON_FIELDS="body=story,title=hed,source=desk")
    assert mapped.returncode == 0 and "indexed 1 new" in mapped.stdout, mapped.stderr
    a = ask("When did the new pier open?", home=home)
    assert not a["refused"] and a["citations"]
    assert {(c["title"], c["source"]) for c in a["citations"]} == {("Pier opens in Port Elvar", "Elvar Gazette")}


# --- rag eval ----------------------------------------------------------------------------------------------

def _gold_case(tmp_path: Path, case_id: str = "who-refused") -> Path:
    from evals.gold import BUNDLED

    lines = [line for line in BUNDLED.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] == case_id]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_thresholds_file_is_the_gate(config, tmp_path):
    gold = _gold_case(tmp_path)
    strict, loose = tmp_path / "strict.toml", tmp_path / "loose.toml"
    strict.write_text('version = 1\n[min]\n"citation_validity.valid" = 1.0\n[max]\n"latency.p95_s" = 0.0\n')
    loose.write_text('version = 1\n[min]\n"citation_validity.valid" = 1.0\n[max]\n"latency.p95_s" = 600.0\n')
    common = ["eval", "--gold", str(gold), "--articles", str(ARTICLES), "--no-progress"]
    failed = rag(*common, "--thresholds", str(strict), home=config.home)
    assert failed.returncode == 1, failed.stderr
    assert "FAIL latency.p95_s" in failed.stderr and "citation_validity" not in failed.stderr
    passed = rag(*common, "--thresholds", str(loose), home=config.home)
    assert passed.returncode == 0 and "all 2 thresholds met" in passed.stdout, passed.stderr
    missing = rag(*common, "--thresholds", str(tmp_path / "nope.toml"), home=config.home)
    assert missing.returncode == 2 and "thresholds file not found" in missing.stderr


def _tiny_multihop(folder: Path) -> Path:
    """MultiHop-RAG's file layout with three articles and ten queries: the test split is indexes 0 and 5."""
    folder.mkdir()
    bodies = ["Sam Altman returned as chief executive of OpenAI after a weekend of board turmoil in San Francisco.",
              "The central bank kept interest rates unchanged on Thursday, citing slower inflation in November.",
              "The striker scored twice in the second half as the home side won the derby three goals to one."]
    corpus = [{"title": f"Story {i}", "author": None, "source": "Wire", "published_at": "2023-11-20T10:00:00+00:00",
               "category": "news", "url": f"https://example.com/{i}", "body": (b + " ") * 3} for i, b in enumerate(bodies)]
    (folder / "corpus.json").write_text(json.dumps(corpus), encoding="utf-8")
    ev = lambda i, fact: [{"title": f"Story {i}", "url": f"https://example.com/{i}", "fact": fact}]  # noqa: E731
    dev = {"query": "Did the striker score twice?", "answer": "Yes", "question_type": "temporal_query",
           "evidence_list": ev(2, "The striker scored twice")}
    queries = [dev] * 10
    queries[0] = {"query": "Who returned as chief executive of OpenAI?", "answer": "Sam Altman",
                  "question_type": "inference_query", "evidence_list": ev(0, "Sam Altman returned as chief executive")}
    queries[5] = {"query": "Did the central bank keep rates unchanged?", "answer": "Yes",
                  "question_type": "comparison_query", "evidence_list": ev(1, "kept interest rates unchanged")}
    (folder / "MultiHopRAG.json").write_text(json.dumps(queries), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_eval_multihop_split_test_and_limit(tmp_path):
    data = _tiny_multihop(tmp_path / "mh")

    def run(*flags: str) -> tuple[subprocess.CompletedProcess, dict]:
        report = tmp_path / "report"
        r = rag("eval", "multihop", "--data", str(data), "--cache", str(tmp_path / "cache"), "--report", str(report),
                "--no-progress", "-k", "2", *flags, home=tmp_path / "home")
        assert r.returncode == 0, r.stderr
        return r, json.loads((report / "multihop.json").read_text(encoding="utf-8"))

    r, held_out = run("--split", "test")
    assert "held-out" in r.stderr  # the test split says what it is
    assert held_out["split"] == "test" and held_out["queries"] == 2
    assert set(held_out["retrieval"]["by_type"]) == {"inference_query", "comparison_query"}  # indexes 0 and 5 only
    _, first = run("--split", "test", "--limit", "1")
    assert first["queries"] == 1 and set(first["retrieval"]["by_type"]) == {"inference_query"}  # index 0
    assert first["answers"]["questions"] == 1  # --limit bounds the answer sample too
    assert first["answers"]["systems"]["engine"]["all"]["overall"]["strict"] == 1.0
    _, dev = run("--limit", "3")  # the default split is dev: indexes 1, 2, 3
    assert dev["split"] == "dev" and dev["queries"] == 3 and set(dev["retrieval"]["by_type"]) == {"temporal_query"}


# --- rag ui ------------------------------------------------------------------------------------------------

@contextmanager
def serving(*args: str, home: Path, **env: str) -> Iterator[str]:
    """`rag [ARGS] ui --port P` in its own process; its URL once it says it serves; stopped (by pid) after."""
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    log = open(home.parent / f"ui-{port}.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", *args, "ui", "--port", str(port)], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT,
                            env=base | {"RAG_HOME": str(home), "OMP_NUM_THREADS": "1"} | env)
    try:
        deadline = time.time() + 300
        while "serving the chat on" not in Path(log.name).read_text():
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"rag ui did not start: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


@pytest.mark.server
def test_ui_auth_setting_requires_the_login(config):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with serving(home=config.home, RAG_UI_AUTH="ann:s3:cret") as url:
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(url, verbose=False)
        with pytest.raises(ValueError, match="Could not login"):  # the app's 400 "Incorrect credentials."
            Client(url, verbose=False, auth=("ann", "s3"))  # the password is everything after the first colon
        md = Client(url, verbose=False, auth=("ann", "s3:cret")).predict(REFUSED, api_name="/chat")
        assert all(country in md for country in SEVEN)


@pytest.mark.server
def test_ui_serves_the_chat_from_a_chroma_server(tmp_path):
    from gradio_client import Client

    from tests.test_chroma_outage import start_chroma, stop

    port, home = free_port(), tmp_path / "home"
    url = f"http://127.0.0.1:{port}"
    chroma = start_chroma(tmp_path / "server-data", port, tmp_path / "chroma.log")  # a real `chroma run`
    try:
        r = rag("--chroma-url", url, "index", str(ARTICLES), "-q", home=home)
        assert r.returncode == 0 and "indexed 2 new" in r.stdout, r.stderr
        with serving("--chroma-url", url, home=home) as chat:
            md = Client(chat, verbose=False).predict(REFUSED, api_name="/chat")
        assert all(country in md for country in SEVEN) and "The Guardian" in md
        assert not (home / "chroma").exists()  # the chat read the server's collection, not a local one
    finally:
        stop(chroma)  # exactly the server this test started
