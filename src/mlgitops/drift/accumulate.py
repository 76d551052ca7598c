"""Histograms of one feature, for the reference (from its profile) and for current data
(accumulated batch by batch, so memory does not grow with the number of rows).

Both sides use the profile's bins, which is what lets every method compare
them without the raw values.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .binning import BLOCK, Binner, Workspace
from .profile import CategoricalProfile, NumericProfile

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

MAX_TRACKED_VALUES = 1000  # names of current categories outside the profile kept for the report
SPAN_BLOCKS = 4  # blocks worked on together: a 100,000-row batch in one go
SPAN = SPAN_BLOCKS * BLOCK
EXACT_INTEGERS = float(2**53)  # every integer up to this size is a float64
MIN_VALUE_TABLE = 1 << 12  # integers spanning fewer values than this are counted per value


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

    Values are taken in blocks of `BLOCK`: each block's sums are added to the
    running totals on their own, so the totals do not depend on how the data
    is split into batches beyond that. Up to `SPAN_BLOCKS` blocks are worked on
    together, their per-block sums read off one reshaped array, so a batch
    costs a few array operations and no Python code per block or per value.
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
        # While every value counted so far is a whole number and the sum of their sizes stays
        # below 2**53, every per-bin sum is an exact integer, whatever the order of adding:
        # integers may then be counted per distinct value instead of per row.
        self._whole_sums = True
        self._size_bound = 0.0

    def add(self, values: np.ndarray, *, whole: bool = False, nan: bool = True) -> None:
        """Count `values` (float64; NaN is missing). `whole`: every value is an integer;
        `nan=False`: the caller knows there is no NaN."""
        values = np.asarray(values, dtype=np.float64)
        self.rows += values.size
        for start in range(0, values.size, SPAN):
            self._add_span(values[start : start + SPAN], whole, nan)

    def add_integers(self, floats: np.ndarray, integers: np.ndarray) -> None:
        """Count integer values without missing ones: `floats` are `integers` as float64.
        The same result as `add(floats, whole=True, nan=False)`; a short range of values
        is counted per distinct value rather than binned row by row."""
        floats = np.asarray(floats, dtype=np.float64)
        self.rows += floats.size
        for start in range(0, floats.size, SPAN):
            stop = start + SPAN
            self._add_span(floats[start:stop], True, False, integers[start:stop])

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
        whole = bool(np.all(values == np.round(values)))
        self._note_sizes(whole, float(np.dot(np.abs(values), counts)))
        bins = self.binner.block_indices(values, whole=whole)
        np.add.at(self.counts, bins, counts)
        np.add.at(self.sums, bins, values * counts)

    def _add_span(
        self, values: np.ndarray, whole: bool, nan: bool, integers: np.ndarray | None = None
    ) -> None:
        """At most `SPAN` values: blocks of `BLOCK` from the start, the last maybe shorter."""
        work = _workspace()
        centred = np.subtract(values, self.shift, out=work.centred[: values.size])
        totals = _block_reduce(np.add.reduce, centred, None)
        stops: list[int] | None = None  # None: blocks of BLOCK values, nothing left out
        if nan and not all(map(math.isfinite, totals)):  # NaN in a block (or an infinity)
            missing = np.isnan(values)
            nulls = int(np.count_nonzero(missing))
            if nulls:
                self.nulls += nulls
                gaps = _block_reduce(np.add.reduce, missing, None, dtype=np.intp)
                blocks = _block_bounds(values.size, None)
                kept = [stop - start - gap for (start, stop), gap in zip(blocks, gaps, strict=True)]
                stops = np.cumsum(kept).tolist()
                values = values[~missing]
                centred = np.subtract(values, self.shift, out=work.centred[: values.size])
                totals = _block_reduce(np.add.reduce, centred, stops)
                integers = None
        if values.size == 0:
            return
        sizes = [b - a for a, b in _block_bounds(values.size, stops)]
        for total, size in zip(totals, sizes, strict=True):
            if size:  # an empty block (every value missing) adds nothing
                self.sum += total
        centred *= centred  # not np.dot: BLAS threads cost more than they save on a block
        for total, size in zip(_block_reduce(np.add.reduce, centred, stops), sizes, strict=True):
            if size:
                self.sum_squares += total
        lows = _block_reduce(np.minimum.reduce, values, stops)
        highs = _block_reduce(np.maximum.reduce, values, stops)
        for block_low, block_high, size in zip(lows, highs, sizes, strict=True):
            if size:
                self.min = min(self.min, block_low)
                self.max = max(self.max, block_high)
        low = min(block for block, size in zip(lows, sizes, strict=True) if size)
        high = max(block for block, size in zip(highs, sizes, strict=True) if size)
        if integers is not None and self._count_by_value(integers, low, high):
            return
        self._note_sizes(whole, values.size * max(abs(low), abs(high)))
        bins = self.binner.block_indices(values, whole=whole, work=work)
        size = self.binner.bins
        self.counts += np.bincount(bins, minlength=size)
        for start, stop in _block_bounds(values.size, stops):
            if stop > start:
                self.sums += np.bincount(
                    bins[start:stop], weights=values[start:stop], minlength=size
                )

    def _count_by_value(self, integers: np.ndarray, low: float, high: float) -> bool:
        """Count integers in [low, high] per distinct value when that is exact and cheap;
        False (nothing counted) otherwise."""
        bound = self._size_bound + integers.size * max(abs(low), abs(high))
        if not (
            self._whole_sums
            and bound <= EXACT_INTEGERS
            and high - low < max(integers.size, MIN_VALUE_TABLE)
            and np.can_cast(integers.dtype, np.intp)
        ):
            return False
        offset = int(low) if low < 0 or high >= integers.size else 0
        shifted = np.asarray(integers, dtype=np.intp)
        if offset:
            shifted = shifted - offset
        per_value = np.bincount(shifted, minlength=int(high) - offset + 1)
        present = np.flatnonzero(per_value)
        distinct = (present + offset).astype(np.float64)
        repeats = per_value[present]
        self._size_bound = bound
        bins = self.binner.block_indices(distinct, whole=True)
        np.add.at(self.counts, bins, repeats)
        np.add.at(self.sums, bins, distinct * repeats)  # exact integers: the order is immaterial
        return True

    def _note_sizes(self, whole: bool, size: float) -> None:
        self._size_bound += size
        self._whole_sums = self._whole_sums and whole and self._size_bound <= EXACT_INTEGERS

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


class _SpanWork(Workspace):
    def __init__(self) -> None:
        super().__init__(SPAN)
        self.centred = np.empty(SPAN, dtype=np.float64)


_local = threading.local()


def _workspace() -> _SpanWork:
    """This thread's arrays for one span (a few MiB, kept for the thread's life)."""
    work: _SpanWork | None = getattr(_local, "work", None)
    if work is None:
        work = _local.work = _SpanWork()
    return work


def _block_bounds(size: int, stops: list[int] | None) -> list[tuple[int, int]]:
    """(start, stop) of each block: every `BLOCK` values, or up to each of `stops`."""
    if stops is None:
        return [(start, min(start + BLOCK, size)) for start in range(0, size, BLOCK)]
    return list(zip([0, *stops[:-1]], stops, strict=True))


def _block_reduce(
    reduce: Callable[..., Any], array: np.ndarray, stops: list[int] | None, **options: Any
) -> list[Any]:
    """`reduce` of each block of `array` (see `_block_bounds`), as Python numbers.

    Whole blocks are reduced as the rows of one reshaped array: numpy reduces
    each row exactly as it would reduce that block alone (the same pairwise
    summation), so the results are the same, at the cost of one call.
    """
    if stops is not None:
        return [
            reduce(array[start:stop], **options).item() if stop > start else 0
            for start, stop in _block_bounds(array.size, stops)
        ]
    whole = array.size // BLOCK
    out: list[Any] = []
    if whole:
        out = reduce(array[: whole * BLOCK].reshape(whole, BLOCK), axis=1, **options).tolist()
    if array.size % BLOCK:
        out.append(reduce(array[whole * BLOCK :], **options).item())
    return out


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
