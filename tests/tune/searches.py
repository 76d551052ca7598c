"""Search inputs on small real data, shared by the tuning tests."""

from __future__ import annotations

from typing import Any

from train.datasets import diabetes, iris

from mlgitops.spec.models import ModelSpec, PipelineSpec, TuningSpec
from mlgitops.train.fit import prepare_training
from mlgitops.tune.search import SearchInputs

LOGISTIC = {"class": "sklearn.linear_model.LogisticRegression", "params": {"max_iter": 300}}
RIDGE = {"class": "sklearn.linear_model.Ridge", "params": {}}


def search_inputs(tuning: dict[str, Any], *, regression: bool = False) -> SearchInputs:
    frame, dataset = diabetes() if regression else iris()
    estimator = RIDGE if regression else LOGISTIC
    model = ModelSpec.model_validate(
        {
            "dataset": "frame",
            "task": "regression" if regression else "classification",
            "estimator": estimator,
            "split": {"test_size": 0.25, "seed": 1},
        },
        by_name=False,
    )
    pipeline = PipelineSpec.model_validate({"estimator": estimator}, by_name=False)
    prepared = prepare_training(frame, dataset, model, pipeline)
    spec = TuningSpec.model_validate({"cv": 3, "seed": 7, **tuning}, by_name=False)
    return SearchInputs(spec, model.task, prepared.pipeline, prepared.X_train, prepared.y_train)


C_RANGE = {"C": {"float": [0.001, 10.0], "log": True}}
