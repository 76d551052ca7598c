"""`mlgitops serve`: serve the production models over HTTP until interrupted.

Every model is verified (manifest digests, production.yaml's digest, a
self-contained ONNX model) before the port opens. `--watch` reloads a model
when its production.yaml changes; a version that fails verification leaves
the old one serving and is reported in the log, `/metrics` and
`/v2/models/{m}`. The server logs to stderr: one line when it starts, and a
JSON access-log line per request (no payloads).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from ..errors import EXIT_OK, BadInputError
from . import Context, Outcome

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "serve",
        parents=[common],
        help="serve the production models over HTTP (Open Inference Protocol)",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0: any free one)")
    parser.add_argument(
        "--model",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        dest="models",
        help="serve only these models (default: every model in production)",
    )
    parser.add_argument(
        "--watch", action="store_true", help="reload a model when its production.yaml changes"
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=None,
        help="refuse larger request bodies with 413 (default 1 MiB)",
    )
    parser.add_argument(
        "--no-access-log", action="store_true", help="do not log a line per request"
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx,
            args.models,
            host=args.host,
            port=args.port,
            watch=args.watch,
            max_body_bytes=args.max_body_bytes,
            access_log=not args.no_access_log,
        )
    )


def run(
    ctx: Context,
    models: list[str],
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    watch: bool = False,
    max_body_bytes: int | None = None,
    access_log: bool = True,
) -> Outcome:
    if not 0 <= port <= 65535:
        raise BadInputError(f"--port {port}: use a port from 0 to 65535")
    if max_body_bytes is not None and max_body_bytes < 1:
        raise BadInputError(f"--max-body-bytes {max_body_bytes}: use a positive size")
    try:
        from ..serve import server
        from ..serve.app import MAX_BODY_BYTES
        from ..serve.service import build_service
        from ..serve.watch import Watcher
    except ModuleNotFoundError as exc:
        raise BadInputError(
            f"serving needs the optional packages of mlgitops[serving] ({exc.name} is missing)",
            hint="pip install 'mlgitops[serving]'",
        ) from None

    _configure_logging(access_log)
    service = build_service(ctx.root, models, max_body_bytes=max_body_bytes or MAX_BODY_BYTES)
    sock = server.bind(host, port)
    address = server.Address(host, sock.getsockname()[1])
    watcher = Watcher(ctx.root, service.store, service.models).start() if watch else None
    log = logging.getLogger("mlgitops.serve")
    log.info(
        "serving %s on %s%s",
        ", ".join(f"{m.name} v{m.version}" for m in service.store.models.values()),
        address.url,
        " (watching production.yaml)" if watch else "",
    )
    try:
        server.serve_forever(service.app, sock)
    finally:
        if watcher is not None:
            watcher.stop()
    return Outcome(
        EXIT_OK,
        {
            "ok": True,
            "url": address.url,
            "models": {m.name: m.version for m in service.store.models.values()},
        },
    )


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a line is logged (not when the handler was made)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _configure_logging(access_log: bool) -> None:
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("mlgitops.serve", "mlgitops.serve.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler] if name == "mlgitops.serve" else []
        logger.setLevel(logging.INFO)
    logging.getLogger("mlgitops.serve.access").disabled = not access_log
