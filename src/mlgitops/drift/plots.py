"""PNG plots of the most drifted features: reference vs current distribution.

Drawn with matplotlib's Agg canvas and no global pyplot state. Numeric
features are binned over both distributions: equal bins from the smaller
minimum to the larger maximum, so a shifted current distribution keeps its
shape instead of piling into the reference's open outer bin. The reference is
spread over them from its stored fine bins (uniform within each); the current
side is counted from its values when the caller has them (`current_values`),
from its histogram otherwise. Categorical features show side-by-side bars.
The model's scores get the same plot (`prediction-drift.png`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import atomic
from .accumulate import CategoricalHistogram, Histogram, NumericHistogram, reference_histogram
from .profile import Profile

if TYPE_CHECKING:
    from .report import DriftReport, FeatureDrift

REFERENCE_COLOR = "#4c72b0"
CURRENT_COLOR = "#dd8452"
PLOT_BINS = 40
PREDICTION_PLOT = "prediction-drift.png"


def plot_top(
    report: DriftReport,
    profile: Profile,
    current: dict[str, Histogram] | None,
    out_dir: Path,
    top: int = 5,
    current_values: dict[str, np.ndarray] | None = None,
) -> list[Path]:
    """Write `drift-<feature>.png` for the `top` features by severity, and the prediction
    drift plot when it was computed; returns the paths written.

    `current` defaults to the histograms the report was computed from.
    """
    histograms = report.current_histograms if current is None else current
    values = current_values or {}
    written = []
    for feature in report.features[:top]:
        if feature.feature not in histograms or feature.feature not in profile.features:
            continue
        reference = reference_histogram(profile.features[feature.feature])
        path = out_dir / f"drift-{slug(feature.feature)}.png"
        png = render(feature, reference, histograms[feature.feature], values.get(feature.feature))
        atomic.write_bytes(path, png)
        written.append(path)
    scores = histograms.get("prediction")  # the report's own key for the model's scores
    if report.prediction is not None and profile.prediction is not None and scores is not None:
        reference = reference_histogram(profile.prediction.distribution)
        path = out_dir / PREDICTION_PLOT
        atomic.write_bytes(path, render(report.prediction, reference, scores, None))
        written.append(path)
    return written


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "feature"


def render(
    feature: FeatureDrift,
    reference: Histogram,
    current: Histogram,
    current_values: np.ndarray | None = None,
) -> bytes:
    import io

    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 3.6), dpi=100, layout="constrained")
    axes = figure.subplots()
    if isinstance(reference, NumericHistogram) and isinstance(current, NumericHistogram):
        _numeric(axes, reference, current, current_values)
    elif isinstance(reference, CategoricalHistogram) and isinstance(current, CategoricalHistogram):
        _categorical(axes, reference, current)
    from .report import format_statistic, format_threshold

    verdict = "drifted" if feature.drifted else "no drift"
    name = "model scores" if feature.feature == "prediction" else feature.feature
    axes.set_title(
        f"{name}: {verdict} ({feature.method} {format_statistic(feature)}, "
        f"threshold {format_threshold(feature)})"
    )
    axes.legend(loc="best", frameon=False)
    buffer = io.BytesIO()
    # no timestamp or version in the file, so the same report gives the same bytes
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _numeric(
    axes: Any,
    reference: NumericHistogram,
    current: NumericHistogram,
    current_values: np.ndarray | None,
) -> None:
    edges = reference.edges
    low = min(
        v
        for v in (reference.min, current.min, float(edges[0]) if edges.size else 0.0)
        if v is not None
    )
    high = max(
        v
        for v in (reference.max, current.max, float(edges[-1]) if edges.size else 1.0)
        if v is not None
    )
    if reference.discrete:  # one bar per value
        bars = _discrete_bars(reference, current, current_values, low)
        if bars is not None:
            positions, reference_share, current_share = bars
            width = 0.4 * (float(np.min(np.diff(positions))) if positions.size > 1 else 1.0)
            axes.bar(
                positions - width / 2,
                reference_share,
                width,
                label="reference",
                color=REFERENCE_COLOR,
            )
            axes.bar(
                positions + width / 2, current_share, width, label="current", color=CURRENT_COLOR
            )
            axes.set_ylabel("share of values")
            return
        # too many distinct values to read as bars: bins over both, below
    bounds, reference_counts, current_counts = plot_bins(
        reference, current, current_values, low, high
    )
    widths = np.diff(bounds)
    for counts, label, color in (
        (reference_counts, "reference", REFERENCE_COLOR),
        (current_counts, "current", CURRENT_COLOR),
    ):
        density = _share(counts) / widths  # share per unit
        axes.stairs(density, bounds, label=label, color=color, linewidth=1.5)
    axes.set_ylabel("density")


MAX_BARS = 120


def _discrete_bars(
    reference: NumericHistogram,
    current: NumericHistogram,
    current_values: np.ndarray | None,
    low: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Positions and each side's share per value, over the values of both sides.

    Without the current values, its histogram's outer bins (values the reference
    never had) are drawn at the reference's extremes; None when there are too
    many values to draw as bars.
    """
    edges = reference.edges
    if current_values is None:
        return np.concatenate(([low], edges)), _share(reference.counts), _share(current.counts)
    values, counts = np.unique(current_values[np.isfinite(current_values)], return_counts=True)
    positions = np.union1d(edges, values)
    if positions.size > MAX_BARS:
        return None
    reference_counts = np.zeros(positions.size)
    reference_counts[np.searchsorted(positions, edges)] = reference.counts[1:]
    current_counts = np.zeros(positions.size)
    current_counts[np.searchsorted(positions, values)] = counts
    return positions, _share(reference_counts), _share(current_counts)


