"""Run one model through validate-data → train → test → convert → policy → register.

Each stage is keyed by the content of its inputs (see `plan.py`). Stage
outputs are data (JSON, ONNX bytes) in the stage cache; a fitted scikit-learn
object lives only in memory, so when conversion must run again, training does
too. A candidate that fails any stage is never registered; the workspace copy
of the candidate (`.mlgitops/candidates/<model>/`) is replaced atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import atomic
from ..evidence import (
    CandidateEvidence,
    DataEvidence,
    DriftEvidence,
    GateResult,
    LineageEvidence,
    OnnxEvidence,
    TrainingEvidence,
)
from ..plan import ModelPlan
from ..progress import NullReporter, Reporter
from ..registry import Registry
from ..spec import Project
from ..workspace import candidate_dir, drift_report_path
from .cache import StageCache
from .card import render_card
from .results import ModelRunResult, StageResult


@dataclass(frozen=True)
class RunOptions:
    register: bool = True
    today: dt.date | None = None
    git_commit: str | None = None


@dataclass
class _Artifacts:
    """What a candidate is made of, as bytes or JSON-ready values."""

    data: DataEvidence | None = None
    metrics: dict[str, float] | None = None
    training: TrainingEvidence | None = None
    profile: bytes | None = None
    features: list[str] | None = None
    onnx_bytes: bytes | None = None
    onnx: OnnxEvidence | None = None


def run_model(
    project: Project,
    plan: ModelPlan,
    cache: StageCache,
    registry: Registry,
    options: RunOptions,
    reporter: Reporter | None = None,
) -> ModelRunResult:
    reporter = reporter or NullReporter()
    model = project.spec.models[plan.model]
    result = ModelRunResult(model=plan.model, task=model.task)
    started = time.perf_counter()
    progress = reporter.task(f"{plan.model}: starting", total=6)
    try:
        _run_stages(project, plan, cache, registry, options, result, progress)
    finally:
        result.seconds = round(time.perf_counter() - started, 3)
        result.passed = result.failed_stage is None
    return result


class _StageFailedError(Exception):
    def __init__(
        self, stage: str, problems: list[str], candidate: dict[str, bytes] | None = None
    ) -> None:
        super().__init__(stage)
        self.stage = stage
        self.problems = problems
        self.candidate = candidate


def _run_stages(
    project: Project,
    plan: ModelPlan,
    cache: StageCache,
    registry: Registry,
    options: RunOptions,
    result: ModelRunResult,
    progress: Any,
) -> None:
    model = project.spec.models[plan.model]
    production_ref = registry.production_ref(plan.model)
    production = registry.evidence(production_ref) if production_ref else None
    art = _Artifacts()
    timer = _StageTimer(result, progress)
    try:
        # validate-data and train, or both straight from the cache
        key_train, key_convert = plan.stage("train").key, plan.stage("convert").key
        cached_train = cache.get("train", key_train)
        cached_convert = cache.get("convert", key_convert)
        cached_data = cache.get_json("validate-data", plan.stage("validate-data").key)
        if cached_train and cached_convert and cached_data:
            timer.cached("validate-data", "data unchanged")
            art.data = DataEvidence.model_validate(cached_data)
            timer.cached("train", "inputs unchanged")
            _load_train(art, cached_train)
            fitted = None
        else:
            frame = _validate_data(project, plan, cache, art, timer)
            fitted = _train(project, plan, cache, art, timer, frame)
        # test: gates against production
        gates = _test(model.gates, plan.stage("test").key, cache, art, production, timer, result)
        # convert: ONNX + parity + latency
        if cached_convert and fitted is None:
            timer.cached("convert", "model unchanged")
            art.onnx_bytes = cached_convert["model.onnx"]
            art.onnx = OnnxEvidence.model_validate_json(cached_convert["onnx.json"])
        else:
            _convert(plan, model.onnx, cache, art, timer, fitted)
        result.onnx = art.onnx.model_dump(mode="json") if art.onnx else None
        evidence = _evidence(
            project, plan, art, gates, options, production_ref.version if production_ref else None
        )
        policy_json, policy_problems = _policy(
            project, plan, cache, evidence, production, options, timer, result
        )
        artifacts = _artifact_files(project, evidence, art, policy_json, production)
        if policy_problems:
            # keep the failed candidate in the workspace so `mlgitops policy` can show it again
            raise _StageFailedError("policy", policy_problems, candidate=artifacts)
        _register(plan, registry, artifacts, options, timer, result)
        _write_candidate(project.root, plan.model, artifacts, result)
    except _StageFailedError as failure:
        result.failed_stage = failure.stage
        result.problems.extend(failure.problems)
        for name in ("validate-data", "train", "test", "convert", "policy", "register"):
            if result.stage(name) is None:
                result.stages.append(StageResult(name, "skipped", detail=f"{failure.stage} failed"))
        _write_candidate(project.root, plan.model, failure.candidate, result)


class _StageTimer:
    def __init__(self, result: ModelRunResult, progress: Any) -> None:
        self.result = result
        self.progress = progress
        self.started = 0.0

    def start(self, name: str) -> None:
        self.progress.describe(f"{self.result.model}: {name}")
        self.started = time.perf_counter()

    def done(self, name: str, detail: str = "") -> None:
        self.result.stages.append(
            StageResult(name, "ran", round(time.perf_counter() - self.started, 3), detail)
        )
        self.progress.advance()

    def cached(self, name: str, detail: str = "") -> None:
        self.result.stages.append(StageResult(name, "cached", 0.0, detail))
        self.progress.advance()

    def fail(self, name: str, problems: list[str], detail: str = "") -> _StageFailedError:
        self.result.stages.append(
            StageResult(
                name,
                "failed",
                round(time.perf_counter() - self.started, 3),
                detail or (problems[0] if problems else ""),
            )
        )
        self.progress.advance()
        return _StageFailedError(name, problems)


def _validate_data(
    project: Project, plan: ModelPlan, cache: StageCache, art: _Artifacts, timer: _StageTimer
) -> Any:
    from ..data.read import read_table
    from ..data.validate import coerce_frame, read_and_validate

    dataset = project.spec.datasets[plan.dataset]
    key = plan.stage("validate-data").key
    timer.start("validate-data")
    cached = cache.get_json("validate-data", key)
    if cached is not None:
        frame = read_table(project.path(dataset.path), dataset.path, dataset.columns)
        art.data = DataEvidence.model_validate(cached)
        timer.cached("validate-data", f"{art.data.rows} rows, unchanged")
        return coerce_frame(frame, dataset)
    frame, report = read_and_validate(project.path(dataset.path), dataset.path, dataset)
    art.data = report.to_evidence(dataset.path, plan.data_sha256)
    timer.result.data = art.data.model_dump(mode="json")
    if not report.passed:
        problems = [_data_problem(report, f) for f in report.failures]
        timer.result.report_markdown += report.to_markdown()
        timer.result.annotations.extend(report.to_annotations())
        raise timer.fail("validate-data", problems, f"{len(art.data.failures)} check(s) failed")
    cache.put_json("validate-data", key, art.data.model_dump(mode="json"))
    timer.done("validate-data", f"{art.data.rows} rows, {art.data.columns} columns")
    return coerce_frame(frame, dataset)


def _data_problem(report: Any, failure: Any) -> str:
    where = f"column {failure.column}" if failure.column else "dataset"
    rows = f" on {failure.failing_rows:,} rows" if failure.failing_rows else ""
    examples = ", ".join(f"{report.location(e.row)}: {e.value!r}" for e in failure.examples[:3])
    return (
        f"{report.file}: {where}: {failure.check} failed{rows}"
        + (f" (e.g. {examples})" if examples else "")
        + (f"; {failure.message}")
    )


def _train(
    project: Project,
    plan: ModelPlan,
    cache: StageCache,
    art: _Artifacts,
    timer: _StageTimer,
    frame: Any,
) -> Any:
    from ..drift.profile import build_profile, prediction_scores
    from ..train.fit import train_model, training_evidence

    model = project.spec.models[plan.model]
    dataset = project.spec.datasets[plan.dataset]
    timer.start("train")
    trained = train_model(frame, dataset, model, project.pipelines[plan.model])
    art.metrics = {k: float(v) for k, v in trained.metrics.items()}
    art.features = list(trained.features)
    art.training = training_evidence(trained)
    profile = build_profile(
        trained.X_train,
        list(trained.numeric),
        list(trained.categorical),
        prediction_scores(trained.y_pred, trained.proba, model.task),
        model.task,
    )
    art.profile = profile.to_json_bytes()
    cache.put(
        "train",
        plan.stage("train").key,
        {
            "metrics.json": _json_bytes(art.metrics, sort_keys=False),
            "training.json": art.training.model_dump_json(indent=2).encode(),
            "features.json": _json_bytes(art.features),
            "profile.json": art.profile,
        },
    )
    timer.done("train", f"{art.training.rows_train} train / {art.training.rows_test} holdout rows")
    return trained


def _load_train(art: _Artifacts, files: dict[str, bytes]) -> None:
    art.metrics = json.loads(files["metrics.json"])
    art.training = TrainingEvidence.model_validate_json(files["training.json"])
    art.features = json.loads(files["features.json"])
    art.profile = files["profile.json"]


def _test(
    gates: Any,
    key: str,
    cache: StageCache,
    art: _Artifacts,
    production: CandidateEvidence | None,
    timer: _StageTimer,
    result: ModelRunResult,
) -> list[GateResult]:
    from ..train.gates import evaluate_gates

    assert art.metrics is not None
    result.metrics = dict(art.metrics)
    cached = cache.get_json("test", key)
    if cached is not None:
        results = [GateResult.model_validate(g) for g in cached]
        result.gates = [g.model_dump(mode="json") for g in results]
        timer.cached("test", _gates_detail(results))
        return results
    timer.start("test")
    report = evaluate_gates(dict(gates), art.metrics, production.metrics if production else None)
    result.gates = [g.model_dump(mode="json") for g in report.results]
    if not report.passed:
        failed = [g for g in report.results if g.status == "failed"]
        timer.result.report_markdown += report.to_markdown()
        raise timer.fail("test", [g.message for g in failed], f"{len(failed)} gate(s) failed")
    cache.put_json("test", key, result.gates)
    timer.done("test", _gates_detail(report.results))
    return list(report.results)


def _gates_detail(results: list[GateResult]) -> str:
    no_baseline = sum(1 for g in results if g.status == "no baseline")
    return f"{len(results)} gate(s) passed" + (
        f", {no_baseline} with no baseline" if no_baseline else ""
    )


def _convert(
    plan: ModelPlan,
    onnx_spec: Any,
    cache: StageCache,
    art: _Artifacts,
    timer: _StageTimer,
    fitted: Any,
) -> None:
    from ..onnx.convert import convert
    from ..onnx.evidence import onnx_evidence

    timer.start("convert")
    art.onnx_bytes = convert(fitted, onnx_spec.opset)
    art.onnx, parity = onnx_evidence(
        art.onnx_bytes, fitted, opset=onnx_spec.opset, tolerance=onnx_spec.tolerance
    )
    if not art.onnx.passed:
        timer.result.onnx = art.onnx.model_dump(mode="json")
        timer.result.report_markdown += parity.to_markdown()
        raise timer.fail("convert", [parity.message], "ONNX parity failed")
    cache.put(
        "convert",
        plan.stage("convert").key,
        {
            "model.onnx": art.onnx_bytes,
            "onnx.json": art.onnx.model_dump_json(indent=2).encode(),
        },
    )
    timer.done(
        "convert", f"parity max |diff| {art.onnx.max_abs_diff:.2e} on {art.onnx.rows_checked} rows"
    )


def _evidence(
    project: Project,
    plan: ModelPlan,
    art: _Artifacts,
    gates: list[GateResult],
    options: RunOptions,
    production_version: int | None,
) -> CandidateEvidence:
    from ..plan import library_versions

    model = project.spec.models[plan.model]
    assert (
        art.data
        and art.training
        and art.onnx
        and art.metrics is not None
        and art.features is not None
    )
    lineage = LineageEvidence(
        data_sha256=plan.data_sha256,
        spec_sha256=plan.spec_sha256,
        pipeline_sha256=plan.pipeline_sha256,
        git_commit=options.git_commit,
        params=dict(art.training.params),
        library_versions=library_versions(),
        cache_key=plan.cache_key,
    )
    return CandidateEvidence(
        drift=_drift_evidence(project.root, plan.model, production_version),
        model=plan.model,
        task=model.task,
        features=art.features,
        metrics=art.metrics,
        gates=gates,
        data=art.data,
        training=art.training,
        onnx=art.onnx,
        lineage=lineage,
    )


def _drift_evidence(root: Path, model: str, production_version: int | None) -> DriftEvidence | None:
    """The last drift report of the model, when it measured drift from the current production version.

    In the drift workflow the retrain job receives the drift job's report, so the
    candidate's evidence (and the policies that read it) say why it was retrained.
    """
    path = drift_report_path(root, model)
    if not path.is_file():
        return None
    from ..drift.report import DriftReport

    try:
        report = DriftReport.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a stale or foreign file: the candidate simply carries no drift evidence
    if report.version is None or report.version != production_version:
        return None
    return report.to_evidence()


def _policy(
    project: Project,
    plan: ModelPlan,
    cache: StageCache,
    evidence: CandidateEvidence,
    production: CandidateEvidence | None,
    options: RunOptions,
    timer: _StageTimer,
    result: ModelRunResult,
) -> tuple[dict[str, Any] | None, list[str]]:
    """Evaluate the model's policy files; returns the report JSON and the problems if it failed."""
    model = project.spec.models[plan.model]
    if not model.policies:
        timer.result.stages.append(StageResult("policy", "skipped", 0.0, "no policy files"))
        timer.progress.advance()
        return None, []
    key = plan.stage("policy").key
    cached = cache.get_json("policy", key)
    if cached is not None:
        result.policy = cached
        timer.cached("policy", _policy_detail(cached))
        return dict(cached), []
    from ..policy.evaluate import evaluate_policies

    timer.start("policy")
    report = evaluate_policies(
        project, plan.model, evidence, production, options.today or dt.date.today()
    )
    policy_json = report.to_json()
    result.policy = policy_json
    if not report.passed:
        timer.result.report_markdown += report.to_markdown()
        failed = report.blocking()
        problems = [
            f"policy rule {r.rule} ({r.file}): {r.status}: {r.message}" for r in failed
        ] or [report.headline()]
        timer.fail("policy", problems, f"{len(failed)} rule(s) failed")
        return policy_json, problems
    cache.put_json("policy", key, policy_json)
    timer.done("policy", _policy_detail(policy_json))
    return policy_json, []


