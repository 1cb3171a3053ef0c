"""`rag serve` / `rag ui` options for the HTTP API: loopback by default, a warning when exposed without a key."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rag.cli import build_parser
from tests.conftest import ROOT

ELSEWHERE = "192.0.2.1"  # TEST-NET-1 (RFC 5737): the bind fails, nothing is exposed


def test_serve_defaults_to_loopback_without_a_key():
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 7860 and args.api_key is None
    assert build_parser().parse_args(["ui", "--api-key", "k"]).api_key == "k"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("RAG_API_KEY", "RAG_UI_AUTH")}
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=base | {"OMP_NUM_THREADS": "1"} | env)


@pytest.mark.parametrize("key", [None, "k3y"])
def test_serve_elsewhere_without_a_key_warns(tmp_path, key):
    r = _run("serve", "--host", ELSEWHERE, "--port", "7999", RAG_HOME=str(tmp_path / "home"),
             **({"RAG_API_KEY": key} if key else {}))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"rag serve: cannot serve on {ELSEWHERE}:7999" in r.stderr
    assert ("rag serve: warning: serving on 192.0.2.1 without an API key" in r.stderr) == (key is None), r.stderr


def test_serve_help_names_the_routes():
    r = _run("serve", "--help")
    assert r.returncode == 0 and "/v1/chat/completions" in r.stdout and "--api-key" in r.stdout
