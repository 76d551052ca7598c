"""The declared inputs: mlops.yaml, pipeline files and policy files as frozen pydantic models.

These models check shape and types only. Cross-references (datasets, files,
estimator parameters, CEL rules) are checked by `load.py`, which knows where
each value stands in its file. Field docstrings become the descriptions of the
JSON Schema that editors use for completion (`mlgitops schema`, see `descriptions.py`).
Defaults that are models are made with `model_construct()`: the same value as
`X()` without building X's validator when this module is imported. Empty lists and
maps are plain defaults, which pydantic copies for each model: a `default_factory`
of `list` has pydantic read the builtin's signature (the tokenize module) at each start.
"""

# Annotations are evaluated as the classes are made (no `from __future__ import annotations`):
# pydantic would otherwise evaluate every annotation string again, at each start.
import datetime as dt
import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ..registries import DRIFT_METHOD_NAMES, METRIC_NAMES
from ..text import suggest

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_NAME_RE = re.compile(NAME_PATTERN)

ColumnType = Literal["integer", "number", "string", "category", "boolean", "datetime"]
Task = Literal["classification", "regression"]
Severity = Literal["error", "warning"]
OnDrift = Literal["promote", "issue", "fail"]
Label = Annotated[str, Field(min_length=1)]
RunsOn = Label | Annotated[list[Label], Field(min_length=1)]


def _known_metric(name: str) -> str:
    if name not in METRIC_NAMES:
        raise ValueError(f"unknown metric '{name}'{suggest(name, METRIC_NAMES)}")
    return name


# Checked in Python (for the did-you-mean); the schema lists the names for completion.
MetricName = Annotated[
    str,
    AfterValidator(_known_metric),
    WithJsonSchema({"type": "string", "enum": list(METRIC_NAMES)}),
]


def _names_schema(kind: str) -> dict[str, Any]:
    return {
        "propertyNames": {"pattern": NAME_PATTERN},
        "description": f"{kind} by name: lower case letters, digits, '-' or '_'",
    }


