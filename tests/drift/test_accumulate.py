"""The accumulator's fast paths give bit for bit what counting block by block gives.

`BlockwiseAccumulator` is the plain algorithm: every `BLOCK` values binned
with the binner, counted and summed on their own, one block at a time. The
accumulator works on several blocks at once and counts short ranges of
integers per distinct value; its histograms must not differ in a single bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mlgitops.drift import detect
from mlgitops.drift.accumulate import SPAN, NumericAccumulator, NumericHistogram
from mlgitops.drift.binning import BLOCK
from mlgitops.drift.profile import NumericProfile, Profile, numeric_profile
from mlgitops.spec.models import DriftSpec

RNG = np.random.default_rng(11)
FrameMaker = Callable[..., pd.DataFrame]


class BlockwiseAccumulator(NumericAccumulator):
    """One block of `BLOCK` values at a time, each binned value by value."""

    def add(self, values: np.ndarray, *, whole: bool = False, nan: bool = True) -> None:
        values = np.asarray(values, dtype=np.float64)
        self.rows += values.size
        for start in range(0, values.size, BLOCK):
            self._add_block(values[start : start + BLOCK], whole, nan)

    def add_integers(self, floats: np.ndarray, integers: np.ndarray) -> None:
        self.add(floats, whole=True, nan=False)

    def _add_block(self, values: np.ndarray, whole: bool, nan: bool) -> None:
        centred = values - self.shift
        total = float(centred.sum())
        if nan and not math.isfinite(total):
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
        centred *= centred
        self.sum_squares += float(centred.sum())
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))
        bins = self.binner.block_indices(values, whole=whole)
        size = self.binner.bins
        self.counts += np.bincount(bins, minlength=size)
        self.sums += np.bincount(bins, weights=values, minlength=size)


def _bits(value: Any) -> bytes:
    return np.asarray(value, dtype=np.float64).tobytes()  # -0.0 and 0.0, NaN payloads differ


def assert_same_accumulation(fast: NumericAccumulator, plain: NumericAccumulator) -> None:
    assert (fast.rows, fast.nulls) == (plain.rows, plain.nulls)
    assert np.array_equal(fast.counts, plain.counts)
    for name in ("sum", "sum_squares", "min", "max", "sums"):
        assert _bits(getattr(fast, name)) == _bits(getattr(plain, name)), name
    _assert_same_histogram(fast.histogram(), plain.histogram())


def _assert_same_histogram(fast: NumericHistogram, plain: NumericHistogram) -> None:
    for name in ("rows", "nulls"):
        assert getattr(fast, name) == getattr(plain, name)
    for name in ("mean", "std", "min", "max"):
        assert _bits(getattr(fast, name) or 0.0) == _bits(getattr(plain, name) or 0.0), name
    assert np.array_equal(fast.counts, plain.counts)
    assert _bits(fast.sums) == _bits(plain.sums)


def _profile_of(values: np.ndarray) -> NumericProfile:
    return numeric_profile(np.asarray(values, dtype=np.float64))


REFERENCES = {
    "percentiles": _profile_of(RNG.lognormal(1, 0.8, 5000)),
    "discrete": _profile_of(RNG.integers(0, 12, 5000)),
    "whole percentiles": _profile_of(RNG.integers(-40, 300, 5000)),
    "binary": _profile_of(RNG.random(5000) < 0.3),
    "constant": _profile_of(np.full(100, 7.0)),
    "one value and nulls": _profile_of(np.array([np.nan, 2.5, np.nan])),
    "every value missing": _profile_of(np.full(10, np.nan)),
    "far from zero": _profile_of(RNG.normal(1e9, 1.0, 5000)),
}

SIZES = [1, 2, BLOCK - 1, BLOCK, BLOCK + 1, SPAN - 1, SPAN, SPAN + 1, 2 * SPAN + BLOCK + 17]


def _floats(size: int, profile: NumericProfile) -> np.ndarray:
    """Values of the reference's kind, with every hard case mixed in: the edges and their
    neighbours, both zeros, infinities, huge values and NaN (single and whole blocks)."""
    mean, std = profile.mean or 0.0, profile.std or 1.0
    values = RNG.normal(mean, 2 * std + 1e-9, size)
    edges = np.asarray(profile.edges, dtype=np.float64)
    hard = np.concatenate(
        [
            edges,
            np.nextafter(edges, -np.inf),
            np.nextafter(edges, np.inf),
            [0.0, -0.0, np.inf, -np.inf, 1e300, -1e300, 5e-324],
        ]
    )
    where = RNG.integers(0, size, min(size, hard.size))
    values[where] = hard[: where.size]
    values[RNG.random(size) < 0.05] = np.nan
    if size > 2 * BLOCK:
        values[BLOCK : 2 * BLOCK] = np.nan  # a whole block missing
    return values


@pytest.mark.parametrize("reference", sorted(REFERENCES))
@pytest.mark.parametrize("size", SIZES)
def test_floats_accumulate_exactly_as_block_by_block(reference: str, size: int) -> None:
    profile = REFERENCES[reference]
    fast, plain = NumericAccumulator(profile), BlockwiseAccumulator(profile)
    for batch in (_floats(size, profile), _floats(size // 3 + 1, profile)):
        fast.add(batch)
        plain.add(batch)
    assert_same_accumulation(fast, plain)


@pytest.mark.parametrize(
    "values",
    [
        np.full(SPAN + 5, np.nan),  # nothing but missing values
        np.full(BLOCK * 2 + 3, -0.0),  # a constant, and the zero's sign
        np.where(np.arange(SPAN) % 2 == 0, 0.0, -0.0),
        np.full(SPAN, np.inf),
        np.array([5e-324]),
    ],
    ids=["all missing", "negative zero", "both zeros", "infinite", "one row"],
)
def test_degenerate_floats_accumulate_exactly_as_block_by_block(values: np.ndarray) -> None:
    for profile in REFERENCES.values():
        fast, plain = NumericAccumulator(profile), BlockwiseAccumulator(profile)
        fast.add(values)
        plain.add(values)
        assert_same_accumulation(fast, plain)


def test_strided_values_accumulate_exactly_as_block_by_block() -> None:
    """Scores arrive as a column of a probability matrix: a strided view."""
    matrix = RNG.random((SPAN + 99, 2))
    profile = _profile_of(RNG.random(2000))
    fast, plain = NumericAccumulator(profile), BlockwiseAccumulator(profile)
    fast.add(matrix[:, 1])
    plain.add(matrix[:, 1])
    assert_same_accumulation(fast, plain)


INTEGER_CASES = {
    "small range": (np.int64, 0, 101),
    "negative": (np.int64, -60, 15),
    "int8 across its range": (np.int8, -128, 128),  # shifting must not wrap around
    "uint16": (np.uint16, 0, 2**16),
    "uint64": (np.uint64, 0, 50),  # not castable to intp: binned instead
    "wide range": (np.int64, -(10**7), 10**7),  # too many values for a table
    "large values": (np.int64, 2**40, 2**40 + 30),  # sizes past 2**53: binned instead
    "one value": (np.int32, 4, 5),
}


@pytest.mark.parametrize("case", sorted(INTEGER_CASES))
@pytest.mark.parametrize("reference", ["whole percentiles", "discrete", "percentiles", "binary"])
def test_integers_accumulate_exactly_as_block_by_block(case: str, reference: str) -> None:
    dtype, low, high = INTEGER_CASES[case]
    profile = REFERENCES[reference]
    fast, plain = NumericAccumulator(profile), BlockwiseAccumulator(profile)
    for size in (SPAN + 7, 1, BLOCK, 3 * SPAN):
        integers = RNG.integers(low, high, size).astype(dtype)
        floats = integers.astype(np.float64)
        fast.add_integers(floats, integers)
        plain.add_integers(floats, integers)
    assert_same_accumulation(fast, plain)


def test_integers_after_fractions_are_still_exact() -> None:
    """Once a fraction is in the per-bin sums, their order matters: no counting per value."""
    profile = REFERENCES["whole percentiles"]
    fast, plain = NumericAccumulator(profile), BlockwiseAccumulator(profile)
    fractions = RNG.normal(100, 50, BLOCK + 3)
    integers = RNG.integers(-40, 300, SPAN)
    for accumulator in (fast, plain):
        accumulator.add(fractions)
        accumulator.add_integers(integers.astype(np.float64), integers)
        accumulator.add_counts(np.array([0.0, 1.0]), np.array([3, 4]))
        accumulator.add_integers(integers.astype(np.float64), integers)
    assert_same_accumulation(fast, plain)


def test_integers_whose_sizes_reach_two_to_the_53_are_binned() -> None:
    profile = REFERENCES["whole percentiles"]
    fast, plain = NumericAccumulator(profile), BlockwiseAccumulator(profile)
    integers = np.array([2**52, 2**52 - 1, -(2**52)] * 5, dtype=np.int64)
    for _ in range(3):
        fast.add_integers(integers.astype(np.float64), integers)
        plain.add_integers(integers.astype(np.float64), integers)
    assert_same_accumulation(fast, plain)


def _arrow_batches(frame: pd.DataFrame) -> list[pa.Table]:
    frame["calls"] = frame["calls"].astype(np.int64)  # an integer column, as Parquet stores it
    frame["tenure"] = frame["tenure"].astype(np.int16)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return [table.slice(start, BLOCK + 5) for start in range(0, len(frame), BLOCK + 5)]


def test_detection_gives_the_block_by_block_report(
    monkeypatch: pytest.MonkeyPatch, frame_maker: FrameMaker, reference_profile: Profile
) -> None:
    """Arrow batches (integer columns counted per value) and pandas ones alike."""
    frame = frame_maker(3 * BLOCK + 123, 2, {"age": 0.3, "plan": 0.4, "calls": 0.5})
    arrow = _arrow_batches(frame)
    frames = [frame.iloc[start : start + SPAN + 1] for start in range(0, len(frame), SPAN + 1)]
    for batches in (arrow, frames):
        _assert_same_report(monkeypatch, reference_profile, batches)


def _assert_same_report(
    monkeypatch: pytest.MonkeyPatch, profile: Profile, batches: list[Any]
) -> None:
    monkeypatch.undo()
    fast = detect.detect_drift(profile, batches, DriftSpec())
    monkeypatch.setattr(detect, "NumericAccumulator", BlockwiseAccumulator)
    plain = detect.detect_drift(profile, batches, DriftSpec())
    fast_dict, plain_dict = fast.to_dict(), plain.to_dict()
    fast_dict.pop("seconds"), plain_dict.pop("seconds")
    assert fast_dict == plain_dict
    for name in profile.numeric:
        histogram, reference = fast.current_histograms[name], plain.current_histograms[name]
        assert isinstance(histogram, NumericHistogram) and isinstance(reference, NumericHistogram)
        _assert_same_histogram(histogram, reference)
