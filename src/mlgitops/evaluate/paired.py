"""Intervals of one model's metrics, and paired comparisons of two models on the same rows."""

from __future__ import annotations

import math

import numpy as np

from ..evidence import MetricComparison, MetricInterval
from ..registries import HIGHER_IS_BETTER
from .bootstrap import Resampled, interval


def metric_intervals(
    resampled: Resampled, model: int, confidence: float
) -> dict[str, MetricInterval]:
    """The bootstrap interval of each of model `model`'s metrics (leaving out undefined ones)."""
    out = {}
    for name, draws in resampled.draws[model].items():
        found = interval(draws, confidence)
        if found is not None:
            out[name] = MetricInterval(low=found.low, high=found.high)
    return out


def compare(
    resampled: Resampled, confidence: float, *, candidate: int = 0, production: int = 1
) -> dict[str, MetricComparison]:
    """Per metric: both values, candidate - production, and its paired bootstrap interval."""
    out = {}
    for name, value in resampled.points[candidate].items():
        before = resampled.points[production].get(name)
        if before is None or not (math.isfinite(value) and math.isfinite(before)):
            continue
        delta = value - before
        draws = resampled.draws[candidate].get(name)
        other = resampled.draws[production].get(name)
        found = None if draws is None or other is None else interval(draws - other, confidence)
        low, high = (delta, delta) if found is None else (found.low, found.high)
        out[name] = MetricComparison(
            candidate=value,
            production=before,
            delta=delta,
            higher_is_better=name in HIGHER_IS_BETTER,
            ci_low=low,
            ci_high=high,
            rows=resampled.rows,
            within_noise=bool(low <= 0.0 <= high),
        )
    return out


def finite(values: dict[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if np.isfinite(v)}
