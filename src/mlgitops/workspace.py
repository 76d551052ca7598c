"""The local workspace `.mlgitops/` (not in git): stage cache, the last candidate and drift report per model.

`run` leaves each model's latest candidate in `.mlgitops/candidates/<model>/`
(the same files a registered version holds, plus `result.json`) so that
`policy`, `promote` and CI artifact uploads can use it whether or not it
was registered. `drift` leaves its last report in `.mlgitops/drift/<model>.json`.

The workspace keeps its own `.gitignore` (`*`), so nothing in it is ever
committed, whether or not the repository ignores it; registrations stage
their versions in `.mlgitops/staging/` and lock the registry with
`.mlgitops/registry.lock`. Every path here must stay inside the repository:
a `.mlgitops` (or anything in it) linked elsewhere is refused.

This module is the one reader and writer of those files. Each is a pydantic
record with a `format_version`; a file written in another layout is refused
with a message saying how to rebuild it, never half-read.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import atomic, paths
from .errors import BadInputError

if TYPE_CHECKING:
    from .drift.report import DriftReport
    from .evidence import CandidateEvidence
    from .execute.results import RunRecord
    from .policy.report import PolicyRecord

WORKSPACE_DIR = paths.WORKSPACE_DIR
RESULT_FILE = "result.json"
EVIDENCE_FILE = "evidence.json"
DRIFT_RECORD_VERSION = 1
RELEASE_RECORD_VERSION = 1

M = TypeVar("M", bound=BaseModel)


GITIGNORE = "*\n"  # ignores everything in the workspace, this file too
STAGING_DIR = "staging"
REGISTRY_LOCK = "registry.lock"


def workspace(root: Path) -> Path:
    """`.mlgitops/` (BadInputError when it leads outside the repository). Where it exists
    already, it gets its `.gitignore` back if that was deleted."""
    directory = _inside(root, root / WORKSPACE_DIR)
    if directory.is_dir():
        with contextlib.suppress(OSError):  # a read-only checkout still reads
            _write_gitignore(root, directory)
    return directory


def ensure_workspace(root: Path) -> Path:
    """`.mlgitops/`, made (with its `.gitignore`) if missing: call before writing in it."""
    directory = workspace(root)
    directory.mkdir(parents=True, exist_ok=True)
    _write_gitignore(root, directory)
    return directory


def _write_gitignore(root: Path, directory: Path) -> None:
    ignore = _inside(root, directory / ".gitignore")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(ignore, flags, 0o666)
    except FileExistsError:
        return  # kept as it is: the user may have written their own
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(GITIGNORE)


def staging_dir(root: Path) -> Path:
    """Where registrations build a version before renaming it into `models/` (never in git);
    made if missing."""
    directory = _inside(root, ensure_workspace(root) / STAGING_DIR)
    directory.mkdir(exist_ok=True)
    return directory


def registry_lock(root: Path) -> Path:
    """The lock file held while a version number is chosen and a version appears."""
    return _inside(root, ensure_workspace(root) / REGISTRY_LOCK)


def candidate_dir(root: Path, model: str) -> Path:
    return _inside(root, workspace(root) / "candidates" / model)


def cache_dir(root: Path) -> Path:
    return _inside(root, workspace(root) / "cache")


def drift_report_path(root: Path, model: str) -> Path:
    """Where `mlgitops drift` leaves its last report for the model (read by run, status, promote)."""
    return _inside(root, workspace(root) / "drift" / f"{model}.json")


def _inside(root: Path, path: Path) -> Path:
    return paths.inside(root, path, what="the mlgitops workspace")


# --- reading, one way for every record ----------------------------------------------------


def _show(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_record(path: Path, kind: type[M], *, root: Path, current: int, hint: str) -> M | None:
    """The record in `path` (None when there is none); BadInputError for a broken or foreign file."""
    shown = _show(path, root)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BadInputError(f"{shown} cannot be read: {exc.strerror}", hint=hint) from None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BadInputError(f"{shown} is not JSON: {exc}", hint=hint) from None
    found = data.get("format_version") if isinstance(data, dict) else None
    if found != current:
        raise BadInputError(
            f"{shown} was written by another version of mlgitops "
            f"(format_version {found!r}; this one reads {current})",
            hint=hint,
        )
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "(top level)"
        raise BadInputError(f"{shown}: {field}: {error['msg']}", hint=hint) from None


def _record_bytes(record: BaseModel) -> bytes:
    return record.model_dump_json(indent=2).encode() + b"\n"


# --- the candidate ------------------------------------------------------------------------


def write_candidate(root: Path, record: RunRecord, artifacts: Mapping[str, bytes]) -> None:
    """Replace the model's workspace candidate: its artifacts (when it got that far) and result.json."""
    files = dict(artifacts)
    files[RESULT_FILE] = _record_bytes(record)
    ensure_workspace(root)
    atomic.replace_directory(candidate_dir(root, record.model), files)


