"""Progress reporting that library code can call without knowing about the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol


class ProgressTask(Protocol):
    def advance(self, steps: int = 1) -> None: ...

    def describe(self, text: str) -> None: ...


class Reporter(Protocol):
    def task(self, description: str, total: int | None) -> ProgressTask: ...


class _NullTask:
    def advance(self, steps: int = 1) -> None:
        pass

    def describe(self, text: str) -> None:
        pass


class NullReporter:
    """Reports nothing: tests, --json, and non-terminal output."""

    def task(self, description: str, total: int | None) -> ProgressTask:
        return _NullTask()


class _RichTask:
    def __init__(self, progress: object, task_id: object) -> None:
        self._progress = progress
        self._task_id = task_id

    def advance(self, steps: int = 1) -> None:
        self._progress.advance(self._task_id, steps)  # type: ignore[attr-defined]

    def describe(self, text: str) -> None:
        self._progress.update(self._task_id, description=text)  # type: ignore[attr-defined]


class RichReporter:
    """Progress bars on stderr, only when stderr is a terminal.

    rich is imported and the live display started when the first task is added:
    a command that reports no progress (`validate`) pays for neither."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._running = False

    @contextmanager
    def running(self) -> Iterator[RichReporter]:
        self._running = True
        try:
            yield self
        finally:
            self._running = False
            if self._progress is not None:
                self._progress.stop()

    def task(self, description: str, total: int | None) -> ProgressTask:
        if self._progress is None:
            self._progress = _progress()
            if self._running:
                self._progress.start()
        return _RichTask(self._progress, self._progress.add_task(description, total=total))


def _progress() -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .text import console

    return Progress(
        # descriptions name models and files: text, never markup
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    )
