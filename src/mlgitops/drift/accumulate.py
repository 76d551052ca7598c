"""Histograms of one feature, for the reference (from its profile) and for current data
(accumulated batch by batch, so memory does not grow with the number of rows).

Both sides use the profile's bins, which is what lets every method compare
them without the raw values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .binning import BLOCK, Binner
from .profile import CategoricalProfile, NumericProfile

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

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
    """Counts current values into the profile's fine bins, with running moments.

    Each block of values is binned, counted and summed while it is in cache;
    nothing is sorted and no Python code runs per value.
    """

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

    def add(self, values: np.ndarray, *, whole: bool = False, nan: bool = True) -> None:
        """Count `values` (float64; NaN is missing). `whole`: every value is an integer;
        `nan=False`: the caller knows there is no NaN."""
        values = np.asarray(values, dtype=np.float64)
        self.rows += values.size
        for start in range(0, values.size, BLOCK):
            self._add_block(values[start : start + BLOCK], whole, nan)

    def add_counts(self, values: np.ndarray, counts: np.ndarray) -> None:
        """Count each of the distinct `values` (no NaN) `counts[i]` times: a column given by
        its value counts (a boolean column is two counts, not a million values to bin)."""
        values = np.asarray(values, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.int64)
        present = counts > 0
        values, counts = values[present], counts[present]
        self.rows += int(counts.sum())
        if values.size == 0:
            return
        centred = values - self.shift
        self.sum += float(np.dot(centred, counts))
        self.sum_squares += float(np.dot(centred * centred, counts))
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))
        bins = self.binner.block_indices(values, whole=bool(np.all(values == np.round(values))))
        np.add.at(self.counts, bins, counts)
        np.add.at(self.sums, bins, values * counts)

    def _add_block(self, values: np.ndarray, whole: bool, nan: bool) -> None:
        centred = values - self.shift
        total = float(centred.sum())
        if nan and not math.isfinite(total):  # NaN in the block (a clean sum costs no extra pass)
            missing = np.isnan(values)
            nulls = int(np.count_nonzero(missing))
            if nulls:
                self.nulls += nulls
                values = values[~missing]
                centred = values - self.shift
                total = float(centred.sum())
        if values.size == 0:
            return
        self.sum += total
        centred *= centred  # not np.dot: BLAS threads cost more than they save on a block
        self.sum_squares += float(centred.sum())
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))
        bins = self.binner.block_indices(values, whole=whole)
        size = self.binner.bins
        self.counts += np.bincount(bins, minlength=size)
        self.sums += np.bincount(bins, weights=values, minlength=size)

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

    def add(self, column: pd.Series[Any] | pa.Array | pa.ChunkedArray) -> None:
        """Count a batch's values: a pandas column (missing: None/NaN/NA), or an Arrow string
        or dictionary column (missing: null or blank)."""
        import pandas as pd

        self.rows += len(column)
        pairs: Iterable[tuple[Any, int]]
        if isinstance(column, pd.Series):
            pairs = column.value_counts(dropna=False, sort=False).items()
        else:
            pairs = _arrow_value_counts(column)
        for value, count in pairs:
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                self.nulls += int(count)
                continue
            self._count(str(value), int(count))

    def _count(self, name: str, count: int) -> None:
        position = self.index.get(name)
        self.counts[len(self.categories) if position is None else position] += count
        if position is None and (
            name in self.other_values or len(self.other_values) < MAX_TRACKED_VALUES
        ):
            self.other_values[name] = self.other_values.get(name, 0) + count

    def histogram(self) -> CategoricalHistogram:
        return CategoricalHistogram(
            list(self.categories),
            self.counts.copy(),
            self.rows,
            self.nulls,
            dict(self.other_values),
        )


def _arrow_value_counts(column: pa.Array | pa.ChunkedArray) -> list[tuple[str | None, int]]:
    """(value, count) of an Arrow text column, with blank values counted as missing (None).

    A dictionary column (Parquet's encoding of text) is counted on its codes,
    without reading a single string per row.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out: list[tuple[str | None, int]] = []
    for chunk in chunks:
        if pa.types.is_dictionary(chunk.type):
            codes = chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            used = np.bincount(codes + 1, minlength=len(chunk.dictionary) + 1)
            names: list[Any] = [None, *chunk.dictionary.to_pylist()]
            counts = used.tolist()
        else:
            found = pc.value_counts(chunk)
            names = found.field("values").to_pylist()
            counts = found.field("counts").to_pylist()
        out += [
            (None if name is None or not str(name).strip() else str(name), count)
            for name, count in zip(names, counts, strict=True)
            if count
        ]
    return out
