"""A model's history: every registered version, newest first, with its metrics, the data it was
trained on and when it was in production, from the registry and `git log` of production.yaml.

Each commit that changed `production.yaml` is read as it was then: a new version there
is a promotion (when, pull request, reason), and ends the previous version's time in
production. A rollback promotes an older version again: a version may have several
periods in production.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import yamlio
from .errors import ExternalError
from .git import Git
from .registry import PRODUCTION, REGISTRY_DIR, ProductionPointer, Registry


@dataclass(frozen=True)
class Period:
    """One time in production."""

    promoted_at: str
    retired_at: str | None  # None: still in production
    pull_request: int | None
    reason: str | None
    commit: str | None  # the commit that pointed production at it (None: not committed yet)


@dataclass
class VersionHistory:
    version: int
    registered_at: str | None
    metrics: dict[str, float]
    data_path: str | None
    data_rows: int | None
    data_sha256: str | None
    git_commit: str | None  # what it was trained from
    periods: list[Period] = field(default_factory=list)

    @property
    def status(self) -> str:
        if any(p.retired_at is None for p in self.periods):
            return "production"
        return "retired" if self.periods else "never promoted"

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "status": self.status,
            "registered_at": self.registered_at,
            "metrics": self.metrics,
            "data": {"path": self.data_path, "rows": self.data_rows, "sha256": self.data_sha256},
            "git_commit": self.git_commit,
            "periods": [vars(p) for p in self.periods],
        }


def model_history(root: Path, model: str, environ: Mapping[str, str]) -> list[VersionHistory]:
    git = Git(root, environ)
    registry = Registry(root)
    versions = {n: _version(git, registry, model, n) for n in registry.versions(model)}
    pointer_path = f"{REGISTRY_DIR}/{model}/{PRODUCTION}"
    changes = _pointer_changes(git, pointer_path)
    current = registry.production(model)
    if current is not None and (not changes or changes[-1][1] != current):
        changes.append((None, current, current.promoted_at))  # changed, not committed yet
    open_period: tuple[int, Period] | None = None
    for commit, pointer, when in changes:
        if open_period is not None and open_period[0] == pointer.version:
            continue  # the same version, re-recorded (a pull request number added)
        if open_period is not None:
            number, period = open_period
            _add(
                versions,
                number,
                Period(period.promoted_at, when, period.pull_request, period.reason, period.commit),
            )
        open_period = (
            pointer.version,
            Period(pointer.promoted_at, None, pointer.pull_request, pointer.reason, commit),
        )
    if open_period is not None:
        _add(versions, *open_period)
    return [versions[n] for n in sorted(versions, reverse=True)]


def _add(versions: dict[int, VersionHistory], number: int, period: Period) -> None:
    if number not in versions:  # pointed at a version that is gone: still part of the history
        versions[number] = VersionHistory(number, None, {}, None, None, None, None)
    versions[number].periods.append(period)


def _version(git: Git, registry: Registry, model: str, number: int) -> VersionHistory:
    ref = registry.ref(model, number)
    evidence = _json(ref.path / "evidence.json")
    data = evidence.get("data") or {}
    lineage = evidence.get("lineage") or {}
    manifest = f"{REGISTRY_DIR}/{model}/versions/{number}/manifest.json"
    added = _git(git, "log", "--diff-filter=A", "--format=%cI", "--", manifest).split()
    return VersionHistory(
        version=number,
        registered_at=added[-1] if added else None,
        metrics={str(k): float(v) for k, v in (evidence.get("metrics") or {}).items()},
        data_path=data.get("path"),
        data_rows=data.get("rows"),
        data_sha256=lineage.get("data_sha256") or data.get("sha256"),
        git_commit=lineage.get("git_commit"),
    )


def _pointer_changes(git: Git, path: str) -> list[tuple[str | None, ProductionPointer, str]]:
    """(commit, pointer then, commit time) for each commit that changed `path`, oldest first."""
    log = _git(git, "log", "--reverse", "--format=%H %cI", "--", path)
    changes: list[tuple[str | None, ProductionPointer, str]] = []
    for line in log.splitlines():
        commit, when = line.split(" ", 1)
        text = _git(git, "show", f"{commit}:{path}", allow_failure=True)
        if not text:
            continue  # deleted in this commit
        try:
            doc = yamlio.parse_text(text, f"{commit[:12]}:{path}")
            pointer = ProductionPointer.model_validate(doc.data)
        except (yamlio.YamlLoadError, ValidationError):
            continue  # a broken pointer in the past says nothing about versions
        changes.append((commit, pointer, when))
    return changes


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _git(git: Git, *args: str, allow_failure: bool = False) -> str:
    """git's output; "" outside a repository (no history yet) or where a failure is allowed."""
    try:
        return git.run(*args)
    except ExternalError:
        if allow_failure or git.run("rev-parse", "--git-dir", check=False) == "":
            return ""
        raise