def plot_bins(
    reference: NumericHistogram,
    current: NumericHistogram,
    current_values: np.ndarray | None,
    low: float,
    high: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PLOT_BINS equal bins over [low, high] (both distributions), and each side's counts."""
    bounds = np.linspace(low, high, PLOT_BINS + 1) if high > low else np.array([low, low + 1.0])
    if current_values is not None:
        finite = current_values[np.isfinite(current_values)]
        current_counts = np.histogram(finite, bounds)[0].astype(np.float64)
    else:
        current_counts = _spread(current, bounds)
    return bounds, _spread(reference, bounds), current_counts


def _spread(hist: NumericHistogram, bounds: np.ndarray) -> np.ndarray:
    """A histogram's counts on other bins, each of its own bins spread evenly over its range
    (the open outer bins over [min, first edge] and [last edge, max])."""
    low = hist.min if hist.min is not None else float(hist.edges[0]) if hist.edges.size else 0.0
    high = hist.max if hist.max is not None else float(hist.edges[-1]) if hist.edges.size else low
    own = np.concatenate(([low], np.clip(hist.edges, low, high), [high]))
    cumulative = np.concatenate(([0.0], np.cumsum(hist.counts, dtype=np.float64)))
    # np.interp wants increasing x: empty outer bins can repeat an edge, which is harmless here
    at = np.interp(bounds, own, cumulative, left=0.0, right=cumulative[-1])
    return np.diff(at)


def _categorical(axes: Any, reference: CategoricalHistogram, current: CategoricalHistogram) -> None:
    names = [*reference.categories, "(other)"]
    order = np.argsort(-(_share(reference.counts) + _share(current.counts)), kind="stable")[:20]
    positions = np.arange(order.size)
    axes.bar(
        positions - 0.2,
        _share(reference.counts)[order],
        0.4,
        label="reference",
        color=REFERENCE_COLOR,
    )
    axes.bar(
        positions + 0.2, _share(current.counts)[order], 0.4, label="current", color=CURRENT_COLOR
    )
    axes.set_xticks(positions, [names[i] for i in order], rotation=30, ha="right")
    axes.set_ylabel("share of values")


def _share(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else np.zeros(counts.size)
