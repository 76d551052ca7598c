"""Metrics at unit weights agree with scikit-learn; the bootstrap is seeded, paired and exact
where it claims to be."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from mlgitops.evaluate import bootstrap
from mlgitops.evaluate.bootstrap import Outputs, Truth, interval, resample_metrics
from mlgitops.evaluate.paired import compare, metric_intervals

CLASSIFICATION = [
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "log_loss",
]


def binary(rows: int, seed: int) -> tuple[Truth, Outputs, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, rows)
    p = np.round(np.clip(rng.random(rows) * 0.6 + y * 0.3, 0, 1), 2)  # ties on purpose
    return (
        Truth("classification", y, ("no", "yes"), 1),
        Outputs((p > 0.5).astype(int), np.c_[1 - p, p]),
        p,
    )


def test_binary_points_match_scikit_learn_for_either_positive_class() -> None:
    truth, model, _ = binary(2000, 1)
    y, pred = truth.y, model.pred
    for positive in (1, 0):
        t = Truth("classification", y, ("no", "yes"), positive)
        ours = resample_metrics(t, [model], CLASSIFICATION, 0, 0).points[0]
        expected = {
            "accuracy": sk.accuracy_score(y, pred),
            "balanced_accuracy": sk.balanced_accuracy_score(y, pred),
            "precision": sk.precision_score(y, pred, pos_label=positive),
            "recall": sk.recall_score(y, pred, pos_label=positive),
            "f1": sk.f1_score(y, pred, pos_label=positive),
            "roc_auc": sk.roc_auc_score(y == positive, model.proba[:, positive]),  # type: ignore[index]
            "log_loss": sk.log_loss(y, model.proba),
        }
        for name, value in expected.items():
            assert ours[name] == pytest.approx(value, abs=1e-9), name
    # the positive class matters: recall of "no" is not recall of "yes"
    as_yes = resample_metrics(truth, [model], ["recall"], 0, 0).points[0]["recall"]
    as_no = resample_metrics(
        Truth("classification", y, ("no", "yes"), 0), [model], ["recall"], 0, 0
    ).points[0]["recall"]
    assert abs(as_yes - as_no) > 0.05


def test_multiclass_and_regression_points_match_scikit_learn() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 1500)
    proba = rng.dirichlet([1, 1, 1], 1500)
    proba[np.arange(1500), y] += 0.6
    proba /= proba.sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    ours = resample_metrics(
        Truth("classification", y, ("a", "b", "c")), [Outputs(pred, proba)], CLASSIFICATION, 0, 0
    ).points[0]
    assert ours["precision"] == pytest.approx(
        sk.precision_score(y, pred, average="macro"), abs=1e-9
    )
    assert ours["f1"] == pytest.approx(sk.f1_score(y, pred, average="macro"), abs=1e-9)
    assert ours["roc_auc"] == pytest.approx(sk.roc_auc_score(y, proba, multi_class="ovr"), abs=1e-9)
    assert ours["log_loss"] == pytest.approx(sk.log_loss(y, proba), abs=1e-9)

    target = rng.normal(300_000, 50_000, 1000)
    guess = target + rng.normal(0, 20_000, 1000)
    reg = resample_metrics(
        Truth("regression", target), [Outputs(guess)], ["rmse", "mae", "r2", "mape"], 0, 0
    ).points[0]
    assert reg["rmse"] == pytest.approx(sk.root_mean_squared_error(target, guess), rel=1e-12)
    assert reg["mae"] == pytest.approx(sk.mean_absolute_error(target, guess), rel=1e-12)
    assert reg["r2"] == pytest.approx(sk.r2_score(target, guess), abs=1e-9)
    assert reg["mape"] == pytest.approx(sk.mean_absolute_percentage_error(target, guess), abs=1e-12)


def test_the_bootstrap_is_seeded_and_its_interval_holds_the_point() -> None:
    truth, model, _ = binary(800, 3)
    first = resample_metrics(truth, [model], CLASSIFICATION, 300, seed=7)
    again = resample_metrics(truth, [model], CLASSIFICATION, 300, seed=7)
    other = resample_metrics(truth, [model], CLASSIFICATION, 300, seed=8)
    for name in CLASSIFICATION:
        assert np.array_equal(first.draws[0][name], again.draws[0][name])
        assert not np.array_equal(first.draws[0][name], other.draws[0][name])
    for name, found in metric_intervals(first, 0, 0.95).items():
        assert found.low < first.points[0][name] < found.high, name


def test_cell_draws_have_the_spread_of_row_resampling() -> None:
    """Label metrics draw cell counts instead of rows: the same distribution, checked
    against a plain row bootstrap (numpy indices, metrics counted from the rows)."""
    truth, model, _ = binary(1000, 4)
    ours = resample_metrics(truth, [model], ["accuracy", "f1"], 1000, seed=0).draws[0]
    rng = np.random.default_rng(0)
    rows = [rng.integers(0, 1000, 1000) for _ in range(1000)]
    y, pred = truth.y, model.pred
    plain_acc = [np.mean(y[r] == pred[r]) for r in rows]
    tp = [np.sum((y[r] == 1) & (pred[r] == 1)) for r in rows]
    wrong = [np.sum(y[r] != pred[r]) for r in rows]
    plain_f1 = [2 * t / (2 * t + w) for t, w in zip(tp, wrong, strict=True)]
    assert np.std(ours["accuracy"]) == pytest.approx(np.std(plain_acc), rel=0.1)
    assert np.std(ours["f1"]) == pytest.approx(np.std(plain_f1), rel=0.1)
    assert np.mean(ours["accuracy"]) == pytest.approx(np.mean(plain_acc), abs=0.002)


def test_score_bins_of_a_large_holdout_give_the_row_level_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(5)
    rows = 10_000
    monkeypatch.setattr(bootstrap, "EXACT_CELLS", 1_000_000)  # stands in for a million rows
    y = rng.integers(0, 2, rows)
    z = rng.normal(size=rows)
    pc = 1 / (1 + np.exp(-(1.2 * y - 0.6 + z)))
    pp = 1 / (1 + np.exp(-(1.0 * y - 0.5 + 0.7 * z + 0.7 * rng.normal(size=rows))))
    truth = Truth("classification", y, ("0", "1"), 1)
    models = [
        Outputs((pc > 0.5).astype(int), np.c_[1 - pc, pc]),
        Outputs((pp > 0.5).astype(int), np.c_[1 - pp, pp]),
    ]
    binned = resample_metrics(truth, models, ["roc_auc", "log_loss"], 400, seed=0)
    assert binned.binned  # 10,000 rows x 400 resamples is past the (lowered) row-level budget
    monkeypatch.setattr(bootstrap, "EXACT_CELLS", 10**12)
    exact = resample_metrics(truth, models, ["roc_auc", "log_loss"], 400, seed=0)
    assert not exact.binned
    for name in ("roc_auc", "log_loss"):
        assert binned.points[0][name] == exact.points[0][name]  # points are always exact
        spread = np.std(binned.draws[0][name] - binned.draws[1][name])
        assert spread == pytest.approx(
            np.std(exact.draws[0][name] - exact.draws[1][name]), rel=0.12
        )
        found = interval(binned.draws[0][name], 0.95)
        assert found is not None and found.low < binned.points[0][name] < found.high


def test_paired_comparison_of_a_model_with_itself_is_zero_within_noise() -> None:
    truth, model, _ = binary(600, 6)
    same = compare(resample_metrics(truth, [model, model], CLASSIFICATION, 200, 0), 0.95)
    for name, c in same.items():
        assert (c.delta, c.ci_low, c.ci_high, c.rows) == (0.0, 0.0, 0.0, 600), name
        assert c.within_noise
    assert same["log_loss"].higher_is_better is False and same["f1"].higher_is_better is True


def test_pairing_narrows_the_interval_of_a_difference() -> None:
    """Both models on the same resamples: a small real gain stands out of the noise that
    two independent intervals would hide."""
    truth, model, p = binary(3000, 7)
    rng = np.random.default_rng(0)
    worse = np.clip(p + rng.normal(0, 0.03, len(p)), 0, 1)
    other = Outputs((worse > 0.5).astype(int), np.c_[1 - worse, worse])
    paired = resample_metrics(truth, [model, other], ["roc_auc"], 500, 0)
    delta = compare(paired, 0.95)["roc_auc"]
    separate = [interval(paired.draws[i]["roc_auc"], 0.95) for i in (0, 1)]
    assert delta.delta > 0 and not delta.within_noise
    assert separate[0] is not None and separate[1] is not None
    assert separate[0].low < separate[1].high  # unpaired intervals overlap
