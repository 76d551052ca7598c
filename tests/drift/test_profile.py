"""The reference profile: small, deterministic, self-consistent."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from mlgitops.drift.profile import (
    MAX_CATEGORIES,
    MAX_FINE_BINS,
    CategoricalProfile,
    NumericProfile,
    Profile,
    build_profile,
    categorical_profile,
    numeric_profile,
    prediction_scores,
)
from mlgitops.errors import BadInputError

FrameMaker = Callable[..., pd.DataFrame]


def test_profile_bytes_are_deterministic_and_round_trip(frame_maker: FrameMaker) -> None:
    frame = frame_maker(3000, seed=1)
    scores = np.random.default_rng(0).random(600)
    first = build_profile(
        frame,
        ["age", "income", "tenure", "flag", "balance"],
        ["plan", "region"],
        scores,
        "classification",
    )
    again = build_profile(
        frame.copy(),
        ["age", "income", "tenure", "flag", "balance"],
        ["plan", "region"],
        scores.copy(),
        "classification",
    )
    data = first.to_json_bytes()
    assert data == again.to_json_bytes()
    assert Profile.from_json(data) == first
    assert Profile.from_json(data).to_json_bytes() == data
    assert data.endswith(b"\n") and b"NaN" not in data


def test_profile_stays_small(profile_maker: Callable[..., Profile]) -> None:
    profile = profile_maker(rows=20_000, scores=np.random.default_rng(0).random(4000))
    # about 4 KB per continuous feature, far less for discrete and categorical ones
    assert len(profile.to_json_bytes()) < 4500 * len(profile.features)


def test_continuous_feature_has_percentile_bins_and_exact_counts() -> None:
    values = np.random.default_rng(2).normal(5, 2, 10_000)
    values[:100] = np.nan
    profile = numeric_profile(values)
    edges = np.asarray(profile.edges)
    assert not profile.discrete
    assert len(edges) == MAX_FINE_BINS + 1 and np.all(np.diff(edges) > 0)
    assert profile.nulls == 100 and profile.null_fraction == pytest.approx(0.01)
    assert sum(profile.counts) == profile.valid == 9900
    assert profile.counts[0] == 0  # nothing below the minimum
    finite = values[~np.isnan(values)]
    assert np.array_equal(
        profile.counts,
        np.bincount(np.searchsorted(edges, finite, side="right"), minlength=edges.size + 1),
    )
    assert set(profile.coarse_edges) <= set(profile.edges) and len(profile.coarse_edges) == 9
    assert profile.mean == pytest.approx(finite.mean()) and profile.std == pytest.approx(
        finite.std()
    )
    assert profile.min == pytest.approx(finite.min()) and profile.max == pytest.approx(finite.max())
    assert len(profile.means) == len(profile.counts)


def test_discrete_feature_gets_one_bin_per_value() -> None:
    values = np.array([0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 7.0])
    profile = numeric_profile(values)
    assert profile.discrete
    assert profile.edges == [0.0, 1.0, 2.0, 7.0] and profile.coarse_edges == profile.edges
    assert profile.counts == [0, 1, 2, 3, 1]


def test_integer_feature_with_many_values_uses_value_deciles() -> None:
    values = np.random.default_rng(0).integers(0, 60, 5000).astype(np.float64)
    profile = numeric_profile(values)
    assert profile.discrete and len(profile.edges) == 60
    assert set(profile.coarse_edges) <= set(profile.edges) and 5 <= len(profile.coarse_edges) <= 10


def test_all_missing_numeric_feature() -> None:
    profile = numeric_profile(np.full(10, np.nan))
    assert (
        profile.valid == 0
        and profile.edges == []
        and profile.counts == [0]
        and profile.mean is None
    )


def test_categorical_keeps_the_most_frequent_and_an_other_bucket() -> None:
    names = [f"c{i:03d}" for i in range(MAX_CATEGORIES + 20)]
    values = [name for i, name in enumerate(names) for _ in range(200 - i)] + [None] * 7
    profile = categorical_profile(pd.Series(values, dtype=object))
    assert isinstance(profile, CategoricalProfile)
    assert len(profile.categories) == MAX_CATEGORIES and profile.distinct == len(names)
    assert set(profile.categories) == set(names[:MAX_CATEGORIES])
    assert profile.other == sum(200 - i for i in range(MAX_CATEGORIES, len(names)))
    assert profile.nulls == 7 and profile.rows == len(values)


def test_prediction_scores_follow_the_task() -> None:
    binary = np.array([[0.8, 0.2], [0.1, 0.9]])
    assert np.allclose(
        prediction_scores(np.array(["a", "b"]), binary, "classification"), [0.2, 0.9]
    )
    multi = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])
    assert np.allclose(prediction_scores(np.array(["b", "a"]), multi, "classification"), [0.5, 0.6])
    assert np.allclose(prediction_scores(np.array([1.5, 2.5]), None, "regression"), [1.5, 2.5])
    assert prediction_scores(np.array(["a"]), None, "classification").size == 0


def test_build_profile_records_scores_as_a_numeric_distribution(frame_maker: FrameMaker) -> None:
    frame = frame_maker(500, seed=4)
    profile = build_profile(frame, ["age"], ["plan"], np.linspace(0, 1, 100), "regression")
    assert profile.prediction is not None and profile.prediction.output == "prediction"
    assert isinstance(profile.prediction.distribution, NumericProfile)
    assert profile.prediction.distribution.valid == 100
    assert build_profile(frame, ["age"], [], None, "classification").prediction is None


def test_from_json_rejects_what_it_cannot_read() -> None:
    with pytest.raises(BadInputError, match=r"profile\.json: not a drift profile"):
        Profile.from_json(b'{"profile_version": 9}')
    with pytest.raises(BadInputError):
        Profile.from_json(b"not json")
