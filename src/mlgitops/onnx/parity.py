"""ONNX parity: does the converted model predict what scikit-learn predicts?

Checked on the training rows and the holdout: float32 rounding moves
training rows that sit on a tree's split threshold, which a holdout-only
check misses. Classification compares labels and the largest absolute
difference of any class probability; where scikit-learn's top classes tie
within the tolerance, either label agrees. Regression compares predictions
divided by the standard deviation of the training target, so the tolerance
reads as a fraction of the target's spread whatever its units.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..errors import CheckFailedError
from .score import OnnxScorer

if TYPE_CHECKING:
    import pandas as pd

    from ..train.fit import TrainResult

WORST_ROWS = 10  # rows named in reports and evidence
MESSAGE_ROWS = 3  # rows described in the one-line message
Part = Literal["training", "holdout"]


@dataclass(frozen=True)
class ParityRow:
    row: int  # the dataset's row number (the frame's index)
    part: Part
    diff: float
    sklearn: str  # label, or prediction for regression
    onnx: str
    labels_agree: bool  # always True for regression

    def describe(self) -> str:
        return f"{self.part} row {self.row} (scikit-learn {self.sklearn}, onnx {self.onnx}, |diff| {self.diff:.3g})"


@dataclass(frozen=True)
class ParityReport:
    tolerance: float
    rows_checked: int
    rows_training: int
    label_agreement: float | None  # classification only
    max_abs_diff: float
    scale: float  # what regression differences were divided by (1.0 for classification)
    worst: list[ParityRow]  # the largest differences, label disagreements first
    breach_count: int  # rows whose label disagrees or whose diff exceeds the tolerance

    @property
    def passed(self) -> bool:
        return self.breach_count == 0

    @property
    def worst_rows(self) -> list[int]:
        return [row.row for row in self.worst]

    @property
    def message(self) -> str:
        """One line: the verdict, and for a breach the worst rows (all of them in `to_markdown`)."""
        if self.passed:
            labels = ", labels agree on all" if self.label_agreement is not None else ""
            return (
                f"ONNX matches scikit-learn on {self._where()}{labels}; "
                f"max |diff| {self.max_abs_diff:.3g} within tolerance {self.tolerance:g}"
            )
        breaches = self._breach_rows()
        shown = "; ".join(row.describe() for row in breaches[:MESSAGE_ROWS])
        more = self.breach_count - min(len(breaches), MESSAGE_ROWS)
        return f"{self._summary()}; worst: {shown}" + (f"; and {more:,} more" if more > 0 else "")

    def to_markdown(self) -> str:
        heading = (
            f"**ONNX parity passed**: {self.message}"
            if self.passed
            else f"**ONNX parity failed**: {self._summary()}"
        )
        lines = [heading, ""]
        if self.label_agreement is not None:
            lines.append(f"- label agreement: {self.label_agreement:.6g}")
        lines.append(
            f"- max |diff|: {self.max_abs_diff:.3g} (tolerance {self.tolerance:g}"
            + (f", regression diffs divided by {self.scale:.4g}" if self.scale != 1.0 else "")
            + ")"
        )
        if not self.passed:
            breaches = self._breach_rows()
            lines += ["", "| row | part | scikit-learn | onnx | diff |", "|---|---|---|---|---|"]
            lines += [
                f"| {r.row} | {r.part} | {r.sklearn} | {r.onnx} | {r.diff:.3g} |" for r in breaches
            ]
            if self.breach_count > len(breaches):
                lines += ["", f"and {self.breach_count - len(breaches):,} more rows"]
        return "\n".join(lines) + "\n"

    def _where(self) -> str:
        holdout = self.rows_checked - self.rows_training
        return f"{self.rows_checked:,} rows ({self.rows_training:,} training, {holdout:,} holdout)"

    def _summary(self) -> str:
        return (
            f"ONNX differs from scikit-learn on {self.breach_count:,} of {self._where()}, "
            f"tolerance {self.tolerance:g}"
        )

    def _breach_rows(self) -> list[ParityRow]:
        return [row for row in self.worst if self._breaches(row)]

    def _breaches(self, row: ParityRow) -> bool:
        return row.diff > self.tolerance or not row.labels_agree


def check_parity(onnx_bytes: bytes, result: TrainResult, tolerance: float) -> ParityReport:
    """Compare onnxruntime with the fitted pipeline on every training and holdout row."""
    scorer = OnnxScorer(onnx_bytes, source="the converted model.onnx")
    scale = _regression_scale(result) if result.task == "regression" else 1.0
    rows: list[np.ndarray] = []
    parts: list[np.ndarray] = []
    diffs: list[np.ndarray] = []
    agree: list[np.ndarray] = []
    sk_shown: list[np.ndarray] = []
    onnx_shown: list[np.ndarray] = []
    for part, features in (("training", result.X_train), ("holdout", result.X_test)):
        diff, same, sk_values, onnx_values = _compare(scorer, result, features, scale, tolerance)
        rows.append(_row_numbers(features))
        parts.append(np.full(len(features), part, dtype=object))
        diffs.append(diff)
        agree.append(same)
        sk_shown.append(sk_values)
        onnx_shown.append(onnx_values)
    diff, same = np.concatenate(diffs), np.concatenate(agree)
    classification = result.task == "classification"
    breach = (diff > tolerance) | ~same
    # label disagreements first, then the largest differences; ties by row number
    order = np.lexsort((np.concatenate(rows), -diff, same))[:WORST_ROWS]
    row_numbers, part_names = np.concatenate(rows), np.concatenate(parts)
    sk_all, onnx_all = np.concatenate(sk_shown), np.concatenate(onnx_shown)
    worst = [
        ParityRow(
            int(row_numbers[i]),
            part_names[i],
            _finite(diff[i]),
            str(sk_all[i]),
            str(onnx_all[i]),
            bool(same[i]),
        )
        for i in order
    ]
    return ParityReport(
        tolerance=tolerance,
        rows_checked=len(diff),
        rows_training=len(result.X_train),
        label_agreement=float(same.mean()) if classification and len(same) else None,
        max_abs_diff=_finite(float(diff.max())) if len(diff) else 0.0,
        scale=scale,
        worst=worst,
        breach_count=int(breach.sum()),
    )


def _compare(
    scorer: OnnxScorer, result: TrainResult, features: pd.DataFrame, scale: float, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: |diff|, labels agree, and the values to show for each side."""
    onnx_values, onnx_proba = scorer.predict(features)
    if result.task == "regression":
        sk_values = np.asarray(result.pipeline.predict(features), dtype=np.float64)
        diff = np.abs(onnx_values - sk_values) / scale
        return (
            _nan_as_inf(diff),
            np.ones(len(features), dtype=bool),
            np.array([f"{v:.8g}" for v in sk_values], dtype=object),
            np.array([f"{v:.8g}" for v in onnx_values], dtype=object),
        )
    sk_raw = np.asarray(result.pipeline.predict(features)).astype(str)
    onnx_raw = np.asarray(onnx_values).astype(str)
    same = sk_raw == onnx_raw
    diff = np.zeros(len(features))
    if result.proba is not None and onnx_proba is not None:
        sk_proba = np.asarray(result.pipeline.predict_proba(features), dtype=np.float64)
        if sk_proba.shape != onnx_proba.shape:
            raise CheckFailedError(
                f"the ONNX model outputs {onnx_proba.shape[1]} probability columns, "
                f"scikit-learn {sk_proba.shape[1]}",
                hint="convert the model again",
            )
        diff = _nan_as_inf(np.abs(onnx_proba - sk_proba).max(axis=1))
        same |= _tied(sk_proba, onnx_raw, result.classes, tolerance)
    quote = np.vectorize(lambda label: f"'{label}'", otypes=[object])
    return diff, same, quote(sk_raw), quote(onnx_raw)


