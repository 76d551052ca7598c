from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from mlgitops.errors import BadInputError
from mlgitops.registries import CLASSIFICATION_METRICS, METRIC_NAMES, REGRESSION_METRICS
from mlgitops.train.metrics import METRICS, compute_metrics, default_metric_names


def test_registry_keys_are_the_metric_names() -> None:
    assert tuple(METRICS) == METRIC_NAMES


def test_each_metric_belongs_to_its_task() -> None:
    assert [n for n, m in METRICS.items() if m.task == "classification"] == list(
        CLASSIFICATION_METRICS
    )
    assert [n for n, m in METRICS.items() if m.task == "regression"] == list(REGRESSION_METRICS)


def test_binary_metrics_use_the_last_class_as_positive() -> None:
    classes = ["False", "True"]
    y_true = np.array(["True", "True", "True", "False", "False", "False"], dtype=object)
    y_pred = np.array(["True", "False", "False", "False", "False", "True"], dtype=object)
    proba_true = np.array([0.9, 0.4, 0.3, 0.2, 0.1, 0.6])
    proba = np.column_stack([1 - proba_true, proba_true])
    metrics = compute_metrics(
        "classification",
        ["precision", "recall", "f1", "accuracy", "roc_auc"],
        y_true,
        y_pred,
        proba,
        classes,
    )
    # positive "True": TP=1, FP=1, FN=2
    assert metrics["precision"] == pytest.approx(0.5)
    assert metrics["recall"] == pytest.approx(1 / 3)
    assert metrics["f1"] == pytest.approx(0.4)
    assert metrics["accuracy"] == pytest.approx(0.5)
    # 9 positive/negative pairs; the negative at 0.6 outranks positives at 0.4 and 0.3
    assert metrics["roc_auc"] == pytest.approx(7 / 9)
    assert list(metrics) == ["precision", "recall", "f1", "accuracy", "roc_auc"]


def test_multiclass_metrics_are_macro_and_one_vs_rest() -> None:
    rng = np.random.default_rng(0)
    classes = ["a", "b", "c"]
    y_true = np.array(rng.choice(classes, size=90, p=[0.6, 0.3, 0.1]), dtype=object)
    proba = rng.dirichlet([1, 1, 1], size=90)
    y_pred = np.array([classes[i] for i in proba.argmax(axis=1)], dtype=object)
    metrics = compute_metrics(
        "classification", ["f1", "roc_auc", "log_loss"], y_true, y_pred, proba, classes
    )
    assert metrics["f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert metrics["f1"] != pytest.approx(f1_score(y_true, y_pred, average="micro"))
    assert metrics["roc_auc"] == pytest.approx(
        roc_auc_score(y_true, proba, multi_class="ovr", labels=classes)
    )
    assert metrics["log_loss"] > 0


def test_regression_metrics() -> None:
    y_true = np.array([1.0, 2.0, 4.0])
    y_pred = np.array([1.0, 3.0, 2.0])
    metrics = compute_metrics("regression", ["rmse", "mae", "r2", "mape"], y_true, y_pred, None, [])
    assert metrics["rmse"] == pytest.approx(np.sqrt(5 / 3))
    assert metrics["mae"] == pytest.approx(1.0)
    assert metrics["r2"] == pytest.approx(1 - 5 / (14 / 3))
    assert metrics["mape"] == pytest.approx((0 + 0.5 + 0.5) / 3)


def test_roc_auc_on_a_single_class_holdout_says_why() -> None:
    y = np.array(["a", "a"], dtype=object)
    with pytest.raises(BadInputError, match="only class"):
        compute_metrics(
            "classification", ["roc_auc"], y, y, np.array([[0.9, 0.1], [0.8, 0.2]]), ["a", "b"]
        )


def test_probability_metric_without_probabilities_is_an_error() -> None:
    y = np.array(["a", "b"], dtype=object)
    with pytest.raises(BadInputError, match="log_loss needs class probabilities"):
        compute_metrics("classification", ["log_loss"], y, y, None, ["a", "b"])


def test_a_metric_of_the_other_task_is_an_error() -> None:
    with pytest.raises(BadInputError, match="'rmse' is not a classification metric"):
        compute_metrics("classification", ["rmse"], np.array(["a"]), np.array(["a"]), None, ["a"])


def test_default_names_skip_probability_metrics_without_probabilities() -> None:
    assert default_metric_names("classification", has_proba=False) == [
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "f1",
    ]
    assert default_metric_names("regression", has_proba=False) == list(REGRESSION_METRICS)
