"""Settings: where they come from (file, environment, overrides), in which order, and that every part of the
product reads the same value (the int8 index once got fp32 questions because one module read the env alone)."""
from __future__ import annotations

from pathlib import Path

import pytest

from rag.api import Index
from rag.core.config import Config
from rag.core.errors import RagError

PARK = ("Riverside council approves new park\n\n"
        "Riverside city council voted on Monday to approve a new riverside park with a playground and a skate ramp.\n")


@pytest.fixture
def no_rag_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No RAG_* variables and an empty working directory (no stray ./rag.toml)."""
    import os

    for key in list(os.environ):
        if key.startswith("RAG_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_file_then_environment_then_overrides(no_rag_env, monkeypatch):
    (no_rag_env / "rag.toml").write_text('[rag]\ntop_k = 7\nmin_support = 0.3\nrerank = true\n', encoding="utf-8")
    assert Config.load().top_k == 7  # ./rag.toml is read by default
    monkeypatch.setenv("RAG_TOP_K", "12")
    monkeypatch.setenv("RAG_RERANK", "false")
    cfg = Config.load()
    assert (cfg.top_k, cfg.min_support, cfg.rerank) == (12, 0.3, False)  # env wins, converted to the field's type
    assert Config.load(top_k=3).top_k == 3  # explicit overrides win over both


def test_config_file_from_flag_or_environment(no_rag_env, monkeypatch):
    other = no_rag_env / "other.toml"
    other.write_text('[rag]\nchunk_tokens = 128\nhome = "elsewhere"\n', encoding="utf-8")
    assert Config.load(other).chunk_tokens == 128
    monkeypatch.setenv("RAG_CONFIG", str(other))
    cfg = Config.load()
    assert cfg.chunk_tokens == 128 and cfg.home == Path("elsewhere")


def test_bad_settings_are_one_clear_error(no_rag_env, monkeypatch):
    (no_rag_env / "rag.toml").write_text("[rag]\ntop_kk = 3\n", encoding="utf-8")
    with pytest.raises(RagError, match="unknown setting 'top_kk'"):
        Config.load()
    with pytest.raises(RagError, match="config file not found"):
        Config.load(no_rag_env / "missing.toml")
    (no_rag_env / "rag.toml").unlink()
    monkeypatch.setenv("RAG_TOP_K", "ten")
    with pytest.raises(RagError, match="setting top_k='ten'"):
        Config.load()


def test_cli_config_flag_reaches_the_command(no_rag_env, capsys):
    from rag.cli import main

    (no_rag_env / "x.toml").write_text(f'[rag]\nhome = "{no_rag_env / "h"}"\n', encoding="utf-8")
    assert main(["--config", str(no_rag_env / "x.toml"), "status"]) == 0
    assert f"home: {no_rag_env / 'h'}" in capsys.readouterr().out


@pytest.mark.parametrize("source", ["file", "environment"])
def test_int8_index_gets_int8_questions(no_rag_env, monkeypatch, source):
    from index.pipeline import index_paths

    folder = no_rag_env / "articles"
    folder.mkdir()
    (folder / "park.txt").write_text(PARK, encoding="utf-8")
    if source == "file":
        (no_rag_env / "rag.toml").write_text('[rag]\nembed_precision = "int8"\n', encoding="utf-8")
    else:
        monkeypatch.setenv("RAG_EMBED_PRECISION", "int8")
    cfg = Config.load(home=no_rag_env / "home", articles_dir=folder)
    assert cfg.embed_precision == "int8"
    assert index_paths([folder], cfg, progress=False).chunks == 1
    index = Index(cfg, first_use=lambda i: None)
    ids, texts, metas = next(index.store.chunk_pages())
    # The question is exactly what was embedded for the chunk (headline + text): embedded the same way, the
    # cosine is 1; an fp32 question against int8 vectors gives about 0.95.
    got = index.retriever.candidates(f"{metas[0]['title']}\n{texts[0]}")
    assert got is not None
    assert float(got[0].cos.max()) > 0.999
    # And the setting changed after indexing does not change how questions are embedded: the index decides.
    monkeypatch.delenv("RAG_EMBED_PRECISION", raising=False)
    (no_rag_env / "rag.toml").write_text('[rag]\nembed_precision = "fp32"\n', encoding="utf-8")
    later = Index(Config.load(home=no_rag_env / "home", articles_dir=folder), first_use=lambda i: None)
    assert later.store.embed_precision() == "int8"
    again = later.retriever.candidates(f"{metas[0]['title']}\n{texts[0]}")
    assert again is not None and float(again[0].cos.max()) > 0.999
