"""One module per CLI verb. Each exposes `register(subparsers)`, which binds its
arguments and a handler that calls the verb's `run(...)` with explicit values.

A verb returns an `Outcome`; only `cli.py` prints it and exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..progress import NullReporter, Reporter

if TYPE_CHECKING:
    from rich.console import RenderableType  # rich loads only when something is rendered


@dataclass(frozen=True)
class Annotation:
    """A GitHub workflow annotation (`::error file=…,line=…::message`)."""

    level: str  # error | warning | notice
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None


@dataclass
class Outcome:
    exit_code: int
    data: dict[str, Any]  # what --json prints
    renderables: list[RenderableType] = field(default_factory=list)  # terminal output
    summary_markdown: str | None = None  # appended to $GITHUB_STEP_SUMMARY in Actions
    annotations: list[Annotation] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)  # written to $GITHUB_OUTPUT in Actions


@dataclass(frozen=True)
class Context:
    """What every verb may use from the outside world, passed explicitly."""

    root: Path
    environ: Mapping[str, str]
    verbose: bool = False
    json_output: bool = False
    reporter: Reporter = field(default_factory=NullReporter)
    # the one clock: UTC, so every verb agrees on the date (waivers expire at UTC midnight)
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))

    def today(self) -> dt.date:
        return self.clock().astimezone(dt.UTC).date()
