"""`rag ui` binds loopback by default and warns (on stderr) when told to serve beyond it without a login."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rag.cli import build_parser
from tests.conftest import ROOT

# 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned here, so the bind fails and nothing is exposed.
ELSEWHERE = "192.0.2.1"


def test_default_host_is_loopback():
    args = build_parser().parse_args(["ui"])
    assert args.host == "127.0.0.1" and args.port == 7860 and args.auth is None


@pytest.mark.slow
@pytest.mark.parametrize("auth", [None, "ann:s3cret"])
def test_non_loopback_without_login_warns(config, auth):
    env = os.environ | {"RAG_HOME": str(config.home), "OMP_NUM_THREADS": "1"}
    env.pop("RAG_UI_AUTH", None)
    cmd = [sys.executable, "-m", "rag.cli", "ui", "--host", ELSEWHERE, "--port", "7999"]
    r = subprocess.run(cmd + (["--auth", auth] if auth else []), cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"rag ui: cannot serve on {ELSEWHERE}:7999" in r.stderr
    warning = f"rag ui: warning: serving on {ELSEWHERE} without a login"
    assert (warning in r.stderr) == (auth is None), r.stderr
