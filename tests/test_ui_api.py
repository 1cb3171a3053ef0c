"""The chat as an API: gradio_client against the launched app (the `/chat` endpoint is a contract)."""
from __future__ import annotations

import pytest
from conftest import SEVEN, free_port


@pytest.fixture(scope="module")
def client(config):
    from gradio_client import Client

    from ui.app import build_app, launch

    app = build_app(config)
    url = launch(app, port=free_port())
    assert url.startswith("http://127.0.0.1:")
    yield Client(url, verbose=False, download_files=False)
    app.close()


def test_chat_answers_with_sources(client):
    md = client.predict("Who refused to sign the statement?", api_name="/chat")
    answer, _, sources = md.partition("**Sources**")
    assert all(country in answer for country in SEVEN)
    assert "\\[1\\]" in answer and "\\[1\\]" in sources
    assert "China urges US ‘flexibility’ with North Korea" in sources and "The Guardian" in sources


def test_chat_refusal_is_marked(client):
    md = client.predict("How do I bake banana bread?", api_name="/chat")
    assert md.startswith("**Not in the articles.**") and "**Sources**" not in md


def test_chat_bad_question_is_an_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question"):
        client.predict("   ", api_name="/chat")


def test_chat_and_answer_are_the_only_public_endpoints(client):
    assert set(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == {"/chat", "/answer"}


def _login(url: str, user: str, password: str) -> tuple[int, dict]:
    """POST the login form as the browser does: (status, JSON body)."""
    import httpx

    r = httpx.post(f"{url.rstrip('/')}/login", data={"username": user, "password": password})
    return r.status_code, r.json()


def test_auth_is_required_when_set(config):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    from ui.app import build_app, launch

    app = build_app(config)
    url = launch(app, port=free_port(), auth=("ann", "s3cret"))
    try:
        # The app itself says 401 (AuthenticationError), not a connection or server error passing for a rejection.
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(url, verbose=False)
        with pytest.raises(ValueError, match="Could not login"):  # the app's 400 "Incorrect credentials."
            Client(url, verbose=False, auth=("ann", "wrong"))
        assert _login(url, "ann", "wrong") == (400, {"detail": "Incorrect credentials."})
        assert _login(url, "ann", "s3cret")[0] == 200
        md = Client(url, verbose=False, auth=("ann", "s3cret")).predict("Who refused to sign the statement?", api_name="/chat")
        assert "Gabon" in md
    finally:
        app.close()


def test_answer_endpoint_returns_json(client, config):
    from rag.core.records import Answer, Citation
    from rag.engines.verify import citation_problems
    from rag.storage.store import Store

    d = client.predict("Who refused to sign the statement?", api_name="/answer")
    assert not d["refused"] and d["text"].startswith("China, Gabon, Ghana, India, Kenya, Mexico and Russia [1]")
    a = Answer(question=d["question"], text=d["text"], refused=False, citations=[Citation(**c) for c in d["citations"]])
    assert citation_problems(a, Store(config).body) == []
