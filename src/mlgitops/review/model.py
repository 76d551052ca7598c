"""What a review shows for one model, as plain typed values the renderer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..evidence import CandidateEvidence
from ..policy.report import PolicyReport

Verdict = Literal["passed", "failed", "no candidate"]


@dataclass(frozen=True)
class MetricLine:
    """One metric of candidate and production scored on the same rows."""

    metric: str
    candidate: float | None
    production: float | None
    delta: float | None  # candidate - production
    higher_is_better: bool
    ci_low: float | None = None  # of the delta
    ci_high: float | None = None
    rows: int | None = None
    within_noise: bool | None = None


@dataclass(frozen=True)
class Comparison:
    """A paired comparison: both models on one set of rows."""

    rows_label: str  # "the candidate's holdout", "today's data"
    production_version: int | None
    lines: tuple[MetricLine, ...]


@dataclass(frozen=True)
class SliceLine:
    value: str
    rows: int
    too_small: bool
    metrics: dict[str, float]
    gap_to_overall: dict[str, float] = field(default_factory=dict)
    gap_to_production: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SliceTable:
    column: str
    lines: tuple[SliceLine, ...]


@dataclass(frozen=True)
class SettingsChange:
    """The model's resolved settings (model, dataset and pipeline sections) at base and now."""

    base: str | None  # the commit compared with; None when no base was given
    status: Literal["changed", "unchanged", "new model", "no base"]
    diff: str = ""  # unified diff of the resolved settings, as YAML


@dataclass(frozen=True)
class DataSide:
    path: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class DataChange:
    candidate: DataSide
    production: DataSide | None

    @property
    def changed(self) -> bool:
        return self.production is None or self.production.sha256 != self.candidate.sha256


@dataclass(frozen=True)
class ModelReview:
    model: str
    verdict: Verdict
    why_affected: str | None = None
    failed_stage: str | None = None
    problems: tuple[str, ...] = ()
    evidence: CandidateEvidence | None = None
    production: CandidateEvidence | None = None  # the production version's own evidence
    production_version: int | None = None
    registered_version: int | None = None  # the registered version holding the same model
    policy: PolicyReport | None = None
    comparisons: tuple[Comparison, ...] = ()  # empty: no paired comparison yet
    slices: tuple[SliceTable, ...] = ()
    settings: SettingsChange | None = None
    data: DataChange | None = None


@dataclass(frozen=True)
class Review:
    """Every affected model of one change."""

    models: tuple[ModelReview, ...]
    base: str | None = None
    head: str | None = None
    run_url: str | None = None

    @property
    def passed(self) -> bool:
        return all(m.verdict == "passed" for m in self.models)