def _policy_detail(policy: dict[str, Any]) -> str:
    statuses = [r.get("status") for r in policy.get("results", [])]
    parts = [
        f"{statuses.count(s)} {s}"
        for s in ("passed", "waived", "failed", "error")
        if statuses.count(s)
    ]
    return ", ".join(parts)


def _artifact_files(
    project: Project,
    evidence: CandidateEvidence,
    art: _Artifacts,
    policy_json: dict[str, Any] | None,
    production: CandidateEvidence | None,
) -> dict[str, bytes]:
    files = {
        "evidence.json": evidence.model_dump_json(indent=2).encode() + b"\n",
        "metrics.json": _json_bytes(evidence.metrics, sort_keys=False),
        "lineage.json": evidence.lineage.model_dump_json(indent=2).encode() + b"\n",
    }
    if art.onnx_bytes is not None:
        files["model.onnx"] = art.onnx_bytes
    if art.profile is not None:
        files["profile.json"] = art.profile
    if policy_json is not None:
        files["policy.json"] = _json_bytes(policy_json)
    files["card.md"] = render_card(project, evidence, policy_json, production).encode()
    return files


def _register(
    plan: ModelPlan,
    registry: Registry,
    artifacts: dict[str, bytes],
    options: RunOptions,
    timer: _StageTimer,
    result: ModelRunResult,
) -> None:
    existing = registry.find_by_cache_key(plan.model, plan.cache_key)
    if existing is not None:
        result.version, result.registered = existing.version, "existing"
        timer.cached("register", f"already registered as version {existing.version}")
        return
    if not options.register:
        timer.result.stages.append(StageResult("register", "skipped", 0.0, "--no-register"))
        return
    timer.start("register")
    ref = registry.register(plan.model, artifacts)
    result.version, result.registered = ref.version, "new"
    timer.done("register", f"version {ref.version}")


def _write_candidate(
    root: Path, model: str, artifacts: dict[str, bytes] | None, result: ModelRunResult
) -> None:
    """Replace the workspace candidate: its artifacts (when complete) and result.json."""
    result.passed = result.failed_stage is None
    files = dict(artifacts or {})
    files["result.json"] = _json_bytes(result.to_json())
    atomic.replace_directory(candidate_dir(root, model), files)


def _json_bytes(value: Any, *, sort_keys: bool = True) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=sort_keys, default=str) + "\n").encode()
