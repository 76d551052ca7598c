"""What policies see: the evidence recorded with every candidate (`evidence.json`).

The JSON Schema of `CandidateEvidence` is committed as
`schema/evidence.schema.json`; policy rules are checked against it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EVIDENCE_VERSION = 1


class EvidenceModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GateResult(EvidenceModel):
    metric: str
    bound: Literal["min", "max", "max_drop"]
    limit: float
    value: float | None  # None when there is no baseline
    production: float | None = None
    status: Literal["passed", "failed", "no baseline"]
    message: str


class DataCheckFailure(EvidenceModel):
    column: str | None  # None for dataset-level checks (min_rows, ...)
    check: str
    failing_rows: int
    examples: list[dict[str, Any]] = Field(default_factory=list)  # {"row": n, "value": v}
    message: str


class DataEvidence(EvidenceModel):
    path: str
    sha256: str
    rows: int
    columns: int
    passed: bool
    null_fraction: dict[str, float] = Field(default_factory=dict)
    failures: list[DataCheckFailure] = Field(default_factory=list)


class LatencyEvidence(EvidenceModel):
    single_row_p50_ms: float
    single_row_p99_ms: float
    batch_rows_per_second: float
    batch_size: int


class OnnxEvidence(EvidenceModel):
    opset: int
    size_bytes: int
    sha256: str
    tolerance: float
    rows_checked: int
    label_agreement: float | None  # classification only
    max_abs_diff: float
    worst_rows: list[int] = Field(default_factory=list)
    passed: bool
    latency: LatencyEvidence


class TrainingEvidence(EvidenceModel):
    estimator: str
    params: dict[str, Any]
    rows_train: int
    rows_test: int
    classes: list[str] = Field(default_factory=list)
    seconds: float


class DriftFeatureEvidence(EvidenceModel):
    feature: str
    method: str
    statistic: float
    threshold: float
    drifted: bool


class DriftEvidence(EvidenceModel):
    dataset_drifted: bool
    drift_share: float
    drifted_features: list[str]
    features: list[DriftFeatureEvidence] = Field(default_factory=list)


class LineageEvidence(EvidenceModel):
    data_sha256: str
    spec_sha256: str
    pipeline_sha256: str
    git_commit: str | None
    params: dict[str, Any]
    library_versions: dict[str, str]
    cache_key: str


class TrialEvidence(EvidenceModel):
    """One parameter set tried by the search, scored by cross-validation on the training rows."""

    number: int
    params: dict[str, Any]
    mean: float | None  # mean CV score in the metric's own terms; None when every fold failed
    std: float | None
    seconds: float  # fit and score time, summed over folds
    iteration: int | None = None  # halving: the round; the last round decides
    resources: int | None = None  # halving: training rows per fold in that round
    error: str | None = None


class TuningEvidence(EvidenceModel):
    """The hyperparameter search that chose the trained parameters."""

    strategy: Literal["grid", "random", "halving", "tpe"]
    metric: str
    higher_is_better: bool
    cv: int
    cv_kind: Literal["stratified", "kfold", "time"]
    seed: int
    backend: Literal["local", "dask"]
    trials_planned: int
    trials_run: int
    cut_short: bool  # the timeout stopped the search: another run may choose differently
    timeout_minutes: float | None
    best_params: dict[str, Any]
    best_score: float
    trials: list[TrialEvidence]
    seconds: float


class CandidateEvidence(EvidenceModel):
    """Everything a policy can ask about a candidate (or the production version)."""

    evidence_version: int = EVIDENCE_VERSION
    model: str
    version: int | None = None
    task: Literal["classification", "regression"]
    features: list[str]
    metrics: dict[str, float]
    gates: list[GateResult]
    data: DataEvidence
    training: TrainingEvidence
    onnx: OnnxEvidence
    drift: DriftEvidence | None = None
    tuning: TuningEvidence | None = None
    lineage: LineageEvidence


def evidence_json_schema() -> dict[str, Any]:
    schema = CandidateEvidence.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mlgitops candidate evidence"
    return schema
