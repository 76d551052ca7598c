"""Whether croniter accepts a cron schedule, remembered in the workspace once it did.

Importing croniter (and dateutil with it) costs `validate` and `compile` a large
part of their start-up, for the same few schedules every time. A schedule that
croniter accepted is remembered as an empty marker file named by the sha256 of
the expression and croniter's version, in `.mlgitops/cache/schedule-checks/`
(never committed), as the estimator checks are. Only acceptances are
remembered, so a wrong schedule is always reported afresh; a workspace that
leads outside the repository is not used.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from pathlib import Path

from .. import paths
from ..errors import MlgitopsError
from ..versions import installed_version

MEMO_DIR = "schedule-checks"


class KnownSchedules:
    """`valid(expression)`: croniter's verdict, from the workspace when it accepted it before."""

    def __init__(self, root: Path | None) -> None:
        self._root = root
        self._verdicts: dict[str, bool] = {}

    def valid(self, expression: str) -> bool:
        if expression not in self._verdicts:
            marker = self._marker(expression)
            if marker is not None and marker.is_file():
                self._verdicts[expression] = True
            else:
                self._verdicts[expression] = croniter_valid(expression)
                if self._verdicts[expression] and marker is not None:
                    self._remember(marker)
        return self._verdicts[expression]

    def _marker(self, expression: str) -> Path | None:
        root = self._root
        version = installed_version("croniter")
        if root is None or version is None:
            return None
        key = hashlib.sha256(f"{version}\n{expression}".encode()).hexdigest()
        marker = root / paths.WORKSPACE_DIR / "cache" / MEMO_DIR / key
        return marker if paths.is_inside(root, marker) else None

    def _remember(self, marker: Path) -> None:
        assert self._root is not None
        with contextlib.suppress(OSError, MlgitopsError):  # read-only: only the shortcut is lost
            from ..workspace import ensure_workspace

            ensure_workspace(self._root)
            marker.parent.mkdir(parents=True, exist_ok=True)
            if paths.is_inside(self._root, marker):
                marker.touch()


@functools.lru_cache(maxsize=256)  # many models share a few schedules
def croniter_valid(expression: str) -> bool:
    from croniter import croniter

    return bool(croniter.is_valid(expression))
