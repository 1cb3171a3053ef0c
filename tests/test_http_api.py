"""The HTTP API of a real `rag ui` process: the openai client, plain HTTP, gradio_client, auth and bad requests."""
from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rag.core.config import Config
from rag.core.records import Answer, Citation
from rag.engines.verify import citation_problems
from rag.storage.store import Store
from tests.conftest import ROOT, SEVEN, free_port

pytestmark = pytest.mark.server
QUESTION = "Who refused to sign the statement?"
SIGNERS = ["Albania", "Brazil", "Britain", "France", "Ireland", "Norway", "Japan"]
KEY = "test-key-5f2c"
LOGIN = ("ann", "s3cret")
NEW_ARTICLE = """Harbour town votes to rebuild the old lighthouse

The council of Port Elwyn voted eleven to two on Tuesday to rebuild the old lighthouse, which collapsed in a storm
in March. The rebuilding will cost 4.2 million euros and is due to finish in 2028, the mayor, Ilse Marrow, said.
"""


class Server:
    """A `rag ui` process over its own RAG_HOME; stopped by its pid."""

    def __init__(self, tmp: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.home = tmp / "home"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "server.log"
        self.log = open(self.log_path, "w")
        base = {k: v for k, v in os.environ.items() if k not in ("RAG_API_KEY", "RAG_UI_AUTH", "RAG_CHROMA_URL")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "ui", "--port", str(self.port), *args], cwd=ROOT,
            env=base | {"RAG_HOME": str(self.home), "OMP_NUM_THREADS": "1"} | (env or {}),
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 240  # first start indexes the bundled articles
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/openapi.json", timeout=2).read()
                break
            except urllib.error.HTTPError:
                break  # it answers (even 401): it is up
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise RuntimeError(f"rag ui did not start: {self.log_path.read_text()[-3000:]}") from None
                time.sleep(0.5)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)  # exactly the process this test started
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()

    def body_of(self):
        return Store(Config.load(home=self.home)).body


