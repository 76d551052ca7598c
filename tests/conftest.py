"""Shared fixtures. Every test runs with the network closed except loopback."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

# Two test workers share the machine's cores; OpenMP pools in each (scikit-learn's
# HistGradientBoosting, onnxruntime, OpenBLAS) would oversubscribe them and spin.
# Subprocesses (the CLI, act's jobs) inherit these.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

# The suite may itself run inside GitHub Actions (or another CI): what mlgitops does
# differently there (annotations, step summaries, a lock entry that must be committed)
# is tested by passing those variables explicitly, so the runner's own are removed here
# and every test sees the same environment on a laptop and in CI. Subprocesses inherit it.
for _variable in [name for name in os.environ if name.startswith(("GITHUB_", "RUNNER_"))]:
    del os.environ[_variable]
for _variable in ("CI", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_RUNTIME_URL", "ACTIONS_CACHE_URL"):
    os.environ.pop(_variable, None)


def _is_local(address: Any) -> bool:
    if isinstance(address, str):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that tries to reach beyond this machine."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield


_PROCESS_LOGGERS = ("mlgitops.serve", "mlgitops.serve.access")


@pytest.fixture(autouse=True)
def _loggers_as_they_were() -> Iterator[None]:
    """`mlgitops serve` sets up its loggers for the whole process, as a command run once per
    process may; a test that calls it in-process must not leave them writing into the output
    of the next test on the same worker (e.g. `release --json`, whose smoke test serves)."""
    saved = []
    for name in _PROCESS_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, list(logger.handlers), logger.level, logger.disabled))
    yield
    for logger, handlers, level, disabled in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.disabled = disabled
