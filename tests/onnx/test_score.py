from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from train.datasets import (
    FOREST,
    HGB_REGRESSOR,
    LOGISTIC,
    churn,
    diabetes,
    model_spec,
    pipeline_spec,
)

from mlgitops.errors import BadInputError
from mlgitops.onnx.convert import convert
from mlgitops.onnx.score import OnnxScorer
from mlgitops.train.fit import train_model

CHURN_MODEL = {"features": {"exclude": ["customer_id"]}}


def test_scores_a_validated_frame_like_scikit_learn() -> None:
    frame, dataset = churn()
    result = train_model(
        frame,
        dataset,
        model_spec("classification", **CHURN_MODEL),
        pipeline_spec(LOGISTIC, categorical={"impute": "missing"}),
    )
    scorer = OnnxScorer(convert(result, 17))
    assert scorer.features == result.features
    assert scorer.classes == ["False", "True"] and scorer.has_proba
    # missing numbers and categories, an unseen category, columns in another order, extra columns
    fresh = pd.DataFrame(
        {
            "region": pd.Series([None, "mars", "south"], dtype=object),
            "contract": pd.Series(["one-year", "month-to-month", None], dtype=object),
            "paperless": [True, False, True],
            "total_charges": [np.nan, 100.0, 2500.5],
            "monthly_charges": [70.0, np.nan, 99.9],
            "tenure_months": [12.0, 1.0, 60.0],
            "customer_id": pd.Series(["x", "y", "z"], dtype=object),
        }
    )
    labels, proba = scorer.predict(fresh)
    assert labels.tolist() == result.pipeline.predict(fresh).tolist()
    assert proba is not None
    np.testing.assert_allclose(proba, result.pipeline.predict_proba(fresh), atol=1e-6)


def test_regression_has_no_probabilities() -> None:
    frame, dataset = diabetes()
    result = train_model(
        frame, dataset, model_spec("regression"), pipeline_spec(HGB_REGRESSOR, {"max_iter": 20})
    )
    predictions, proba = OnnxScorer(convert(result, 17)).predict(result.X_test)
    assert proba is None
    assert predictions.dtype == np.float64 and predictions.shape == (len(result.X_test),)
    np.testing.assert_allclose(predictions, result.y_pred, rtol=1e-5)


def test_a_missing_column_is_named() -> None:
    frame, dataset = churn(rows=200)
    result = train_model(
        frame,
        dataset,
        model_spec("classification", **CHURN_MODEL),
        pipeline_spec(FOREST, {"n_estimators": 5}),
    )
    scorer = OnnxScorer(convert(result, 17))
    with pytest.raises(
        BadInputError, match="lacks column\\(s\\) the model reads: contract, region"
    ):
        scorer.predict(frame.drop(columns=["contract", "region"]))


def test_damaged_bytes_are_refused() -> None:
    with pytest.raises(BadInputError, match="not an ONNX model"):
        OnnxScorer(b"not a model")
