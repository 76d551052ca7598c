"""Slices: metrics per value with intervals, too small ones reported and never in the gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import recall_score

from mlgitops.evaluate.bootstrap import Outputs, Truth, resample_metrics
from mlgitops.evaluate.slices import SliceSettings, largest_gaps, slice_column, slice_labels


def test_slice_metrics_gaps_and_too_small_slices() -> None:
    rng = np.random.default_rng(0)
    rows = 900
    group = np.array(["a"] * 500 + ["b"] * 380 + ["tiny"] * 20, dtype=object)
    y = rng.integers(0, 2, rows)
    # the model is right 90% of the time in "a", 60% in "b"
    right = np.where(group == "a", rng.random(rows) < 0.9, rng.random(rows) < 0.6)
    pred = np.where(right, y, 1 - y)
    p = np.where(pred == 1, 0.8, 0.2)
    truth = Truth("classification", y, ("False", "True"), 1)
    candidate = Outputs(pred, np.c_[1 - p, p])
    production = Outputs(y.copy(), np.c_[1 - y, y].astype(float))  # a perfect production
    names = ["accuracy", "recall", "roc_auc"]
    overall = resample_metrics(truth, [candidate], names, 0, 0).points[0]
    settings = SliceSettings(names, min_rows=30, resamples=200, confidence=0.95, seed=1)
    results = slice_column(group, truth, candidate, production, overall, settings)

    assert [(r.value, r.rows, r.too_small) for r in results] == [
        ("a", 500, False),
        ("b", 380, False),
        ("tiny", 20, True),
    ]
    a = results[0]
    mask = group == "a"
    assert a.metrics["recall"] == pytest.approx(recall_score(y[mask], pred[mask]), abs=1e-12)
    assert a.intervals["accuracy"].low < a.metrics["accuracy"] < a.intervals["accuracy"].high
    assert a.gap_to_overall["accuracy"] == pytest.approx(
        a.metrics["accuracy"] - overall["accuracy"]
    )
    assert a.gap_to_production is not None
    assert a.gap_to_production["accuracy"] == pytest.approx(a.metrics["accuracy"] - 1.0)

    gaps = largest_gaps(results, names)
    accuracy = gaps["accuracy"]
    assert (accuracy.best, accuracy.worst) == ("a", "b")  # "tiny" is too small to count
    b = results[1]
    assert accuracy.difference == pytest.approx(a.metrics["accuracy"] - b.metrics["accuracy"])
    assert accuracy.ratio == pytest.approx(b.metrics["accuracy"] / a.metrics["accuracy"])


def test_a_slice_with_one_class_leaves_roc_auc_out() -> None:
    y = np.array([0] * 40 + [1] * 40 + [0] * 40)
    group = np.array(["mixed"] * 80 + ["only-0"] * 40, dtype=object)
    p = np.linspace(0.1, 0.9, 120)
    truth = Truth("classification", y, ("0", "1"), 1)
    model = Outputs((p > 0.5).astype(int), np.c_[1 - p, p])
    settings = SliceSettings(["roc_auc", "accuracy"], 10, 50, 0.95, 0)
    results = slice_column(group, truth, model, None, {"accuracy": 0.5, "roc_auc": 0.5}, settings)
    only = next(r for r in results if r.value == "only-0")
    assert "roc_auc" not in only.metrics and "accuracy" in only.metrics
    assert only.gap_to_production is None


def test_many_valued_numbers_slice_by_quartiles_and_missing_is_its_own_slice() -> None:
    values = pd.Series([float(v) for v in range(100)] + [None])
    labels = slice_labels(values, numeric=True)
    assert set(labels) == {
        "[0, 24.75)",
        "[24.75, 49.5)",
        "[49.5, 74.25)",
        "[74.25, 99]",
        "(missing)",
    }
    assert list(slice_labels(pd.Series([True, False, None], dtype=object), numeric=False)) == [
        "True",
        "False",
        "(missing)",
    ]
