"""The set of served models, switched atomically.

A request takes a model from the store once and scores on that object, so a
switch never changes a model under a request that is running: in-flight
requests finish on the old version while new ones get the new version. A new
version is loaded and verified completely before it replaces the old one; a
version that fails is recorded (and reported) while the old one keeps serving.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..errors import MlgitopsError
from .loaded import ServedModel
from .metrics import ServeMetrics

Loader = Callable[[str], ServedModel]


@dataclass(frozen=True)
class LoadFailure:
    """Why a model's newest production version is not serving."""

    model: str
    version: int | None  # None when production.yaml itself cannot be read
    message: str
    at: str


@dataclass(frozen=True)
class ReloadResult:
    model: str
    status: str  # switched | unchanged | failed
    version: int | None
    message: str = ""


class ModelStore:
    def __init__(self, loader: Loader, metrics: ServeMetrics) -> None:
        self._loader = loader
        self._metrics = metrics
        self._models: Mapping[str, ServedModel] = MappingProxyType({})
        self._failures: Mapping[str, LoadFailure] = MappingProxyType({})
        self._write = threading.Lock()  # one reload at a time; readers never take it
        self._changed = threading.Condition()
        self.attempts = 0  # reloads finished (switched, unchanged or failed)

    # --- reading (no lock: the mappings are replaced whole, never changed) ---------------

    def get(self, name: str) -> ServedModel | None:
        return self._models.get(name)

    @property
    def models(self) -> Mapping[str, ServedModel]:
        return self._models

    def failure(self, name: str) -> LoadFailure | None:
        return self._failures.get(name)

    # --- writing ---------------------------------------------------------------------------

    def load(self, names: list[str]) -> None:
        """Load every model at start; any failure is raised (nothing half-served)."""
        loaded = {name: self._loader(name) for name in names}
        with self._write:
            self._models = MappingProxyType(loaded)
        for model in loaded.values():
            self._metrics.serving.labels(model.name).set(model.version)

    def reload(self, name: str, *, pending_version: int | None = None) -> ReloadResult:
        """Load `name`'s production version again; switch only when it loads and verifies."""
        with self._write:
            current = self._models.get(name)
            try:
                fresh = self._loader(name)
            except MlgitopsError as exc:
                result = self._fail(name, pending_version, exc.message)
            except Exception as exc:  # a reload must never take the server down
                result = self._fail(name, pending_version, f"{type(exc).__name__}: {exc}")
            else:
                self._clear_failure(name)
                if current is not None and current.sha256 == fresh.sha256:
                    result = ReloadResult(name, "unchanged", fresh.version)
                else:
                    self._models = MappingProxyType({**self._models, name: fresh})
                    self._metrics.serving.labels(name).set(fresh.version)
                    result = ReloadResult(name, "switched", fresh.version)
            self._metrics.reloads.labels(name, result.status).inc()
        with self._changed:
            self.attempts += 1
            self._changed.notify_all()
        return result

    def wait_for_attempts(self, count: int, timeout: float) -> bool:
        """Block until `count` reloads have finished (for callers that change files and
        must know the server has seen the change)."""
        with self._changed:
            return self._changed.wait_for(lambda: self.attempts >= count, timeout)

    def _fail(self, name: str, version: int | None, message: str) -> ReloadResult:
        previous = self._failures.get(name)
        if previous is not None:
            self._metrics.reload_failed.remove(name, _label(previous.version))
        failure = LoadFailure(
            name, version, message, dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        )
        self._failures = MappingProxyType({**self._failures, name: failure})
        self._metrics.reload_failed.labels(name, _label(version)).set(1)
        return ReloadResult(name, "failed", version, message)

    def _clear_failure(self, name: str) -> None:
        previous = self._failures.get(name)
        if previous is None:
            return
        self._metrics.reload_failed.remove(name, _label(previous.version))
        self._failures = MappingProxyType({k: v for k, v in self._failures.items() if k != name})


def _label(version: int | None) -> str:
    return "unknown" if version is None else str(version)
