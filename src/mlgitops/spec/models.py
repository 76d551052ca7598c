"""The declared inputs: mlops.yaml, pipeline files and policy files as frozen pydantic models.

These models check shape and types only. Cross-references (datasets, files,
estimator parameters, CEL rules) are checked by `load.py`, which knows where
each value stands in its file.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..registries import DRIFT_METHOD_NAMES, METRIC_NAMES

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_NAME_RE = re.compile(NAME_PATTERN)

ColumnType = Literal["integer", "number", "string", "category", "boolean"]
Task = Literal["classification", "regression"]
Severity = Literal["error", "warning"]
OnDrift = Literal["promote", "issue", "fail"]
RunsOn = Annotated[str, Field(min_length=1)] | Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class StrictModel(BaseModel):
    """Frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, populate_by_name=False)


def check_name(kind: str, name: str) -> str | None:
    if _NAME_RE.match(name):
        return None
    return (f"{kind} name '{name}' must be lower case letters, digits, '-' or '_' "
            "(at most 63 characters, starting with a letter or digit)")


# --- mlops.yaml ---------------------------------------------------------------


class CISpec(StrictModel):
    python: str = "3.11"
    runs_on: RunsOn = "ubuntu-latest"
    default_branch: str = "main"
    install: str = "pip install -e ."
    timeout_minutes: int = Field(default=60, ge=1, le=360)


class ColumnSpec(StrictModel):
    type: ColumnType
    min: float | None = None
    max: float | None = None
    nullable: bool = False
    values: list[str | int | bool] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ColumnSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.type in ("string", "category", "boolean") and (self.min is not None or self.max is not None):
            raise ValueError(f"min/max apply to integer and number columns, not {self.type}")
        if self.type == "category" and self.values is None:
            raise ValueError("a category column needs 'values' (the allowed categories)")
        return self


class ChecksSpec(StrictModel):
    min_rows: int | None = Field(default=None, ge=0)
    max_null_fraction: float | None = Field(default=None, ge=0.0, le=1.0)
    unique: list[str] = Field(default_factory=list)


class DatasetSpec(StrictModel):
    path: str = Field(min_length=1)
    target: str = Field(min_length=1)
    columns: dict[str, ColumnSpec] = Field(min_length=1)
    checks: ChecksSpec = ChecksSpec()
    current: str | None = None

    @field_validator("path")
    @classmethod
    def _extension(cls, value: str) -> str:
        if not value.lower().endswith((".csv", ".parquet")):
            raise ValueError(f"'{value}' must end in .csv or .parquet")
        return value


class FeaturesSpec(StrictModel):
    include: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)


class SplitSpec(StrictModel):
    test_size: float = Field(default=0.2, gt=0.0, lt=1.0)
    seed: int = Field(default=42, ge=0, le=2**32 - 1)
    stratify: bool = True


class GateSpec(StrictModel):
    min: float | None = None
    max: float | None = None
    max_drop: float | None = Field(default=None, ge=0.0)

    @model_validator(mode="after")
    def _some_bound(self) -> GateSpec:
        if self.min is None and self.max is None and self.max_drop is None:
            raise ValueError("a gate needs at least one of min, max, max_drop")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class OnnxSpec(StrictModel):
    opset: int = Field(default=17, ge=9, le=21)
    tolerance: float = Field(default=1e-4, gt=0.0, le=1.0)


class DriftSpec(StrictModel):
    schedule: str | None = None
    method: str = "auto"
    threshold: float | None = Field(default=None, gt=0.0)
    drift_share: float = Field(default=0.5, gt=0.0, le=1.0)
    on_drift: OnDrift = "promote"

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        if value not in DRIFT_METHOD_NAMES:
            raise ValueError(f"unknown drift method '{value}'{_did_you_mean(value, DRIFT_METHOD_NAMES)}; "
                             f"choose one of {', '.join(DRIFT_METHOD_NAMES)}")
        return value


class PromotionSpec(StrictModel):
    reviewers: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)


class NumericPreprocessSpec(StrictModel):
    impute: Literal["mean", "median", "most_frequent", "zero"] = "median"
    scale: Literal["standard", "minmax", "robust", "none"] = "standard"


class CategoricalPreprocessSpec(StrictModel):
    impute: Literal["most_frequent", "missing"] = "most_frequent"
    encode: Literal["onehot", "ordinal"] = "onehot"


class PreprocessSpec(StrictModel):
    numeric: NumericPreprocessSpec = NumericPreprocessSpec()
    categorical: CategoricalPreprocessSpec = CategoricalPreprocessSpec()


class EstimatorSpec(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    class_path: str = Field(alias="class", min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class PipelineSpec(StrictModel):
    """A pipeline file (or the inline form inside a model)."""

    preprocess: PreprocessSpec = PreprocessSpec()
    estimator: EstimatorSpec


class ModelSpec(StrictModel):
    dataset: str
    task: Task
    features: FeaturesSpec = FeaturesSpec()
    pipeline: str | None = None
    preprocess: PreprocessSpec | None = None
    estimator: EstimatorSpec | None = None
    split: SplitSpec = SplitSpec()
    metrics: list[str] = Field(default_factory=list)
    gates: dict[str, GateSpec] = Field(default_factory=dict)
    onnx: OnnxSpec = OnnxSpec()
    policies: list[str] = Field(default_factory=list)
    drift: DriftSpec | None = None
    promotion: PromotionSpec = PromotionSpec()
    runs_on: RunsOn | None = None

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in METRIC_NAMES:
                raise ValueError(f"unknown metric '{name}'{_did_you_mean(name, METRIC_NAMES)}")
        if len(set(value)) != len(value):
            raise ValueError("metrics are listed more than once")
        return value

    @model_validator(mode="after")
    def _one_pipeline(self) -> ModelSpec:
        if self.pipeline is None and self.estimator is None:
            raise ValueError("give either 'pipeline' (a pipeline file) or an inline 'estimator'")
        if self.pipeline is not None and (self.estimator is not None or self.preprocess is not None):
            raise ValueError("give either 'pipeline' or inline 'estimator'/'preprocess', not both")
        return self


class Spec(StrictModel):
    version: Literal[1]
    project: str = Field(min_length=1)
    ci: CISpec = CISpec()
    allow_packages: list[str] = Field(default_factory=list)
    datasets: dict[str, DatasetSpec] = Field(min_length=1)
    models: dict[str, ModelSpec] = Field(min_length=1)


# --- policy files ---------------------------------------------------------------


class RuleSpec(StrictModel):
    name: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    severity: Severity = "error"
    description: str | None = None


class WaiverSpec(StrictModel):
    rule: str
    model: str
    until: dt.date
    reason: str = Field(min_length=1)


class PolicyFileSpec(StrictModel):
    policy: str = Field(min_length=1)
    rules: list[RuleSpec] = Field(min_length=1)
    waivers: list[WaiverSpec] = Field(default_factory=list)


def _did_you_mean(name: str, choices: tuple[str, ...] | list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
