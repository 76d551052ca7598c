"""The driver: walk a model's planned stages, owning caching, timing, progress and the candidate.

`lookup` is the one answer to "is this stage done already?" (stage cache, or
for `register` the registry); `run --dry`, `status` and the run itself ask
it. A stage runs when its lookup misses; train also runs again when convert
must run (a fitted pipeline is never cached). A stage that fails stops the
model: the rest are skipped and nothing is registered. The workspace
candidate (`.mlgitops/candidates/<model>/`) is replaced at the end, with the
artifacts whenever the candidate got as far as its policies.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import atomic
from ..plan import STAGE_NAMES, ModelPlan, StageName, library_versions, plan_inputs, plan_model
from ..progress import NullReporter, ProgressTask, Reporter
from ..registry import Registry
from ..spec import Project
from ..workspace import cache_dir, drift_report_path, write_candidate
from .cache import StageCache
from .results import (
    ConvertResult,
    DataResult,
    EvaluateResult,
    GatesResult,
    PolicyResult,
    RegisterResult,
    RunRecord,
    StageRecord,
    StageResult,
    TrainingResult,
)
from .stages import STAGES, RunOptions, Stage, StageContext, StageFailedError, registered_version

if TYPE_CHECKING:
    from ..commands import Annotation
    from ..lock import Lockfile

assert tuple(s.name for s in STAGES) == STAGE_NAMES  # the table follows the plan's order


@dataclass
class ModelRun:
    """A model's run: the record persisted as result.json, and what only this run shows."""

    record: RunRecord
    markdown: str = ""  # reports of failed checks, for the step summary
    annotations: list[Annotation] = field(default_factory=list)
    evaluation_markdown: str = ""  # comparison, intervals, slices, diagnostics (step summary)

    @property
    def passed(self) -> bool:
        return self.record.passed


def current_digest(project: Project, current: str | None) -> str | None:
    """One digest over the current data files (their labelled rows feed the evaluate stage)."""
    if current is None:
        return None
    from ..data.stream import resolve_files
    from ..errors import MlgitopsError
    from ..plan import digest

    try:
        files = resolve_files(current, project.root)
    except MlgitopsError:
        return None
    return digest([(display, atomic.sha256_file(path)) for path, display in files])


def data_digest(project: Project, dataset_name: str, lock: Lockfile | None) -> str:
    """What the data-reading stages are keyed by: the file's sha256, or for a source the
    digest of its lock entry (so a re-snapshot that changes files retrains)."""
    from ..lock import entry_digest
    from ..plan import digest

    dataset = project.spec.datasets[dataset_name]
    if dataset.path is not None:
        return atomic.sha256_file(project.path(dataset.path))
    entry = lock.datasets.get(dataset_name) if lock is not None else None
    return entry_digest(entry) if entry is not None else digest("not locked", dataset.source)


def plan_models(
    project: Project, names: list[str], registry: Registry, today: dt.date
) -> list[ModelPlan]:
    """Plan each model, hashing every data file once."""
    from ..lock import read_lock

    lock = read_lock(project.root)
    data_digests: dict[str, str] = {}
    versions = library_versions()
    plans = []
    for name in names:
        dataset_name = project.spec.models[name].dataset
        dataset = project.spec.datasets[dataset_name]
        if dataset_name not in data_digests:
            data_digests[dataset_name] = data_digest(project, dataset_name, lock)
        pointer = registry.production(name)
        drift_report = drift_report_path(project.root, name)
        inputs = plan_inputs(
            project,
            name,
            data_digests[dataset_name],
            production_sha256=pointer.sha256 if pointer else None,
            drift_sha256=atomic.sha256_file(drift_report) if drift_report.is_file() else None,
            today=today,
            versions=versions,
            current_sha256=current_digest(project, dataset.current),
        )
        plans.append(plan_model(project, name, inputs))
    return plans


def lookup(
    stage: Stage,
    plan: ModelPlan,
    cache: StageCache,
    registry: Registry,
    results: Mapping[StageName, StageResult],
) -> StageResult | None:
    """The stage's result if it is done already: from the stage cache, or the registry."""
    if stage.cached_in_stage_cache:
        return cache.get(stage.name, plan.key(stage.name), stage.result)
    convert = results.get("convert")
    return registered_version(
        registry, plan, convert if isinstance(convert, ConvertResult) else None
    )


def done_stages(
    plan: ModelPlan, cache: StageCache, registry: Registry
) -> dict[StageName, StageResult]:
    """The results of the plan's stages that are done already, by stage."""
    found: dict[StageName, StageResult] = {}
    for stage in STAGES:
        result = lookup(stage, plan, cache, registry, found)
        if result is not None:
            found[stage.name] = result
    return found


def cached_stages(plan: ModelPlan, cache: StageCache, registry: Registry) -> dict[StageName, bool]:
    """Which of the plan's stages are done already (what `run --dry` and `status` show)."""
    found = done_stages(plan, cache, registry)
    return {stage.name: stage.name in found for stage in STAGES}


def run_models(
    project: Project,
    names: list[str],
    *,
    today: dt.date,
    use_cache: bool = True,
    register: bool = True,
    reporter: Reporter | None = None,
    environ: Mapping[str, str] | None = None,
    dirty_inputs: Mapping[str, list[str]] | None = None,
) -> list[ModelRun]:
    """`dirty_inputs`: per model, its inputs that differ from HEAD (recorded in lineage)."""
    registry = Registry(project.root)
    cache = StageCache(cache_dir(project.root), enabled=use_cache)
    from ..lock import lock_digest, read_lock

    options = RunOptions(
        register=register,
        today=today,
        git_commit=_git_commit(project.root, environ or {}),
        dirty_inputs=dirty_inputs or {},
        lock=read_lock(project.root),
        lock_sha256=lock_digest(project.root),
    )
    return [
        run_model(project, plan, cache, registry, options, reporter or NullReporter())
        for plan in plan_models(project, names, registry, today)
    ]


