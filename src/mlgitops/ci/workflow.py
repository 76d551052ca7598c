"""Workflows as data: small frozen objects that know their GitHub shape.

Builders (`workflows/*.py`) assemble these; `to_data()` gives the mapping the
emitter writes. Invariants GitHub enforces (valid job ids, a timeout on every
job that runs steps, at most 256 matrix legs) are checked here, so a bug in a
builder fails at compile time rather than on GitHub.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .actions import ActionRef
from .emit import Commented, Value, emit_document

JOB_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")
MAX_MATRIX_LEGS = 256  # GitHub's limit on the jobs one matrix may generate

RunsOn = str | tuple[str, ...]
Permissions = Mapping[str, Commented]  # scope -> "read" | "write", with why as the comment


def permission(level: str, why: str) -> Commented:
    return Commented(level, why)


@dataclass(frozen=True)
class Step:
    name: str
    run: str | None = None
    uses: ActionRef | None = None
    with_: Mapping[str, Value] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    id: str | None = None
    if_: str | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.uses is None):
            raise ValueError(f"step '{self.name}' needs exactly one of run and uses")
        if self.run is not None and "${{" in self.run:
            raise ValueError(f"step '{self.name}': pass expressions through env, not inside run")

    def to_data(self) -> dict[str, Value]:
        data: dict[str, Value] = {"name": self.name}
        if self.id:
            data["id"] = self.id
        if self.if_:
            data["if"] = self.if_
        if self.uses:
            data["uses"] = self.uses
        if self.with_:
            data["with"] = dict(self.with_)
        if self.env:
            data["env"] = dict(self.env)
        if self.run is not None:
            data["run"] = self.run if self.run.endswith("\n") else self.run + "\n"
        return data


@dataclass(frozen=True)
class Job:
    """A job that runs steps, or (with `uses`) calls a reusable workflow."""

    id: str
    name: str
    permissions: Permissions
    runs_on: RunsOn | None = None
    timeout_minutes: int | None = None
    steps: tuple[Step, ...] = ()
    needs: tuple[str, ...] = ()
    if_: str | None = None
    outputs: Mapping[str, str] = field(default_factory=dict)
    strategy: Mapping[str, Value] | None = None
    concurrency: Mapping[str, Value] | None = None
    uses: str | None = None
    with_: Mapping[str, Value] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)  # passed to a called workflow, by name

    def __post_init__(self) -> None:
        if not JOB_ID.fullmatch(self.id):
            raise ValueError(f"'{self.id}' is not a valid job id")
        if self.uses is None:
            if not self.steps or self.runs_on is None or self.timeout_minutes is None:
                raise ValueError(f"job '{self.id}' needs steps, runs-on and timeout-minutes")
        elif self.steps or self.runs_on is not None or self.timeout_minutes is not None:
            # GitHub rejects these keys on a job that calls a reusable workflow;
            # the called workflow's own jobs carry them.
            raise ValueError(
                f"job '{self.id}' calls a workflow; it cannot have steps, runs-on or timeout"
            )

    def to_data(self) -> dict[str, Value]:
        data: dict[str, Value] = {"name": self.name}
        if self.needs:
            data["needs"] = self.needs[0] if len(self.needs) == 1 else list(self.needs)
        if self.if_:
            data["if"] = self.if_
        if self.runs_on is not None:
            data["runs-on"] = self.runs_on if isinstance(self.runs_on, str) else list(self.runs_on)
        if self.timeout_minutes is not None:
            data["timeout-minutes"] = self.timeout_minutes
        data["permissions"] = dict(self.permissions)
        if self.concurrency:
            data["concurrency"] = dict(self.concurrency)
        if self.strategy:
            data["strategy"] = dict(self.strategy)
        if self.outputs:
            data["outputs"] = dict(self.outputs)
        if self.uses:
            data["uses"] = self.uses
            if self.with_:
                data["with"] = dict(self.with_)
            if self.secrets:
                data["secrets"] = dict(self.secrets)
        if self.steps:
            data["steps"] = [step.to_data() for step in self.steps]
        return data


@dataclass(frozen=True)
class Workflow:
    file: str  # name under .github/workflows/
    name: str
    on: Mapping[str, Value]
    jobs: tuple[Job, ...]
    concurrency: Mapping[str, Value] | None = None

    def __post_init__(self) -> None:
        ids = [job.id for job in self.jobs]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.file}: job ids repeat: {ids}")
        for job in self.jobs:
            missing = set(job.needs) - set(ids)
            if missing:
                raise ValueError(
                    f"{self.file}: job '{job.id}' needs unknown jobs {sorted(missing)}"
                )

    def to_data(self) -> dict[str, Value]:
        data: dict[str, Value] = {"name": self.name, "on": dict(self.on), "permissions": {}}
        if self.concurrency:
            data["concurrency"] = dict(self.concurrency)
        data["jobs"] = {job.id: job.to_data() for job in self.jobs}
        return data

    def render(self, header: str) -> str:
        return header + "\n" + emit_document(self.to_data(), spaced=("jobs",))
