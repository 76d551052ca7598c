"""PNG plots of the most drifted features: reference vs current distribution.

Drawn from the histograms alone (no raw data), with matplotlib's Agg canvas
and no global pyplot state. Numeric features show the share of values per
fine bin as a step line (the open outer bins are drawn out to the observed
minimum and maximum); categorical ones show side-by-side bars per category.
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
FINE_PLOT_VALUES = 10_000


def plot_top(
    report: DriftReport,
    profile: Profile,
    current: dict[str, Histogram] | None,
    out_dir: Path,
    top: int = 5,
) -> list[Path]:
    """Write `drift-<feature>.png` for the `top` features by severity; returns the paths written.

    `current` defaults to the histograms the report was computed from.
    """
    histograms = report.current_histograms if current is None else current
    written = []
    for feature in report.features[:top]:
        if feature.feature not in histograms or feature.feature not in profile.features:
            continue
        reference = reference_histogram(profile.features[feature.feature])
        path = out_dir / f"drift-{slug(feature.feature)}.png"
        atomic.write_bytes(path, render(feature, reference, histograms[feature.feature]))
        written.append(path)
    return written


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "feature"


def render(feature: FeatureDrift, reference: Histogram, current: Histogram) -> bytes:
    import io

    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 3.6), dpi=100, layout="constrained")
    axes = figure.subplots()
    if isinstance(reference, NumericHistogram) and isinstance(current, NumericHistogram):
        _numeric(axes, reference, current)
    elif isinstance(reference, CategoricalHistogram) and isinstance(current, CategoricalHistogram):
        _categorical(axes, reference, current)
    verdict = "drifted" if feature.drifted else "no drift"
    statistic = "–" if feature.statistic is None else f"{feature.statistic:.4g}"
    axes.set_title(
        f"{feature.feature}: {verdict} ({feature.method} {statistic}, threshold {feature.threshold:g})"
    )
    axes.legend(loc="best", frameon=False)
    buffer = io.BytesIO()
    # no timestamp or version in the file, so the same report gives the same bytes
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _numeric(axes: Any, reference: NumericHistogram, current: NumericHistogram) -> None:
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
    if reference.discrete:  # one bar per value; outer bins hold values outside the reference's
        positions = np.concatenate(([low], edges))
        width = 0.4 * (float(np.min(np.diff(edges))) if edges.size > 1 else 1.0)
        axes.bar(
            positions - width / 2,
            _share(reference.counts),
            width,
            label="reference",
            color=REFERENCE_COLOR,
        )
        axes.bar(
            positions + width / 2,
            _share(current.counts),
            width,
            label="current",
            color=CURRENT_COLOR,
        )
        axes.set_ylabel("share of values")
        return
    # fine bins need many values to be read; a small sample is drawn on the coarse ones
    fine = current.valid >= FINE_PLOT_VALUES
    inner = edges if fine else reference.coarse_edges
    bounds = np.concatenate(([low], inner, [high]))
    widths = np.diff(bounds)
    widths[widths <= 0] = 1.0
    for hist, label, color in (
        (reference, "reference", REFERENCE_COLOR),
        (current, "current", CURRENT_COLOR),
    ):
        counts = hist.counts if fine else hist.coarse_counts()
        density = _share(counts) / widths  # share per unit: comparable across unequal bins
        axes.stairs(density, bounds, label=label, color=color, linewidth=1.5)
    axes.set_ylabel("density")


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