def _git_commit(root: Path, environ: Mapping[str, str]) -> str | None:
    """HEAD at `root`, or None outside git (lineage only)."""
    from ..git import Git

    return Git(root, environ).head_commit()


def run_model(
    project: Project,
    plan: ModelPlan,
    cache: StageCache,
    registry: Registry,
    options: RunOptions,
    reporter: Reporter,
) -> ModelRun:
    started = time.perf_counter()
    production_ref = registry.production_ref(plan.model)
    ctx = StageContext(
        project=project,
        plan=plan,
        registry=registry,
        options=options,
        production_ref=production_ref,
        production=registry.evidence(production_ref) if production_ref else None,
    )
    progress = reporter.task(f"{plan.model}: starting", total=len(STAGES))
    found = done_stages(plan, cache, registry)
    must_run = _must_run(found)
    records: list[StageRecord] = []
    failure: tuple[StageName, StageFailedError] | None = None
    for stage in STAGES:
        if failure is not None:
            records.append(
                StageRecord(name=stage.name, status="skipped", detail=f"{failure[0]} failed")
            )
            continue
        result = found.get(stage.name) if stage.name not in must_run else None
        if result is None and stage.name in must_run and not stage.cached_in_stage_cache:
            result = lookup(stage, plan, cache, registry, ctx.results)  # after this run's results
        if result is not None:
            ctx.results[stage.name] = result
            records.append(StageRecord(name=stage.name, status="cached", detail=result.summary()))
            progress.advance()
            continue
        reason = stage.skip(ctx)
        if reason is not None:
            records.append(StageRecord(name=stage.name, status="skipped", detail=reason))
            progress.advance()
            continue
        record, failed = _run_stage(stage, ctx, cache, progress)
        records.append(record)
        if failed is not None:
            failure = (stage.name, failed)
    return _finish(ctx, records, failure, time.perf_counter() - started)


def _must_run(found: Mapping[StageName, StageResult]) -> set[StageName]:
    """Stages not done yet, and train when one of them needs the fitted pipeline (never cached)."""
    must = {stage.name for stage in STAGES if stage.name not in found}
    if any(stage.needs_fitted and stage.name in must for stage in STAGES):
        must.add("train")
    return must


def _run_stage(
    stage: Stage, ctx: StageContext, cache: StageCache, progress: ProgressTask
) -> tuple[StageRecord, StageFailedError | None]:
    progress.describe(f"{ctx.plan.model}: {stage.name}")
    started = time.perf_counter()
    try:
        result = stage.run(ctx)
    except StageFailedError as failed:
        if failed.found is not None:
            ctx.results[stage.name] = failed.found  # shown in the record, never cached
        progress.advance()
        seconds = round(time.perf_counter() - started, 3)
        return StageRecord(
            name=stage.name, status="failed", seconds=seconds, detail=failed.detail
        ), failed
    ctx.results[stage.name] = result
    if stage.cached_in_stage_cache:
        cache.put(stage.name, ctx.plan.key(stage.name), result)
    progress.advance()
    seconds = round(time.perf_counter() - started, 3)
    return StageRecord(
        name=stage.name, status="ran", seconds=seconds, detail=result.summary()
    ), None


# stages a candidate must pass before it has artifacts worth keeping in the workspace
_ARTIFACTS_AFTER: tuple[StageName, ...] = (
    "validate-data",
    "train",
    "convert",
    "evaluate",
    "test",
)


def _finish(
    ctx: StageContext,
    stages: list[StageRecord],
    failure: tuple[StageName, StageFailedError] | None,
    seconds: float,
) -> ModelRun:
    from .candidate import candidate_files  # renders the card: Jinja2 only when needed

    failed_stage = None if failure is None else failure[0]
    training = ctx.find(TrainingResult)
    gates = ctx.find(GatesResult)
    convert = ctx.find(ConvertResult)
    data = ctx.find(DataResult)
    policy = ctx.find(PolicyResult)
    registered = ctx.find(RegisterResult)
    record = RunRecord(
        model=ctx.plan.model,
        task=ctx.model.task,
        passed=failure is None,
        failed_stage=failed_stage,
        stages=stages,
        metrics=training.metrics if training else {},
        gates=gates.gates if gates else [],
        onnx=convert.onnx if convert else None,
        data=data.data if data else None,
        policy=policy.report if policy else None,
        version=registered.version if registered else None,
        registered=registered.registered if registered else None,
        seconds=round(seconds, 3),
        problems=[] if failure is None else failure[1].problems,
    )
    keep = failed_stage is None or failed_stage not in _ARTIFACTS_AFTER
    write_candidate(ctx.project.root, record, candidate_files(ctx) if keep else {})
    evaluation = ""
    evaluated = ctx.find(EvaluateResult)
    if evaluated is not None and training is not None:
        from ..evaluate.markdown import RunEvaluation, step_summary

        evaluation = step_summary(
            RunEvaluation(evaluated.record, training.metrics, training.positive_class)
        )
    if failure is None:
        return ModelRun(record, evaluation_markdown=evaluation)
    return ModelRun(record, failure[1].markdown, failure[1].annotations, evaluation)
