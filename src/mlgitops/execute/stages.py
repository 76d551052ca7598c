"""The stages of a model's run, each a function from typed inputs to a typed result.

validate-data → train → convert → evaluate → test → policy → register; `STAGES` is the
table the driver (`driver.py`) walks, in the plan's order. Each function
takes what it reads as arguments and returns its result (`results.py`), or
raises `StageFailedError` with the problems and, for reports, what it found.

Adding a stage:
1. a result type in `results.py` (a `StageResult` subclass);
2. a function here from typed inputs to that result;
3. its name in `plan.StageName` and a key function in `plan._KEYS`
   covering exactly what the function reads;
4. a `Stage(...)` row in `STAGES`, binding the function to the context
   (`StageContext.get(SomeResult)` gives an earlier stage's typed result).
The driver then caches, times and reports it, and `run --dry`, `status` and
CI planning see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import BadInputError
from ..evidence import CandidateEvidence, MetricComparison
from ..lock import LockEntry
from ..plan import ModelPlan, StageName
from ..registry import Registry, VersionRef
from ..spec import Project
from ..spec.models import DatasetSpec, GateSpec, ModelSpec, OnnxSpec, PipelineSpec
from .results import (
    ConvertResult,
    DataResult,
    EvaluateResult,
    GatesResult,
    PolicyResult,
    RegisterResult,
    StageResult,
    TrainingResult,
    TuneResult,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..commands import Annotation
    from ..lock import Lockfile
    from ..train.fit import TrainResult

R = TypeVar("R", bound=StageResult)


class StageFailedError(Exception):
    """A stage ran and its check failed: not registered, later stages skipped."""

    def __init__(
        self,
        problems: list[str],
        detail: str,
        *,
        found: StageResult | None = None,  # what the stage measured, for the run record
        markdown: str = "",
        annotations: list[Annotation] | None = None,
    ) -> None:
        super().__init__(detail)
        self.problems = problems
        self.detail = detail
        self.found = found
        self.markdown = markdown
        self.annotations = annotations or []


@dataclass(frozen=True)
class RunOptions:
    register: bool = True
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())
    git_commit: str | None = None
    dirty_inputs: Mapping[str, list[str]] = field(default_factory=dict)  # model -> paths
    lock: Lockfile | None = None  # mlops.lock: what each dataset with a source trains on
    lock_sha256: str | None = None


# --- the stage functions ------------------------------------------------------------------


def read_data(
    project: Project,
    dataset: DatasetSpec,
    *,
    as_text: bool = False,
    entry: LockEntry | None = None,
) -> pd.DataFrame:
    """The dataset's file; a CSV's declared numbers and booleans are parsed while it is read
    (much cheaper than from text) unless `as_text`. A source reads its locked train window
    (`entry`): the labelled rows of exactly the locked files, their digests verified."""
    if dataset.path is None:
        from ..data.snapshot import locked_frame

        if entry is None:
            raise BadInputError(
                f"source '{dataset.where}' has no entry in mlops.lock",
                hint="run `mlgitops snapshot` and commit mlops.lock",
            )
        return locked_frame(entry, dataset, project.root)
    from ..data.read import read_table

    columns = None if as_text else dataset.columns
    return read_table(project.path(dataset.path), dataset.path, columns)


def validate_data(frame: pd.DataFrame, dataset: DatasetSpec, data_sha256: str) -> DataResult:
    from ..data.validate import validate_frame

    report = validate_frame(frame, dataset, file=dataset.where)
    result = DataResult(data=report.to_evidence(dataset.where, data_sha256))
    if not report.passed:
        raise StageFailedError(
            [_data_problem(report, f) for f in report.failures],
            f"{len(result.data.failures)} check(s) failed",
            found=result,
            markdown=report.to_markdown(),
            annotations=list(report.to_annotations()),
        )
    return result


def _data_problem(report: Any, failure: Any) -> str:
    where = f"column {failure.column}" if failure.column else "dataset"
    rows = f" on {failure.failing_rows:,} rows" if failure.failing_rows else ""
    examples = ", ".join(f"{report.location(e.row)}: {e.value!r}" for e in failure.examples[:3])
    return (
        f"{report.file}: {where}: {failure.check} failed{rows}"
        + (f" (e.g. {examples})" if examples else "")
        + (f"; {failure.message}")
    )


def tune(
    frame: pd.DataFrame, dataset: DatasetSpec, model: ModelSpec, pipeline: PipelineSpec
) -> TuneResult:
    """Search the declared space by cross-validation on the training rows only."""
    from ..train.fit import prepare_training
    from ..tune.search import SearchInputs, run_search

    assert model.tuning is not None  # skipped otherwise
    prepared = prepare_training(frame, dataset, model, pipeline)
    import numpy as np

    # with a timestamp, folds go forward in time: no fold is scored on rows older than it saw
    order = None
    if prepared.train_times is not None:
        order = np.argsort(prepared.train_times, kind="stable")
    positive = None
    if model.task == "classification":  # the class training's metrics are about
        from ..evaluate.positive import resolve_positive

        classes = [str(c) for c in np.unique(prepared.y_train)]
        kind = dataset.columns[dataset.target].type
        positive = resolve_positive(model.positive_class, kind, classes, target=dataset.target)
    inputs = SearchInputs(
        model.tuning,
        model.task,
        prepared.pipeline,
        prepared.X_train,
        prepared.y_train,
        order,
        positive,
    )
    return TuneResult(tuning=run_search(inputs))


def train(
    frame: pd.DataFrame,
    dataset: DatasetSpec,
    model: ModelSpec,
    project: Project,
    name: str,
    tuned: TuneResult | None = None,
) -> tuple[TrainingResult, TrainResult]:
    """Fit the model (with the search's best params when tuned); returns the cacheable
    result and the fitted pipeline (memory only)."""
    from ..drift.profile import build_profile, prediction_scores
    from ..train.fit import train_model, training_evidence

    best = dict(tuned.tuning.best_params) if tuned is not None else None
    trained = train_model(frame, dataset, model, project.pipelines[name], params_override=best)
    profile = build_profile(
        trained.X_train,
        list(trained.numeric),
        list(trained.categorical),
        prediction_scores(trained.y_pred, trained.proba, model.task),
        model.task,
    )
    from ..evaluate.record import holdout_bytes, predictions_bytes

    result = TrainingResult(
        metrics={k: float(v) for k, v in trained.metrics.items()},
        training=training_evidence(trained),
        features=list(trained.features),
        profile=profile.to_json_bytes(),
        holdout=holdout_bytes(frame.loc[trained.X_test.index]),
        predictions=predictions_bytes(trained.y_pred, trained.proba, trained.classes),
        positive_class=trained.positive,
    )
    return result, trained


def evaluate(
    project: Project,
    name: str,
    training: TrainingResult,
    candidate_onnx: bytes,
    production_ref: VersionRef | None,
    registry: Registry,
) -> EvaluateResult:
    """Intervals, production re-scored on the same rows, slices and diagnostics."""
    from ..errors import MlgitopsError
    from ..evaluate.record import evaluate_candidate

    production_onnx = None
    if production_ref is not None:
        try:
            production_onnx = registry.read_artifact(production_ref, "model.onnx")
        except (FileNotFoundError, MlgitopsError):
            production_onnx = None  # the evaluation notes that production was not compared
    model = project.spec.models[name]
    record, plots = evaluate_candidate(
        project.root,
        project.spec.datasets[model.dataset],
        model,
        training.training,
        list(training.features),
        list(training.metrics),
        training.positive_class,
        training.holdout,
        training.predictions,
        candidate_onnx,
        production_onnx,
        production_ref.version if production_ref is not None else None,
    )
    return EvaluateResult(record=record, plots=plots)


def check_gates(
    gates: Mapping[str, GateSpec],
    metrics: Mapping[str, float],
    production: CandidateEvidence | None,
    comparison: Mapping[str, MetricComparison] | None = None,
) -> GatesResult:
    """Bounds on the holdout metrics; max_drop on the paired comparison with production."""
    from ..train.gates import evaluate_gates

    report = evaluate_gates(
        dict(gates), dict(metrics), production.metrics if production else None, comparison
    )
    result = GatesResult(gates=list(report.results))
    failed = [g for g in report.results if g.status == "failed"]
    if failed:
        raise StageFailedError(
            [g.message for g in failed],
            f"{len(failed)} gate(s) failed",
            found=result,
            markdown=report.to_markdown(),
        )
    return result


def convert(fitted: TrainResult, onnx: OnnxSpec, dataset: DatasetSpec) -> ConvertResult:
    from ..onnx.convert import convert as to_onnx
    from ..onnx.evidence import onnx_evidence
    from ..serve.replay import record_replay

    model_onnx = to_onnx(fitted, onnx.opset)
    evidence, parity = onnx_evidence(model_onnx, fitted, opset=onnx.opset, tolerance=onnx.tolerance)
    # rows the release replays through the server; recorded here, where the fitted pipeline is
    replay = record_replay(fitted, dataset, onnx.tolerance).to_json_bytes()
    result = ConvertResult(model_onnx=model_onnx, onnx=evidence, replay=replay)
    if not evidence.passed:
        raise StageFailedError(
            [parity.message], "ONNX parity failed", found=result, markdown=parity.to_markdown()
        )
    return result


def evaluate_policy(
    project: Project,
    name: str,
    evidence: CandidateEvidence,
    production: CandidateEvidence | None,
    today: dt.date,
) -> PolicyResult:
    from ..policy.evaluate import evaluate_policies
    from ..policy.report import PolicyRecord

    report = evaluate_policies(project, name, evidence, production, today)
    result = PolicyResult(report=PolicyRecord.of(report))
    if not report.passed:
        failed = report.blocking()
        problems = [
            f"policy rule {r.rule} ({r.file}): {r.status}: {r.message}" for r in failed
        ] or [report.headline()]
        raise StageFailedError(
            problems, f"{len(failed)} rule(s) failed", found=result, markdown=report.to_markdown()
        )
    return result


def register(registry: Registry, model: str, artifacts: Mapping[str, bytes]) -> RegisterResult:
    ref = registry.register(model, artifacts)
    return RegisterResult(version=ref.version, registered="new")


def registered_version(
    registry: Registry, plan: ModelPlan, convert: ConvertResult | None
) -> RegisterResult | None:
    """The registered version holding this candidate's model, if there is one."""
    found = registry.find_same_model(
        plan.model, plan.cache_key, convert.onnx.sha256 if convert else None
    )
    return None if found is None else RegisterResult(version=found.version, registered="existing")


# --- the context the table binds stage functions to ---------------------------------------


@dataclass
class StageContext:
    """One model's run: its inputs and the results of the stages so far."""

    project: Project
    plan: ModelPlan
    registry: Registry
    options: RunOptions
    production_ref: VersionRef | None
    production: CandidateEvidence | None
    results: dict[StageName, StageResult] = field(default_factory=dict)
    fitted: TrainResult | None = None  # the trained pipeline, when train ran in this process
    _frame: pd.DataFrame | None = None
    _raw: pd.DataFrame | None = None

    @property
    def model(self) -> ModelSpec:
        return self.project.spec.models[self.plan.model]

    @property
    def dataset(self) -> DatasetSpec:
        return self.project.spec.datasets[self.plan.dataset]

    def get(self, kind: type[R]) -> R:
        for result in self.results.values():
            if isinstance(result, kind):
                return result
        raise LookupError(f"no {kind.__name__} yet: the stage table is out of order")

    def find(self, kind: type[R]) -> R | None:
        return next((r for r in self.results.values() if isinstance(r, kind)), None)

    @property
    def lock_entry(self) -> LockEntry | None:
        """The dataset's entry in mlops.lock (a dataset with a source)."""
        lock = self.options.lock
        return lock.datasets.get(self.plan.dataset) if lock is not None else None

    def raw_frame(self) -> pd.DataFrame:
        if self._raw is None:
            self._raw = read_data(self.project, self.dataset, entry=self.lock_entry)
        return self._raw

    def frame(self) -> pd.DataFrame:
        """The dataset validated types applied, read once per run."""
        if self._frame is None:
            from ..data.validate import coerce_frame

            self._frame = coerce_frame(self.raw_frame(), self.dataset)
        return self._frame

    def evidence(self) -> CandidateEvidence:
        from .candidate import candidate_evidence

        return candidate_evidence(self)


def _run_validate(ctx: StageContext) -> DataResult:
    from ..data.validate import parsed_while_read

    frame = ctx.raw_frame()
    try:
        return validate_data(frame, ctx.dataset, ctx.plan.data_sha256)
    except StageFailedError:
        if not parsed_while_read(frame, ctx.dataset):
            raise
    # read again as text, so the report shows the failing cells as written ('NA', not a blank)
    if ctx.dataset.path is None:
        raise  # a source's CSV cells are read as text already
    as_text = read_data(ctx.project, ctx.dataset, as_text=True)
    return validate_data(as_text, ctx.dataset, ctx.plan.data_sha256)


def _run_tune(ctx: StageContext) -> TuneResult:
    return tune(ctx.frame(), ctx.dataset, ctx.model, ctx.project.pipelines[ctx.plan.model])


def _skip_tune(ctx: StageContext) -> str | None:
    return None if ctx.model.tuning is not None else "no tuning"


def _run_train(ctx: StageContext) -> TrainingResult:
    result, ctx.fitted = train(
        ctx.frame(), ctx.dataset, ctx.model, ctx.project, ctx.plan.model, ctx.find(TuneResult)
    )
    return result


def _run_evaluate(ctx: StageContext) -> EvaluateResult:
    return evaluate(
        ctx.project,
        ctx.plan.model,
        ctx.get(TrainingResult),
        ctx.get(ConvertResult).model_onnx,
        ctx.production_ref,
        ctx.registry,
    )


def _run_test(ctx: StageContext) -> GatesResult:
    return check_gates(
        ctx.model.gates,
        ctx.get(TrainingResult).metrics,
        ctx.production,
        ctx.get(EvaluateResult).record.comparison,
    )


def _run_convert(ctx: StageContext) -> ConvertResult:
    assert ctx.fitted is not None  # the driver runs train first (Stage.needs_fitted)
    return convert(ctx.fitted, ctx.model.onnx, ctx.dataset)


def _run_policy(ctx: StageContext) -> PolicyResult:
    return evaluate_policy(
        ctx.project, ctx.plan.model, ctx.evidence(), ctx.production, ctx.options.today
    )


def _run_register(ctx: StageContext) -> RegisterResult:
    from .candidate import candidate_files

    return register(ctx.registry, ctx.plan.model, candidate_files(ctx))


def _skip_policy(ctx: StageContext) -> str | None:
    return None if ctx.model.policies else "no policy files"


def _skip_register(ctx: StageContext) -> str | None:
    return None if ctx.options.register else "--no-register"


@dataclass(frozen=True)
class Stage:
    name: StageName
    result: type[StageResult]
    run: Callable[[StageContext], StageResult]
    # skipped (not failed) when this says why, e.g. a model with no policy files
    skip: Callable[[StageContext], str | None] = lambda ctx: None
    # needs the fitted pipeline, which is never cached: train runs again when this must run
    needs_fitted: bool = False
    # False: the registry, not the stage cache, says whether it is done
    cached_in_stage_cache: bool = True


STAGES: tuple[Stage, ...] = (
    Stage("validate-data", DataResult, _run_validate),
    Stage("tune", TuneResult, _run_tune, skip=_skip_tune),
    Stage("train", TrainingResult, _run_train),
    Stage("convert", ConvertResult, _run_convert, needs_fitted=True),
    Stage("evaluate", EvaluateResult, _run_evaluate),
    Stage("test", GatesResult, _run_test),
    Stage("policy", PolicyResult, _run_policy, skip=_skip_policy),
    Stage(
        "register", RegisterResult, _run_register, skip=_skip_register, cached_in_stage_cache=False
    ),
)