class StrictModel(BaseModel):
    """Frozen, and unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=False,
        populate_by_name=False,
        # field docstrings are read from the source only for the JSON Schema (descriptions.py):
        # parsing them at every start would cost more than building the validators
        # validators are built on first use: a command pays only for the models it reads
        defer_build=True,
    )


def check_name(kind: str, name: str) -> str | None:
    if _NAME_RE.match(name):
        return None
    return (
        f"{kind} name '{name}' must be lower case letters, digits, '-' or '_' "
        "(at most 63 characters, starting with a letter or digit)"
    )


# --- mlops.yaml ---------------------------------------------------------------


def _secret_name(name: str) -> str:
    # GitHub's rules for secret names: letters, digits and underscores, not starting with a
    # digit, and not in the GITHUB_ namespace it reserves
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(
            f"{name!r} is not a GitHub secret name: use letters, digits and underscores, "
            "not starting with a digit"
        )
    if name.upper().startswith("GITHUB_"):
        raise ValueError(f"{name!r}: GitHub reserves secret names starting with GITHUB_")
    return name


SecretName = Annotated[str, AfterValidator(_secret_name)]


def _distinct_secrets(names: list[str]) -> list[str]:
    seen: set[str] = set()
    for name in names:
        if name.upper() in seen:  # GitHub's secret names ignore case
            raise ValueError(f"{name!r} is listed twice (secret names ignore case)")
        seen.add(name.upper())
    return names


class CISpec(StrictModel):
    """How the compiled GitHub Actions workflows run."""

    python: str = "3.11"
    """Python version for setup-python, quoted ("3.11")."""
    runs_on: RunsOn = "ubuntu-latest"
    """Runner label, or a list of self-hosted runner labels."""
    default_branch: str = "main"
    """The branch whose production.yaml files are deployed."""
    install: str = "pip install -e ."
    """Shell command that installs the project and mlgitops."""
    timeout_minutes: int = Field(default=60, ge=1, le=360)
    """Timeout of each job, in minutes."""
    reusable: Literal["same-repository", "local"] = "same-repository"
    """How the drift workflow calls its per-model workflow: `same-repository` writes
    `uses: $/.github/workflows/…` (GitHub's same-repository syntax; needs runner 2.336 or newer),
    `local` writes `uses: ./.github/workflows/…` for GitHub Enterprise Server and older
    self-hosted runners (zizmor then reports the `./` reference, which is expected)."""
    token_secret: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Name of a repository secret holding a GitHub App (or fine-grained) token for the promote
    and drift-issue jobs. Pull requests opened with the default GITHUB_TOKEN start no workflows;
    with this token they do."""
    secrets: Annotated[list[SecretName], AfterValidator(_distinct_secrets)] = Field(default=[])
    """Names of repository secrets (storage credentials) passed, by name, as environment
    variables to the jobs that read data: validate and run, drift, snapshot and retrain. Never
    to the promote, review or release jobs, and never as `secrets: inherit`."""

    @field_validator("python", mode="before")
    @classmethod
    def _quoted_version(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(
                f'write the version in quotes, like "{value}": unquoted, YAML reads it '
                "as a number (3.10 becomes 3.1)"
            )
        return value


class ColumnSpec(StrictModel):
    """One column of a dataset: its type and the values it may hold."""

    type: ColumnType
    """integer, number, string, category, boolean or datetime (ISO 8601 text in CSV, a timestamp
    column in Parquet; never a feature)."""
    min: float | None = None
    """Smallest allowed value (integer and number columns)."""
    max: float | None = None
    """Largest allowed value (integer and number columns)."""
    nullable: bool = False
    """Whether the column may have missing values."""
    values: list[str | int | bool] | None = Field(default=None, min_length=1)
    """The allowed values of a category column."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.type in ("string", "category", "boolean", "datetime") and (
            self.min is not None or self.max is not None
        ):
            raise ValueError(f"min/max apply to integer and number columns, not {self.type}")
        if self.type == "category" and self.values is None:
            raise ValueError("a category column needs 'values' (the allowed categories)")
        return self


class ChecksSpec(StrictModel):
    """Dataset-level data validation."""

    min_rows: int | None = Field(default=None, ge=0)
    """Fail when the data has fewer rows."""
    max_null_fraction: float | None = Field(default=None, ge=0.0, le=1.0)
    """Fail when any column has a larger share of missing values."""
    unique: list[str] = Field(default=[])
    """Columns whose values must be unique."""


class WindowSpec(StrictModel):
    """A stretch of the newest rows: {days: N} or {rows: N}."""

    days: int | None = Field(default=None, ge=1)
    """The rows newer than (newest timestamp - N days); needs the dataset's timestamp."""
    rows: int | None = Field(default=None, ge=1)
    """The newest N rows (by timestamp; in file order without one)."""

    @model_validator(mode="after")
    def _one_measure(self) -> Self:
        if (self.days is None) == (self.rows is None):
            raise ValueError("give exactly one of days: N or rows: N")
        return self


class WindowsSpec(StrictModel):
    """Which rows of a source a run trains on and drift compares, counted back from the newest
    timestamp in the source (not from the clock): the same files give the same windows."""

    train: WindowSpec | None = None
    """What a (re)train reads (default: every labelled row outside the label delay)."""
    current: WindowSpec | None = None
    """The newest rows: what drift compares with the reference profile."""
    label_delay: WindowSpec | None = None
    """The newest rows whose labels are not final yet: cut first, never trained or scored on."""


DataFormat = Literal["csv", "parquet"]


class DatasetSpec(StrictModel):
    """A dataset: one file in the repository (`path`) or a growing `source`, and its columns."""

    path: str | None = Field(default=None, min_length=1)
    """One data file (.csv or .parquet), relative to the repository root."""
    source: str | None = Field(default=None, min_length=1)
    """A file, a folder of partitions or a glob; a path relative to the repository root or any
    fsspec URL (s3://, gs://, az://, https://). Snapshotted into mlops.lock."""
    storage: dict[str, Any] = Field(default={})
    """fsspec storage options of the source (endpoint_url, region, ...); never credentials,
    which come from the environment."""
    format: DataFormat | None = None
    """csv or parquet (default: from the source's extension)."""
    target: str = Field(min_length=1)
    """The column models predict."""
    columns: dict[str, ColumnSpec] = Field(min_length=1)
    """Every column, with its type and bounds."""
    checks: ChecksSpec = ChecksSpec.model_construct()
    """Dataset-level checks (row count, missing values, uniqueness)."""
    current: str | None = None
    """Where fresh production data lands (a path or a glob), compared for drift."""
    timestamp: str | None = Field(default=None, min_length=1)
    """The column that orders rows in time (declared `type: datetime`; never a feature)."""
    windows: WindowsSpec | None = None
    """Rows of the source by time or count: train, current, label_delay (needs `source`)."""

    @field_validator("path")
    @classmethod
    def _extension(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().endswith((".csv", ".parquet")):
            raise ValueError(f"'{value}' must end in .csv or .parquet")
        return value

    @property
    def where(self) -> str:
        """The data as users name it: the path, or the source."""
        where = self.path or self.source
        assert where is not None  # load refuses a dataset with neither
        return where

    @property
    def data_format(self) -> DataFormat:
        """csv or parquet: declared, or from the extension (`.parquet` unless `.csv`)."""
        if self.format is not None:
            return self.format
        return "csv" if self.where.lower().rstrip("/").endswith(".csv") else "parquet"


class FeaturesSpec(StrictModel):
    """Which columns are features (default: every column but the target)."""

    include: list[str] | None = None
    """Use only these columns."""
    exclude: list[str] = Field(default=[])
    """Leave these columns out (identifiers, leaks)."""


class SplitTestSpec(StrictModel):
    """The newest stretch of time held out (split.by: time)."""

    days: int = Field(ge=1)
    """Rows newer than (newest timestamp - days) are the holdout."""


class SplitSpec(StrictModel):
    """The train/test split."""

    by: Literal["random", "time"] = "random"
    """random (seeded, optionally stratified) or time (the newest rows are the holdout; needs the
    dataset's timestamp)."""
    test_size: float = Field(default=0.2, gt=0.0, lt=1.0)
    """Share of rows held out for testing (split.by: random)."""
    test: SplitTestSpec | None = None
    """The holdout of a time split: {days: N}."""
    seed: int = Field(default=42, ge=0, le=2**32 - 1)
    """Random seed of the split (and of the bootstrap and permutation importance)."""
    stratify: bool = True
    """Keep class proportions in both parts (classification, split.by: random)."""

    @model_validator(mode="after")
    def _time_needs_test(self) -> Self:
        if self.by == "time" and self.test is None:
            raise ValueError("split.by: time needs test: {days: N}, the newest days held out")
        if self.by == "random" and self.test is not None:
            raise ValueError(
                "split.test applies to split.by: time; use test_size for a random split"
            )
        return self


class EvaluationSpec(StrictModel):
    """How the holdout is evaluated beyond the point metrics."""

    slices: list[str] = Field(default=[])
    """Columns whose values each get their own metrics (with row counts and intervals)."""
    min_slice_rows: int = Field(default=30, ge=1)
    """Smaller slices are reported as too small, never gated."""
    bootstrap: int = Field(default=1000, ge=0, le=100_000)
    """Seeded bootstrap resamples for confidence intervals (0: no intervals)."""
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)
    """Coverage of the intervals."""
    importance: bool = True
    """Permutation feature importance on the holdout (scored with onnxruntime)."""

    @field_validator("slices")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("slice columns are listed more than once")
        return value


class GateSpec(StrictModel):
    """Bounds a metric must meet, or the run fails and nothing is registered."""

    min: float | None = None
    """The metric must be at least this."""
    max: float | None = None
    """The metric must be at most this."""
    max_drop: float | None = Field(default=None, ge=0.0)
    """The metric may be at most this much worse than production's."""

    @model_validator(mode="after")
    def _some_bound(self) -> Self:
        if self.min is None and self.max is None and self.max_drop is None:
            raise ValueError("a gate needs at least one of min, max, max_drop")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class OnnxSpec(StrictModel):
    """ONNX conversion and its parity check against scikit-learn."""

    opset: int = Field(default=17, ge=9, le=21)
    """ONNX opset version."""
    tolerance: float = Field(default=1e-4, gt=0.0, le=1.0)
    """Largest allowed difference between ONNX and scikit-learn outputs."""


DriftTrigger = Literal["data", "prediction", "performance"]


class PerformanceSpec(StrictModel):
    """Production's quality on the labelled current rows against its own holdout metric."""

    metric: MetricName
    """The metric compared (one of the model's metrics)."""
    max_drop: float = Field(ge=0.0)
    """Performance drift when the metric is worse than production's holdout value by more."""


class DriftSpec(StrictModel):
    """Drift detection on the dataset's current data."""

    schedule: str | None = None
    """Cron schedule of the drift check (5 fields, UTC, at most every 5 minutes)."""
    method: Annotated[str, WithJsonSchema({"type": "string", "enum": list(DRIFT_METHOD_NAMES)})] = (
        "auto"
    )
    """Statistic per feature; auto picks one by column type."""
    threshold: float | None = Field(default=None, gt=0.0)
    """A feature drifts when its statistic passes this (default: the method's own)."""
    drift_share: float = Field(default=0.5, gt=0.0, le=1.0)
    """The dataset drifts when this share of features drift."""
    on_drift: OnDrift = "promote"
    """promote (retrain and open a pull request), issue, or fail."""
    triggers: list[DriftTrigger] = Field(default=["data"], min_length=1)
    """What counts as drift: data (features), prediction (the model's scores), performance
    (quality on labelled current rows; needs `performance`)."""
    performance: PerformanceSpec | None = None
    """Performance monitoring: {metric, max_drop}."""

    @model_validator(mode="after")
    def _performance_declared(self) -> Self:
        if len(set(self.triggers)) != len(self.triggers):
            raise ValueError("drift triggers are listed more than once")
        if "performance" in self.triggers and self.performance is None:
            raise ValueError(
                "the performance trigger needs performance: {metric: ..., max_drop: ...}"
            )
        return self

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        if value not in DRIFT_METHOD_NAMES:
            raise ValueError(
                f"unknown drift method '{value}'{suggest(value, DRIFT_METHOD_NAMES)}; "
                f"choose one of {', '.join(DRIFT_METHOD_NAMES)}"
            )
        return value


class PromotionSpec(StrictModel):
    """The promotion pull request."""

    reviewers: list[str] = Field(default=[])
    """GitHub users asked to review."""
    labels: list[str] = Field(default=[])
    """Labels put on the pull request."""


class NumericPreprocessSpec(StrictModel):
    """Preprocessing of integer and number columns."""

    impute: Literal["mean", "median", "most_frequent", "zero"] = "median"
    """How missing values are filled."""
    scale: Literal["standard", "minmax", "robust", "none"] = "standard"
    """How values are scaled."""


class CategoricalPreprocessSpec(StrictModel):
    """Preprocessing of string, category and boolean columns."""

    impute: Literal["most_frequent", "missing"] = "most_frequent"
    """How missing values are filled."""
    encode: Literal["onehot", "ordinal"] = "onehot"
    """How categories become numbers."""


class PreprocessSpec(StrictModel):
    """Preprocessing before the estimator."""

    numeric: NumericPreprocessSpec = NumericPreprocessSpec.model_construct()
    """Integer and number columns."""
    categorical: CategoricalPreprocessSpec = CategoricalPreprocessSpec.model_construct()
    """String, category and boolean columns."""


class EstimatorSpec(StrictModel):
    """A scikit-learn estimator, by import path, and its parameters."""

    # Code may build it by field name; files must say `class` (load.py validates with by_name=False).
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    class_path: str = Field(alias="class", min_length=1)
    """Import path of the class, e.g. sklearn.ensemble.RandomForestClassifier."""
    params: dict[str, Any] = Field(default={})
    """Constructor parameters, checked against the estimator's own."""


class PipelineSpec(StrictModel):
    """A pipeline file (or the inline form inside a model)."""

    preprocess: PreprocessSpec = PreprocessSpec.model_construct()
    """Preprocessing before the estimator."""
    estimator: EstimatorSpec
    """The estimator that is trained."""


TuningStrategy = Literal["grid", "random", "halving", "tpe"]
TuningBackend = Literal["local", "dask"]


class FloatRangeSpec(StrictModel):
    """A float parameter drawn from [low, high]."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    bounds: tuple[float, float] = Field(alias="float")
    """[low, high], both included."""
    log: bool = False
    """Draw on a log scale (low must be above 0)."""
    step: float | None = Field(default=None, gt=0.0)
    """Only multiples of step above low (needed by the grid strategy)."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _check_range(self.bounds, self.log, self.step)
        return self


class IntRangeSpec(StrictModel):
    """An integer parameter drawn from [low, high]."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    bounds: tuple[int, int] = Field(alias="int")
    """[low, high], both included."""
    log: bool = False
    """Draw on a log scale (low must be above 0)."""
    step: int = Field(default=1, ge=1)
    """Only low, low + step, ... up to high."""

    @field_validator("bounds", mode="before")
    @classmethod
    def _whole(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and any(
            isinstance(v, float) and not v.is_integer() for v in value
        ):
            raise ValueError("int bounds must be whole numbers; use float: for a real range")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _check_range(self.bounds, self.log, self.step if self.step != 1 else None)
        return self


class ChoiceSpec(StrictModel):
    """A parameter taking one of listed values."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    values: list[str | int | float | bool | None] = Field(alias="choice", min_length=1)
    """The values to try."""


def _check_range(bounds: tuple[float, float], log: bool, step: float | None) -> None:
    low, high = bounds
    if low > high:
        raise ValueError(f"low ({low}) is greater than high ({high})")
    if log and low <= 0:
        raise ValueError(f"a log range needs low above 0, not {low}")
    if log and step is not None:
        raise ValueError("give either log or step, not both")


def _space_kind(value: Any) -> str | None:
    """Which form a space entry takes, by its one key among float, int and choice."""
    if isinstance(value, BaseModel):
        return {FloatRangeSpec: "float", IntRangeSpec: "int", ChoiceSpec: "choice"}.get(type(value))
    if isinstance(value, dict):
        kinds = [k for k in ("float", "int", "choice") if k in value]
        return kinds[0] if len(kinds) == 1 else None
    return None


SpaceParamSpec = Annotated[
    Annotated[FloatRangeSpec, Tag("float")]
    | Annotated[IntRangeSpec, Tag("int")]
    | Annotated[ChoiceSpec, Tag("choice")],
    Discriminator(
        _space_kind,
        custom_error_type="space_kind",
        custom_error_message=(
            "give exactly one of float: [low, high], int: [low, high] or choice: [values]"
        ),
    ),
]


class TuningSpec(StrictModel):
    """A hyperparameter search; the best parameters are trained and recorded."""

    strategy: TuningStrategy = "random"
    """grid, random, halving (scikit-learn's searches) or tpe (Optuna, seeded)."""
    metric: MetricName
    """The metric to optimise (one of the model's metrics; its direction is known)."""
    trials: int = Field(default=20, ge=1, le=10_000)
    """How many parameter sets to try (grid: at most this many grid points)."""
    timeout_minutes: float | None = Field(default=None, gt=0.0, le=24 * 60)
    """Stop starting new trials after this long (recorded and warned: it breaks determinism)."""
    cv: int = Field(default=5, ge=2, le=50)
    """Cross-validation folds (stratified for classification; ordered by time with a timestamp)."""
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    """Seed of the sampler and the folds: the same commit gives the same trials."""
    n_jobs: int = Field(default=1, ge=1, le=256)
    """Fits run at once on this machine (scikit-learn strategies; tpe stays sequential)."""
    backend: TuningBackend = "local"
    """local (joblib processes) or dask (an existing dask.distributed cluster)."""
    scheduler: str | None = Field(default=None, min_length=1)
    """Address of the Dask scheduler (tcp://host:8786) for backend: dask."""
    space: dict[str, SpaceParamSpec] = Field(min_length=1)
    """Estimator parameters to search, each a float or int range or a choice list."""


class ModelSpec(StrictModel):
    """A model: what it learns from, how it is trained, and what it must meet."""

    dataset: str
    """Name of the dataset it trains on."""
    task: Task
    """classification or regression."""
    positive_class: str | int | bool | None = None
    """Binary classification: the class recall, precision, f1 and roc_auc are about (required
    unless the target is boolean or holds 0/1)."""
    features: FeaturesSpec = FeaturesSpec.model_construct()
    """Which columns are features."""
    pipeline: str | None = None
    """A pipeline file (relative to the repository root); or give estimator inline."""
    preprocess: PreprocessSpec | None = None
    """Inline preprocessing (without a pipeline file)."""
    estimator: EstimatorSpec | None = None
    """Inline estimator (without a pipeline file)."""
    split: SplitSpec = SplitSpec.model_construct()
    """The train/test split."""
    metrics: list[MetricName] = Field(default=[])
    """Metrics computed on the test split."""
    gates: dict[str, GateSpec] = Field(
        default={},
        json_schema_extra={"propertyNames": {"enum": list(METRIC_NAMES)}},
    )
    """Bounds per metric (the metric must be listed in metrics)."""
    evaluation: EvaluationSpec = EvaluationSpec.model_construct()
    """Intervals, slices, diagnostics and the comparison with production."""
    onnx: OnnxSpec = OnnxSpec.model_construct()
    """ONNX conversion and parity check."""
    policies: list[str] = Field(default=[])
    """Policy files (relative to the repository root) evaluated on every candidate."""
    drift: DriftSpec | None = None
    """Drift detection; without it the model is not watched."""
    promotion: PromotionSpec = PromotionSpec.model_construct()
    """The promotion pull request."""
    runs_on: RunsOn | None = None
    """Runner label(s) for this model's jobs (default: ci.runs_on)."""
    tuning: TuningSpec | None = None
    """Hyperparameter search before training; without it the declared params are trained."""

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("metrics are listed more than once")
        return value

    @model_validator(mode="after")
    def _one_pipeline(self) -> Self:
        if self.pipeline is None and self.estimator is None:
            raise ValueError("give either 'pipeline' (a pipeline file) or an inline 'estimator'")
        if self.pipeline is not None and (
            self.estimator is not None or self.preprocess is not None
        ):
            raise ValueError("give either 'pipeline' or inline 'estimator'/'preprocess', not both")
        return self


class Spec(StrictModel):
    """mlops.yaml: the datasets, models, gates, policies and drift rules of a repository."""

    version: Literal[1]
    """Format version of this file: 1."""
    project: str = Field(min_length=1)
    """Name of the project."""
    ci: CISpec = CISpec.model_construct()
    """How the compiled workflows run."""
    allow_packages: list[str] = Field(default=[])
    """Top-level packages besides sklearn whose estimators may be named."""
    datasets: dict[str, DatasetSpec] = Field(
        min_length=1, json_schema_extra=_names_schema("Datasets")
    )
    """Datasets by name."""
    models: dict[str, ModelSpec] = Field(min_length=1, json_schema_extra=_names_schema("Models"))
    """Models by name."""


# --- policy files ---------------------------------------------------------------


class RuleSpec(StrictModel):
    """One rule: a CEL expression over the candidate's evidence that must be true."""

    name: str = Field(min_length=1)
    """Unique name of the rule in its file."""
    rule: str = Field(min_length=1)
    """CEL expression over candidate, production and model."""
    severity: Severity = "error"
    """error blocks the candidate; warning is reported only."""
    description: str | None = None
    """Why the rule exists."""


class WaiverSpec(StrictModel):
    """A time-limited exception to one rule for one model."""

    rule: str
    """Name of the waived rule."""
    model: str
    """Name of the model it applies to."""
    until: dt.date
    """Last day the waiver holds (YYYY-MM-DD)."""
    reason: str = Field(min_length=1)
    """Why the rule is waived."""


class PolicyFileSpec(StrictModel):
    """A policy file: rules over the evidence of a candidate, and waivers."""

    policy: str = Field(min_length=1)
    """Name of the policy."""
    rules: list[RuleSpec] = Field(min_length=1)
    """The rules."""
    waivers: list[WaiverSpec] = Field(default=[])
    """Time-limited exceptions."""
