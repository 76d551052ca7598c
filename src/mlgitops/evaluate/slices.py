"""Metrics per value of a column (Fairlearn's MetricFrame, TFX's slices), with intervals.

A slice smaller than `min_slice_rows` is reported as too small and left out
of the largest gaps: it is never a reason to fail. A metric that a slice
cannot define (roc_auc on a slice holding one class) is left out of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..evidence import SliceGap, SliceResult
from ..registries import HIGHER_IS_BETTER
from .bootstrap import Outputs, Truth, resample_metrics
from .paired import finite, metric_intervals

if TYPE_CHECKING:
    import pandas as pd

MISSING = "(missing)"
# A numeric column with more distinct values than this is sliced by quartiles.
MAX_DISTINCT = 10


@dataclass(frozen=True)
class SliceSettings:
    names: Sequence[str]
    min_rows: int
    resamples: int
    confidence: float
    seed: int


def slice_labels(values: pd.Series, numeric: bool) -> np.ndarray:
    """One text label per row: the value, or its quartile range for many-valued numbers."""
    import pandas as pd

    raw = values.to_numpy(dtype=object)
    missing = pd.isna(raw)
    out = np.empty(len(raw), dtype=object)
    out[missing] = MISSING
    present = values[~missing]
    if numeric and present.nunique() > MAX_DISTINCT:
        edges = np.unique(np.quantile(present.to_numpy(dtype=np.float64), [0, 0.25, 0.5, 0.75, 1]))
        bins = np.clip(
            np.searchsorted(edges, present.to_numpy(dtype=np.float64), side="right") - 1,
            0,
            len(edges) - 2,
        )
        names = [
            f"[{_g(edges[i])}, {_g(edges[i + 1])}{']' if i == len(edges) - 2 else ')'}"
            for i in range(len(edges) - 1)
        ]
        out[~missing] = [names[b] for b in bins]
    else:
        out[~missing] = [_text(v) for v in present.to_numpy(dtype=object)]
    return out


def slice_column(
    labels: np.ndarray,
    truth: Truth,
    candidate: Outputs,
    production: Outputs | None,
    overall: dict[str, float],
    settings: SliceSettings,
) -> list[SliceResult]:
    """One result per slice value, largest slice first."""
    values, counts = np.unique(labels.astype(str), return_counts=True)
    order = sorted(range(len(values)), key=lambda i: (-counts[i], values[i]))
    results = []
    for position, i in enumerate(order):
        mask = labels.astype(str) == values[i]
        sub_truth = truth.subset(mask)
        models = [candidate.subset(mask)] + ([production.subset(mask)] if production else [])
        resampled = resample_metrics(
            sub_truth, models, settings.names, settings.resamples, settings.seed + 1 + position
        )
        metrics = finite(resampled.points[0])
        gap_production = None
        if production is not None:
            before = finite(resampled.points[1])
            gap_production = {k: v - before[k] for k, v in metrics.items() if k in before}
        results.append(
            SliceResult(
                value=str(values[i]),
                rows=int(counts[i]),
                too_small=bool(counts[i] < settings.min_rows),
                metrics=metrics,
                intervals=metric_intervals(resampled, 0, settings.confidence),
                gap_to_overall={k: v - overall[k] for k, v in metrics.items() if k in overall},
                gap_to_production=gap_production,
            )
        )
    return results


def largest_gaps(results: Sequence[SliceResult], names: Sequence[str]) -> dict[str, SliceGap]:
    """Per metric, the best slice against the worst (slices large enough only)."""
    out = {}
    for name in names:
        scored = [
            (r.metrics[name], r.value) for r in results if not r.too_small and name in r.metrics
        ]
        if len(scored) < 2:
            continue
        higher = name in HIGHER_IS_BETTER
        best = max(scored) if higher else min(scored)
        worst = min(scored) if higher else max(scored)
        out[name] = SliceGap(
            difference=abs(best[0] - worst[0]),
            ratio=(worst[0] / best[0]) if best[0] != 0 else None,
            worst=worst[1],
            best=best[1],
        )
    return out


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _g(value: float) -> str:
    return f"{value:.4g}"
