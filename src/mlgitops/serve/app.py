"""The HTTP routes: Open Inference Protocol (KServe V2), MLflow's `/invocations`, `/metrics`.

Every error is `{"error": "..."}` with a 4xx status: 400 for a request that
does not fit the model (naming the column), 404 for an unknown model, path or
version, 405, 413 over the body limit. A 500 means a bug in the server, never
bad input. The access log is one JSON line per request without payloads.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import __version__
from .inputs import RequestError, feeds_from_columns, mlflow_columns, oip_columns
from .loaded import PLATFORM, ServedModel
from .metrics import CONTENT_TYPE, ServeMetrics
from .store import ModelStore

MAX_BODY_BYTES = 1 << 20  # 1 MiB: thousands of rows; larger batches belong to `predict`
INLINE_ROWS = 64  # score small batches on the event loop; larger ones in a worker thread
access_log = logging.getLogger("mlgitops.serve.access")
log = logging.getLogger("mlgitops.serve")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def create_app(
    store: ModelStore, metrics: ServeMetrics, *, max_body_bytes: int = MAX_BODY_BYTES
) -> ASGIApp:
    routes = _Routes(store, metrics, max_body_bytes)
    app = Starlette(
        routes=[
            Route("/v2/health/live", routes.live, methods=["GET"]),
            Route("/v2/health/ready", routes.ready, methods=["GET"]),
            Route("/v2", routes.server_metadata, methods=["GET"]),
            Route("/v2/models/{model}", routes.model_metadata, methods=["GET"]),
            Route("/v2/models/{model}/versions/{version}", routes.model_metadata, methods=["GET"]),
            Route("/v2/models/{model}/ready", routes.model_ready, methods=["GET"]),
            Route(
                "/v2/models/{model}/versions/{version}/ready", routes.model_ready, methods=["GET"]
            ),
            Route("/v2/models/{model}/infer", routes.infer, methods=["POST"]),
            Route("/v2/models/{model}/versions/{version}/infer", routes.infer, methods=["POST"]),
            Route("/invocations", routes.invocations, methods=["POST"]),
            Route("/metrics", routes.metrics, methods=["GET"]),
        ],
        exception_handlers={
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    return AccessLog(app, metrics)


def error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    text = {404: "no such path", 405: "method not allowed"}.get(exc.status_code, exc.detail)
    return error(f"{text}: {request.method} {request.url.path[:200]}", exc.status_code)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s", request.method, request.url.path[:200], exc_info=exc)
    return error("internal error in the server (a bug: please report it)", 500)


class _Routes:
    def __init__(self, store: ModelStore, metrics: ServeMetrics, max_body_bytes: int) -> None:
        self.store, self.m, self.limit = store, metrics, max_body_bytes
        self._series: dict[tuple[str, str, str], tuple[Any, Any, Any]] = {}

    def series(self, model: str, version: str, protocol: str) -> tuple[Any, Any, Any]:
        """The request counter, latency histogram and row counter of one model version
        (looked up once: `labels()` takes a lock and hashes on every call)."""
        key = (model, version, protocol)
        found = self._series.get(key)
        if found is None:
            found = (
                self.m.requests.labels(model, version, protocol),
                self.m.latency.labels(model, version, protocol),
                self.m.rows.labels(model, version),
            )
            self._series[key] = found
        return found

    # --- health and metadata -------------------------------------------------------------

    async def live(self, request: Request) -> Response:
        return JSONResponse({"live": True})

    async def ready(self, request: Request) -> Response:
        ready = bool(self.store.models)
        return JSONResponse({"ready": ready}, status_code=200 if ready else 503)

    async def server_metadata(self, request: Request) -> Response:
        return JSONResponse({"name": "mlgitops", "version": __version__, "extensions": []})

    async def model_metadata(self, request: Request) -> Response:
        model = self._model(request)
        if isinstance(model, Response):
            return model
        body: dict[str, Any] = {
            "name": model.name,
            "versions": [str(model.version)],
            "platform": PLATFORM,
            "inputs": [
                {"name": c.name, "datatype": c.datatype, "shape": [-1, 1]} for c in model.inputs
            ],
            "outputs": [
                {"name": o.name, "datatype": o.datatype, "shape": list(o.shape)}
                for o in model.outputs
            ],
            "parameters": {"sha256": model.sha256, "task": model.task},
        }
        if model.classes:
            body["parameters"]["classes"] = list(model.classes)
        failure = self.store.failure(model.name)
        if failure is not None:
            body["parameters"]["reload_failed"] = {
                "version": failure.version,
                "error": failure.message,
                "at": failure.at,
            }
        return JSONResponse(body)

    async def model_ready(self, request: Request) -> Response:
        model = self._model(request)
        if isinstance(model, Response):
            return model
        return JSONResponse({"name": model.name, "ready": True})

    async def metrics(self, request: Request) -> Response:
        return Response(self.m.exposition(), media_type=CONTENT_TYPE)

    # --- scoring -------------------------------------------------------------------------

    async def infer(self, request: Request) -> Response:
        model = self._model(request)
        if isinstance(model, Response):
            return model
        return await self._score(request, model, "v2")

    async def invocations(self, request: Request) -> Response:
        name = request.query_params.get("model")
        if name is None:
            served = self.store.models
            if len(served) != 1:
                return self._unrouted(
                    "this server serves "
                    + ", ".join(sorted(served))
                    + ": name one with ?model=NAME",
                    400,
                )
            name = next(iter(served))
        model = self.store.get(name)
        if model is None:
            return self._unrouted(self._unknown(name), 404)
        return await self._score(request, model, "mlflow")

    async def _score(self, request: Request, model: ServedModel, protocol: str) -> Response:
        started = time.perf_counter()
        version = str(model.version)
        request.state.model, request.state.version = model.name, version
        requests, latency, scored = self.series(model.name, version, protocol)
        requests.inc()
        try:
            body = await self._json_body(request)
            if protocol == "v2":
                columns, rows = oip_columns(model, body)
            else:
                columns, rows = mlflow_columns(model, body)
            feeds = feeds_from_columns(model, columns, rows)
            if rows <= INLINE_ROWS:
                outputs = model.score(feeds)
            else:
                outputs = await run_in_threadpool(model.score, feeds)
            if protocol == "v2":
                response = _oip_response(model, outputs, rows, body)
            else:
                response = _mlflow_response(model, outputs)
        except RequestError as exc:
            self.m.errors.labels(model.name, version, protocol, str(exc.status)).inc()
            return error(f"{model.name} v{version}: {exc.message}", exc.status)
        scored.inc(rows)
        latency.observe(time.perf_counter() - started)
        return response

    async def _json_body(self, request: Request) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            raise RequestError(f"the body is over the limit of {self.limit:,} bytes", 413)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.limit:
                raise RequestError(f"the body is over the limit of {self.limit:,} bytes", 413)
            chunks.append(chunk)
        request.state.bytes_in = size
        try:
            return json.loads(b"".join(chunks))
        except (ValueError, RecursionError) as exc:
            raise RequestError(f"the body is not JSON: {str(exc)[:120]}") from None

    # --- model lookup ----------------------------------------------------------------------

    def _model(self, request: Request) -> ServedModel | Response:
        name = request.path_params["model"]
        model = self.store.get(name)
        if model is None:
            return self._unrouted(self._unknown(name), 404)
        wanted = request.path_params.get("version")
        if wanted is not None and wanted != str(model.version):
            return self._unrouted(
                f"{name} serves version {model.version} (its production version), "
                f"not {wanted[:20]!r}",
                404,
            )
        return model

    def _unknown(self, name: str) -> str:
        served = ", ".join(sorted(self.store.models)) or "none"
        return f"no model {name[:100]!r} is served here (serving: {served})"

    def _unrouted(self, message: str, status: int) -> Response:
        self.m.unrouted.labels(str(status)).inc()
        return error(message, status)


def _datum(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _oip_response(
    model: ServedModel, outputs: list[tuple[Any, np.ndarray]], rows: int, request: Any
) -> Response:
    wanted = request.get("outputs") if isinstance(request, dict) else None
    names = [o.name for o, _ in outputs]
    if wanted is not None:
        if not isinstance(wanted, list) or not all(
            isinstance(w, dict) and w.get("name") in names for w in wanted
        ):
            raise RequestError(
                "'outputs' must list outputs by name, from " + ", ".join(f"'{n}'" for n in names)
            )
        chosen = {w["name"] for w in wanted}
        outputs = [(o, v) for o, v in outputs if o.name in chosen]
    tensors = []
    for tensor, values in outputs:
        shape = [rows if d == -1 else d for d in tensor.shape] or [rows]
        tensors.append(
            {
                "name": tensor.name,
                "datatype": tensor.datatype,
                "shape": shape,
                "data": [_datum(v) for v in np.asarray(values).reshape(-1).tolist()],
            }
        )
    body: dict[str, Any] = {
        "model_name": model.name,
        "model_version": str(model.version),
        "outputs": tensors,
    }
    if isinstance(request, dict) and isinstance(request.get("id"), str):
        body["id"] = request["id"][:200]
    return JSONResponse(body)


def _mlflow_response(model: ServedModel, outputs: list[tuple[Any, np.ndarray]]) -> Response:
    labels = np.asarray(outputs[0][1]).reshape(-1).tolist()
    body: dict[str, Any] = {
        "predictions": labels,
        "model_name": model.name,
        "model_version": str(model.version),
    }
    if len(outputs) > 1:
        body["probabilities"] = np.asarray(outputs[1][1]).tolist()
        body["classes"] = list(model.classes)
    return JSONResponse(body)


class AccessLog:
    """One structured line per request: method, path, status, model, version, time, sizes."""

    def __init__(self, app: ASGIApp, metrics: ServeMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        logged = False
        scope.setdefault("state", {})

        def write() -> None:
            nonlocal logged
            logged = True
            if not access_log.isEnabledFor(logging.INFO):
                return
            state = scope.get("state") or {}
            client = scope.get("client")
            access_log.info(
                json.dumps(
                    {
                        "method": scope["method"],
                        "path": scope["path"][:200],
                        "status": status,
                        "model": state.get("model"),
                        "version": state.get("version"),
                        "ms": round((time.perf_counter() - started) * 1000, 3),
                        "bytes_in": state.get("bytes_in", 0),
                        "client": client[0] if client else None,
                    },
                    ensure_ascii=True,
                )
            )

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                write()  # before the last bytes leave: a client that has its answer finds the line
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            if not logged:  # the client went away, or the app failed before answering
                write()
