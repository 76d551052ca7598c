"""`--watch`: reload a model when its `production.yaml` changes.

A merge and pull, a `git checkout` or a deploy tool's sync all end with a new
`production.yaml` (often renamed into place), so the watcher compares each
file's content digest on a short poll rather than relying on one kind of
file-system event. A changed file triggers `ModelStore.reload`, which verifies
the new version before switching.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from ..registry import PRODUCTION, REGISTRY_DIR
from .store import ModelStore, ReloadResult

POLL_SECONDS = 0.5
log = logging.getLogger("mlgitops.serve")


def pointer_version(path: Path) -> int | None:
    """The version a production.yaml names, read loosely (for reports only)."""
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "version":
                return int(value.strip().strip("'\""))
    except (OSError, ValueError):
        return None
    return None


class Watcher:
    def __init__(
        self,
        root: Path,
        store: ModelStore,
        models: list[str],
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._paths = {name: root / REGISTRY_DIR / name / PRODUCTION for name in models}
        self._store = store
        self._poll = poll_seconds
        self._seen = {name: _digest(path) for name, path in self._paths.items()}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mlgitops-watch", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def check(self) -> list[ReloadResult]:
        """Reload every model whose production.yaml changed since the last check."""
        results = []
        for name, path in self._paths.items():
            digest = _digest(path)
            if digest == self._seen[name]:
                continue
            self._seen[name] = digest
            result = self._store.reload(name, pending_version=pointer_version(path))
            if result.status == "failed":
                log.error(
                    "reload of %s v%s failed; v%s keeps serving: %s",
                    name,
                    result.version if result.version is not None else "?",
                    self._serving(name),
                    result.message,
                )
            elif result.status == "switched":
                log.info("%s now serves v%s", name, result.version)
            results.append(result)
        return results

    def _serving(self, name: str) -> str:
        model = self._store.get(name)
        return str(model.version) if model else "none"

    def _run(self) -> None:
        while not self._stop.wait(self._poll):
            self.check()


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
