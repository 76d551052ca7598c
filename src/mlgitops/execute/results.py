"""Typed results: what each stage returns (and the cache stores), and the run's record.

A stage result is a frozen pydantic model; the stage cache stores it as
`result.json` (bytes fields base64) and reads it back with the same type, so
nothing downstream parses a dict. `RunRecord` is the model's `result.json`
in the workspace (written and read through `workspace.py`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..evidence import DataEvidence, GateResult, OnnxEvidence, TrainingEvidence
from ..plan import StageName
from ..policy.report import PolicyRecord

StageStatus = Literal["ran", "cached", "failed", "skipped"]
RUN_RECORD_VERSION = 1  # of the result.json layout; a file with another is refused


class StageResult(BaseModel):
    """Base of every stage's result."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, ser_json_bytes="base64", val_json_bytes="base64"
    )

    def summary(self) -> str:
        """One line for the run table's detail column."""
        return ""


class DataResult(StageResult):
    data: DataEvidence

    def summary(self) -> str:
        return f"{self.data.rows} rows, {self.data.columns} columns"


class TrainingResult(StageResult):
    metrics: dict[str, float]
    training: TrainingEvidence
    features: list[str]
    profile: bytes  # profile.json: the reference drift profile

    def summary(self) -> str:
        return f"{self.training.rows_train} train / {self.training.rows_test} holdout rows"


class GatesResult(StageResult):
    gates: list[GateResult]

    def summary(self) -> str:
        no_baseline = sum(1 for g in self.gates if g.status == "no baseline")
        return f"{len(self.gates)} gate(s) passed" + (
            f", {no_baseline} with no baseline" if no_baseline else ""
        )


class ConvertResult(StageResult):
    model_onnx: bytes
    onnx: OnnxEvidence

    def summary(self) -> str:
        return f"parity max |diff| {self.onnx.max_abs_diff:.2e} on {self.onnx.rows_checked} rows"


class PolicyResult(StageResult):
    report: PolicyRecord

    def summary(self) -> str:
        statuses = [r.status for r in self.report.results]
        return ", ".join(
            f"{statuses.count(s)} {s}"
            for s in ("passed", "waived", "failed", "error")
            if statuses.count(s)
        )


class RegisterResult(StageResult):
    version: int
    registered: Literal["new", "existing"]

    def summary(self) -> str:
        if self.registered == "existing":
            return f"already registered as version {self.version}"
        return f"version {self.version}"


class StageRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: StageName
    status: StageStatus
    seconds: float = 0.0
    detail: str = ""


class RunRecord(BaseModel):
    """What one run of one model did: `result.json` beside the candidate, `run --json`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: int = RUN_RECORD_VERSION
    model: str
    task: Literal["classification", "regression"]
    passed: bool
    failed_stage: StageName | None = None
    stages: list[StageRecord] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict)
    gates: list[GateResult] = Field(default_factory=list)
    onnx: OnnxEvidence | None = None
    data: DataEvidence | None = None
    policy: PolicyRecord | None = None
    version: int | None = None
    registered: Literal["new", "existing"] | None = None
    seconds: float = 0.0
    problems: list[str] = Field(default_factory=list)  # why it failed, one line each

    def stage(self, name: StageName) -> StageRecord | None:
        return next((s for s in self.stages if s.name == name), None)
