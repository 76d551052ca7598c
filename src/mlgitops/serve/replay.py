"""Rows recorded at registration and replayed through a running server.

At registration a small, seeded sample of holdout rows is stored in the
version (`replay.json`) with scikit-learn's own outputs for them. Before a
release, `mlgitops release` boots the real server on the production version
and replays those rows over HTTP: the served outputs must match within the
model's ONNX tolerance (labels equal, or tied within it; probabilities, or
regression predictions over the training target's spread, within it), so a
release proves the artifact that ships is the model that was reviewed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import pandas as pd
    import requests

    from ..spec.models import DatasetSpec
    from ..train.fit import TrainResult

REPLAY_FILE = "replay.json"
REPLAY_ROWS = 16
FORMAT = 1
# OIP datatypes the replay sends per declared column type
_DATATYPES = {
    "integer": "INT64",
    "number": "FP64",
    "boolean": "BOOL",
    "category": "BYTES",
    "string": "BYTES",
}


class ReplayRecord(BaseModel):
    """`replay.json`: rows as a client would send them, and scikit-learn's outputs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = FORMAT
    task: str
    tolerance: float
    scale: float  # regression differences are divided by it (the training target's std)
    classes: list[str]
    columns: list[str]
    types: list[str]  # each column's declared type
    row_numbers: list[int]
    rows: list[list[Any]]
    labels: list[Any]  # predict(): class labels (str) or regression predictions
    probabilities: list[list[float]] | None = None

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(indent=2).encode() + b"\n"


class ReplayCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str
    version: int
    rows: int
    passed: bool
    max_abs_diff: float
    label_mismatches: int
    message: str


# --- recording (at registration) ------------------------------------------------------------


def record_replay(
    result: TrainResult,
    dataset: DatasetSpec,
    tolerance: float,
    *,
    rows: int = REPLAY_ROWS,
    seed: int = 0,
) -> ReplayRecord:
    """A seeded sample of `result`'s holdout rows with the fitted pipeline's outputs."""
    holdout = result.X_test
    count = min(rows, len(holdout))
    picked = np.sort(np.random.default_rng(seed).choice(len(holdout), size=count, replace=False))
    sample = holdout.iloc[picked][list(result.features)]
    types = [dataset.columns[name].type for name in result.features]
    values = [
        [_json_value(kind, value) for kind, value in zip(types, row, strict=True)]
        for row in sample.itertuples(index=False)
    ]
    predicted = np.asarray(result.pipeline.predict(sample))
    probabilities = None
    if result.task == "classification":
        labels: list[Any] = [str(v) for v in predicted]
        if result.proba is not None:
            probabilities = np.asarray(result.pipeline.predict_proba(sample), dtype=np.float64)
    else:
        labels = [float(v) for v in predicted]
    return ReplayRecord(
        task=result.task,
        tolerance=tolerance,
        scale=_scale(result),
        classes=list(result.classes),
        columns=list(result.features),
        types=types,
        row_numbers=_row_numbers(sample),
        rows=values,
        labels=labels,
        probabilities=None if probabilities is None else probabilities.tolist(),
    )


