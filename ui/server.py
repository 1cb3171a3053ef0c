"""Run an ASGI app (the API, with or without the chat page mounted) on one socket with uvicorn."""
from __future__ import annotations

import socket
from typing import Any

from rag.core.errors import RagError


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; a busy or foreign address is one RagError line (uvicorn would exit(1))."""
    if not 0 < port < 65536:
        raise RagError(f"--port must be 1-65535, not {port}")
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
            sock.listen(128)
        except OSError:
            sock.close()
            raise
    except OSError as exc:
        raise RagError(f"cannot serve on {host}:{port}: {exc}") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(app: Any, sock: socket.socket) -> None:
    """Serve `app` on `sock` until Ctrl+C / SIGTERM (uvicorn's handlers), quietly (warnings and errors only)."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_keep_alive=30)
    uvicorn.Server(config).run(sockets=[sock])
