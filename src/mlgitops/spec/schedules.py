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

import functools
from pathlib import Path

from ..versions import installed_version
from . import markers

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
        version = installed_version("croniter")
        if self._root is None or version is None:
            return None
        return markers.marker(self._root, MEMO_DIR, f"{version}\n{expression}")

    def _remember(self, marker: Path) -> None:
        assert self._root is not None
        markers.leave(self._root, marker)


@functools.lru_cache(maxsize=256)  # many models share a few schedules
def croniter_valid(expression: str) -> bool:
    from croniter import croniter

    return bool(croniter.is_valid(expression))
