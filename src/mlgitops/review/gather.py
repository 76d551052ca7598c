"""Read what the review shows: each model's workspace candidate, its production version and
the spec at the base commit, into `ModelReview`s.

A candidate that failed is reviewed too (the matrix uploads it whatever happened):
the review says where it failed and shows the evidence it got to write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..evidence import CandidateEvidence, MetricComparison
from ..registry import Registry
from ..spec import Project
from ..workspace import (
    candidate_dir,
    load_candidate_evidence,
    read_candidate_policy,
    read_run_record,
)
from .model import (
    Comparison,
    DataChange,
    DataSide,
    MetricLine,
    ModelReview,
    SliceLine,
    SliceTable,
)
from .settings import settings_change

ROWS_LABELS = {
    "comparison": "the candidate's holdout",
    "comparison_current": "today's data (the labelled current rows)",
}


def candidate_models(project: Project) -> list[str]:
    """The models with a candidate in the workspace, in spec order."""
    return [name for name in project.spec.models if candidate_dir(project.root, name).is_dir()]


def gather(
    project: Project,
    models: Iterable[str],
    *,
    base: str | None = None,
    reasons: Mapping[str, str] | None = None,
) -> list[ModelReview]:
    registry = Registry(project.root)
    return [
        review_model(project, registry, name, base=base, why=(reasons or {}).get(name))
        for name in models
    ]


def review_model(
    project: Project, registry: Registry, name: str, *, base: str | None, why: str | None
) -> ModelReview:
    project.model(name)  # an unknown name is bad input, with a "did you mean"
    settings = settings_change(project, name, base)
    pointer = registry.production(name)
    production = registry.evidence(registry.ref(name, pointer.version)) if pointer else None
    result = read_run_record(project.root, name)
    if result is None:
        return ModelReview(
            name,
            "no candidate",
            why_affected=why,
            production=production,
            production_version=pointer.version if pointer else None,
            settings=settings,
        )
    evidence = load_candidate_evidence(project.root, name)
    record = read_candidate_policy(project.root, name)
    policy = None if record is None else record.to_report()
    passed = result.passed and evidence is not None
    return ModelReview(
        name,
        "passed" if passed else "failed",
        why_affected=why,
        failed_stage=None if passed else (result.failed_stage or "an unknown stage"),
        problems=tuple(result.problems),
        evidence=evidence,
        production=production,
        production_version=pointer.version if pointer else None,
        registered_version=result.version if result.registered == "existing" else None,
        policy=policy,
        comparisons=comparisons(evidence) if evidence is not None else (),
        slices=slices(evidence) if evidence is not None else (),
        settings=settings,
        data=data_change(evidence, production) if evidence is not None else None,
    )


def comparisons(evidence: CandidateEvidence) -> tuple[Comparison, ...]:
    """The paired comparisons the evidence holds (none before the first production version)."""
    tables = {
        "comparison": evidence.comparison,
        "comparison_current": evidence.comparison_current,
    }
    found = []
    for attribute, table in tables.items():
        if not table:
            continue
        lines = tuple(_metric_line(name, item) for name, item in table.items())
        found.append(
            Comparison(ROWS_LABELS[attribute], evidence.comparison_production_version, lines)
        )
    return tuple(found)


def _metric_line(name: str, item: MetricComparison) -> MetricLine:
    return MetricLine(
        metric=name,
        candidate=item.candidate,
        production=item.production,
        delta=item.delta,
        higher_is_better=item.higher_is_better,
        ci_low=item.ci_low,
        ci_high=item.ci_high,
        rows=item.rows,
        within_noise=item.within_noise,
    )


def slices(evidence: CandidateEvidence) -> tuple[SliceTable, ...]:
    return tuple(
        SliceTable(
            column,
            tuple(
                SliceLine(
                    value=item.value,
                    rows=item.rows,
                    too_small=item.too_small,
                    metrics=dict(item.metrics),
                    gap_to_overall=dict(item.gap_to_overall),
                    gap_to_production=dict(item.gap_to_production or {}),
                )
                for item in items
            ),
        )
        for column, items in evidence.slices.items()
    )


def data_change(evidence: CandidateEvidence, production: CandidateEvidence | None) -> DataChange:
    def side(e: CandidateEvidence) -> DataSide:
        return DataSide(e.data.path, e.data.rows, e.lineage.data_sha256)

    return DataChange(side(evidence), side(production) if production is not None else None)
