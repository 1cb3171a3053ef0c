"""Bad files: legacy encodings are indexed, empty/binary/huge/malformed files are skipped by name and reason."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.decode import binary_kind, decode
from index.pipeline import index_paths
from index.read import Skipped, read_file
from rag.core.config import Config
from rag.core.records import Article
from rag.storage.store import Store
from tests.conftest import ROOT

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
FRENCH = ("Le président reçoit la délégation à Genève\n\n"
          "Le président français a reçu mardi à Genève une délégation chargée du café équitable.\n")


def page(i: int) -> str:
    """A tiny but distinct article (own headline, own body) so a thousand of them embed quickly."""
    return f"Harbour {i} reopens\n\nThe harbour in town {i} reopened on Monday after repairs, officials said.\n"


def reasons(results: list) -> dict[str, str]:
    return {Path(r.path.split(":")[0]).name + (":" + r.path.split(":")[1] if ":" in r.path else ""): r.reason
            for r in results if isinstance(r, Skipped)}


def test_legacy_encodings_are_decoded_not_lost(tmp_path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(FRENCH.encode("latin-1"))
    cp1252 = tmp_path / "cp1252.txt"  # curly quotes and the euro sign exist only in Windows-1252
    cp1252.write_bytes("Budget row\n\nThe minister said \u201cthe deficit is \u20ac3bn\u201d on Friday evening.\n".encode("cp1252"))
    utf16 = tmp_path / "utf16.txt"  # has NUL bytes, but its BOM says it is text
    utf16.write_text(FRENCH, encoding="utf-16")
    (a,) = read_file(latin1)
    assert isinstance(a, Article) and "Le président français a reçu mardi à Genève" in a.body
    assert a.title == "Le président reçoit la délégation à Genève"
    (b,) = read_file(cp1252)
    assert isinstance(b, Article) and "\u201cthe deficit is \u20ac3bn\u201d" in b.body
    (c,) = read_file(utf16)
    assert isinstance(c, Article) and c.body == a.body


def test_empty_binary_and_textless_files_are_skipped_with_reason(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "photo.txt").write_bytes(PNG)  # a PNG renamed .txt
    (tmp_path / "noise.md").write_bytes(bytes(range(1, 32)) * 300)  # control bytes, no NUL
    (tmp_path / "report.json").write_bytes(b"%PDF-1.7\n" + b"x" * 200)
    (tmp_path / "blank.txt").write_text("   \n\n  \n")
    got = reasons([r for f in sorted(tmp_path.iterdir()) for r in read_file(f)])
    assert got == {
        "empty.txt": "empty file",
        "photo.txt": "PNG image, not text",
        "noise.md": "binary data, not text",
        "report.json": "PDF document, not text",
        "blank.txt": "no article text found",
    }


def test_malformed_json_and_jsonl_name_the_line_and_keep_good_records(tmp_path, empty_config):
    good = lambda i: {"title": f"Storm {i} hits the coast", "source": "Wire",  # noqa: E731
                      "body": f"Storm {i} hit the coast on Tuesday and cut power to many homes, officials said."}
    (tmp_path / "broken.json").write_text('[\n  {"title": "A",\n   "body": "unterminated\n]\n')
    lines = [json.dumps(good(1)), '{"title": "cut off mid-write", "body": "The', json.dumps(good(2)),
             "[1, 2, 3]", json.dumps({"title": "no text"}), "", json.dumps(good(3))]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    results = read_file(tmp_path / "broken.json") + read_file(tmp_path / "feed.jsonl")
    got = reasons(results)
    assert got["broken.json"].startswith("invalid JSON") and "line 3" in got["broken.json"]
    assert got["feed.jsonl:2"].startswith("invalid JSON") and "column" in got["feed.jsonl:2"]
    assert got["feed.jsonl:4"] == "record is not a JSON object"
    assert got["feed.jsonl:5"].startswith("record has no text field")
    assert len(got) == 4
    # Through the indexer: the three good lines are indexed, the bad ones reported, the index consistent.
    store = Store(empty_config)
    report = index_paths([tmp_path], empty_config, store, progress=False)
    assert report.added == 3 and store.article_count() == 3
    assert reasons(report.skipped) == got
    assert store.check() == []


@pytest.mark.slow
def test_huge_file_is_skipped_without_being_read(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    huge = docs / "huge.txt"
    line = b"The council met again on Thursday and adjourned without a vote, a spokesman said.\n"
    with huge.open("wb") as f:  # 50 MB of plausible text, written in 1 MB pieces
        block = line * (2**20 // len(line) + 1)
        for _ in range(50):
            f.write(block[: 2**20])
    (docs / "ok.txt").write_text(page(1))

    tracemalloc.start()
    (skipped,) = read_file(huge)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert isinstance(skipped, Skipped)
    assert skipped.reason == "file is 50.0 MB, over the 32 MB limit (raise max_file_mb / RAG_MAX_FILE_MB to index it)"
    assert peak < 2**20, f"reading a skipped file allocated {peak} bytes"

    medium = docs / "medium.txt"  # the limit is a setting: 2 MB is skipped under 1 MB, read under 4 MB
    medium.write_bytes(b"Council meets\n\n" + line * (2 * 2**20 // len(line)))
    assert "over the 1 MB limit" in read_file(medium, max_mb=1)[0].reason
    (article,) = read_file(medium, max_mb=4)
    assert isinstance(article, Article) and len(article.body) > 2**20
    medium.unlink()

    env = os.environ | {"RAG_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    env.pop("RAG_MAX_FILE_MB", None)
    r = subprocess.run([sys.executable, "-m", "rag.cli", "index", str(docs), "-q"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "indexed 1 new and 0 changed articles (1 chunks); 0 unchanged; 1 skipped"
    assert r.stderr.strip() == f"rag index: skipped {huge}: {skipped.reason}"


@pytest.mark.slow
def test_thousand_files_some_bad(tmp_path):
    docs = tmp_path / "docs"
    bad: dict[str, str] = {}  # file (or file:line) → expected reason prefix
    good_paths: set[str] = set()
    for i in range(1000):
        sub = docs / f"batch{i // 100}"
        sub.mkdir(parents=True, exist_ok=True)
        kind = i % 50
        if kind == 7:
            f = sub / f"{i:04d}.txt"
            f.write_bytes(b"")
            bad[str(f)] = "empty file"
        elif kind == 17:
            f = sub / f"{i:04d}.txt"
            f.write_bytes(PNG)
            bad[str(f)] = "PNG image, not text"
        elif kind == 27:
            f = sub / f"{i:04d}.json"
            f.write_text('{"title": "Half", "body": ')
            bad[str(f)] = "invalid JSON (Expecting value, line 1 column 27)"
        elif kind == 37:  # one bad line among good ones: the good lines still count
            f = sub / f"{i:04d}.jsonl"
            f.write_text(json.dumps({"title": f"Harbour {i} reopens", "body": page(i).split("\n\n")[1]}) + "\n{oops\n")
            bad[f"{f}:2"] = "invalid JSON"
            good_paths.add(str(f))
        elif kind == 47:
            f = sub / f"{i:04d}.md"
            f.write_bytes(b"Short.")
            bad[str(f)] = "no article text found"
        else:
            f = sub / f"{i:04d}.txt"
            # Every tenth good file is a Latin-1 export: indexed like the others.
            f.write_bytes(page(i).replace("repairs", "réparations").encode("latin-1") if i % 10 == 3 else page(i).encode())
            good_paths.add(str(f))
    assert sum(1 for _ in docs.rglob("*.*")) == 1000

    env = os.environ | {"RAG_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "rag.cli", *a], cwd=ROOT, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=600)
    r = run("index", str(docs), "-q")
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == len(bad) == 100
    reported = {}
    for ln in lines:
        assert ln.startswith("rag index: skipped ")
        where, _, reason = ln.removeprefix("rag index: skipped ").partition(": ")
        reported[where] = reason
    assert reported.keys() == bad.keys()
    for where, reason in bad.items():
        assert reported[where].startswith(reason), (where, reported[where])
    assert r.stdout.strip() == f"indexed {len(good_paths)} new and 0 changed articles ({len(good_paths)} chunks); 0 unchanged; 100 skipped"

    s = run("status", "--json")
    status = json.loads(s.stdout)
    assert s.returncode == 0 and status["consistent"], status["problems"]
    assert status["articles"] == status["chunks"] == len(good_paths) == 920
    store = Store(Config.load(home=tmp_path / "home"))
    assert set(store.paths().values()) == good_paths
    latin = [a for a in store.paths() if store.body(a) and "réparations" in store.body(a)]
    assert len(latin) == 100


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.binary(max_size=4000), st.text(max_size=2000).map(lambda t: t.encode("utf-8")),
                     st.text(alphabet=st.characters(max_codepoint=255), max_size=2000).map(lambda t: t.encode("latin-1"))),
       suffix=st.sampled_from([".txt", ".md", ".json", ".jsonl"]))
def test_any_bytes_give_articles_or_reasons(tmp_path, raw, suffix):
    f = tmp_path / f"fuzz{suffix}"
    f.write_bytes(raw)
    for r in read_file(f):
        assert isinstance(r, (Article, Skipped))
        if isinstance(r, Skipped):
            assert r.reason and "\n" not in r.reason
        else:
            assert r.body.strip() and r.article_id


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_utf8_text_decodes_to_itself(text):
    raw = text.encode("utf-8")
    if binary_kind(raw) is None:  # text full of control characters counts as binary
        assert decode(raw) == text.removeprefix("\ufeff")  # a leading BOM is an encoding mark, not text
