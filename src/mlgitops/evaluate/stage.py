"""The evaluate stage: intervals, the paired comparison with production, slices and
diagnostics of one candidate.

It reads exactly: the candidate's holdout rows and its predictions on them,
the candidate's and production's `model.onnx`, the labelled current rows,
and the evaluation settings. Production is scored with onnxruntime on the
same rows as the candidate, so its numbers are "production on the
candidate's holdout", never production's own stored metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import MlgitopsError
from ..evidence import (
    DiagnosticsEvidence,
    EvaluationEvidence,
    MetricComparison,
    MetricInterval,
    SliceGap,
    SliceResult,
)
from .bootstrap import PROBA_METRICS, SUPPORTED, Outputs, Truth, resample_metrics
from .diagnostics import diagnose, permutation_importance
from .paired import compare, metric_intervals
from .slices import SliceSettings, largest_gaps, slice_column, slice_labels

if TYPE_CHECKING:
    import pandas as pd

    from ..onnx.score import OnnxScorer
    from ..spec.models import DatasetSpec, EvaluationSpec, Task

NUMERIC_TYPES = frozenset({"integer", "number"})


@dataclass(frozen=True)
class EvaluateInputs:
    task: Task
    dataset: DatasetSpec
    features: list[str]
    classes: list[str]  # the candidate's, in probability column order
    positive: str | None
    metrics: list[str]  # the candidate's metric names, in order
    settings: EvaluationSpec
    seed: int
    holdout: pd.DataFrame  # every dataset column of the holdout rows, coerced
    prediction: np.ndarray  # the candidate's labels (str) or values on the holdout
    proba: np.ndarray | None
    candidate_onnx: bytes | None = None  # for permutation importance
    production_onnx: bytes | None = None
    production_version: int | None = None
    current: pd.DataFrame | None = None  # labelled current rows, coerced
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EvaluateResult:
    metric_intervals: dict[str, MetricInterval]
    evaluation: EvaluationEvidence
    comparison: dict[str, MetricComparison] | None
    comparison_current: dict[str, MetricComparison] | None
    comparison_production_version: int | None
    slices: dict[str, list[SliceResult]]
    slice_gaps: dict[str, dict[str, SliceGap]]
    diagnostics: DiagnosticsEvidence
    plots: dict[str, bytes]


def evaluate(inputs: EvaluateInputs) -> EvaluateResult:
    from .plots import render_all

    settings = inputs.settings
    names = [name for name in inputs.metrics if name in SUPPORTED]
    notes = list(inputs.notes)
    truth, kept = _truth(inputs, inputs.holdout)
    if kept is not None:
        notes.append(
            f"{int((~kept).sum())} holdout row(s) of a class the candidate never learnt are left out"
        )
    candidate = _candidate_outputs(inputs, kept)
    production_scorer = _scorer(inputs.production_onnx, "production", notes)
    production = None
    if production_scorer is not None:
        production = _score(production_scorer, inputs.holdout, inputs, notes, kept)
    if production is not None and production.proba is None and candidate.proba is not None:
        # production gives no comparable probabilities: compare the label metrics only
        resampled = resample_metrics(truth, [candidate], names, settings.bootstrap, inputs.seed)
        usable = [n for n in names if n not in PROBA_METRICS]
        paired = resample_metrics(
            truth, [candidate, production], usable, settings.bootstrap, inputs.seed
        )
        comparison: dict[str, MetricComparison] | None = compare(paired, settings.confidence)
        production = None  # slices compare like with like only
    else:
        models = [candidate] + ([production] if production is not None else [])
        resampled = resample_metrics(truth, models, names, settings.bootstrap, inputs.seed)
        comparison = compare(resampled, settings.confidence) if production is not None else None
    intervals = metric_intervals(resampled, 0, settings.confidence)

    comparison_current, current_rows = None, None
    if production_scorer is not None and inputs.current is not None:
        candidate_scorer = _scorer(inputs.candidate_onnx, "candidate", notes)
        comparison_current, current_rows = _compare_current(
            inputs, candidate_scorer, production_scorer, names, notes
        )

    slices: dict[str, list[SliceResult]] = {}
    gaps: dict[str, dict[str, SliceGap]] = {}
    slice_settings = SliceSettings(
        names, settings.min_slice_rows, settings.bootstrap, settings.confidence, inputs.seed
    )
    holdout = inputs.holdout if kept is None else inputs.holdout[kept]
    for column in settings.slices:
        if column not in holdout.columns:
            notes.append(f"slice column {column} is not in the holdout")
            continue
        kind = inputs.dataset.columns[column].type
        labels = slice_labels(holdout[column], kind in NUMERIC_TYPES)
        results = slice_column(
            labels, truth, candidate, production, resampled.points[0], slice_settings
        )
        slices[column] = results
        gaps[column] = largest_gaps(results, names)

    diagnostics = diagnose(truth, candidate)
    if settings.importance and inputs.candidate_onnx is not None and names:
        scorer = _scorer(inputs.candidate_onnx, "candidate", notes)
        if scorer is not None:
            metric = names[0]

            def score(frame: pd.DataFrame) -> Outputs:
                labels, proba = scorer.predict(frame)
                return _outputs(inputs, labels, proba, scorer.classes)

            diagnostics = diagnostics.model_copy(
                update={
                    "importance_metric": metric,
                    "importance": permutation_importance(
                        holdout, inputs.features, truth, score, metric, inputs.seed
                    ),
                }
            )
    evaluation = EvaluationEvidence(
        resamples=settings.bootstrap,
        confidence=settings.confidence,
        seed=inputs.seed,
        rows=truth.rows,
        binned=resampled.binned,
        current_rows=current_rows,
        notes=notes,
    )
    return EvaluateResult(
        metric_intervals=intervals,
        evaluation=evaluation,
        comparison=comparison,
        comparison_current=comparison_current,
        comparison_production_version=(
            inputs.production_version if comparison is not None else None
        ),
        slices=slices,
        slice_gaps=gaps,
        diagnostics=diagnostics,
        plots=render_all(diagnostics, slices, names[0] if names else None),
    )


def truth_for(
    task: Task, target: pd.Series, classes: Sequence[str], positive: str | None, kind: str
) -> tuple[Truth, np.ndarray | None]:
    """The true values as a `Truth`; for classification also which rows hold a known class."""
    if task == "regression":
        return Truth("regression", target.to_numpy(dtype=np.float64)), None
    from .positive import label_text

    labels = np.array([label_text(v, kind) for v in target.to_numpy(dtype=object)], dtype=object)
    index = _class_index(labels, classes)
    kept = index >= 0
    positive_index = list(classes).index(positive) if positive is not None else None
    truth = Truth("classification", index[kept], tuple(classes), positive_index)
    return truth, (None if kept.all() else kept)


def _truth(inputs: EvaluateInputs, frame: pd.DataFrame) -> tuple[Truth, np.ndarray | None]:
    target = inputs.dataset.target
    kind = inputs.dataset.columns[target].type
    return truth_for(inputs.task, frame[target], inputs.classes, inputs.positive, kind)


def _class_index(labels: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    lookup = {c: i for i, c in enumerate(classes)}
    return np.array([lookup.get(str(v), -1) for v in labels], dtype=np.int64)


def _candidate_outputs(inputs: EvaluateInputs, kept: np.ndarray | None) -> Outputs:
    outputs = _outputs(inputs, inputs.prediction, inputs.proba, inputs.classes)
    return outputs if kept is None else outputs.subset(kept)


def _outputs(
    inputs: EvaluateInputs,
    labels: np.ndarray,
    proba: np.ndarray | None,
    model_classes: Sequence[str],
) -> Outputs:
    """A model's outputs in the candidate's class order (probabilities only when the classes agree)."""
    if inputs.task == "regression":
        return Outputs(np.asarray(labels, dtype=np.float64))
    pred = _class_index(np.asarray(labels, dtype=object), inputs.classes)
    aligned = None
    if proba is not None and sorted(model_classes) == sorted(inputs.classes):
        order = [list(model_classes).index(c) for c in inputs.classes]
        aligned = np.asarray(proba, dtype=np.float64)[:, order]
    return Outputs(pred, aligned)


def _scorer(onnx: bytes | None, who: str, notes: list[str]) -> OnnxScorer | None:
    if onnx is None:
        return None
    from ..onnx.score import OnnxScorer

    try:
        return OnnxScorer(onnx, source=f"the {who} model.onnx")
    except MlgitopsError as exc:
        notes.append(f"the {who} model.onnx cannot be loaded ({exc.message})")
        return None


def _score(
    scorer: OnnxScorer,
    frame: pd.DataFrame,
    inputs: EvaluateInputs,
    notes: list[str],
    kept: np.ndarray | None,
    who: str = "production",
) -> Outputs | None:
    try:
        labels, proba = scorer.predict(frame)
    except MlgitopsError as exc:
        notes.append(f"{who} cannot be scored on these rows: {exc.message}")
        return None
    if (
        inputs.task == "classification"
        and proba is not None
        and sorted(scorer.classes) != sorted(inputs.classes)
    ):
        notes.append(
            f"{who} knows the classes {', '.join(scorer.classes)}, the candidate "
            f"{', '.join(inputs.classes)}: probability metrics are not compared"
        )
    outputs = _outputs(inputs, labels, proba, scorer.classes)
    if inputs.task == "classification" and outputs.proba is None and inputs.proba is not None:
        notes.append(f"{who} gives no comparable probabilities")
    return outputs if kept is None else outputs.subset(kept)


def _compare_current(
    inputs: EvaluateInputs,
    candidate_scorer: OnnxScorer | None,
    production_scorer: OnnxScorer,
    names: list[str],
    notes: list[str],
) -> tuple[dict[str, MetricComparison] | None, int | None]:
    assert inputs.current is not None
    if candidate_scorer is None:
        return None, None
    truth, kept = _truth(inputs, inputs.current)
    candidate = _score(candidate_scorer, inputs.current, inputs, notes, kept, "the candidate")
    production = _score(production_scorer, inputs.current, inputs, notes, kept)
    if candidate is None or production is None or truth.rows == 0:
        return None, None
    usable = [n for n in names if candidate.proba is not None or n not in ("roc_auc", "log_loss")]
    if production.proba is None:
        usable = [n for n in usable if n not in ("roc_auc", "log_loss")]
    resampled = resample_metrics(
        truth, [candidate, production], usable, inputs.settings.bootstrap, inputs.seed + 7919
    )
    return compare(resampled, inputs.settings.confidence), truth.rows
