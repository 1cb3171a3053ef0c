"""OpenAI-compatible chat: POST /v1/chat/completions (plain or streamed) and GET /v1/models."""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, StrictBool, StrictStr

from rag.core.records import Answer
from rag.engines.registry import DEFAULT_ENGINE, available
from ui.http_guard import ApiError

MODELS = {"newsrag": DEFAULT_ENGINE, "newsrag-llm": "llm"}  # model id -> answer engine
STREAM_PIECES = 24  # content deltas per streamed answer (the answer is verified first, then sent in pieces)
CREATED = int(time.time())

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


class ContentPart(BaseModel):
    """One part of a message's content in the list form; only text parts carry words for us."""

    type: StrictStr
    text: StrictStr | None = None


class Message(BaseModel):
    role: StrictStr
    content: StrictStr | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    """The fields newsrag reads; everything else an OpenAI client sends (temperature, ...) is ignored."""

    model: StrictStr = "newsrag"
    messages: list[Message] = Field(..., min_length=1, max_length=200)
    stream: StrictBool = False
    stream_options: dict[str, Any] | None = None  # {"include_usage": true}: a last chunk with the token counts
    # newsrag extras (send with the openai client's `extra_body=`): the same filters as /v1/answer.
    sources: list[StrictStr] | None = Field(None, max_length=100)
    since: date | None = None
    until: date | None = None


def runnable_models(config: Any) -> list[str]:
    """Model ids whose engine can run here: newsrag always; newsrag-llm when an LLM is configured and installed."""
    runnable = available(config)
    return [model for model, engine in MODELS.items() if engine in runnable]


@router.get("/models", summary="The models (answer engines) that can run here")
def list_models(request: Request) -> dict[str, Any]:
    config = request.app.state.service.index.config
    return {"object": "list", "data": [{"id": m, "object": "model", "created": CREATED, "owned_by": "newsrag"}
                                       for m in runnable_models(config)]}


@router.post("/chat/completions", summary="OpenAI-compatible chat; the citations are on the response as `citations`")
def chat_completions(body: ChatRequest, request: Request) -> Any:
    service = request.app.state.service
    if body.model not in runnable_models(service.index.config):
        known = ", ".join(runnable_models(service.index.config))
        raise ApiError(404, f"the model {body.model!r} does not exist or cannot run here; use one of: {known}",
                       "model", "model_not_found")
    question, history = split_messages(body.messages)
    answer = service.answer(question, history=history or None, engine=MODELS[body.model], sources=body.sources,
                            since=body.since, until=body.until)
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        usage = _usage(history_text(body.messages), answer) if (body.stream_options or {}).get("include_usage") else None
        return StreamingResponse(_events(answer, body.model, cid, created, usage), media_type="text/event-stream",
                                 headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
    return completion(answer, body.model, cid, created, history_text(body.messages))


def text_of(message: Message) -> str:
    """A message's text: the string, or its text parts joined."""
    if isinstance(message.content, list):
        return "\n".join(p.text for p in message.content if p.type == "text" and p.text)
    return message.content or ""


def split_messages(messages: list[Message]) -> tuple[str, list[dict[str, str]]]:
    """(the question, earlier turns as role/content dicts); system prompts are not questions and are left out."""
    turns = [{"role": m.role, "content": text_of(m)} for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1]["role"] != "user":
        raise ApiError(400, "the last message must be the user's question (role \"user\")", "messages")
    return turns[-1]["content"], turns[:-1]


def history_text(messages: list[Message]) -> str:
    return "\n".join(text_of(m) for m in messages)


def _usage(prompt: str, answer: Answer) -> dict[str, int]:
    from rag.core.text import count_tokens

    p, c = count_tokens(prompt), count_tokens(answer.text)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _extras(answer: Answer) -> dict[str, Any]:
    """What OpenAI's schema has no field for: the citations behind the [n] markers, and whether it refused."""
    return {"citations": [c.to_dict() for c in answer.citations], "refused": answer.refused,
            "engine": answer.engine, "conflict": answer.conflict}


def completion(answer: Answer, model: str, cid: str, created: int, prompt: str) -> dict[str, Any]:
    """A chat.completion whose message content is the cited answer text."""
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text, "refusal": None},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": _usage(prompt, answer),
        **_extras(answer),
    }


def pieces(text: str, n: int = STREAM_PIECES) -> list[str]:
    """`text` cut at spaces into about `n` pieces that join back to exactly `text` ([n] markers stay whole)."""
    words = text.split(" ")
    step = max(1, -(-len(words) // n))
    return [" ".join(words[i:i + step]) + (" " if i + step < len(words) else "") for i in range(0, len(words), step)]


def _events(answer: Answer, model: str, cid: str, created: int, usage: dict[str, int] | None = None) -> Iterator[str]:
    """Server-sent events: a role delta, content deltas, a final chunk with the citations, [usage,] then [DONE]."""
    def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> str:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
        data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": choices, **extra}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for piece in pieces(answer.text):
        yield chunk({"content": piece})
    yield chunk({}, "stop", **_extras(answer))
    if usage is not None:
        yield chunk(None, usage=usage)  # as OpenAI does: no choices, only the counts
    yield "data: [DONE]\n\n"
