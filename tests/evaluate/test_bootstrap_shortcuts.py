"""The bootstrap's shortcuts give exactly what the plain computations they replace give."""

from __future__ import annotations

import numpy as np
import pytest

from mlgitops.evaluate import bootstrap
from mlgitops.evaluate.bootstrap import Outputs, Truth, resample_metrics, unit_auc, weighted_auc


def _scores(kind: str, rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.random(rows)
    if kind == "ties":
        return np.round(values, 2)
    if kind == "constant":
        return np.full(rows, 0.5)
    if kind == "nan":
        values[rng.random(rows) < 0.1] = np.nan
        return values
    if kind == "float32":
        return values.astype(np.float32)
    if kind == "extremes":
        return np.r_[values[:-4], 0.0, 1.0, -0.0, np.finfo(np.float64).tiny]
    return values


KINDS = ["plain", "ties", "constant", "nan", "float32", "extremes"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bins", [2, 7, 1024])
def test_bins_read_off_the_sorted_scores_are_those_of_a_search(kind: str, bins: int) -> None:
    values = _scores(kind, 5000, 1)
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    expected = np.searchsorted(edges, values, side="right")
    assert np.array_equal(bootstrap._quantile_bins(bootstrap._Ranked.of(values), bins), expected)


@pytest.mark.parametrize("rows", [0, 1, 9, 3000])
def test_counting_codes_gives_what_unique_gives(rows: int) -> None:
    code = np.random.default_rng(2).integers(0, 50, rows) * 3  # gaps: codes that never occur
    expected = np.unique(code, return_inverse=True, return_counts=True)
    for size in (150, 10**9):  # counted, and the sparse range left to np.unique
        found = bootstrap._cells(code, size)
        for ours, theirs in zip(found, expected, strict=True):
            assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("models", [1, 2])
def test_counts_added_up_by_bin_equal_a_one_hot_product(models: int) -> None:
    rng = np.random.default_rng(3)
    bins = 16
    cells = np.unique(rng.integers(0, 2 * bins**models, 200))  # some cells empty, as in data
    k = rng.integers(0, 1000, (50, len(cells))).astype(np.float64)
    cell_bin = (cells // 2) % bins  # the first model's bin
    onehot = np.zeros((len(cells), bins))
    onehot[np.arange(len(cells)), cell_bin] = 1.0
    for chosen in (cells % 2 == 1, cells % 2 == 0, np.zeros(len(cells), dtype=bool)):
        expected = (k * chosen) @ onehot
        assert np.array_equal(bootstrap._by_bin(k, cell_bin, chosen, bins), expected)


@pytest.mark.parametrize("kind", KINDS)
def test_the_point_auc_equals_the_weighted_auc_at_unit_weights(kind: str) -> None:
    scores = _scores(kind, 4000, 4)
    positive = np.random.default_rng(5).random(len(scores)) < 0.3
    for labels in (positive, ~positive, np.zeros(len(scores), dtype=bool)):
        expected = weighted_auc(scores, labels, np.ones((1, len(scores))))[0]
        found = unit_auc(bootstrap._Ranked.of(scores), labels)
        assert (np.isnan(found) and np.isnan(expected)) or found == pytest.approx(
            expected, rel=1e-12
        )
    assert np.isnan(unit_auc(bootstrap._Ranked.of(np.empty(0)), np.empty(0, dtype=bool)))


def test_binned_draws_and_points_are_unchanged_by_ranking_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The binned path with the shared ranking equals it with each step done on its own."""
    rng = np.random.default_rng(6)
    rows = 20_000
    y = rng.integers(0, 2, rows)
    p = np.round(1 / (1 + np.exp(-(1.5 * y - 0.7 + rng.normal(size=rows)))), 3)
    truth = Truth("classification", y, ("no", "yes"), 1)
    models = [Outputs((p > 0.5).astype(int), np.c_[1 - p, p])]
    names = ["accuracy", "roc_auc", "log_loss"]
    monkeypatch.setattr(bootstrap, "EXACT_CELLS", 1_000)
    fast = resample_metrics(truth, models, names, 200, seed=3)
    monkeypatch.setattr(bootstrap, "_binary_ranking", lambda truth, model: None)
    monkeypatch.setattr(bootstrap, "_point_auc", _plain_point_auc)
    plain = resample_metrics(truth, models, names, 200, seed=3)
    assert fast.binned and plain.binned
    assert fast.points[0]["roc_auc"] == pytest.approx(plain.points[0]["roc_auc"], rel=1e-12)
    for name in names:
        assert np.array_equal(
            fast.draws[0][name] - fast.points[0][name], plain.draws[0][name] - plain.points[0][name]
        ), name


def _plain_point_auc(truth: Truth, model: Outputs, ranked: object) -> float:
    assert model.proba is not None
    return float(weighted_auc(model.proba[:, 1], truth.y == 1, np.ones((1, truth.rows)))[0])
