"""Performance drift: production scored on the labelled current rows against its own holdout
metric (NannyML's realised performance), and the verdict of each drift trigger.

`drift.performance: {metric, max_drop}` says which metric and how much worse is drift;
`drift.triggers` says which of data, prediction and performance count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..registries import HIGHER_IS_BETTER

if TYPE_CHECKING:
    from ..evidence import CandidateEvidence
    from ..spec.models import DatasetSpec, DriftSpec, ModelSpec
    from .report import DriftReport

TRIGGERS = ("data", "prediction", "performance")


@dataclass(frozen=True)
class PerformanceResult:
    metric: str
    holdout: float | None  # production's metric on its own holdout (its evidence)
    current: float | None  # on the labelled current rows
    drop: float | None  # in the metric's direction: positive = worse
    max_drop: float
    rows: int
    ci_low: float | None = None  # interval of `current`
    ci_high: float | None = None
    note: str | None = None  # why it was not computed

    @property
    def fired(self) -> bool:
        return self.drop is not None and self.drop > self.max_drop + 1e-12

    def to_dict(self) -> dict[str, Any]:
        return {
            "computed": self.current is not None,
            "metric": self.metric,
            "holdout": self.holdout,
            "current": self.current,
            "drop": self.drop,
            "max_drop": self.max_drop,
            "rows": self.rows,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "drifted": self.fired,
            "note": self.note,
        }

    def line(self) -> str:
        if self.current is None:
            return f"Performance: not computed ({self.note})."
        verdict = "DRIFT" if self.fired else "no drift"
        interval = (
            f" (interval {self.ci_low:.4f} – {self.ci_high:.4f})"
            if self.ci_low is not None and self.ci_high is not None
            else ""
        )
        return (
            f"Performance: {verdict}: {self.metric} {self.current:.4f}{interval} on {self.rows:,} "
            f"labelled current rows against {self.holdout:.4f} on production's holdout "
            f"(drop {self.drop:+.4f}, max_drop {self.max_drop:g})."
        )


def measure_performance(
    root: Path,
    dataset: DatasetSpec,
    model: ModelSpec,
    source: str,
    onnx: bytes | None,
    evidence: CandidateEvidence | None,
) -> PerformanceResult | None:
    """None when the model declares no performance monitoring."""
    spec = model.drift.performance if model.drift is not None else None
    if spec is None:
        return None
    metric = spec.metric
    holdout = evidence.metrics.get(metric) if evidence is not None else None

    def missing(note: str) -> PerformanceResult:
        return PerformanceResult(metric, holdout, None, None, spec.max_drop, 0, note=note)

    if holdout is None:
        return missing(f"production's evidence holds no {metric}")
    if onnx is None:
        return missing("production has no model.onnx")
    from ..errors import MlgitopsError
    from ..evaluate.bootstrap import interval, resample_metrics
    from ..evaluate.current import labelled_current_rows
    from ..evaluate.stage import truth_for
    from ..onnx.score import OnnxScorer

    labelled = labelled_current_rows(root, dataset, source)
    if labelled.frame is None:
        return missing(labelled.note or "no labelled current rows")
    try:
        scorer = OnnxScorer(onnx, source="production's model.onnx")
        labels, proba = scorer.predict(labelled.frame)
    except MlgitopsError as exc:
        return missing(f"production cannot be scored on the current rows: {exc.message}")
    from ..evaluate.bootstrap import Outputs

    kind = dataset.columns[dataset.target].type
    if model.task == "regression":
        truth, _ = truth_for("regression", labelled.frame[dataset.target], [], None, kind)
        outputs = Outputs(labels.astype("float64"))
    else:
        classes = list(evidence.training.classes) if evidence is not None else []
        positive = evidence.positive_class if evidence is not None else None
        if positive is None and len(classes) == 2:
            positive = classes[-1]  # versions from before positive_class: their metrics' choice
        truth, kept = truth_for(
            "classification", labelled.frame[dataset.target], classes, positive, kind
        )
        import numpy as np

        lookup = {c: i for i, c in enumerate(classes)}
        pred = np.array([lookup.get(str(v), -1) for v in labels], dtype=np.int64)
        aligned = None
        if proba is not None and sorted(scorer.classes) == sorted(classes):
            aligned = proba[:, [list(scorer.classes).index(c) for c in classes]]
        outputs = Outputs(pred, aligned)
        if kept is not None:
            outputs = outputs.subset(kept)
        if metric in ("roc_auc", "log_loss") and aligned is None:
            return missing(f"{metric} needs production's class probabilities")
    resampled = resample_metrics(
        truth, [outputs], [metric], model.evaluation.bootstrap, model.split.seed
    )
    current = resampled.points[0].get(metric)
    if current is None or current != current:
        return missing(f"{metric} is undefined on the {truth.rows} labelled current rows")
    found = interval(resampled.draws[0][metric], model.evaluation.confidence)
    drop = holdout - current if metric in HIGHER_IS_BETTER else current - holdout
    return PerformanceResult(
        metric,
        holdout,
        current,
        drop,
        spec.max_drop,
        truth.rows,
        found.low if found else None,
        found.high if found else None,
    )


@dataclass(frozen=True)
class TriggerVerdict:
    name: str
    counted: bool
    fired: bool | None  # None: not computed
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"counted": self.counted, "fired": self.fired, "detail": self.detail}


def trigger_verdicts(
    report: DriftReport, performance: PerformanceResult | None, drift: DriftSpec
) -> list[TriggerVerdict]:
    counted = set(drift.triggers)
    prediction = report.prediction
    verdicts = [
        TriggerVerdict("data", "data" in counted, report.dataset_drifted, report.headline()),
        TriggerVerdict(
            "prediction",
            "prediction" in counted,
            None if prediction is None else prediction.drifted,
            report.prediction_line(),
        ),
        TriggerVerdict(
            "performance",
            "performance" in counted,
            None if performance is None or performance.current is None else performance.fired,
            performance.line() if performance is not None else "Performance: not monitored.",
        ),
    ]
    return verdicts


def fired(verdicts: list[TriggerVerdict]) -> list[str]:
    return [v.name for v in verdicts if v.counted and v.fired]


def triggers_markdown(verdicts: list[TriggerVerdict]) -> str:
    def cell(text: str) -> str:
        out = text.replace("\n", " ")
        for ch in "|<>*_`[]":
            out = out.replace(ch, "\\" + ch)
        return out

    lines = ["| trigger | counts | verdict | detail |", "|---|---|---|---|"]
    for v in verdicts:
        verdict = "not computed" if v.fired is None else ("**drift**" if v.fired else "ok")
        lines.append(
            f"| {v.name} | {'yes' if v.counted else 'no'} | {verdict} | {cell(v.detail)} |"
        )
    return "\n".join(lines) + "\n"