def request(url: str, data: bytes | dict | None = None, method: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """(status, JSON body) of one HTTP request; error statuses are returned, not raised."""
    headers = dict(headers or {})
    if isinstance(data, dict):
        data = json.dumps(data).encode()
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        raw = e.read().decode()
        assert "Traceback" not in raw
        return e.code, json.loads(raw)


def multipart(files: dict[str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body with each file as a part named "files"."""
    boundary = "----newsrag-test-boundary"
    out = b""
    for name, content in files.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def verbatim(d: dict, body_of) -> list[str]:
    """The verbatim check of rag.engines.verify on an answer that came back as JSON."""
    a = Answer(question=d.get("question", ""), text=d["text"], refused=d["refused"],
               citations=[Citation(**c) for c in d["citations"]])
    return citation_problems(a, body_of)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("http_api"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("http_api_auth"), "--auth", ":".join(LOGIN), env={"RAG_API_KEY": KEY})
    yield s
    s.stop()


def _openai(url: str, key: str = "unused"):
    from openai import OpenAI

    return OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=120)


def test_openai_client_chat_with_citations_and_follow_up(server):
    client = _openai(server.url)
    first = client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": QUESTION}])
    text = first.choices[0].message.content
    assert first.object == "chat.completion" and first.choices[0].finish_reason == "stop"
    assert text.startswith("China, Gabon, Ghana, India, Kenya, Mexico and Russia [1]")
    citations = first.model_extra["citations"]
    assert citations and citations[0]["source"] == "The Guardian"
    assert verbatim({"text": text, "refused": first.model_extra["refused"], "citations": citations}, server.body_of()) == []
    assert first.usage.completion_tokens > 10

    # The follow-up turn: earlier messages are the history ("it" is the statement of the first question).
    follow = client.chat.completions.create(model="newsrag", temperature=0.2, messages=[
        {"role": "system", "content": "You are helpful."}, {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": text}, {"role": "user", "content": [{"type": "text", "text": "And who signed it?"}]}])
    follow_text = follow.choices[0].message.content
    assert all(country in follow_text for country in SIGNERS) and not follow_text.startswith("China")
    assert verbatim({"text": follow_text, "refused": False, "citations": follow.model_extra["citations"]},
                    server.body_of()) == []


def test_openai_client_streams_the_same_answer(server):
    client = _openai(server.url)
    messages = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "China and Russia refused. [1]"},
                {"role": "user", "content": "And who signed it?"}]
    whole = client.chat.completions.create(model="newsrag", messages=messages)
    chunks = list(client.chat.completions.create(model="newsrag", messages=messages, stream=True))
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(deltas) > 5  # streamed in pieces, not one blob
    assert "".join(deltas) == whole.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant" and chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"] == whole.model_extra["citations"]
    assert all(country in "".join(deltas) for country in SIGNERS)
    counted = list(client.chat.completions.create(model="newsrag", messages=messages, stream=True,
                                                  stream_options={"include_usage": True}))
    assert counted[-1].choices == [] and counted[-1].usage.total_tokens == whole.usage.total_tokens


def test_stream_is_server_sent_events_ending_with_done(server):
    req = urllib.request.Request(f"{server.url}/v1/chat/completions", method="POST", headers={"Content-Type": "application/json"},
                                 data=json.dumps({"model": "newsrag", "stream": True,
                                                  "messages": [{"role": "user", "content": QUESTION}]}).encode())
    with urllib.request.urlopen(req, timeout=120) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.read().decode().split("\n\n") if line]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"


def test_models_lists_what_can_run(server):
    models = _openai(server.url).models.list()
    assert [m.id for m in models.data] == ["newsrag"]  # no LLM is configured in this test server


def test_answer_json(server):
    status, d = request(f"{server.url}/v1/answer", {"question": QUESTION, "top_k": 5, "unknown_field": [1, 2]})
    assert status == 200 and not d["refused"] and all(c in d["text"] for c in SEVEN)
    assert set(d["citations"][0]) == {"n", "article_id", "title", "source", "published", "url", "text", "start", "end", "score"}
    assert verbatim(d, server.body_of()) == []
    status, d = request(f"{server.url}/v1/answer", {"question": "How do I bake banana bread?"})
    assert status == 200 and d["refused"] and d["citations"] == []
    status, d = request(f"{server.url}/v1/answer", {"question": "How many weapons tests did North Korea carry out in January?",
                                                    "sources": ["The Guardian"]})
    assert status == 200 and d["citations"] and {c["source"] for c in d["citations"]} == {"The Guardian"}
    assert verbatim(d, server.body_of()) == []
    status, d = request(f"{server.url}/v1/answer", {"question": QUESTION, "since": "2100-01-01"})
    assert status == 200 and d["refused"]  # the date filter is applied: nothing is that recent


def test_retrieve_and_status(server):
    status, d = request(f"{server.url}/v1/retrieve?q=sanctions%20proposal&k=3")
    assert status == 200 and len(d["passages"]) == 3
    body_of = server.body_of()
    for p in d["passages"]:
        assert body_of(p["article_id"])[p["start"]:p["end"]] == p["text"]
    status, s = request(f"{server.url}/v1/status")
    cli = subprocess.run([sys.executable, "-m", "rag.cli", "status", "--json"], cwd=ROOT, capture_output=True, text=True,
                         env=os.environ | {"RAG_HOME": str(server.home)}, timeout=120)
    assert status == 200 and set(s) == set(json.loads(cli.stdout))
    assert s["articles"] >= 2 and s["consistent"] and "The Guardian" in s["sources"]


def test_upload_a_good_and_a_broken_file(server):
    data, kind = multipart({"../../etc/lighthouse vote.txt": NEW_ARTICLE.encode(), "broken.json": b'{"title": "x", "body": '})
    status, report = request(f"{server.url}/v1/articles", data, "POST", {"Content-Type": kind})
    assert status == 200, report
    assert report["indexed"] == ["lighthouse vote.txt"] and report["added"] == 1
    assert [s["file"] for s in report["skipped"]] == ["broken.json"] and report["skipped"][0]["reason"]
    assert [p.name for p in (server.home / "uploads").iterdir()] == ["lighthouse_vote.txt"]  # the safe name
    status, d = request(f"{server.url}/v1/answer", {"question": "How much will rebuilding the lighthouse cost?"})
    assert status == 200 and "4.2 million euros" in d["text"] and verbatim(d, server.body_of()) == []
    status, s = request(f"{server.url}/v1/status")
    assert s["articles"] == report["articles"] >= 3

    data, kind = multipart({"notes.pdf": b"%PDF-1.4"})
    status, only_bad = request(f"{server.url}/v1/articles", data, "POST", {"Content-Type": kind})
    assert status == 422 and only_bad["skipped"][0]["file"] == "notes.pdf" and "notes.pdf" in only_bad["error"]["message"]


def test_upload_json_articles(server):
    status, report = request(f"{server.url}/v1/articles", {"articles": [
        {"title": "Ferry strike ends", "body": "The ferry workers of Lake Amsel ended their nine-day strike on Friday "
                                               "after the operator agreed to a six percent raise.", "source": "Amsel Post"},
        {"title": "no body here"}]})
    assert status == 200 and report["added"] == 1
    assert report["skipped"] and report["skipped"][0]["file"].startswith("api-articles.json")
    status, d = request(f"{server.url}/v1/answer", {"question": "How long did the ferry strike on Lake Amsel last?"})
    assert "nine-day" in d["text"] and d["citations"][0]["source"] == "Amsel Post" and verbatim(d, server.body_of()) == []


def test_gradio_json_endpoint_beside_chat(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False, download_files=False)
    assert set(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == {"/chat", "/answer"}
    d = client.predict(QUESTION, api_name="/answer")
    assert isinstance(d, dict) and all(c in d["text"] for c in SEVEN) and verbatim(d, server.body_of()) == []
    assert "\\[1\\]" in client.predict(QUESTION, api_name="/chat")  # /chat is unchanged: Markdown


@pytest.mark.parametrize("path,body,status,words", [
    ("/v1/answer", b'{"question": "Who', 400, "not valid JSON"),
    ("/v1/answer", {"history": []}, 400, "question"),
    ("/v1/answer", {"question": "Who " * 25_600}, 400, "the limit is 2,000"),  # 100 KB
    ("/v1/answer", {"question": 42}, 400, "question"),
    ("/v1/answer", {"question": QUESTION, "top_k": "many"}, 400, "top_k"),
    ("/v1/answer", {"question": QUESTION, "since": "last week"}, 400, "since"),
    ("/v1/answer", {"question": QUESTION, "engine": "magic"}, 400, "unknown engine"),
    ("/v1/answer", {"question": "   "}, 400, "the question is empty"),
    ("/v1/answer", [QUESTION], 400, "valid dictionary"),
    ("/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, 404, "gpt-4o"),
    ("/v1/chat/completions", {"model": "newsrag", "messages": "hi"}, 400, "messages"),
    ("/v1/chat/completions", {"model": "newsrag", "messages": []}, 400, "messages"),
    ("/v1/chat/completions", {"model": "newsrag", "messages": [{"role": "assistant", "content": "hi"}]}, 400, "last message"),
    ("/v1/chat/completions", {"model": "newsrag", "stream": "yes", "messages": [{"role": "user", "content": "hi"}]}, 400, "stream"),
    ("/v1/articles", {"articles": "all of them"}, 400, "articles"),
    ("/v1/retrieve?k=3", None, 400, "q"),
    ("/v1/retrieve?q=sanctions&k=0", None, 400, "k"),
    ("/v1/nowhere", None, 404, "no such API route"),
])
def test_bad_requests_get_one_line_errors(server, path, body, status, words):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    got, d = request(f"{server.url}{path}", data, headers={"Content-Type": "application/json"} if data else {})
    assert got == status, d
    err = d["error"]
    assert words in err["message"] and "\n" not in err["message"] and err["type"]


def test_bad_question_message_matches_rag_ask(server):
    long = "Who " * 25_600
    cli = subprocess.run([sys.executable, "-m", "rag.cli", "ask", long], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=os.environ | {"RAG_HOME": str(server.home)})
    _, d = request(f"{server.url}/v1/answer", {"question": long})
    assert cli.returncode == 2 and cli.stderr.strip() == f"rag ask: {d['error']['message']}"


def test_oversized_and_unsized_bodies_are_refused(server):
    import http.client

    def headers_only(**headers: str) -> tuple[int, dict]:
        # Only the headers are sent: the refusal must come from the declared size, before any body is read.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.putrequest("POST", "/v1/answer")
        for k, v in ({"Content-Type": "application/json"} | headers).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        out = r.status, json.loads(r.read())
        conn.close()
        return out

    status, d = headers_only(**{"Content-Length": str(2 << 20)})
    assert status == 413 and "the limit here is 1,048,576" in d["error"]["message"]
    status, d = headers_only(**{"Transfer-Encoding": "chunked"})
    assert status == 411 and "Content-Length" in d["error"]["message"]


def test_openapi_docs_are_served_offline(server):
    with urllib.request.urlopen(f"{server.url}/docs", timeout=30) as r:
        page = r.read().decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/docs/static/") for a in assets), assets  # no CDN: the app runs offline
    for a in assets:
        assert urllib.request.urlopen(f"{server.url}{a}", timeout=30).status == 200
    status, schema = request(f"{server.url}/openapi.json")
    assert status == 200 and {"/v1/answer", "/v1/chat/completions", "/v1/models", "/v1/retrieve", "/v1/status",
                              "/v1/articles"} <= set(schema["paths"])


ROUTES = [("GET", "/v1/models", None), ("GET", "/v1/status", None), ("GET", "/v1/retrieve?q=sanctions", None),
          ("POST", "/v1/answer", {"question": QUESTION}),
          ("POST", "/v1/chat/completions", {"model": "newsrag", "messages": [{"role": "user", "content": QUESTION}]}),
          ("POST", "/v1/articles", {"articles": [{"title": "t", "body": "A short article body about nothing much."}]})]


@pytest.mark.parametrize("method,path,body", ROUTES)
def test_api_key_is_required_on_every_route(locked, method, path, body):
    data = json.dumps(body).encode() if body else None
    kind = {"Content-Type": "application/json"} if data else {}
    wrong_basic = "Basic " + base64.b64encode(b"ann:wrong").decode()
    for auth in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}, {"Authorization": wrong_basic}):
        got, d = request(f"{locked.url}{path}", data, method, kind | auth)
        assert got == 401 and "credentials" in d["error"]["message"], (auth, d)
    got, d = request(f"{locked.url}{path}", data, method, kind | {"Authorization": f"Bearer {KEY}"})
    assert got == 200, d


def test_right_credentials_open_the_api_and_the_chat(locked):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError as GradioAuthError
    from openai import AuthenticationError

    with pytest.raises(AuthenticationError):
        _openai(locked.url, "wrong").chat.completions.create(model="newsrag", messages=[{"role": "user", "content": QUESTION}])
    reply = _openai(locked.url, KEY).chat.completions.create(model="newsrag", messages=[{"role": "user", "content": QUESTION}])
    assert "Gabon" in reply.choices[0].message.content
    # The chat login works on the API too (so --auth alone never leaves /v1/ open).
    basic = "Basic " + base64.b64encode(":".join(LOGIN).encode()).decode()
    assert request(f"{locked.url}/v1/status", headers={"Authorization": basic})[0] == 200
    with pytest.raises(GradioAuthError, match="credentials were not provided"):
        Client(locked.url, verbose=False)  # the chat page wants its login
    page = Client(locked.url, verbose=False, auth=LOGIN, download_files=False)
    assert "Gabon" in page.predict(QUESTION, api_name="/chat")
    assert all(c in page.predict(QUESTION, api_name="/answer")["text"] for c in SEVEN)


@pytest.mark.browser
def test_chat_page_works_when_mounted_beside_the_api(locked):
    """The page `rag ui` serves (Gradio mounted on the API app): log in, ask, get the cited answer."""
    from playwright.sync_api import sync_playwright

    from tests.test_ui_browser import CHROMIUM, TIMEOUT, ask

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                    "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT)
            page.goto(locked.url)
            page.locator("input[type=text]").first.fill(LOGIN[0])
            page.locator("input[type=password]").first.fill(LOGIN[1])
            page.locator("input[type=password]").first.press("Enter")
            page.locator("#rag-question textarea").wait_for()
            text = ask(page, QUESTION).inner_text()
            assert all(country in text for country in SEVEN), text
            assert page.locator("#rag-sources mark").count() > 0
        finally:
            browser.close()
