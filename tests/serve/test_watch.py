"""`--watch` under load: a new version switches in with no failed request; a tampered one
is refused, reported, and the old version keeps serving."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from serve.support import (
    CHURN,
    add_version,
    demo_repository,
    infer_body,
    manifest_digest,
    point_production,
    running,
)

from mlgitops.registry import Registry
from mlgitops.serve.inputs import feeds_from_columns, oip_columns
from mlgitops.serve.watch import Watcher

WAIT = 60.0  # generous bounds on event waits; a healthy run never comes near them


@dataclass
class Load:
    """A client scoring one row after another until told to stop."""

    url: str
    results: list[tuple[int, str | None]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    seen: dict[str, threading.Event] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _marks: list[tuple[int, threading.Event]] = field(default_factory=list)

    def saw(self, version: str) -> threading.Event:
        return self.seen.setdefault(version, threading.Event())

    def after(self, count: int) -> threading.Event:
        """Set once `count` more responses have arrived."""
        event = threading.Event()
        with self._lock:
            self._marks.append((len(self.results) + count, event))
        return event

    def run(self) -> None:
        with requests.Session() as session:
            while not self.stop.is_set():
                try:
                    response = session.post(
                        f"{self.url}/v2/models/{CHURN}/infer", json=infer_body(), timeout=30
                    )
                    status = response.status_code
                    version = response.json().get("model_version")
                except requests.RequestException:
                    status, version = -1, None
                with self._lock:
                    self.results.append((status, version))
                    done = len(self.results)
                    for mark, event in self._marks:
                        if done >= mark:
                            event.set()
                if version is not None:
                    self.saw(version).set()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return demo_repository(tmp_path / "demo")


@pytest.fixture
def load_and_server(root: Path) -> Iterator[tuple[Load, object]]:
    with running(root, [CHURN]) as server:
        watcher = Watcher(root, server.service.store, server.service.models, poll_seconds=0.01)
        load = Load(server.url)
        client = threading.Thread(target=load.run, daemon=True)
        watcher.start()
        client.start()
        try:
            yield load, server
        finally:
            load.stop.set()
            client.join(timeout=WAIT)
            watcher.stop()


def test_watch_switches_to_a_new_version_and_refuses_a_tampered_one_under_load(
    root: Path, load_and_server: tuple[Load, object]
) -> None:
    load, server = load_and_server
    store = server.service.store  # type: ignore[attr-defined]
    registry = Registry(root)
    assert load.saw("1").wait(WAIT)

    # a merge points production at version 2
    version = add_version(root, CHURN)
    registry.set_production(CHURN, version)
    assert store.wait_for_attempts(1, WAIT)
    assert load.saw("2").wait(WAIT)
    assert store.get(CHURN).version == 2

    # version 3's model.onnx was edited after it was registered
    tampered = add_version(root, CHURN)
    onnx_file = root / f"models/{CHURN}/versions/{tampered}/model.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes() + b"\x00")
    point_production(root, CHURN, tampered, manifest_digest(root, CHURN, tampered))
    assert store.wait_for_attempts(2, WAIT)
    assert load.after(20).wait(WAIT)  # scoring goes on after the refusal
    load.stop.set()

    assert store.get(CHURN).version == 2
    statuses = {status for status, _ in load.results}
    assert statuses == {200}, f"failed requests during the switch: {statuses}"
    versions = [v for _, v in load.results]
    assert set(versions) == {"1", "2"}
    assert versions == sorted(versions)  # never back to the old version once switched

    meta = requests.get(f"{server.url}/v2/models/{CHURN}", timeout=30).json()  # type: ignore[attr-defined]
    assert meta["versions"] == ["2"]
    failed = meta["parameters"]["reload_failed"]
    assert (
        failed["version"] == 3
        and "model.onnx does not match its recorded sha256" in failed["error"]
    )
    metrics = requests.get(f"{server.url}/metrics", timeout=30).text  # type: ignore[attr-defined]
    assert f'mlgitops_reload_failed{{model="{CHURN}",version="3"}} 1.0' in metrics
    assert f'mlgitops_reloads_total{{model="{CHURN}",result="switched"}} 1.0' in metrics
    assert f'mlgitops_model_version{{model="{CHURN}"}} 2.0' in metrics


def test_a_fixed_version_clears_the_failure(
    root: Path, load_and_server: tuple[Load, object]
) -> None:
    load, server = load_and_server
    store = server.service.store  # type: ignore[attr-defined]
    point_production(root, CHURN, 9, "0" * 64)  # names a version that does not exist
    assert store.wait_for_attempts(1, WAIT)
    assert store.failure(CHURN) is not None and "no version 9" in store.failure(CHURN).message
    version = add_version(root, CHURN)
    Registry(root).set_production(CHURN, version)
    assert store.wait_for_attempts(2, WAIT)
    assert store.failure(CHURN) is None and store.get(CHURN).version == version
    assert load.saw(str(version)).wait(WAIT)


def test_a_request_holding_the_old_model_finishes_on_it(root: Path) -> None:
    """A request takes its model once; a switch replaces the store's entry, not the object."""
    with running(root, [CHURN]) as server:
        store = server.service.store
        held = store.get(CHURN)
        assert held is not None
        Registry(root).set_production(CHURN, add_version(root, CHURN))
        assert store.reload(CHURN).status == "switched"
        current = store.get(CHURN)
        assert current is not None and (held.version, current.version) == (1, 2)
        columns, rows = oip_columns(held, infer_body())
        outputs = held.score(feeds_from_columns(held, columns, rows))
        assert [tensor.name for tensor, _ in outputs] == ["label", "probabilities"]
        assert store.reload(CHURN).status == "unchanged"


def test_a_request_in_flight_over_the_socket_finishes_on_the_old_version(root: Path) -> None:
    """Half a body is sent, the server has picked the model (it is reading the body), the
    version switches, the rest arrives: the answer comes from the old version."""
    import json
    import socket

    from mlgitops.serve import server as http
    from mlgitops.serve.service import build_service

    service = build_service(root, [CHURN])
    reading = threading.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def watched() -> Any:
            if scope.get("path", "").endswith("/infer"):
                reading.set()  # the app reads the body only after it has taken its model
            return await receive()

        await service.app(scope, watched, send)

    body = json.dumps(infer_body()).encode()
    head = (
        f"POST /v2/models/{CHURN}/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with http.background(app) as address:
        with socket.create_connection((address.host, address.port), timeout=WAIT) as sock:
            sock.sendall(head + body[:10])
            assert reading.wait(WAIT)
            Registry(root).set_production(CHURN, add_version(root, CHURN))
            assert service.store.reload(CHURN).status == "switched"
            sock.sendall(body[10:])
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = sock.recv(65536)
                assert chunk, answer
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["model_version"] == "1"
        fresh = requests.post(
            f"{address.url}/v2/models/{CHURN}/infer", json=infer_body(), timeout=WAIT
        )
        assert fresh.json()["model_version"] == "2"