def _tied(
    sk_proba: np.ndarray, onnx_labels: np.ndarray, classes: list[str], tolerance: float
) -> np.ndarray:
    """Rows where the ONNX label is within `tolerance` of scikit-learn's top probability.

    An even forest splits its votes 50/50; scikit-learn takes the first class,
    float32 sums may take the other. Either label is right, so it agrees.
    """
    column = {label: i for i, label in enumerate(classes)}
    picked = np.array([column.get(label, -1) for label in onnx_labels])
    known = picked >= 0
    out = np.zeros(len(onnx_labels), dtype=bool)
    rows = np.flatnonzero(known)
    out[rows] = sk_proba[rows, picked[rows]] >= sk_proba[rows].max(axis=1) - tolerance
    return out


def _regression_scale(result: TrainResult) -> float:
    spread = float(np.std(result.y_train))
    return spread if np.isfinite(spread) and spread > 0 else 1.0


def _row_numbers(features: pd.DataFrame) -> np.ndarray:
    index = features.index.to_numpy()
    if np.issubdtype(index.dtype, np.integer):
        return index.astype(np.int64)
    return np.arange(len(features), dtype=np.int64)  # positions when the index is not row numbers


def _nan_as_inf(diff: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(diff), np.inf, diff)


def _finite(value: float) -> float:
    """Evidence is JSON: an infinite difference is reported as the largest float."""
    return float(min(value, sys.float_info.max))
