"""What the evaluate stage keeps between runs, and how a run feeds it (numpy and pandas
are imported where used: the record's type is read on light paths).

The train stage stores the holdout rows and the candidate's predictions on
them (Parquet: data, never pickle), so evaluate can run again without
training again when only production, today's labels or the evaluation
settings changed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ..evidence import (
    CandidateEvidence,
    DiagnosticsEvidence,
    EvaluationEvidence,
    MetricComparison,
    MetricInterval,
    SliceGap,
    SliceResult,
    TrainingEvidence,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..spec.models import DatasetSpec, ModelSpec

PREDICTION = "prediction"
PROBA_PREFIX = "proba:"


class EvaluationRecord(BaseModel):
    """The evaluate stage's result, as the evidence fields it fills."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric_intervals: dict[str, MetricInterval]
    evaluation: EvaluationEvidence
    comparison: dict[str, MetricComparison] | None = None
    comparison_current: dict[str, MetricComparison] | None = None
    comparison_production_version: int | None = None
    slices: dict[str, list[SliceResult]] = Field(default_factory=dict)
    slice_gaps: dict[str, dict[str, SliceGap]] = Field(default_factory=dict)
    diagnostics: DiagnosticsEvidence | None = None

    def evidence_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}


def holdout_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()


def predictions_bytes(
    prediction: np.ndarray, proba: np.ndarray | None, classes: list[str]
) -> bytes:
    import numpy as np
    import pandas as pd

    columns: dict[str, Any] = {
        PREDICTION: (
            np.asarray(prediction, dtype=np.float64)
            if not classes
            else np.array([str(v) for v in prediction], dtype=object)
        )
    }
    if proba is not None:
        for i, name in enumerate(classes):
            columns[f"{PROBA_PREFIX}{name}"] = np.asarray(proba[:, i], dtype=np.float64)
    buffer = io.BytesIO()
    pd.DataFrame(columns).to_parquet(buffer, index=False)
    return buffer.getvalue()


def _read_parquet(data: bytes) -> pd.DataFrame:
    import pandas as pd

    return pd.read_parquet(io.BytesIO(data))


def evaluate_candidate(
    root: Path,
    dataset: DatasetSpec,
    model: ModelSpec,
    training: TrainingEvidence,
    features: list[str],
    metrics: list[str],
    positive: str | None,
    holdout: bytes,
    predictions: bytes,
    candidate_onnx: bytes | None,
    production_onnx: bytes | None,
    production_version: int | None,
) -> tuple[EvaluationRecord, dict[str, bytes]]:
    import numpy as np

    from .current import labelled_current_rows
    from .stage import EvaluateInputs, evaluate

    frame = _read_parquet(holdout)
    predicted = _read_parquet(predictions)
    classes = list(training.classes)
    proba_columns = [f"{PROBA_PREFIX}{c}" for c in classes]
    proba = (
        predicted[proba_columns].to_numpy(dtype=np.float64)
        if classes and all(c in predicted.columns for c in proba_columns)
        else None
    )
    prediction = (
        predicted[PREDICTION].to_numpy(dtype=object)
        if classes
        else predicted[PREDICTION].to_numpy(dtype=np.float64)
    )
    notes: list[str] = []
    current = None
    if production_onnx is not None:
        labelled = labelled_current_rows(root, dataset)
        current = labelled.frame
        if labelled.note and dataset.current is not None:
            notes.append(f"today's data: {labelled.note}")
    result = evaluate(
        EvaluateInputs(
            task=model.task,
            dataset=dataset,
            features=features,
            classes=classes,
            positive=positive,
            metrics=metrics,
            settings=model.evaluation,
            seed=model.split.seed,
            holdout=frame,
            prediction=prediction,
            proba=proba,
            candidate_onnx=candidate_onnx,
            production_onnx=production_onnx,
            production_version=production_version,
            current=current,
            notes=notes,
        )
    )
    record = EvaluationRecord(
        metric_intervals=result.metric_intervals,
        evaluation=result.evaluation,
        comparison=result.comparison,
        comparison_current=result.comparison_current,
        comparison_production_version=result.comparison_production_version,
        slices=result.slices,
        slice_gaps=result.slice_gaps,
        diagnostics=result.diagnostics,
    )
    return record, result.plots


def metrics_file(evidence: CandidateEvidence) -> bytes:
    """`metrics.json`: each holdout metric with its interval, and how the intervals were made."""
    intervals = evidence.metric_intervals
    body: dict[str, Any] = {
        "metrics": {
            name: {
                "value": value,
                "low": intervals[name].low if name in intervals else None,
                "high": intervals[name].high if name in intervals else None,
            }
            for name, value in evidence.metrics.items()
        },
    }
    if evidence.evaluation is not None:
        body["confidence"] = evidence.evaluation.confidence
        body["resamples"] = evidence.evaluation.resamples
        body["seed"] = evidence.evaluation.seed
        body["rows"] = evidence.evaluation.rows
    if evidence.positive_class is not None:
        body["positive_class"] = evidence.positive_class
    return (json.dumps(body, indent=2) + "\n").encode()
