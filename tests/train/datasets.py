"""Small frames shaped like `data.validate.coerce_frame` output, with their specs.

Numbers are float64 with NaN, booleans bool, categories object holding str or None.
Imported by tests/onnx too (`from train.datasets import ...`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlgitops.spec.models import DatasetSpec, ModelSpec, PipelineSpec


def _dataset(target: str, columns: dict[str, dict[str, Any]]) -> DatasetSpec:
    return DatasetSpec.model_validate(
        {"path": "data/frame.csv", "target": target, "columns": columns}
    )


def _sklearn_frame(loader: str, target: str, target_type: str) -> tuple[pd.DataFrame, DatasetSpec]:
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, loader)(as_frame=False)
    names = [
        name.replace(" ", "_").replace("(", "").replace(")", "").replace("/", "_")
        for name in bunch.feature_names
    ]
    frame = pd.DataFrame(bunch.data.astype(np.float64), columns=names)
    columns: dict[str, dict[str, Any]] = {name: {"type": "number"} for name in names}
    if target_type == "category":
        labels = [str(bunch.target_names[i]) for i in bunch.target]
        frame[target] = pd.Series(labels, dtype=object)
        columns[target] = {"type": "category", "values": sorted(set(labels))}
    else:
        frame[target] = bunch.target.astype(np.float64)
        columns[target] = {"type": "number"}
    return frame, _dataset(target, columns)


def iris() -> tuple[pd.DataFrame, DatasetSpec]:
    return _sklearn_frame("load_iris", "species", "category")


def wine() -> tuple[pd.DataFrame, DatasetSpec]:
    return _sklearn_frame("load_wine", "cultivar", "category")


def diabetes() -> tuple[pd.DataFrame, DatasetSpec]:
    return _sklearn_frame("load_diabetes", "progression", "number")


def churn(rows: int = 600, seed: int = 0) -> tuple[pd.DataFrame, DatasetSpec]:
    """Binary target with integer, nullable number, category, nullable string and boolean features."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(["month-to-month", "one-year", "two-year"], size=rows, p=[0.5, 0.3, 0.2])
    tenure = rng.integers(0, 72, size=rows).astype(np.float64)
    monthly = np.round(rng.uniform(20, 120, size=rows), 2)
    total = np.round(tenure * monthly, 2)
    total[rng.random(rows) < 0.05] = np.nan
    region = rng.choice(["north", "south", "east", "west"], size=rows).astype(object)
    region[rng.random(rows) < 0.05] = None
    paperless = rng.random(rows) < 0.6
    score = (
        1.5 * (contract == "month-to-month")
        - 0.04 * tenure
        + 0.015 * monthly
        + 0.4 * paperless
        + 0.3 * (region == "south")
        + rng.normal(0, 0.7, size=rows)
    )
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series([f"c{i:05d}" for i in range(rows)], dtype=object),
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": total,
            "contract": pd.Series(contract, dtype=object),
            "region": pd.Series(region, dtype=object),
            "paperless": paperless,
            "churned": score > np.median(score),
        }
    )
    columns: dict[str, dict[str, Any]] = {
        "customer_id": {"type": "string"},
        "tenure_months": {"type": "integer", "min": 0},
        "monthly_charges": {"type": "number", "min": 0},
        "total_charges": {"type": "number", "min": 0, "nullable": True},
        "contract": {"type": "category", "values": ["month-to-month", "one-year", "two-year"]},
        "region": {
            "type": "category",
            "values": ["north", "south", "east", "west"],
            "nullable": True,
        },
        "paperless": {"type": "boolean"},
        "churned": {"type": "boolean"},
    }
    return frame, _dataset("churn", columns).model_copy(update={"target": "churned"})


def model_spec(task: str, **fields: Any) -> ModelSpec:
    return ModelSpec.model_validate(
        {
            "dataset": "frame",
            "task": task,
            "estimator": {"class": "sklearn.dummy.DummyClassifier"},
            **fields,
        }
    )


def pipeline_spec(
    class_path: str, params: dict[str, Any] | None = None, **preprocess: dict[str, str]
) -> PipelineSpec:
    return PipelineSpec.model_validate(
        {"estimator": {"class": class_path, "params": params or {}}, "preprocess": preprocess}
    )


LOGISTIC = "sklearn.linear_model.LogisticRegression"
FOREST = "sklearn.ensemble.RandomForestClassifier"
HGB = "sklearn.ensemble.HistGradientBoostingClassifier"
FOREST_REGRESSOR = "sklearn.ensemble.RandomForestRegressor"
HGB_REGRESSOR = "sklearn.ensemble.HistGradientBoostingRegressor"
RIDGE = "sklearn.linear_model.Ridge"
