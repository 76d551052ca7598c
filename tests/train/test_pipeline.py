from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, RobustScaler
from train.datasets import FOREST, HGB, LOGISTIC, pipeline_spec

from mlgitops.train.inputs import MISSING_CATEGORY, model_inputs
from mlgitops.train.pipeline import build_pipeline, convertible_part, uses_scaler


def steps_of(pipeline: Pipeline, branch: str) -> dict[str, Any]:
    preprocess = pipeline.named_steps["preprocess"]
    return dict(next(t for name, t, _ in preprocess.transformers if name == branch).named_steps)


def test_linear_model_gets_imputer_scaler_and_encoder() -> None:
    spec = pipeline_spec(
        LOGISTIC,
        {"C": 0.5},
        numeric={"impute": "mean", "scale": "robust"},
        categorical={"impute": "missing", "encode": "ordinal"},
    )
    pipeline = build_pipeline(spec, ["a", "b"], ["c"])
    numeric, categorical = steps_of(pipeline, "numeric"), steps_of(pipeline, "categorical")
    assert isinstance(numeric["impute"], SimpleImputer) and numeric["impute"].strategy == "mean"
    assert isinstance(numeric["scale"], RobustScaler)
    imputer = categorical["impute"]
    assert isinstance(imputer, SimpleImputer)
    assert (imputer.missing_values, imputer.strategy, imputer.fill_value) == (
        "",
        "constant",
        "missing",
    )
    encoder = categorical["encode"]
    assert isinstance(encoder, OrdinalEncoder) and encoder.unknown_value == -1
    assert pipeline.named_steps["estimator"].C == 0.5
    assert uses_scaler(spec)


def test_zero_impute_and_onehot_ignoring_unknown_categories() -> None:
    pipeline = build_pipeline(
        pipeline_spec(LOGISTIC, numeric={"impute": "zero", "scale": "none"}), ["a"], ["c"]
    )
    numeric, categorical = steps_of(pipeline, "numeric"), steps_of(pipeline, "categorical")
    assert numeric["impute"].strategy == "constant" and numeric["impute"].fill_value == 0.0
    assert "scale" not in numeric
    encoder = categorical["encode"]
    assert isinstance(encoder, OneHotEncoder) and encoder.handle_unknown == "ignore"


def test_trees_leave_the_scaler_out() -> None:
    for class_path in (FOREST, HGB):
        spec = pipeline_spec(class_path, numeric={"scale": "standard"})
        assert "scale" not in steps_of(build_pipeline(spec, ["a"], []), "numeric")
        assert not uses_scaler(spec)


def test_only_the_branches_with_columns_are_built() -> None:
    pipeline = build_pipeline(pipeline_spec(LOGISTIC), ["a"], [])
    assert [name for name, _, _ in pipeline.named_steps["preprocess"].transformers] == ["numeric"]
    assert [name for name, _ in convertible_part(pipeline).steps] == ["preprocess", "estimator"]


def test_model_inputs_match_what_onnx_reads() -> None:
    frame = pd.DataFrame(
        {
            "x": [0.1, np.nan, 2.0],
            "flag": [True, False, True],
            "kind": pd.Series(["a", None, "b"], dtype=object),
        }
    )
    inputs = model_inputs(frame, ["x", "flag"], ["kind"])
    assert inputs["x"].dtype == np.float64
    assert inputs["x"].iloc[0] == np.float32(0.1)  # rounded to float32 like the ONNX input
    assert inputs["x"].iloc[0] != 0.1
    assert np.isnan(inputs["x"].iloc[1])
    assert inputs["flag"].tolist() == [1.0, 0.0, 1.0]
    assert inputs["kind"].tolist() == ["a", MISSING_CATEGORY, "b"]


def test_the_pipeline_reads_a_validated_frame_with_missing_values() -> None:
    frame = pd.DataFrame(
        {
            "x": np.r_[np.linspace(0, 1, 38), np.nan, np.nan],
            "kind": pd.Series((["a", "b", None, "c"] * 10), dtype=object),
        }
    )
    y = np.array(["yes" if v > 0.5 else "no" for v in frame["x"].fillna(0)], dtype=object)
    pipeline = build_pipeline(pipeline_spec(LOGISTIC), ["x"], ["kind"]).fit(frame, y)
    unseen = pd.DataFrame(
        {"x": [np.nan, 0.9], "kind": pd.Series([None, "never seen"], dtype=object)}
    )
    assert pipeline.predict(unseen).tolist() == ["no", "yes"]
