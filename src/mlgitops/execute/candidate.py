"""A candidate assembled from its stages' results: its evidence and the files a version holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..evaluate.record import metrics_file
from ..evidence import CandidateEvidence, DriftEvidence, LineageEvidence
from ..plan import library_versions
from ..workspace import policy_bytes, read_drift_record
from .card import render_card
from .results import (
    ConvertResult,
    DataResult,
    EvaluateResult,
    GatesResult,
    PolicyResult,
    TrainingResult,
    TuneResult,
)

if TYPE_CHECKING:
    from .stages import StageContext


def candidate_evidence(ctx: StageContext) -> CandidateEvidence:
    training = ctx.get(TrainingResult)
    lineage = LineageEvidence(
        data_sha256=ctx.plan.data_sha256,
        spec_sha256=ctx.plan.spec_sha256,
        pipeline_sha256=ctx.plan.pipeline_sha256,
        git_commit=ctx.options.git_commit,
        dirty_inputs=list(ctx.options.dirty_inputs.get(ctx.plan.model, [])),
        params=dict(training.training.params),
        library_versions=library_versions(),
        cache_key=ctx.plan.cache_key,
        lock_entry=ctx.lock_entry if ctx.dataset.source is not None else None,
        lock_sha256=ctx.options.lock_sha256 if ctx.dataset.source is not None else None,
    )
    tuned = ctx.find(TuneResult)
    return CandidateEvidence(
        drift=drift_evidence(ctx),
        tuning=tuned.tuning if tuned is not None else None,
        model=ctx.plan.model,
        task=ctx.model.task,
        features=training.features,
        metrics=training.metrics,
        gates=ctx.get(GatesResult).gates,
        data=ctx.get(DataResult).data,
        training=training.training,
        onnx=ctx.get(ConvertResult).onnx,
        lineage=lineage,
        positive_class=training.positive_class,
        **ctx.get(EvaluateResult).record.evidence_fields(),
    )


def drift_evidence(ctx: StageContext) -> DriftEvidence | None:
    """The last drift report of the model, when it measured drift from the current production version.

    In the drift workflow the retrain job receives the drift job's report, so the
    candidate's evidence (and the policies that read it) say why it was retrained.
    A report of data that failed validation, or of another version, is no evidence.
    """
    record = read_drift_record(ctx.project.root, ctx.plan.model)
    production_version = ctx.production_ref.version if ctx.production_ref else None
    if record is None or record.version != production_version:
        return None
    report = record.drift_report()
    return None if report is None else report.to_evidence()


def candidate_files(ctx: StageContext) -> dict[str, bytes]:
    """The artifacts of a registered version (manifest aside), from the results so far."""
    evidence = ctx.evidence()
    policy = ctx.find(PolicyResult)
    files = {
        "evidence.json": evidence.model_dump_json(indent=2).encode() + b"\n",
        "metrics.json": metrics_file(evidence),
        "lineage.json": evidence.lineage.model_dump_json(indent=2).encode() + b"\n",
        "model.onnx": ctx.get(ConvertResult).model_onnx,
        "profile.json": ctx.get(TrainingResult).profile,
        "replay.json": ctx.get(ConvertResult).replay,
    }
    if policy is not None:
        files["policy.json"] = policy_bytes(policy.report)
    plots = ctx.get(EvaluateResult).plots
    files.update(plots)
    card = render_card(
        ctx.project,
        evidence,
        None if policy is None else policy.report.model_dump(mode="json"),
        ctx.production,
        sorted(plots),
    )
    files["card.md"] = card.encode()
    return files
