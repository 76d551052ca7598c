"""uvicorn on a socket bound here: the port is known (and taken) before serving starts,
so `--port 0` works and callers can connect at once; the backlog holds early clients."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

from ..errors import BadInputError
from .app import ASGIApp


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise BadInputError(
                f"port {port} on {host} is in use", hint="choose another --port"
            ) from None
        raise BadInputError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="give an address of this machine with --host (default 127.0.0.1)",
        ) from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _server(app: ASGIApp) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            # SIGINT/SIGTERM ask the server to stop: finish in-flight requests, then return
            # normally (uvicorn would raise the signal again afterwards); a second one forces.
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True

    config = uvicorn.Config(
        app,
        access_log=False,  # the app writes its own structured access log
        log_level="warning",
        lifespan="off",
        loop="auto",
        http="auto",
        timeout_graceful_shutdown=10,
        server_header=False,
    )
    return Server(config)


def serve_forever(app: ASGIApp, sock: socket.socket) -> None:
    """Serve until SIGINT/SIGTERM; in-flight requests finish first."""
    server = _server(app)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


@contextlib.contextmanager
def background(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[Address]:
    """The app served by uvicorn in a thread, for the release smoke test and tests."""
    sock = bind(host, port)
    address = Address(host, sock.getsockname()[1])
    server = _server(app)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported when the block ends
            failure.append(exc)

    thread = threading.Thread(target=run, name="mlgitops-serve", daemon=True)
    thread.start()
    try:
        yield address
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
    if failure:
        raise failure[0]
