"""What every benchmark module shares: the typed row it returns, its goal, and fair timing.

A benchmark module (`benchmarks/bench_<x>.py`, listed in `run.py`'s
`BENCHMARKS`) exposes one function:

    def rows(settings: Settings) -> list[Row]:
        '''Measure; one Row per line of the table, each with its goal.'''

- `settings.quick` asks for small sizes and few repetitions: the harness then
  checks that the module runs and returns well-formed rows, and judges no
  goal (timings on small data say nothing).
- `settings.repeat` is how many times each measurement runs; report the
  median (`median_seconds`, `paired`), never the best run.
- A row comparing mlgitops with another tool measures both with `paired`,
  which alternates them (A B A B ...), so both see the same load.
- `Row.value` is the number the goal judges (a speed-up, seconds, MiB, a
  count), `Goal` says how (`at_least` / `at_most`). Put every figure a
  reader needs in `ours`, `theirs` and `note`: the row is all the report
  shows.
- `run.py` runs each module in a fresh process of its own, so a module may
  keep state (imported libraries, thread pools, caches) without slowing the
  next; its rows travel back as JSON, so every field must be plain data.
- A module that cannot measure (a tool is missing) still returns its rows,
  with `value=None`: the row then counts as a missed goal, so nothing passes
  quietly. Raise only for a bug.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

T = TypeVar("T")
U = TypeVar("U")

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"  # generated inputs, reused between runs (gitignored)


@dataclass(frozen=True)
class Settings:
    quick: bool = False
    repeat: int = 3
    evidently: bool = True  # compare with Evidently (its own virtualenv)
    data_dir: Path = DATA_DIR


@dataclass(frozen=True)
class Goal:
    op: Literal[">=", "<="]
    limit: float
    unit: str = ""  # "x" (times faster), "s", "MiB", "" (a count)

    def met(self, value: float | None) -> bool:
        if value is None:
            return False
        return value >= self.limit if self.op == ">=" else value <= self.limit

    def text(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {fmt_value(self.limit, self.unit)}"


def at_least(limit: float, unit: str = "x") -> Goal:
    return Goal(">=", limit, unit)


def at_most(limit: float, unit: str = "s") -> Goal:
    return Goal("<=", limit, unit)


@dataclass(frozen=True)
class Row:
    what: str  # unique within the table: "drift, 1,000,000 x 22 Parquet"
    ours: str  # mlgitops's figure, as shown
    theirs: str  # the other tool and its figure ("pandera 1,118 ms"), or "" when none
    value: float | None  # what the goal judges; None: could not be measured (counts as missed)
    goal: Goal
    note: str = ""

    def met(self) -> bool:
        return self.goal.met(self.value)


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:,.1f}×" if value < 100 else f"{value:,.0f}×"
    if unit == "s":
        return fmt_seconds(value)
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    return f"{value:,.3g}" if unit == "" else f"{value:,.3g} {unit}"


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 0.01:
        return f"{seconds * 1000:,.2f} ms"
    if seconds < 10:
        return f"{seconds * 1000:,.0f} ms"
    return f"{seconds:,.1f} s"


def timed(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def median_seconds(repeat: int, action: Callable[[], T]) -> tuple[float, T]:
    """The median wall time of `repeat` runs (at least 1), and the last result."""
    times, result = [], None
    for _ in range(max(repeat, 1)):
        seconds, result = timed(action)
        times.append(seconds)
    return statistics.median(times), result  # type: ignore[return-value]


def paired(
    repeat: int, ours: Callable[[], T], theirs: Callable[[], U]
) -> tuple[float, float, T, U]:
    """Median wall times of two actions run alternately (ours, theirs, ours, ...).

    Alternating spreads any change of load on the machine over both sides.
    Returns (our median, their median, our last result, their last result).
    """
    our_times, their_times = [], []
    mine: T | None = None
    other: U | None = None
    for _ in range(max(repeat, 1)):
        seconds, mine = timed(ours)
        our_times.append(seconds)
        seconds, other = timed(theirs)
        their_times.append(seconds)
    return statistics.median(our_times), statistics.median(their_times), mine, other  # type: ignore[return-value]


def child_environment() -> dict[str, str]:
    """The environment for measured subprocesses: bytecode caching on, as in an installed package.

    A shell that sets PYTHONDONTWRITEBYTECODE would make every start-up recompile
    mlgitops's sources, which no user pays.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
