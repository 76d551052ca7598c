"""The diagnostics as PNG files for the model card and local use.

matplotlib's Agg canvas through `Figure` (no global pyplot state); no
timestamp or software tag in the files, so the same evidence gives the same
bytes. Files are named `diagnostics-<chart>.png`.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from ..evidence import DiagnosticsEvidence, SliceResult

COLOR = "#4c72b0"
OTHER = "#dd8452"


def render_all(
    diagnostics: DiagnosticsEvidence, slices: dict[str, list[SliceResult]], metric: str | None
) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if diagnostics.confusion is not None:
        out["diagnostics-confusion.png"] = _confusion(diagnostics)
    if diagnostics.roc is not None:
        out["diagnostics-roc.png"] = _curve(diagnostics.roc, "ROC curve", diagonal=True)
    if diagnostics.precision_recall is not None:
        out["diagnostics-precision-recall.png"] = _curve(
            diagnostics.precision_recall, "Precision-recall curve"
        )
    if diagnostics.calibration:
        out["diagnostics-calibration.png"] = _calibration(diagnostics)
    if diagnostics.residuals:
        out["diagnostics-residuals.png"] = _residuals(diagnostics)
    if diagnostics.importance:
        out["diagnostics-importance.png"] = _importance(diagnostics)
    if metric is not None:
        for index, (column, results) in enumerate(slices.items()):
            shown = [r for r in results if metric in r.metrics]
            if shown:
                out[f"diagnostics-slices-{index + 1}.png"] = _slices(column, metric, shown)
    return out


def _figure(width: float = 5.6, height: float = 4.0) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _confusion(d: DiagnosticsEvidence) -> bytes:
    assert d.confusion is not None
    matrix = np.asarray(d.confusion)
    figure = _figure()
    ax = figure.add_subplot()
    image = ax.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=ax, shrink=0.8)
    ticks = np.arange(len(d.classes))
    ax.set_xticks(ticks, labels=d.classes, rotation=30, ha="right")
    ax.set_yticks(ticks, labels=d.classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix ({d.rows:,} holdout rows)")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(
            j,
            i,
            f"{value:,}",
            ha="center",
            va="center",
            color="white" if value > threshold else "black",
        )
    return _png(figure)


def _curve(curve: Any, title: str, *, diagonal: bool = False) -> bytes:
    figure = _figure()
    ax = figure.add_subplot()
    ax.plot(curve.x, curve.y, color=COLOR, lw=2)
    if diagonal:
        ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(curve.x_label)
    ax.set_ylabel(curve.y_label)
    area = f" (area {curve.area:.3f})" if curve.area is not None else ""
    ax.set_title(title + area)
    ax.grid(alpha=0.3)
    return _png(figure)


def _calibration(d: DiagnosticsEvidence) -> bytes:
    figure = _figure()
    ax = figure.add_subplot()
    x = [b.mean_predicted for b in d.calibration]
    y = [b.fraction_positive for b in d.calibration]
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfectly calibrated")
    ax.plot(x, y, marker="o", color=COLOR, lw=2, label="model")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed share of the positive class")
    brier = f" (Brier {d.brier:.4f})" if d.brier is not None else ""
    ax.set_title("Calibration" + brier)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return _png(figure)


def _residuals(d: DiagnosticsEvidence) -> bytes:
    figure = _figure(7.2, 3.6)
    left, right = figure.subplots(1, 2)
    deciles = [b.decile for b in d.residuals]
    left.axhline(0, color="grey", lw=1)
    left.plot(
        [b.mean_prediction for b in d.residuals],
        [b.mean_residual for b in d.residuals],
        marker="o",
        color=COLOR,
    )
    left.set_xlabel("mean prediction (decile)")
    left.set_ylabel("mean residual (truth - prediction)")
    left.set_title("Residuals against prediction")
    right.bar(deciles, [b.mae for b in d.residuals], color=COLOR, label="MAE")
    right.plot(deciles, [b.rmse for b in d.residuals], marker="o", color=OTHER, label="RMSE")
    right.set_xlabel("decile of the prediction")
    right.set_title("Error by decile")
    right.legend(loc="lower right")
    return _png(figure)


def _importance(d: DiagnosticsEvidence) -> bytes:
    shown = d.importance[:15][::-1]
    figure = _figure(5.6, 0.9 + 0.3 * len(shown))
    ax = figure.add_subplot()
    ax.barh(
        [f.feature for f in shown],
        [f.drop for f in shown],
        xerr=[f.std for f in shown],
        color=COLOR,
    )
    ax.axvline(0, color="grey", lw=1)
    ax.set_xlabel(f"{d.importance_metric} lost when the column is shuffled")
    ax.set_title("Permutation importance (holdout)")
    return _png(figure)


def _slices(column: str, metric: str, results: list[SliceResult]) -> bytes:
    figure = _figure(5.6, 3.6)
    ax = figure.add_subplot()
    values = [r.metrics[metric] for r in results]
    low = [
        values[i] - r.intervals[metric].low if metric in r.intervals else 0.0
        for i, r in enumerate(results)
    ]
    high = [
        r.intervals[metric].high - values[i] if metric in r.intervals else 0.0
        for i, r in enumerate(results)
    ]
    colors = ["#bbbbbb" if r.too_small else COLOR for r in results]
    names = [f"{r.value}\n({r.rows:,} rows)" for r in results]
    ax.bar(names, values, yerr=[np.maximum(low, 0), np.maximum(high, 0)], color=colors, capsize=4)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} by {column} (grey: too small)")
    return _png(figure)
