"""`rag ui`: serve the chat (the plug-in rag/cli.py loads: HELP, DESCRIPTION, add_arguments, run)."""
from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys

from rag.core.config import Config
from rag.core.errors import RagError

HELP = "serve the chat in the browser"
DESCRIPTION = (
    "Serve the chat on http://127.0.0.1:7860 (answers with their sources, filters, uploads). Indexes "
    "articles/ first if the index is empty. The chat is also the Gradio API endpoint /chat, and the same port "
    "serves the HTTP API (/v1/answer, /v1/chat/completions, ...; docs at /docs)."
)
AUTH_ENV = "RAG_UI_AUTH"
API_KEY_ENV = "RAG_API_KEY"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for the network)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--auth", metavar="USER:PASSWORD", default=None,
                        help=f"require this login (default: ${AUTH_ENV}, else no login)")
    add_api_key(parser)


def add_api_key(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-key", default=None,
                        help=f"require 'Authorization: Bearer KEY' on every /v1/ route (default: ${API_KEY_ENV}, else none)")


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """`user:password` → (user, password); empty → None."""
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise RagError("--auth must be USER:PASSWORD (both non-empty)")
    return user, password


def is_loopback(host: str) -> bool:
    """True when `host` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(a[4][0]).is_loopback for a in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def run(args: argparse.Namespace, config: Config) -> int:
    """Index if empty, then serve the chat page and the HTTP API on one port until Ctrl+C."""
    auth = parse_auth(args.auth or config.ui_auth)
    api_key = args.api_key or config.api_key
    if not 0 < args.port < 65536:
        raise RagError(f"--port must be 1-65535, not {args.port}")
    if not is_loopback(args.host) and auth is None:
        print(f"rag ui: warning: serving on {args.host} without a login; anyone who can reach this machine can "
              f"use the chat and add articles (set --auth USER:PASSWORD or ${AUTH_ENV})"
              + ("" if api_key else f"; the /v1/ API is open too (set --api-key or ${API_KEY_ENV})"), file=sys.stderr)
    # Gradio keeps uploaded files in its own cache: keep it inside the index folder, like everything else.
    os.environ.setdefault("GRADIO_TEMP_DIR", str((config.home / "gradio").resolve()))
    from rag import warm

    warming = warm.start(config)  # the question embedder and sentence splitter load while Gradio imports
    from rag.api import get_index
    from ui.app import build_app, mount
    from ui.http_api import create_api
    from ui.server import bind, serve, url_of

    app = build_app(config)
    api = create_api(get_index(config), api_key=api_key, login=auth)
    warm.keep_fresh(get_index(config))  # other processes' `rag index` runs are picked up in the background
    mount(api, app, auth=auth)
    try:
        sock = bind(args.host, args.port)
    except BaseException:
        warming.join()  # exiting with the warm-up inside ONNX Runtime would abort instead of printing the error
        raise
    url = url_of(sock)
    print(f"rag ui: serving the chat on {url} (Gradio API /chat and /answer; HTTP API {url}v1/, docs {url}docs); "
          "press Ctrl+C to stop", flush=True)
    try:
        serve(api, sock)
    finally:
        app.close()
    return 0
