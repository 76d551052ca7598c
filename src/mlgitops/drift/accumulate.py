"""Histograms of one feature, for the reference (from its profile) and for current data
(accumulated batch by batch, so memory does not grow with the number of rows).

Both sides use the profile's bins, which is what lets every method compare
them without the raw values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .binning import Binner
from .profile import CategoricalProfile, NumericProfile

if TYPE_CHECKING:
    import pandas as pd

MAX_TRACKED_VALUES = 1000  # names of current categories outside the profile kept for the report


@dataclass(frozen=True)
class NumericHistogram:
    edges: np.ndarray
    counts: np.ndarray  # len(edges) + 1 bins, non-missing values only
    coarse_edges: np.ndarray
    discrete: bool
    rows: int
    nulls: int
    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    sums: np.ndarray  # the sum of the values in each bin

    @property
    def valid(self) -> int:
        return int(self.counts.sum())

    def coarse_counts(self) -> np.ndarray:
        """Counts on the coarse bins (a coarsening of the fine ones: coarse edges are fine edges)."""
        lower = np.concatenate(([-np.inf], self.edges))
        target = np.searchsorted(self.coarse_edges, lower, side="right")
        return np.bincount(
            target, weights=self.counts, minlength=self.coarse_edges.size + 1
        ).astype(np.int64)


@dataclass(frozen=True)
class CategoricalHistogram:
    categories: list[str]
    counts: np.ndarray  # one per category, then "other"
    rows: int
    nulls: int
    other_values: dict[str, int] = field(default_factory=dict)  # current only: what "other" holds

    @property
    def valid(self) -> int:
        return int(self.counts.sum())


Histogram = NumericHistogram | CategoricalHistogram


def reference_histogram(profile: NumericProfile | CategoricalProfile) -> Histogram:
    if isinstance(profile, CategoricalProfile):
        names = sorted(profile.categories)
        counts = np.array([profile.categories[n] for n in names] + [profile.other], dtype=np.int64)
        return CategoricalHistogram(names, counts, profile.rows, profile.nulls)
    edges = np.asarray(profile.edges, dtype=np.float64)
    counts = np.asarray(profile.counts, dtype=np.int64)
    if profile.discrete:  # bin i > 0 holds only the value edges[i - 1]
        sums = counts * np.concatenate(([0.0], edges))
    else:
        sums = counts * np.asarray(profile.means, dtype=np.float64)
    return NumericHistogram(
        edges,
        counts,
        np.asarray(profile.coarse_edges, dtype=np.float64),
        profile.discrete,
        profile.rows,
        profile.nulls,
        profile.mean,
        profile.std,
        profile.min,
        profile.max,
        sums,
    )


class NumericAccumulator:
    """Counts current values into the profile's fine bins, with running moments."""

    def __init__(self, profile: NumericProfile) -> None:
        self.profile = profile
        self.binner = Binner(np.asarray(profile.edges, dtype=np.float64))
        self.counts = np.zeros(self.binner.bins, dtype=np.int64)
        self.rows = 0
        self.nulls = 0
        # moments about the reference mean, so large offsets do not cancel
        self.shift = profile.mean or 0.0
        self.sum = 0.0
        self.sum_squares = 0.0
        self.min = np.inf
        self.max = -np.inf
        self.sums = np.zeros(self.binner.bins, dtype=np.float64)

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        self.rows += values.size
        missing = np.isnan(values)
        nulls = int(missing.sum())
        if nulls:
            self.nulls += nulls
            values = values[~missing]
        if values.size == 0:
            return
        bins = self.binner.indices(values)
        self.counts += np.bincount(bins, minlength=self.binner.bins)
        self.sums += np.bincount(bins, weights=values, minlength=self.binner.bins)
        centred = values - self.shift
        self.sum += float(centred.sum())
        self.sum_squares += float(np.dot(centred, centred))
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))

    def histogram(self) -> NumericHistogram:
        valid = self.rows - self.nulls
        mean = std = low = high = None
        if valid:
            offset = self.sum / valid
            mean = self.shift + offset
            std = float(np.sqrt(max(self.sum_squares / valid - offset * offset, 0.0)))
            low, high = self.min, self.max
        return NumericHistogram(
            self.binner.edges,
            self.counts.copy(),
            np.asarray(self.profile.coarse_edges, dtype=np.float64),
            self.profile.discrete,
            self.rows,
            self.nulls,
            mean,
            std,
            low,
            high,
            self.sums.copy(),
        )


class CategoricalAccumulator:
    """Counts current values per profile category; everything else goes to "other"."""

    def __init__(self, profile: CategoricalProfile) -> None:
        self.categories = sorted(profile.categories)
        self.index = {name: i for i, name in enumerate(self.categories)}
        self.counts = np.zeros(len(self.categories) + 1, dtype=np.int64)
        self.rows = 0
        self.nulls = 0
        self.other_values: dict[str, int] = {}

    def add(self, column: pd.Series[Any]) -> None:
        import pandas as pd

        self.rows += len(column)
        other = len(self.categories)
        for value, count in column.value_counts(dropna=False, sort=False).items():
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                self.nulls += int(count)
                continue
            name = str(value)
            position = self.index.get(name)
            self.counts[other if position is None else position] += int(count)
            if position is None and (
                name in self.other_values or len(self.other_values) < MAX_TRACKED_VALUES
            ):
                self.other_values[name] = self.other_values.get(name, 0) + int(count)

    def histogram(self) -> CategoricalHistogram:
        return CategoricalHistogram(
            list(self.categories),
            self.counts.copy(),
            self.rows,
            self.nulls,
            dict(self.other_values),
        )