def read_run_record(root: Path, model: str) -> RunRecord | None:
    """The record of the model's last run here, or None when it has not run here."""
    from .execute.results import RUN_RECORD_VERSION, RunRecord

    return read_record(
        candidate_dir(root, model) / RESULT_FILE,
        RunRecord,
        root=root,
        current=RUN_RECORD_VERSION,
        hint=f"run `mlgitops run {model}` again to rebuild the candidate",
    )


def load_candidate_evidence(root: Path, model: str) -> CandidateEvidence | None:
    """The evidence of the model's last candidate, or None when `run` has not made one."""
    from .evidence import CandidateEvidence  # its models cost start-up to commands without one

    path = candidate_dir(root, model) / EVIDENCE_FILE
    shown = _show(path, root)
    hint = f"run `mlgitops run {model}` again to rebuild the candidate"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return CandidateEvidence.model_validate_json(raw)
    except ValidationError as exc:
        raise BadInputError(
            f"{shown} cannot be read: {str(exc).splitlines()[0]}", hint=hint
        ) from None


def policy_bytes(record: PolicyRecord) -> bytes:
    """`policy.json` as stored beside a candidate and in the registry."""
    return _record_bytes(record)


def write_candidate_policy(root: Path, model: str, record: PolicyRecord) -> None:
    ensure_workspace(root)
    atomic.write_bytes(candidate_dir(root, model) / _policy_file(), policy_bytes(record))


def read_candidate_policy(root: Path, model: str) -> PolicyRecord | None:
    from .policy.report import POLICY_RECORD_VERSION, PolicyRecord

    return read_record(
        candidate_dir(root, model) / _policy_file(),
        PolicyRecord,
        root=root,
        current=POLICY_RECORD_VERSION,
        hint=f"run `mlgitops policy {model}` to evaluate the candidate again",
    )


def _policy_file() -> str:
    from .policy.report import POLICY_FILE

    return POLICY_FILE


# --- the drift report ---------------------------------------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DriftRecord(_Record):
    """`.mlgitops/drift/<model>.json`: what the last `mlgitops drift` found for the model.

    `report` is `DriftReport.to_dict()` when drift was computed; when the current
    data failed validation it is None and `data_validation` says why.
    """

    format_version: int = DRIFT_RECORD_VERSION
    status: Literal["drift", "no-drift", "invalid-data"]
    model: str
    version: int  # the production version the current data was compared with
    source: str
    dataset_drifted: bool
    report: dict[str, Any] | None = None
    data_validation: list[dict[str, Any]] = Field(default_factory=list)
    # the counted triggers that fired (status "drift" when any did), and each trigger's verdict
    triggered: list[str] = Field(default_factory=list)
    triggers: dict[str, Any] = Field(default_factory=dict)
    performance: dict[str, Any] | None = None
    # a source's current window: its rows, time range and every file read with its sha256
    current_window: dict[str, Any] | None = None

    def drift_report(self) -> DriftReport | None:
        from .drift.report import DriftReport

        return None if self.report is None else DriftReport.from_dict(self.report)


def write_drift_record(root: Path, record: DriftRecord, *, adhoc: bool = False) -> Path:
    """Write the record where `status`, `run` and `promote` read it, or, for an ad-hoc check
    of other data (`drift --current`), apart from it; returns the path written."""
    ensure_workspace(root)
    saved = drift_report_path(root, record.model)
    path = _inside(root, saved.parent / "adhoc" / saved.name) if adhoc else saved
    atomic.write_bytes(path, _record_bytes(record))
    return path


def read_drift_record(root: Path, model: str) -> DriftRecord | None:
    return read_record(
        drift_report_path(root, model),
        DriftRecord,
        root=root,
        current=DRIFT_RECORD_VERSION,
        hint=f"run `mlgitops drift {model}` again (or delete the file)",
    )


def drift_record_of(report: DriftReport) -> DriftRecord:
    assert report.model is not None and report.version is not None
    return DriftRecord(
        status="drift" if report.dataset_drifted else "no-drift",
        model=report.model,
        version=report.version,
        source=report.source or "",
        dataset_drifted=report.dataset_drifted,
        report=report.to_dict(),
    )


# --- the release bundle -------------------------------------------------------------------


class ReleaseRecord(_Record):
    """`release.json` in each model's release bundle."""

    format_version: int = RELEASE_RECORD_VERSION
    model: str
    version: int
    sha256: dict[str, str]  # artifact -> digest, as in the version's manifest
    promoted_at: str
    pull_request: int | None = None


def release_bytes(record: ReleaseRecord) -> bytes:
    return _record_bytes(record)


def read_release_record(path: Path, root: Path) -> ReleaseRecord | None:
    return read_record(
        path,
        ReleaseRecord,
        root=root,
        current=RELEASE_RECORD_VERSION,
        hint="build the bundle again with `mlgitops release`",
    )
