"""What policies see: the evidence recorded with every candidate (`evidence.json`).

The JSON Schema of `CandidateEvidence` is committed as
`schema/evidence.schema.json`; policy rules are checked against it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .lock import LockEntry

EVIDENCE_VERSION = 1


class EvidenceModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built on first use


class GateResult(EvidenceModel):
    metric: str
    bound: Literal["min", "max", "max_drop"]
    limit: float
    value: float | None  # None when there is no baseline
    production: float | None = None
    status: Literal["passed", "failed", "no baseline"]
    message: str
    rows: int | None = None  # max_drop: the rows both models were scored on
    ci_low: float | None = None  # max_drop: interval of the drop (positive = worse)
    ci_high: float | None = None


class MetricInterval(EvidenceModel):
    """A seeded bootstrap interval of a metric (`evaluation.confidence`, default 95%)."""

    low: float
    high: float


class MetricComparison(EvidenceModel):
    """Candidate and production scored on the same rows, with the paired bootstrap
    interval of the difference. `delta` is candidate - production whatever the
    metric's direction; `higher_is_better` says which sign is an improvement."""

    candidate: float
    production: float
    delta: float
    higher_is_better: bool
    ci_low: float
    ci_high: float
    rows: int
    within_noise: bool  # the interval of delta contains 0


class SliceResult(EvidenceModel):
    """The candidate's metrics on the rows where one column has one value."""

    value: str
    rows: int
    too_small: bool  # fewer than evaluation.min_slice_rows: reported, never gated
    metrics: dict[str, float]  # a metric undefined on the slice (one class only) is left out
    intervals: dict[str, MetricInterval] = Field(default_factory=dict)
    gap_to_overall: dict[str, float] = Field(default_factory=dict)  # slice - overall
    gap_to_production: dict[str, float] | None = None  # candidate - production on the slice


class SliceGap(EvidenceModel):
    """Across one column's slices (too small ones left out): the worst against the best."""

    difference: float  # best - worst, in the metric's units (>= 0)
    ratio: float | None  # worst / best (None when best is 0)
    worst: str  # slice value
    best: str


class Curve(EvidenceModel):
    x: list[float]
    y: list[float]
    x_label: str
    y_label: str
    area: float | None = None


class ClassReport(EvidenceModel):
    label: str
    precision: float
    recall: float
    support: int


class CalibrationBin(EvidenceModel):
    mean_predicted: float
    fraction_positive: float
    rows: int


class ResidualBin(EvidenceModel):
    """Rows grouped by predicted value (deciles of the prediction)."""

    decile: int
    rows: int
    mean_prediction: float
    mean_residual: float  # truth - prediction
    mae: float
    rmse: float


class FeatureImportance(EvidenceModel):
    feature: str
    drop: float  # mean loss of quality when the column is shuffled (metric's direction)
    std: float


class DiagnosticsEvidence(EvidenceModel):
    """What a reviewer looks at beside the numbers; curves are thinned to a few dozen points."""

    rows: int
    confusion: list[list[int]] | None = None  # [true][predicted], in `classes` order
    classes: list[str] = Field(default_factory=list)
    per_class: list[ClassReport] = Field(default_factory=list)
    roc: Curve | None = None
    precision_recall: Curve | None = None
    calibration: list[CalibrationBin] = Field(default_factory=list)
    brier: float | None = None
    residuals: list[ResidualBin] = Field(default_factory=list)
    importance_metric: str | None = None
    importance: list[FeatureImportance] = Field(default_factory=list)


class EvaluationEvidence(EvidenceModel):
    """How the intervals were made."""

    resamples: int
    confidence: float
    seed: int
    rows: int  # holdout rows
    binned: bool = False  # score metrics resampled on score bins (holdouts of many rows)
    current_rows: int | None = None  # labelled current rows scored for `comparison_current`
    notes: list[str] = Field(default_factory=list)


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
    dirty_inputs: list[str] = []  # inputs that differed from git_commit when it was trained
    params: dict[str, Any]
    library_versions: dict[str, str]
    cache_key: str
    # a dataset with a source: its mlops.lock entry (the files trained on) and the lock's sha256
    lock_entry: LockEntry | None = None
    lock_sha256: str | None = None


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
    positive_class: str | None = None  # binary: the class recall, precision, f1, roc_auc are about
    metric_intervals: dict[str, MetricInterval] = Field(default_factory=dict)
    evaluation: EvaluationEvidence | None = None
    # production re-scored on the candidate's holdout rows (None: no production, or not scorable)
    comparison: dict[str, MetricComparison] | None = None
    # both models on the labelled rows of the current window ("today's data")
    comparison_current: dict[str, MetricComparison] | None = None
    comparison_production_version: int | None = None
    slices: dict[str, list[SliceResult]] = Field(default_factory=dict)  # column -> one per value
    slice_gaps: dict[str, dict[str, SliceGap]] = Field(default_factory=dict)  # column -> metric
    diagnostics: DiagnosticsEvidence | None = None


def evidence_json_schema() -> dict[str, Any]:
    schema = CandidateEvidence.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mlgitops candidate evidence"
    return schema
