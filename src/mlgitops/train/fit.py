"""Train one model: features, labels, split, fit, holdout predictions and metrics."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BadInputError
from ..evidence import TrainingEvidence
from .inputs import NUMERIC_TYPES

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from ..spec.models import DatasetSpec, ModelSpec, PipelineSpec, Task


@dataclass
class TrainResult:
    """A fitted pipeline and what it did on the holdout.

    `pipeline` reads the validated frame's feature columns directly
    (`pipeline.predict(X_test)`); X_* keep the frame's index, so row numbers
    in reports are the dataset's. Classification labels are strings.
    """

    task: Task
    estimator: str  # class path
    params: dict[str, Any]  # the estimator's params as fitted (random_state filled in)
    pipeline: Pipeline
    features: list[str]  # in input order
    numeric: list[str]
    categorical: list[str]
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray
    classes: list[str]  # probability column order; empty for regression
    y_pred: np.ndarray  # on the holdout
    proba: np.ndarray | None  # on the holdout; None for regression or without predict_proba
    metrics: dict[str, float]
    seconds: float
    positive: str | None = None  # binary: the class the metrics are about
    stratified: bool = False
    notes: list[str] = field(default_factory=list)  # split fallbacks, warnings raised while fitting


@dataclass
class TrainingInputs:
    """What a fit needs: the unfitted pipeline, the split and the params it will train with."""

    params: dict[str, Any]
    pipeline: Pipeline  # unfitted
    features: list[str]
    numeric: list[str]
    categorical: list[str]
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray
    stratified: bool
    notes: list[str]
    train_times: np.ndarray | None = None  # the training rows' timestamps, when the data has them


def prepare_training(
    frame: pd.DataFrame,
    dataset: DatasetSpec,
    model: ModelSpec,
    pipeline: PipelineSpec,
    params_override: dict[str, Any] | None = None,
) -> TrainingInputs:
    """Features, labels, the deterministic split and the unfitted pipeline.

    `params_override` (a search's best parameters) replaces the declared
    estimator params of the same names. Shared by training and tuning, so a
    search sees exactly the rows and pipeline training will use.
    """
    from .pipeline import build_pipeline, uses_scaler
    from .split import split_rows

    features = select_features(dataset, model)
    missing = [name for name in (*features, dataset.target) if name not in frame.columns]
    if missing:
        raise BadInputError(
            f"{dataset.where}: column(s) {', '.join(missing)} missing from the data",
            hint="add the columns to the data file or change the dataset's columns",
        )
    numeric = [name for name in features if dataset.columns[name].type in NUMERIC_TYPES]
    categorical = [name for name in features if name not in numeric]
    y = target_values(frame[dataset.target], dataset, model.task)

    params = {**seeded_params(pipeline, model.split.seed), **(params_override or {})}
    spec = pipeline.model_copy(
        update={"estimator": pipeline.estimator.model_copy(update={"params": params})}
    )
    unfitted = build_pipeline(spec, numeric, categorical)
    times = timestamps(frame, dataset) if dataset.timestamp is not None else None
    parts = split_rows(y, model.split, model.task, times if model.split.by == "time" else None)
    x_all = frame[features]
    notes = [parts.note] if parts.note else []
    if pipeline.preprocess.numeric.scale != "none" and numeric and not uses_scaler(pipeline):
        notes.append(
            f"scale: {pipeline.preprocess.numeric.scale} left out: a tree model splits on order, "
            "which scaling keeps, and unscaled inputs keep ONNX parity exact"
        )
    return TrainingInputs(
        params=params,
        pipeline=unfitted,
        features=features,
        numeric=numeric,
        categorical=categorical,
        X_train=x_all.iloc[parts.train],
        X_test=x_all.iloc[parts.test],
        y_train=y[parts.train],
        y_test=y[parts.test],
        stratified=parts.stratified,
        notes=notes,
        train_times=None if times is None else times[parts.train],
    )


def train_model(
    frame: pd.DataFrame,
    dataset: DatasetSpec,
    model: ModelSpec,
    pipeline: PipelineSpec,
    params_override: dict[str, Any] | None = None,
) -> TrainResult:
    """Fit `pipeline` on `frame` (validated and coerced) as `model` declares.

    Deterministic: the split and, when the estimator takes one and the params
    leave it unset, the estimator's random_state come from split.seed.
    """
    from .metrics import compute_metrics, default_metric_names

    started = time.perf_counter()
    inputs = prepare_training(frame, dataset, model, pipeline, params_override)
    fitted, params, features = inputs.pipeline, inputs.params, inputs.features
    numeric, categorical, notes = inputs.numeric, inputs.categorical, list(inputs.notes)
    x_train, x_test, y_train, y_test = inputs.X_train, inputs.X_test, inputs.y_train, inputs.y_test

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitted.fit(x_train, y_train)
        except ValueError as exc:
            raise BadInputError(
                f"training {pipeline.estimator.class_path} on {dataset.where} failed: {exc}",
                hint="check the estimator params and the data",
            ) from None
        y_pred = np.asarray(fitted.predict(x_test))
        proba = _predict_proba(fitted, x_test, model.task)
    notes += _warning_notes(caught)

    classes = [str(c) for c in fitted.classes_] if model.task == "classification" else []
    positive = None
    if model.task == "classification":
        from ..evaluate.positive import resolve_positive

        kind = dataset.columns[dataset.target].type
        positive = resolve_positive(model.positive_class, kind, classes, target=dataset.target)
    names = model.metrics or default_metric_names(model.task, proba is not None)
    metrics = compute_metrics(model.task, names, y_test, y_pred, proba, classes, positive)
    return TrainResult(
        task=model.task,
        estimator=pipeline.estimator.class_path,
        params=params,
        pipeline=fitted,
        features=features,
        numeric=numeric,
        categorical=categorical,
        X_train=x_train,
        X_test=x_test,
        y_train=y_train,
        y_test=y_test,
        classes=classes,
        y_pred=y_pred,
        proba=proba,
        metrics=metrics,
        positive=positive,
        seconds=time.perf_counter() - started,
        stratified=inputs.stratified,
        notes=notes,
    )


def select_features(dataset: DatasetSpec, model: ModelSpec) -> list[str]:
    """features.include in its order, else every column but the target and features.exclude."""
    if model.features.include is not None:
        features = [name for name in model.features.include if name != dataset.target]
    else:
        excluded = {dataset.target, *model.features.exclude}
        if dataset.timestamp is not None:  # orders rows in time; never a feature
            excluded.add(dataset.timestamp)
        # a point in time is no feature either (a model would learn the calendar)
        excluded |= {name for name, c in dataset.columns.items() if c.type == "datetime"}
        features = [name for name in dataset.columns if name not in excluded]
    if not features:
        raise BadInputError(
            f"model on dataset '{dataset.where}' has no feature columns left",
            hint="list columns under features.include or exclude fewer",
        )
    return features


def target_values(series: pd.Series, dataset: DatasetSpec, task: Task) -> np.ndarray:
    """float64 for regression; str labels for classification (`True`, `3`, `gold`)."""
    import pandas as pd

    missing = np.flatnonzero(pd.isna(series.to_numpy()))
    if len(missing):
        rows = ", ".join(str(series.index[i]) for i in missing[:10]) + (
            ", ..." if len(missing) > 10 else ""
        )
        raise BadInputError(
            f"{dataset.where}: target '{dataset.target}' is missing in {len(missing)} row(s): "
            f"{rows}",
            hint="every training row needs a target value; drop or fill those rows",
        )
    if task == "regression":
        return series.to_numpy(dtype=np.float64)
    kind = dataset.columns[dataset.target].type
    return np.array([_label(value, kind) for value in series.to_numpy()], dtype=object)


def timestamps(frame: pd.DataFrame, dataset: DatasetSpec) -> np.ndarray:
    """The dataset's timestamp column as datetime64 (UTC), for a time split."""
    import pandas as pd

    name = dataset.timestamp
    if name is None or name not in frame.columns:
        raise BadInputError(
            f"{dataset.where}: split.by: time needs the timestamp column "
            f"'{name or '(none declared)'}'",
            hint="declare the dataset's timestamp and keep that column in the data",
        )
    try:
        parsed = pd.to_datetime(frame[name], utc=True, format="mixed")
    except (ValueError, TypeError) as exc:
        raise BadInputError(
            f"{dataset.where}: column {name}: not a timestamp ({exc})",
            hint="write timestamps as ISO 8601 text, e.g. 2026-01-31T12:00:00Z",
        ) from None
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise BadInputError(
            f"{dataset.where}: column {name}: row {frame.index[row]} has no timestamp",
            hint="every row needs a timestamp for a time split",
        )
    return parsed.to_numpy(dtype="datetime64[ns]")


def seeded_params(pipeline: PipelineSpec, seed: int) -> dict[str, Any]:
    """The estimator params, with random_state set from the split seed when left unset."""
    from ..spec.estimators import import_estimator_class

    params = dict(pipeline.estimator.params)
    accepted = import_estimator_class(pipeline.estimator.class_path)().get_params(deep=False)
    if "random_state" in accepted and "random_state" not in params:
        params["random_state"] = seed
    return params


def training_evidence(result: TrainResult) -> TrainingEvidence:
    return TrainingEvidence(
        estimator=result.estimator,
        params=dict(result.params),
        rows_train=len(result.X_train),
        rows_test=len(result.X_test),
        classes=list(result.classes),
        seconds=round(result.seconds, 3),
    )


def _label(value: Any, kind: str) -> str:
    if kind == "boolean":
        return str(bool(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # integer columns arrive as float64
    return str(value)


def _predict_proba(fitted: Pipeline, features: pd.DataFrame, task: Task) -> np.ndarray | None:
    if task != "classification" or not hasattr(fitted, "predict_proba"):
        return None
    return np.asarray(fitted.predict_proba(features), dtype=np.float64)


def _warning_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    notes: list[str] = []
    for item in caught:
        text = f"{item.category.__name__}: {' '.join(str(item.message).split())}"
        if text not in notes:
            notes.append(text)
    return notes
