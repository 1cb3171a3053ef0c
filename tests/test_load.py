"""Eight simultaneous chat users through the Gradio API: no errors, answers identical to one user's."""
from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_eight_users_get_single_user_answers(config, tmp_path):
    from benchmarks.load import _free_port, run_load
    from ui.app import build_app, launch

    app = build_app(config)
    url = launch(app, port=_free_port())
    try:
        result = run_load(url, users=8, total=24, time_limit=300)
    finally:
        app.close()
    json.dumps(result)
    assert result["asked"] == 24, result
    assert result["errors"] == 0, result["error_examples"]
    assert result["identical"] == 24 and result["differing"] == 0
    assert result["p95_ms"] >= result["p50_ms"] > 0
