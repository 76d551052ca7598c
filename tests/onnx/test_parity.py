"""Train → convert → parity, end to end, and parity checks that must fail."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from train.datasets import (
    FOREST,
    FOREST_REGRESSOR,
    HGB,
    HGB_REGRESSOR,
    LOGISTIC,
    RIDGE,
    churn,
    diabetes,
    iris,
    model_spec,
    pipeline_spec,
    wine,
)

from mlgitops.onnx.convert import convert
from mlgitops.onnx.parity import check_parity
from mlgitops.onnx.score import OnnxScorer
from mlgitops.spec.models import DatasetSpec
from mlgitops.train.fit import TrainResult, train_model

CHURN_MODEL = {"features": {"exclude": ["customer_id"]}}
TOLERANCE = 1e-4

CASES: list[tuple[str, Any, str, dict[str, Any], dict[str, Any]]] = [
    ("churn", churn, LOGISTIC, {"max_iter": 500}, {}),
    (
        "churn",
        churn,
        LOGISTIC,
        {},
        {
            "numeric": {"impute": "mean", "scale": "minmax"},
            "categorical": {"impute": "missing", "encode": "ordinal"},
        },
    ),
    ("churn", churn, LOGISTIC, {}, {"numeric": {"impute": "zero", "scale": "robust"}}),
    ("churn", churn, LOGISTIC, {}, {"numeric": {"impute": "most_frequent", "scale": "none"}}),
    ("churn", churn, FOREST, {"n_estimators": 30}, {}),
    ("churn", churn, HGB, {"max_iter": 50}, {"numeric": {"scale": "standard"}}),
    ("iris", iris, LOGISTIC, {"max_iter": 500}, {}),
    ("wine", wine, FOREST, {"n_estimators": 30}, {}),
    ("wine", wine, HGB, {"max_iter": 30}, {}),
    ("diabetes", diabetes, RIDGE, {}, {}),
    ("diabetes", diabetes, FOREST_REGRESSOR, {"n_estimators": 30}, {}),
    ("diabetes", diabetes, HGB_REGRESSOR, {"max_iter": 50}, {}),
]


def _train(
    data: Any, class_path: str, params: dict[str, Any], preprocess: dict[str, Any]
) -> TrainResult:
    frame, dataset = data()
    task = "regression" if dataset.columns[dataset.target].type == "number" else "classification"
    extra = CHURN_MODEL if "customer_id" in frame.columns else {}
    return train_model(
        frame, dataset, model_spec(task, **extra), pipeline_spec(class_path, params, **preprocess)
    )


@pytest.mark.parametrize(
    ("name", "data", "class_path", "params", "preprocess"),
    CASES,
    ids=[f"{c[0]}-{c[2].rsplit('.', 1)[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_converted_models_match_scikit_learn(
    name: str, data: Any, class_path: str, params: dict[str, Any], preprocess: dict[str, Any]
) -> None:
    result = _train(data, class_path, params, preprocess)
    report = check_parity(convert(result, 17), result, TOLERANCE)
    assert report.passed, report.message
    assert report.rows_checked == len(result.X_train) + len(result.X_test)
    assert report.rows_training == len(result.X_train)
    assert report.max_abs_diff < 1e-5
    if result.task == "classification":
        assert report.label_agreement == 1.0
        assert report.scale == 1.0
    else:
        assert report.label_agreement is None
        assert report.scale == pytest.approx(np.std(result.y_train))
    assert len(report.worst_rows) == 10
    assert "ONNX matches scikit-learn" in report.message


def test_a_tampered_model_fails_and_names_rows() -> None:
    result = _train(iris, LOGISTIC, {"max_iter": 500}, {})
    model = onnx.load_from_string(convert(result, 17))
    node = next(n for n in model.graph.node if n.op_type == "LinearClassifier")
    coefficients = next(a for a in node.attribute if a.name == "coefficients")
    coefficients.floats[0] += 3.0  # one class's weight on one feature
    tampered = model.SerializeToString()
    report = check_parity(tampered, result, TOLERANCE)
    assert not report.passed
    assert report.label_agreement is not None and report.label_agreement < 1.0
    assert report.breach_count > 10
    breach = report.worst[0]
    assert not breach.labels_agree and breach.onnx != breach.sklearn
    assert (
        f"{breach.part} row {breach.row} (scikit-learn {breach.sklearn}, onnx {breach.onnx}"
        in report.message
    )
    assert report.message.count(" row ") == 3  # three described, the rest counted
    assert report.message.endswith(f"; and {report.breach_count - 3:,} more")
    markdown = report.to_markdown()
    assert f"| {breach.row} | {breach.part} | {breach.sklearn} | {breach.onnx} |" in markdown
    assert markdown.count(" | training | ") + markdown.count(" | holdout | ") == 10
    assert f"and {report.breach_count - 10:,} more rows" in markdown
    # the named rows really disagree
    rows = pd.concat([result.X_train, result.X_test]).loc[report.worst_rows]
    onnx_labels, _ = OnnxScorer(tampered).predict(rows)
    assert (onnx_labels != result.pipeline.predict(rows)).all()


def test_a_tiny_tolerance_fails_on_float32_rounding() -> None:
    result = _train(churn, HGB, {"max_iter": 30}, {})
    report = check_parity(convert(result, 17), result, 1e-12)
    assert not report.passed
    assert report.label_agreement == 1.0
    assert 1e-12 < report.max_abs_diff < 1e-5
    assert "tolerance 1e-12" in report.message
    assert report.worst[0].diff == report.max_abs_diff


def test_breaches_on_training_rows_only_are_caught() -> None:
    """A scaler before gradient boosting moves training rows across float32 split thresholds.

    `build_pipeline` leaves scalers out for trees; here one is forced in, and
    every breach is a training row that a holdout-only check would miss.
    """
    features, labels = make_classification(n_samples=1000, n_features=6, random_state=0)
    frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(6)])
    frame["label"] = pd.Series(np.where(labels == 1, "yes", "no"), dtype=object)
    dataset = DatasetSpec.model_validate(
        {
            "path": "data/d.csv",
            "target": "label",
            "columns": {
                **{f"f{i}": {"type": "number"} for i in range(6)},
                "label": {"type": "category", "values": ["no", "yes"]},
            },
        }
    )
    result = train_model(
        frame,
        dataset,
        model_spec("classification", positive_class="yes"),
        pipeline_spec(LOGISTIC, numeric={"scale": "standard"}),
    )
    result.pipeline.set_params(
        estimator=HistGradientBoostingClassifier(max_iter=50, random_state=0)
    )
    result.pipeline.fit(result.X_train, result.y_train)
    report = check_parity(convert(result, 17), result, TOLERANCE)
    assert not report.passed
    assert report.breach_count >= 5
    assert {row.part for row in report.worst if row.diff > TOLERANCE} == {"training"}
    assert report.max_abs_diff > 0.01


def test_a_forest_vote_tie_may_go_either_way() -> None:
    result = _train(churn, FOREST, {"n_estimators": 50}, {})
    onnx_bytes = convert(result, 17)
    both = pd.concat([result.X_train, result.X_test])
    onnx_labels, _ = OnnxScorer(onnx_bytes).predict(both)
    sk_labels = result.pipeline.predict(both)
    differ = onnx_labels != sk_labels
    assert differ.any()  # float32 sums broke a 25/25 vote the other way
    proba = result.pipeline.predict_proba(both[differ])
    np.testing.assert_allclose(proba, 0.5)
    report = check_parity(onnx_bytes, result, TOLERANCE)
    assert report.passed and report.label_agreement == 1.0
