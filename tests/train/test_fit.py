from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from train.datasets import (
    FOREST,
    HGB,
    LOGISTIC,
    RIDGE,
    churn,
    diabetes,
    iris,
    model_spec,
    pipeline_spec,
)

from mlgitops.errors import BadInputError
from mlgitops.train.fit import train_model, training_evidence

CHURN_FEATURES = [
    "tenure_months",
    "monthly_charges",
    "total_charges",
    "contract",
    "region",
    "paperless",
]


def test_binary_churn_with_categorical_and_nullable_columns() -> None:
    frame, dataset = churn()
    model = model_spec(
        "classification", features={"exclude": ["customer_id"]}, metrics=["roc_auc", "accuracy"]
    )
    result = train_model(frame, dataset, model, pipeline_spec(LOGISTIC, {"max_iter": 500}))
    assert result.features == CHURN_FEATURES
    assert result.numeric == ["tenure_months", "monthly_charges", "total_charges", "paperless"]
    assert result.categorical == ["contract", "region"]
    assert result.classes == ["False", "True"]
    assert set(result.y_train) == {"False", "True"}
    assert (len(result.X_train), len(result.X_test)) == (480, 120)
    assert result.stratified
    assert list(result.metrics) == ["roc_auc", "accuracy"]
    assert result.metrics["roc_auc"] > 0.85
    assert result.proba is not None and result.proba.shape == (120, 2)
    assert result.y_pred.shape == (120,)
    # X_* keep the dataset's row numbers
    assert sorted([*result.X_train.index, *result.X_test.index]) == list(range(600))
    assert result.params["random_state"] == 42


def test_training_is_deterministic() -> None:
    frame, dataset = churn()
    model = model_spec("classification", features={"exclude": ["customer_id"]}, split={"seed": 3})
    first = train_model(frame, dataset, model, pipeline_spec(FOREST, {"n_estimators": 20}))
    second = train_model(frame, dataset, model, pipeline_spec(FOREST, {"n_estimators": 20}))
    assert first.params["random_state"] == 3
    assert first.X_test.index.equals(second.X_test.index)
    assert first.proba is not None and second.proba is not None
    assert np.array_equal(first.proba, second.proba)
    assert first.metrics == second.metrics


def test_an_explicit_random_state_is_kept() -> None:
    frame, dataset = iris()
    result = train_model(
        frame,
        dataset,
        model_spec("classification"),
        pipeline_spec(HGB, {"random_state": 5, "max_iter": 20}),
    )
    assert result.params == {"random_state": 5, "max_iter": 20}
    assert result.pipeline.named_steps["estimator"].random_state == 5


def test_without_listed_metrics_every_metric_of_the_task_is_computed() -> None:
    frame, dataset = diabetes()
    result = train_model(frame, dataset, model_spec("regression"), pipeline_spec(RIDGE))
    assert list(result.metrics) == ["rmse", "mae", "r2", "mape"]
    assert result.classes == [] and result.proba is None
    assert result.y_train.dtype == np.float64
    assert 0.3 < result.metrics["r2"] < 0.7


def test_include_keeps_its_order() -> None:
    frame, dataset = churn()
    model = model_spec("classification", features={"include": ["region", "tenure_months"]})
    result = train_model(frame, dataset, model, pipeline_spec(LOGISTIC))
    assert result.features == ["region", "tenure_months"]
    assert list(result.X_train.columns) == ["region", "tenure_months"]


def test_integer_class_labels_read_as_whole_numbers() -> None:
    frame, dataset = iris()
    frame["species"] = frame["species"].map({"setosa": 0.0, "versicolor": 1.0, "virginica": 2.0})
    dataset = dataset.model_copy(
        update={"columns": {**dataset.columns, "species": dataset.columns["sepal_length_cm"]}}
    )
    result = train_model(frame, dataset, model_spec("classification"), pipeline_spec(LOGISTIC))
    assert result.classes == ["0", "1", "2"]


def test_missing_targets_are_named_by_row() -> None:
    frame, dataset = diabetes()
    frame.loc[[3, 17], "progression"] = np.nan
    with pytest.raises(
        BadInputError, match=r"target 'progression' is missing in 2 row\(s\): 3, 17"
    ):
        train_model(frame, dataset, model_spec("regression"), pipeline_spec(RIDGE))


def test_a_feature_missing_from_the_frame_is_named() -> None:
    frame, dataset = churn()
    with pytest.raises(BadInputError, match="region missing from the data"):
        train_model(
            frame.drop(columns=["region"]),
            dataset,
            model_spec("classification", features={"exclude": ["customer_id"]}),
            pipeline_spec(LOGISTIC),
        )


def test_fit_warnings_become_notes() -> None:
    frame, dataset = churn()
    model = model_spec("classification", features={"exclude": ["customer_id"]})
    result = train_model(frame, dataset, model, pipeline_spec(LOGISTIC, {"max_iter": 1}))
    assert any(note.startswith("ConvergenceWarning") for note in result.notes)


def test_a_scaler_left_out_for_trees_is_noted() -> None:
    frame, dataset = iris()
    forest = pipeline_spec(FOREST, {"n_estimators": 5}, numeric={"scale": "minmax"})
    result = train_model(frame, dataset, model_spec("classification"), forest)
    assert any(note.startswith("scale: minmax left out") for note in result.notes)
    linear = train_model(
        frame, dataset, model_spec("classification"), pipeline_spec(LOGISTIC, {"max_iter": 500})
    )
    assert not any("left out" in note for note in linear.notes)


def test_training_evidence() -> None:
    frame, dataset = iris()
    result = train_model(
        frame, dataset, model_spec("classification"), pipeline_spec(LOGISTIC, {"C": 2.0})
    )
    evidence = training_evidence(result)
    assert evidence.estimator == LOGISTIC
    assert evidence.params == {"C": 2.0, "random_state": 42}
    assert (evidence.rows_train, evidence.rows_test) == (120, 30)
    assert evidence.classes == ["setosa", "versicolor", "virginica"]
    assert evidence.seconds >= 0


def test_a_frame_with_a_non_default_index_keeps_it() -> None:
    frame, dataset = iris()
    frame.index = pd.RangeIndex(1000, 1000 + len(frame))
    result = train_model(frame, dataset, model_spec("classification"), pipeline_spec(LOGISTIC))
    assert result.X_test.index.min() >= 1000
