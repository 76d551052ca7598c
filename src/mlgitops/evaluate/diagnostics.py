"""What a reviewer looks at beside the numbers: confusion matrix, per-class precision and
recall, ROC and precision-recall curves, calibration with the Brier score (classification);
residuals and errors by decile of the prediction (regression); permutation importance.

Curves are thinned to at most `CURVE_POINTS` points: enough to draw, small in evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..evidence import (
    CalibrationBin,
    ClassReport,
    Curve,
    DiagnosticsEvidence,
    FeatureImportance,
    ResidualBin,
)
from ..registries import HIGHER_IS_BETTER
from .bootstrap import Outputs, Truth, brier, resample_metrics, weighted_auc

if TYPE_CHECKING:
    import pandas as pd

CURVE_POINTS = 41
CALIBRATION_BINS = 10
IMPORTANCE_REPEATS = 3
IMPORTANCE_MAX_ROWS = 20_000  # permutation importance reads a seeded sample of larger holdouts


def diagnose(truth: Truth, model: Outputs) -> DiagnosticsEvidence:
    if truth.task == "regression":
        return DiagnosticsEvidence(rows=truth.rows, residuals=residual_bins(truth, model))
    classes = len(truth.classes)
    pred = np.where(model.pred < 0, classes, model.pred)
    matrix = np.bincount(truth.y * (classes + 1) + pred, minlength=classes * (classes + 1))
    matrix = matrix.reshape(classes, classes + 1)[:, :classes]
    per_class = []
    for c, label in enumerate(truth.classes):
        predicted, actual = int(matrix[:, c].sum()), int(matrix[c].sum())
        per_class.append(
            ClassReport(
                label=label,
                precision=float(matrix[c, c] / predicted) if predicted else 0.0,
                recall=float(matrix[c, c] / actual) if actual else 0.0,
                support=actual,
            )
        )
    out = DiagnosticsEvidence(
        rows=truth.rows,
        classes=list(truth.classes),
        confusion=matrix.astype(int).tolist(),
        per_class=per_class,
    )
    if classes == 2 and model.proba is not None and truth.positive is not None:
        scores = model.proba[:, truth.positive]
        positive = truth.y == truth.positive
        if positive.any() and (~positive).any():
            out = out.model_copy(
                update={
                    "roc": roc_curve(scores, positive),
                    "precision_recall": pr_curve(scores, positive),
                    "calibration": calibration(scores, positive),
                    "brier": brier(truth, model),
                }
            )
    return out


def _thresholds(scores: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True and false positives when predicting positive at or above each distinct score."""
    order = np.argsort(-scores, kind="stable")
    ordered = scores[order]
    ends = np.r_[np.flatnonzero(ordered[1:] != ordered[:-1]), len(ordered) - 1]
    true_positives = np.cumsum(positive[order])[ends].astype(np.float64)
    false_positives = (ends + 1) - true_positives
    return true_positives, false_positives


def roc_curve(scores: np.ndarray, positive: np.ndarray) -> Curve:
    tp, fp = _thresholds(scores, positive)
    tpr = np.r_[0.0, tp / tp[-1]]
    fpr = np.r_[0.0, fp / fp[-1]]
    keep = _thin(len(fpr))
    area = weighted_auc(scores, positive, np.ones((1, len(scores))))[0]
    return Curve(
        x=_round(fpr[keep]),
        y=_round(tpr[keep]),
        x_label="false positive rate",
        y_label="true positive rate",
        area=float(area),
    )


def pr_curve(scores: np.ndarray, positive: np.ndarray) -> Curve:
    tp, fp = _thresholds(scores, positive)
    precision = tp / (tp + fp)
    recall = tp / tp[-1]
    # average precision as scikit-learn defines it: precision weighted by recall gained
    average = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
    recall, precision = np.r_[0.0, recall], np.r_[1.0, precision]
    keep = _thin(len(recall))
    return Curve(
        x=_round(recall[keep]),
        y=_round(precision[keep]),
        x_label="recall",
        y_label="precision",
        area=average,
    )


def calibration(scores: np.ndarray, positive: np.ndarray) -> list[CalibrationBin]:
    """Uniform bins of the predicted probability: mean prediction against observed share."""
    bins = np.clip((scores * CALIBRATION_BINS).astype(int), 0, CALIBRATION_BINS - 1)
    out = []
    for b in range(CALIBRATION_BINS):
        mask = bins == b
        if mask.any():
            out.append(
                CalibrationBin(
                    mean_predicted=float(scores[mask].mean()),
                    fraction_positive=float(positive[mask].mean()),
                    rows=int(mask.sum()),
                )
            )
    return out


def residual_bins(truth: Truth, model: Outputs) -> list[ResidualBin]:
    """Rows by decile of the prediction: mean residual (truth - prediction) and errors."""
    pred = np.asarray(model.pred, dtype=np.float64)
    y = np.asarray(truth.y, dtype=np.float64)
    if len(pred) == 0:
        return []
    edges = np.unique(np.quantile(pred, np.linspace(0, 1, 11)[1:-1]))
    decile = np.searchsorted(edges, pred, side="right")
    out = []
    for d in range(len(edges) + 1):
        mask = decile == d
        if not mask.any():
            continue
        residual = y[mask] - pred[mask]
        out.append(
            ResidualBin(
                decile=d + 1,
                rows=int(mask.sum()),
                mean_prediction=float(pred[mask].mean()),
                mean_residual=float(residual.mean()),
                mae=float(np.abs(residual).mean()),
                rmse=float(np.sqrt((residual**2).mean())),
            )
        )
    return out


def permutation_importance(
    frame: pd.DataFrame,
    features: Sequence[str],
    truth: Truth,
    score: Callable[[pd.DataFrame], Outputs],
    metric: str,
    seed: int,
    *,
    repeats: int = IMPORTANCE_REPEATS,
) -> list[FeatureImportance]:
    """How much `metric` worsens when one column is shuffled, per feature, largest first.

    `score` is the ONNX model (fast for whole columns); the shuffles are seeded.
    """
    rng = np.random.default_rng(seed)
    if len(frame) > IMPORTANCE_MAX_ROWS:
        rows = np.sort(rng.choice(len(frame), IMPORTANCE_MAX_ROWS, replace=False))
        frame = frame.iloc[rows]
        truth = truth.subset(np.isin(np.arange(truth.rows), rows))
    base = _metric(truth, score(frame), metric)
    sign = 1.0 if metric in HIGHER_IS_BETTER else -1.0
    out = []
    for feature in features:
        drops = []
        for _ in range(repeats):
            shuffled = frame.copy()
            shuffled[feature] = frame[feature].to_numpy()[rng.permutation(len(frame))]
            drops.append(sign * (base - _metric(truth, score(shuffled), metric)))
        out.append(
            FeatureImportance(feature=feature, drop=float(np.mean(drops)), std=float(np.std(drops)))
        )
    return sorted(out, key=lambda f: -f.drop)


def _metric(truth: Truth, outputs: Outputs, metric: str) -> float:
    return resample_metrics(truth, [outputs], [metric], 0, 0).points[0].get(metric, float("nan"))


def _thin(length: int) -> np.ndarray:
    if length <= CURVE_POINTS:
        return np.arange(length)
    return np.unique(np.linspace(0, length - 1, CURVE_POINTS).round().astype(int))


def _round(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]
