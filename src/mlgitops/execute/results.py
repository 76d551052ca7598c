"""Typed results of a run: one `StageResult` per stage, one `ModelRunResult` per model."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

StageStatus = Literal["ran", "cached", "failed", "skipped"]


@dataclass
class StageResult:
    name: str
    status: StageStatus
    seconds: float = 0.0
    detail: str = ""


@dataclass
class ModelRunResult:
    model: str
    task: str
    passed: bool = False
    failed_stage: str | None = None
    stages: list[StageResult] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    gates: list[dict[str, Any]] = field(default_factory=list)
    onnx: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    policy: dict[str, Any] | None = None
    version: int | None = None
    registered: Literal["new", "existing"] | None = None
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # why it failed, one line each
    report_markdown: str = ""
    annotations: list[Any] = field(default_factory=list)  # commands.Annotation, for GitHub Actions

    def stage(self, name: str) -> StageResult | None:
        return next((s for s in self.stages if s.name == name), None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("report_markdown")
        data.pop("annotations")
        return data
