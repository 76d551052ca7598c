"""Request payloads to ONNX feeds, checked against the model's declared columns.

The same rules as `predict` (`data/validate.py`), applied to JSON values one
request at a time: a value of the wrong type, out of its bounds, outside its
categories, or missing where the column is not nullable is a `RequestError`
(400) that names the column and the row. Feeds are what training saw
(`train/inputs.py`): float32 with NaN for missing numbers, str with "" for
missing categories.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..train.inputs import MISSING_CATEGORY
from .loaded import InputColumn, ServedModel

Feeds = dict[str, np.ndarray]
# OIP datatypes a numeric input accepts; a string input takes BYTES only
NUMERIC_DATATYPES = frozenset(
    {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64"}
    | {"FP16", "FP32", "FP64"}
)
SHOWN = 60  # characters of a bad value shown back
FLOAT32_MAX = float(np.finfo(np.float32).max)


class RequestError(Exception):
    """A request the server refuses; `status` is its HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def feeds_from_columns(
    model: ServedModel, columns: Mapping[str, Sequence[Any]], rows: int
) -> Feeds:
    """Check every declared input's values (all present, `rows` long) and build the feeds."""
    feeds: Feeds = {}
    for column in model.inputs:
        values = columns.get(column.name)
        if values is None:
            raise RequestError(
                f"column '{column.name}' is missing; {model.name} reads "
                + ", ".join(f"'{c.name}'" for c in model.inputs)
            )
        if len(values) != rows:
            raise RequestError(f"column '{column.name}' has {len(values)} values for {rows} rows")
        feeds[column.onnx_name] = _column_feed(column, values)
    return feeds


def _column_feed(column: InputColumn, values: Sequence[Any]) -> np.ndarray:
    check = _CHECKS[column.spec.type]
    if column.is_string:
        out = np.empty((len(values), 1), dtype=object)
        for row, value in enumerate(values):
            out[row, 0] = check(column, row, value)
        return out
    numbers = np.empty((len(values), 1), dtype=np.float32)
    for row, value in enumerate(values):
        numbers[row, 0] = check(column, row, value)
    return numbers


def _bad(column: InputColumn, row: int, value: Any, why: str) -> RequestError:
    shown = repr(value)
    if len(shown) > SHOWN:
        shown = shown[:SHOWN] + "…"
    return RequestError(f"column '{column.name}', row {row}: {shown} {why}")


def _missing(column: InputColumn, row: int, value: Any) -> bool:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if missing and not column.spec.nullable:
        raise _bad(column, row, None, "is missing, and the column is not nullable")
    return missing


def _bounded(column: InputColumn, row: int, value: float) -> float:
    """`value` (an int or float, shown as sent) as a float, within the column's bounds."""
    spec = column.spec
    try:
        number = float(value)
    except OverflowError:  # an integer literal with hundreds of digits
        number = math.inf
    if not abs(number) <= FLOAT32_MAX:  # the model reads float32
        raise _bad(column, row, value, "is not a finite number in float32's range")
    if spec.min is not None and number < spec.min:
        raise _bad(column, row, value, f"is below the minimum {spec.min:g}")
    if spec.max is not None and number > spec.max:
        raise _bad(column, row, value, f"is above the maximum {spec.max:g}")
    return number


def _integer(column: InputColumn, row: int, value: Any) -> float:
    if _missing(column, row, value):
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(column, row, value, "is not an integer")
    if isinstance(value, float) and not value.is_integer():
        raise _bad(column, row, value, "is not a whole number")
    return _bounded(column, row, value)


def _number(column: InputColumn, row: int, value: Any) -> float:
    if _missing(column, row, value):
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(column, row, value, "is not a number")
    return _bounded(column, row, value)