def _json_value(kind: str, value: Any) -> Any:
    """A coerced frame's cell as JSON of the declared type (None where missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return bool(value)
    return str(value)


def _scale(result: TrainResult) -> float:
    if result.task != "regression":
        return 1.0
    spread = float(np.std(np.asarray(result.y_train, dtype=np.float64)))
    return spread if math.isfinite(spread) and spread > 0 else 1.0


def _row_numbers(sample: pd.DataFrame) -> list[int]:
    index = sample.index.to_numpy()
    if np.issubdtype(index.dtype, np.integer):
        return [int(i) for i in index]
    return list(range(len(sample)))


# --- replaying (before a release) -------------------------------------------------------------


def infer_request(record: ReplayRecord) -> dict[str, Any]:
    """The recorded rows as an Open Inference Protocol infer request."""
    return {
        "id": "mlgitops-release-replay",
        "inputs": [
            {
                "name": name,
                "datatype": _DATATYPES[kind],
                "shape": [len(record.rows), 1],
                "data": [row[index] for row in record.rows],
            }
            for index, (name, kind) in enumerate(zip(record.columns, record.types, strict=True))
        ],
    }


def replay(
    session: requests.Session, base_url: str, model: str, version: int, record: ReplayRecord
) -> ReplayCheck:
    """Send the recorded rows to the server at `base_url`; compare with the recorded outputs."""
    import requests

    url = f"{base_url}/v2/models/{quote(model, safe='')}/versions/{version}/infer"
    try:
        response = session.post(url, json=infer_request(record), timeout=60)
    except requests.RequestException as exc:
        return _failed(model, version, record, f"the server did not answer: {type(exc).__name__}")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200:
        why = body.get("error") if isinstance(body, dict) else None
        return _failed(
            model, version, record, f"the server answered {response.status_code}: {why or '?'}"
        )
    if body.get("model_version") != str(version):
        return _failed(
            model, version, record, f"the server scored with version {body.get('model_version')}"
        )
    outputs = {o["name"]: o for o in body.get("outputs", []) if isinstance(o, dict)}
    tensors = list(outputs.values())
    if not tensors:
        return _failed(model, version, record, "the server returned no outputs")
    return compare(
        model, version, record, tensors[0]["data"], tensors[1]["data"] if len(tensors) > 1 else None
    )


def compare(
    model: str,
    version: int,
    record: ReplayRecord,
    labels: list[Any],
    probabilities: list[float] | None,
) -> ReplayCheck:
    """Served outputs against the recorded ones, within the recorded tolerance."""
    rows = len(record.rows)
    if len(labels) != rows:
        return _failed(model, version, record, f"{len(labels)} outputs for {rows} rows")
    tolerance = record.tolerance
    if record.task == "regression":
        served = np.asarray(labels, dtype=np.float64)
        diff = np.abs(served - np.asarray(record.labels, dtype=np.float64)) / record.scale
        mismatches = 0
    else:
        same = np.array([str(a) == str(b) for a, b in zip(labels, record.labels, strict=True)])
        diff = np.zeros(rows)
        if record.probabilities is not None:
            if probabilities is None:
                return _failed(model, version, record, "the server returned no probabilities")
            recorded = np.asarray(record.probabilities, dtype=np.float64)
            served = np.asarray(probabilities, dtype=np.float64)
            if served.size != recorded.size:
                return _failed(
                    model, version, record, "the probabilities have another number of classes"
                )
            served = served.reshape(recorded.shape)
            diff = np.abs(served - recorded).max(axis=1)
            # a tie within the tolerance may go either way in float32: either label is right
            column = {label: i for i, label in enumerate(record.classes)}
            for row in np.flatnonzero(~same):
                picked = column.get(str(labels[row]))
                if picked is not None and recorded[row, picked] >= recorded[row].max() - tolerance:
                    same[row] = True
        mismatches = int((~same).sum())
    diff = np.where(np.isnan(diff), np.inf, diff)
    worst = float(diff.max()) if rows else 0.0
    passed = mismatches == 0 and worst <= tolerance
    if passed:
        message = f"{rows} recorded rows match (max |diff| {worst:.2e} <= {tolerance:g})"
    else:
        where = int(np.argmax(diff)) if worst > tolerance else int(np.argmax(~same))
        message = (
            f"served outputs differ from the recorded ones: {mismatches} label(s) differ, "
            f"max |diff| {min(worst, 1e308):.3g} over tolerance {tolerance:g} "
            f"(e.g. dataset row {record.row_numbers[where]})"
        )
    return ReplayCheck(
        model=model,
        version=version,
        rows=rows,
        passed=passed,
        max_abs_diff=min(worst, 1e308),
        label_mismatches=mismatches,
        message=message,
    )


def _failed(model: str, version: int, record: ReplayRecord, message: str) -> ReplayCheck:
    return ReplayCheck(
        model=model,
        version=version,
        rows=len(record.rows),
        passed=False,
        max_abs_diff=0.0,
        label_mismatches=0,
        message=message,
    )
