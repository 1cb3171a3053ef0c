"""Eight simultaneous chat users through the Gradio API: no errors, answers identical to one user's, and those
answers are real ones (the verified answer of the index, rendered), not an error text returned to everyone."""
from __future__ import annotations

import json

import pytest

from rag.engines.verify import citation_problems

UNANSWERABLE = {"What is the capital of Australia?"}  # in benchmarks/load.py's QUESTIONS, refused on purpose


@pytest.mark.slow
def test_eight_users_get_single_user_answers(config, tmp_path):
    from gradio_client import Client

    from benchmarks.load import QUESTIONS, _free_port, run_load
    from rag.api import get_index
    from ui import render
    from ui.app import build_app, launch

    app = build_app(config)
    url = launch(app, port=_free_port())
    try:
        result = run_load(url, users=8, total=24, time_limit=300)
        single = Client(url, verbose=False, download_files=False)
        served = {q: single.predict(q, api_name="/chat") for q in QUESTIONS}  # what run_load compared against
    finally:
        app.close()
    json.dumps(result)
    assert result["asked"] == 24, result
    assert result["errors"] == 0, result["error_examples"]
    assert result["identical"] == 24 and result["differing"] == 0
    assert result["p95_ms"] >= result["p50_ms"] > 0

    index = get_index(config)
    for q in QUESTIONS:
        a = index.answer(q)
        assert citation_problems(a, index.store.body) == [], q  # every [n] is the verbatim sentence it cites
        assert a.refused == (q in UNANSWERABLE), (q, a.text)
        assert a.refused or (a.citations and "[1]" in a.text), (q, a.text)
        assert served[q] == render.api_markdown(a), q  # the served answer is this verified answer, rendered
