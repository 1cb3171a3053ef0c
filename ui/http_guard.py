"""What stands in front of every /v1/ route: the API key (or the chat login), request size limits, error shapes."""
from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any

MAX_JSON_BYTES = 1 << 20  # a question is at most 2,000 characters; history and filters fit easily
MAX_UPLOAD_BYTES = 64 << 20  # the same limit as uploads on the chat page
PREFIX = "/v1/"

_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
          405: "invalid_request_error", 411: "invalid_request_error", 413: "invalid_request_error", 415: "invalid_request_error", 422: "invalid_request_error",
          429: "rate_limit_error", 503: "service_unavailable", 500: "server_error"}


class ApiError(Exception):
    """An error answered as OpenAI-shaped JSON with this status."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.headers = status, message, param, code, headers


def error_body(status: int, message: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    """`{"error": {"message", "type", "param", "code"}}` as OpenAI's API answers; the message is one line."""
    line = " ".join(str(message).split())
    return {"error": {"message": line, "type": _TYPES.get(status, "invalid_request_error" if status < 500 else "server_error"),
                      "param": param, "code": code}}


class Guard:
    """ASGI middleware for /v1/ paths: credentials first, then the declared body size (other paths pass through).

    Credentials: with an API key, `Authorization: Bearer <key>`; with a chat login (`--auth`), HTTP Basic with
    that login also works, so a login alone never leaves the API open. The body must declare its length
    (Content-Length) and stay under the limit, so an oversized upload is refused before it is read.
    """

    def __init__(self, app: Any, api_key: str | None = None, login: tuple[str, str] | None = None) -> None:
        self.app, self.api_key, self.login = app, api_key or None, login

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self._refusal(scope, headers)
        if problem:
            status, message, extra = problem
            return await _send_json(send, status, error_body(status, message), extra)
        return await self.app(scope, receive, send)

    def _refusal(self, scope: dict, headers: dict[str, str]) -> tuple[int, str, dict[str, str]] | None:
        if (self.api_key or self.login) and not self._authorized(headers.get("authorization", "")):
            scheme = "Bearer" if self.api_key else 'Basic realm="newsrag"'
            return 401, "missing or wrong credentials: send Authorization: Bearer <API key>", {"www-authenticate": scheme}
        if scope["method"] in ("POST", "PUT", "PATCH"):
            limit = MAX_UPLOAD_BYTES if scope["path"].rstrip("/") == "/v1/articles" else MAX_JSON_BYTES
            length = headers.get("content-length")
            if length is None or not length.isdigit():
                return 411, "send the body with a Content-Length header", {}
            if int(length) > limit:
                return 413, f"the request body is {int(length):,} bytes; the limit here is {limit:,}", {}
        return None

    def _authorized(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if self.api_key and scheme.lower() == "bearer":
            return hmac.compare_digest(value.encode(), self.api_key.encode())
        if self.login and scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return hmac.compare_digest(user.encode(), self.login[0].encode()) & \
                hmac.compare_digest(password.encode(), self.login[1].encode())
        return False


async def _send_json(send: Any, status: int, body: dict[str, Any], extra: dict[str, str]) -> None:
    data = json.dumps(body, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
