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
    """Single-row figures are the best round's (see `onnx/latency.py`): steady on a busy machine."""

    single_row_p50_ms: float
    single_row_p99_ms: float
    # the spread: the worst round's p99 (None in evidence recorded before rounds were kept)
    single_row_p99_worst_round_ms: float | None = None
    rounds: int = 1
    runs_per_round: int | None = None
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
    lineage: LineageEvidence


def evidence_json_schema() -> dict[str, Any]:
    schema = CandidateEvidence.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mlgitops candidate evidence"
    return schema
