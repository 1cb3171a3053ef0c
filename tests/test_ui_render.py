"""The chat's rendering and uploads without a browser: escaping, [n] links, highlighted context, safe names."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT, SEVEN

from rag.api import answer, get_index
from rag.core.errors import RagError
from rag.core.records import Answer, Citation
from ui import render
from ui.cli import is_loopback, parse_auth
from ui.uploads import add_files, safe_name, store_upload

EVIL = ('Read <script>alert(1)</script> and <img src=x onerror="alert(2)"> then [click](javascript:alert(3)) '
        'or http://evil.example/x ${alert(4)} {{constructor}} `code` **bold** $$x$$')


def test_escape_md_leaves_no_markup():
    md = render.escape_md(EVIL)
    assert "<" not in md and ">" not in md
    # every Markdown-significant character is backslash-escaped, so none can start a link, emphasis or math
    assert not re.search(r"(?<!\\)[\[\]()*`$:]", md)


def test_escape_html_escapes_tags_and_template_syntax():
    out = render.escape_html(EVIL)
    assert "<" not in out and ">" not in out and "${" not in out and "{{" not in out and "`" not in out
    assert "&lt;script&gt;" in out


def _answer(text: str, refused: bool = False) -> Answer:
    c = Citation(1, "a1", "Title <b>", "Src", "2022-02-05", "javascript:alert(1)", "Bad <script>x</script>.", 0, 24, 0.9)
    return Answer("q", text, refused, [] if refused else [c])


def test_chat_markdown_links_known_markers_only():
    md = render.chat_markdown(_answer("Bad <script>x</script>. [1] Other. [7]"), turn=3)
    assert "[\\[1\\]](#src-3-1)" in md and "(#src-3-7)" not in md and "\\[7\\]" in md
    assert "<script>" not in md and 'class="rag-answer"' in md


def test_refused_answer_looks_different():
    md = render.chat_markdown(_answer("The articles do not say.", refused=True), turn=0)
    assert 'class="rag-refused"' in md and "Not in the articles" in md and "](#src-" not in md


def test_source_card_escapes_everything_and_drops_unsafe_urls():
    body = "Bad <script>x</script>. After <img src=x onerror=alert(1)> here."
    html = render.sources_section(0, _answer("Bad. [1]"), lambda _: body)
    assert "<script>" not in html and "<img" not in html and "javascript:" not in html
    assert '<mark>Bad &lt;script&gt;x&lt;/script&gt;.</mark>' in html
    assert 'id="src-0-1"' in html and "Title &lt;b&gt;" in html


def test_highlight_shows_context_around_the_cited_sentence(config):
    a = answer("Who refused to sign the statement?", config=config)
    c = next(c for c in a.citations if "Gabon" in c.text)
    body = get_index(config).store.body(c.article_id)
    html = render.passage_html(body, c.start, c.end, c.text)
    marked = re.search(r"<mark>(.*?)</mark>", html).group(1)
    assert marked == render.escape_html(c.text)
    lo, hi = render.context_span(body, c.start, c.end)
    assert lo < c.start and hi > c.end  # neighbouring sentences are shown too
    assert c.start - lo <= render.CONTEXT_CHARS and hi - c.end <= render.CONTEXT_CHARS


def test_api_markdown_lists_sources(config):
    md = render.api_markdown(answer("Who refused to sign the statement?", config=config))
    assert "**Sources**" in md and "\\[1\\]" in md
    assert all(country in md for country in SEVEN)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\win.md", "win.md"),
    ("/abs/path/a b?.HTML", "a_b_.html"),
    ("..", "upload"),
    (".hidden.json", "hidden.json"),
])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_store_upload_never_writes_outside(tmp_path):
    src = tmp_path / "src.txt"
    src.write_text("hello")
    folder = tmp_path / "area" / "uploads"
    for name in ("../../escape.txt", "../escape.txt", "/etc/escape.txt"):
        dest = store_upload(src, name, folder)
        assert dest.parent == folder.resolve()
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "area" / "escape.txt").exists()
    other = tmp_path / "other.txt"
    other.write_text("different")
    assert store_upload(other, "escape.txt", folder).name == "escape-1.txt"  # same name, other content


def test_add_files_indexes_good_and_names_bad(empty_config, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Harbour news\n\nThe harbour master of Port Elvar said the new pier opened on Tuesday after two years of work.\n")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    exe = tmp_path / "tool.exe"
    exe.write_text("MZ")
    store = get_index(empty_config).store
    result = add_files([("good.txt", good), ("bad.json", bad), ("tool.exe", exe)], empty_config.home / "uploads", store)
    assert result.indexed == ["good.txt"] and result.added == 1 and result.chunks >= 1
    assert {n for n, _ in result.skipped} == {"bad.json", "tool.exe"}
    assert any("invalid JSON" in r for _, r in result.skipped)
    assert store.article_count() == 1
    assert sorted(p.name for p in (empty_config.home / "uploads").iterdir()) == ["good.txt"]


def test_auth_and_host_options():
    assert parse_auth("ann:s3:cret") == ("ann", "s3:cret") and parse_auth(None) is None
    with pytest.raises(RagError):
        parse_auth("nopassword")
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_rag_ui_help_and_bad_auth():
    rag = [sys.executable, "-m", "rag.cli"]
    out = subprocess.run([*rag, "ui", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "--host" in out.stdout and "--auth" in out.stdout and "--port" in out.stdout
    out = subprocess.run([*rag, "ui", "--auth", "nopassword"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "USER:PASSWORD" in out.stderr


def test_answer_streams_in_pieces(config):
    from rag.api import get_index
    from ui.answers import steps

    index = get_index(config)
    final = index.answer("Who refused to sign the statement?")
    pieces = list(steps(index, "Who refused to sign the statement?", engine=None, history=None, sources=None,
                        since=None, until=None))
    assert [f for _, f in pieces].count(True) == 1 and pieces[-1] == (final, True)
    partial = [p.text for p, _ in pieces[:-1]]
    assert len(partial) > 10 and all(p.endswith(" …") and final.text.startswith(p[:-2]) for p in partial)


def _engine_radio(app):
    return next(c for c in app.config["components"] if c.get("props", {}).get("elem_id") == "rag-engine")["props"]


def test_engine_switch_hidden_without_an_llm(config):
    import dataclasses

    from ui.app import build_app

    plain = _engine_radio(build_app(dataclasses.replace(config, llm_url=None)))
    assert plain["visible"] is False and plain["value"] == "extractive"


@pytest.mark.llm  # the switch is shown only when an LLM can be built: that needs the llm extra
def test_engine_switch_shown_when_an_llm_is_configured(config):
    import dataclasses

    from rag.engines.llm.client import problem
    from ui.app import build_app

    configured = dataclasses.replace(config, llm_url="http://127.0.0.1:9/v1")
    assert problem(configured) is None
    shown = _engine_radio(build_app(configured))
    assert shown["visible"] is True and [c[0] for c in shown["choices"]] == ["extractive", "llm"]