def _boolean(column: InputColumn, row: int, value: Any) -> float:
    if _missing(column, row, value):
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int) and value in (0, 1):
        return float(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return 1.0 if value.lower() == "true" else 0.0
    raise _bad(column, row, value, "is not a boolean (true or false)")


def _category(column: InputColumn, row: int, value: Any) -> str:
    if _missing(column, row, value):
        return MISSING_CATEGORY
    allowed = column.spec.values or []
    if not isinstance(value, str | int | bool) or str(value) not in _allowed(allowed):
        shown = ", ".join(str(v) for v in allowed[:10]) + (", …" if len(allowed) > 10 else "")
        raise _bad(column, row, value, f"is not one of the column's values ({shown})")
    return str(value)


def _string(column: InputColumn, row: int, value: Any) -> str:
    if _missing(column, row, value):
        return MISSING_CATEGORY
    if not isinstance(value, str):
        raise _bad(column, row, value, "is not a string")
    return value


def _allowed(values: Sequence[str | int | bool]) -> frozenset[str]:
    out: set[str] = set()
    for value in values:
        if isinstance(value, bool):  # YAML true/false, as data validation reads them
            out.update({str(value), str(value).lower(), str(value).upper()})
        else:
            out.add(str(value))
    return frozenset(out)


_CHECKS: dict[str, Callable[[InputColumn, int, Any], Any]] = {
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "category": _category,
    "string": _string,
}


# --- the two request formats -------------------------------------------------------------


def oip_columns(model: ServedModel, body: Any) -> tuple[dict[str, list[Any]], int]:
    """An Open Inference Protocol infer request's inputs as columns and the row count."""
    if not isinstance(body, dict):
        raise RequestError("the body must be a JSON object with 'inputs'")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise RequestError("'inputs' must be a non-empty list of tensors")
    known = model.by_name
    columns: dict[str, list[Any]] = {}
    rows: int | None = None
    for index, tensor in enumerate(inputs):
        if not isinstance(tensor, dict):
            raise RequestError(
                f"inputs[{index}] must be an object with name, shape, datatype, data"
            )
        name = tensor.get("name")
        if not isinstance(name, str):
            raise RequestError(f"inputs[{index}].name must be a string")
        column = known.get(name)
        if column is None:
            raise RequestError(f"inputs[{index}]: {_unknown(name, list(known))}")
        if name in columns:
            raise RequestError(f"input '{name}' is given twice")
        datatype = tensor.get("datatype")
        allowed = {"BYTES"} if column.is_string else NUMERIC_DATATYPES
        if datatype not in allowed:
            raise RequestError(
                f"input '{name}': datatype {datatype!r} does not fit the column; "
                f"use {column.datatype}"
            )
        data = _flatten(tensor.get("data"), name)
        shape = tensor.get("shape")
        if (
            not isinstance(shape, list)
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
            or math.prod(shape) != len(data)
            or (len(shape) == 2 and shape[1] != 1)
            or len(shape) not in (1, 2)
        ):
            raise RequestError(
                f"input '{name}': shape {shape!r} does not fit its {len(data)} values; "
                f"use [{len(data)}] or [{len(data)}, 1]"
            )
        if rows is not None and len(data) != rows:
            raise RequestError(f"input '{name}' has {len(data)} rows, the others {rows}")
        rows = len(data)
        columns[name] = data
    assert rows is not None
    if rows == 0:
        raise RequestError("the inputs hold no rows")
    return columns, rows


def mlflow_columns(model: ServedModel, body: Any) -> tuple[dict[str, list[Any]], int]:
    """MLflow's `dataframe_split` or `dataframe_records` as columns and the row count.

    Columns the model does not read (ids, the target) are ignored, as `predict` does.
    """
    if not isinstance(body, dict):
        raise RequestError(
            "the body must be a JSON object with dataframe_split or dataframe_records"
        )
    formats = [key for key in ("dataframe_split", "dataframe_records") if key in body]
    if len(formats) != 1:
        raise RequestError(
            "give exactly one of 'dataframe_split' or 'dataframe_records' "
            "(MLflow's scoring formats)"
        )
    if formats[0] == "dataframe_split":
        return _split(body["dataframe_split"])
    return _records(body["dataframe_records"])


def _split(split: Any) -> tuple[dict[str, list[Any]], int]:
    if not isinstance(split, dict):
        raise RequestError("dataframe_split must be an object with 'columns' and 'data'")
    names, data = split.get("columns"), split.get("data")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RequestError("dataframe_split.columns must be a list of column names")
    if len(set(names)) != len(names):
        raise RequestError("dataframe_split.columns names a column twice")
    if not isinstance(data, list) or not data:
        raise RequestError("dataframe_split.data must be a non-empty list of rows")
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for row, values in enumerate(data):
        if not isinstance(values, list) or len(values) != len(names):
            raise RequestError(f"dataframe_split.data[{row}] must be a list of {len(names)} values")
        for name, value in zip(names, values, strict=True):
            columns[name].append(value)
    return columns, len(data)


def _records(records: Any) -> tuple[dict[str, list[Any]], int]:
    if not isinstance(records, list) or not records:
        raise RequestError("dataframe_records must be a non-empty list of objects")
    columns: dict[str, list[Any]] = {}
    for row, record in enumerate(records):
        if not isinstance(record, dict):
            raise RequestError(f"dataframe_records[{row}] must be an object")
        for name in columns.keys() | record.keys():
            columns.setdefault(name, [None] * row).append(record.get(name))
    return columns, len(records)


def _flatten(data: Any, name: str) -> list[Any]:
    if not isinstance(data, list):
        raise RequestError(f"input '{name}': data must be a list")
    flat: list[Any] = []
    stack: list[Any] = [iter(data)]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
        elif isinstance(item, list):
            if len(stack) >= 3:
                raise RequestError(f"input '{name}': data nests deeper than its shape")
            stack.append(iter(item))
        else:
            flat.append(item)
    return flat


_END = object()


def _unknown(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"the model has no input '{name}'{hint}; it reads " + ", ".join(f"'{k}'" for k in known)
