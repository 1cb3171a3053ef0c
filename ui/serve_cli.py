"""`rag serve`: the HTTP API alone, without the chat page (the plug-in rag/cli.py loads)."""
from __future__ import annotations

import argparse
import sys

from rag.core.config import Config
from ui.cli import API_KEY_ENV, add_api_key, is_loopback

HELP = "serve the HTTP API (no chat page)"
DESCRIPTION = (
    "Serve the HTTP API on http://127.0.0.1:7860 (the port `rag ui` uses, so clients need no change): "
    "POST /v1/answer, GET /v1/retrieve, GET /v1/status, "
    "POST /v1/articles, and the OpenAI-compatible POST /v1/chat/completions and GET /v1/models (docs at /docs). "
    "Indexes articles/ first if the index is empty."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for the network)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    add_api_key(parser)


def run(args: argparse.Namespace, config: Config) -> int:
    """Index if empty, then serve the API until Ctrl+C."""
    from rag.api import get_index
    from ui.http_api import create_api
    from ui.server import bind, serve, url_of

    api_key = args.api_key or config.api_key
    if not is_loopback(args.host) and not api_key:
        print(f"rag serve: warning: serving on {args.host} without an API key; anyone who can reach this machine "
              f"can use the API and add articles (set --api-key or ${API_KEY_ENV})", file=sys.stderr)
    sock = bind(args.host, args.port)
    index = get_index(config)
    index.ensure_indexed()
    from rag.warm import keep_fresh

    keep_fresh(index)  # other processes' `rag index` runs are picked up in the background, not by a question
    api = create_api(index, api_key=api_key)
    api.add_api_route("/", _to_docs, include_in_schema=False)  # no chat page here: the docs are the front page
    url = url_of(sock)
    print(f"rag serve: serving the API on {url}v1/ (docs {url}docs); press Ctrl+C to stop", flush=True)
    serve(api, sock)
    return 0


def _to_docs():
    from fastapi.responses import RedirectResponse

    return RedirectResponse("/docs")
