"""The HTTP API with an LLM configured: /v1/models lists newsrag-llm and the OpenAI client gets verified answers."""
from __future__ import annotations

import pytest

from tests.llm_server import MISSING, llm_url  # noqa: F401 (fixture)
from tests.test_http_api import QUESTION, Server, verbatim

pytestmark = [pytest.mark.server, pytest.mark.slow,
              pytest.mark.skipif(MISSING is not None, reason=f"the llm extra is not installed ({MISSING}); run `make llm`")]


@pytest.fixture(scope="module")
def llm_api(tmp_path_factory, llm_url):  # noqa: F811
    s = Server(tmp_path_factory.mktemp("http_llm"), env={"RAG_LLM_URL": llm_url, "RAG_LLM_MODEL": "smollm2"})
    yield s
    s.stop()


def test_llm_model_is_listed_and_answers_with_verified_citations(llm_api):
    from openai import OpenAI

    client = OpenAI(base_url=f"{llm_api.url}/v1", api_key="unused", max_retries=0, timeout=300)
    assert [m.id for m in client.models.list().data] == ["newsrag", "newsrag-llm"]
    messages = [{"role": "user", "content": QUESTION}]
    reply = client.chat.completions.create(model="newsrag-llm", messages=messages)
    extra = reply.model_extra
    assert extra["engine"] in ("llm", "llm-fallback") and not extra["refused"] and extra["citations"]
    text = reply.choices[0].message.content
    assert verbatim({"text": text, "refused": False, "citations": extra["citations"]}, llm_api.body_of()) == []
    chunks = list(client.chat.completions.create(model="newsrag-llm", messages=messages, stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["engine"] in ("llm", "llm-fallback")
    assert verbatim({"text": streamed, "refused": False, "citations": chunks[-1].model_extra["citations"]},
                    llm_api.body_of()) == []
