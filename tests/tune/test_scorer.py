"""The search's scorer: the same score as the metric on the pipeline's own predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from train.datasets import FOREST, LOGISTIC, RIDGE, churn, diabetes, iris, model_spec, pipeline_spec

from mlgitops.train.fit import prepare_training
from mlgitops.train.metrics import METRICS
from mlgitops.tune.search import MetricScorer


def _fitted(
    loader: Any, task: str, class_path: str, **preprocess: dict[str, str]
) -> tuple[Any, pd.DataFrame, np.ndarray]:
    frame, dataset = loader()
    model = model_spec(task, split={"test_size": 0.3, "seed": 3})
    prepared = prepare_training(frame, dataset, model, pipeline_spec(class_path, **preprocess))
    fitted = prepared.pipeline.fit(prepared.X_train, prepared.y_train)
    return fitted, prepared.X_test, prepared.y_test


def _through_pipeline(name: str, task: str, fitted: Any, x: pd.DataFrame, y: np.ndarray) -> float:
    """The general path: the pipeline's own predict and predict_proba, each from raw rows."""
    metric = METRICS[name]
    proba = np.asarray(fitted.predict_proba(x)) if metric.needs_proba else None
    classes = [str(c) for c in fitted.classes_] if task == "classification" else []
    sign = 1.0 if metric.higher_is_better else -1.0
    return sign * metric(np.asarray(y), np.asarray(fitted.predict(x)), proba, classes)


CASES = [
    (churn, "classification", LOGISTIC, {}),  # NaN numbers, None categories, booleans
    (churn, "classification", FOREST, {"categorical": {"encode": "ordinal"}}),
    (iris, "classification", LOGISTIC, {}),  # multiclass
    (diabetes, "regression", RIDGE, {}),
]


@pytest.mark.parametrize(("loader", "task", "class_path", "preprocess"), CASES)
def test_the_scorer_equals_the_metric_on_the_pipelines_predictions(
    loader: Any, task: str, class_path: str, preprocess: dict[str, dict[str, str]]
) -> None:
    fitted, x, y = _fitted(loader, task, class_path, **preprocess)
    names = [n for n, m in METRICS.items() if m.task == task]
    for name in names:
        assert MetricScorer(name, task)(fitted, x, y) == _through_pipeline(name, task, fitted, x, y)


def test_unseen_categories_and_a_single_row_score_as_the_pipeline_does() -> None:
    fitted, x, y = _fitted(churn, "classification", LOGISTIC)
    hostile = x.copy()
    hostile["contract"] = hostile["contract"].astype(object)
    hostile.loc[hostile.index[:5], "contract"] = "zwei-jährig ✓"  # unicode, never seen in training
    hostile.loc[hostile.index[5:10], "total_charges"] = np.nan
    for name in ("accuracy", "f1"):
        ours = MetricScorer(name, "classification")(fitted, hostile, y)
        assert ours == _through_pipeline(name, "classification", fitted, hostile, y)
    one = MetricScorer("accuracy", "classification")(fitted, hostile.iloc[:1], y[:1])
    assert one == _through_pipeline("accuracy", "classification", fitted, hostile.iloc[:1], y[:1])


def test_a_bare_estimator_is_scored_on_its_rows() -> None:
    from sklearn.linear_model import LogisticRegression

    frame, _ = iris()
    x = frame.drop(columns=[frame.columns[-1]]).to_numpy()
    y = frame[frame.columns[-1]].astype(str).to_numpy()
    model = LogisticRegression(max_iter=300).fit(x, y)
    assert MetricScorer("log_loss", "classification")(model, x, y) == _through_pipeline(
        "log_loss", "classification", model, pd.DataFrame(x), y
    )


def test_precision_recall_and_f1_are_about_the_declared_positive_class() -> None:
    from sklearn.metrics import f1_score, precision_score, recall_score

    fitted, x, y = _fitted(churn, "classification", LOGISTIC)
    classes = [str(c) for c in fitted.classes_]
    first = classes[0]  # not the default (the last class)
    y_pred = np.asarray(fitted.predict(x))
    for name, score in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        expected = score(np.asarray(y), y_pred, pos_label=fitted.classes_[0], zero_division=0)
        declared = MetricScorer(name, "classification", positive=first)(fitted, x, y)
        assert declared == pytest.approx(expected)
        assert declared != MetricScorer(name, "classification")(fitted, x, y)
