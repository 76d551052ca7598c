"""Guess a dataset's columns from a data file, for `mlgitops init --from`.

Like pandera's `infer_schema` and TFDV's `infer_schema`, every guess comes
from the values seen, and each one is said (`InferredColumn.guess`) so that
the user can correct it: numbers whose cells are all whole are `integer`;
bounds are widened beyond what was seen (new data rarely stops exactly at the
old extremes) and never cross zero when no negative value was seen; text with
at most `max_categories` distinct values is a `category`; any blank makes a
column `nullable`. Cells are read as `read.py` reads them, so the file the
guess came from passes `validate` as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..spec.models import ColumnType

if TYPE_CHECKING:
    import pandas as pd

MAX_CATEGORIES = 20
MAX_TARGET_CLASSES = 10  # a whole-number target with at most this many values is a class label
WIDEN = 0.1  # bounds move out by this share of the seen range
Task = Literal["classification", "regression"]


@dataclass(frozen=True)
class InferredColumn:
    name: str
    type: ColumnType
    min: float | None = None
    max: float | None = None
    values: tuple[str | int, ...] | None = None
    nullable: bool = False
    missing: int = 0
    seen_min: float | None = None
    seen_max: float | None = None
    distinct: int = 0
    unique: bool = False  # every row a different value (an id)

    def spec(self) -> dict[str, object]:
        """The column as it is written in mlops.yaml."""
        out: dict[str, object] = {"type": self.type}
        if self.min is not None:
            out["min"] = _plain(self.min)
        if self.max is not None:
            out["max"] = _plain(self.max)
        if self.values is not None:
            out["values"] = list(self.values)
        if self.nullable:
            out["nullable"] = True
        return out

    def guess(self) -> str:
        """What was guessed, from what was seen, in a few words."""
        if self.type in ("integer", "number"):
            said = f"{_plain(self.min)}..{_plain(self.max)} (seen {_short(self.seen_min)}..{_short(self.seen_max)})"
        elif self.values is not None:
            shown = ", ".join(str(v) for v in self.values[:4])
            said = f"{shown}{', ...' if len(self.values) > 4 else ''} ({len(self.values)})"
        elif self.type == "string":
            said = "all different" if self.unique else f"{self.distinct} distinct values"
        else:
            said = "true/false"
        blanks = f", {self.missing} blank" if self.missing else ""
        return f"{self.type} {said}{blanks}"


@dataclass(frozen=True)
class InferredDataset:
    rows: int
    columns: list[InferredColumn]
    target: str
    task: Task
    classes: list[str]  # classification: the target's values, as the model will see them
    majority_share: float  # classification: share of the commonest class
    ids: list[str]  # string columns with a different value on every row
    # binary with labels other than true/false or 0/1: the rarer class, which metrics are about
    positive_class: str | None = None


def infer_dataset(
    frame: pd.DataFrame, target: str, *, max_categories: int = MAX_CATEGORIES
) -> InferredDataset:
    """Columns, task and classes of `frame` (as `read_table` returns it) predicting `target`."""
    columns = [
        infer_column(str(name), frame[name], max_categories=max_categories, target=name == target)
        for name in frame.columns
    ]
    by_name = {c.name: c for c in columns}
    target_column = by_name[target]
    task: Task = "regression" if target_column.type in ("integer", "number") else "classification"
    classes: list[str] = []
    majority = 0.0
    positive: str | None = None
    if task == "classification":
        from ..data.columns import parse_column
        from .models import ColumnSpec

        declared = ColumnSpec.model_validate(target_column.spec())
        parsed = parse_column(frame[target], declared)
        if parsed.flags is not None:
            labels = ["true" if f else "false" for f in parsed.flags[~parsed.missing]]
        else:
            assert parsed.text is not None
            labels = [
                str(v)
                for v, m in zip(parsed.text.to_pylist(), parsed.missing, strict=True)
                if not m
            ]
        counts: dict[str, int] = {}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        classes = sorted(counts)
        if counts:
            majority = max(counts.values()) / sum(counts.values())
        if len(classes) == 2 and set(classes) not in ({"true", "false"}, {"0", "1"}):
            # the rarer class is usually the one to find (fraud, churn, malignant)
            positive = min(classes, key=lambda c: (counts[c], c))
    ids = [c.name for c in columns if c.type == "string" and c.unique and c.name != target]
    return InferredDataset(
        rows=len(frame),
        columns=columns,
        target=target,
        task=task,
        classes=classes,
        majority_share=majority,
        ids=ids,
        positive_class=positive,
    )


def infer_column(
    name: str, series: pd.Series, *, max_categories: int = MAX_CATEGORIES, target: bool = False
) -> InferredColumn:
    import numpy as np
    import pyarrow.compute as pc

    from ..data.columns import FALSE_WORDS, MISSING_MARKERS, TRUE_WORDS, as_strings, parse_numbers

    strings = as_strings(series)
    trimmed = pc.utf8_trim_whitespace(strings)
    blank = np.asarray(
        pc.fill_null(pc.equal(pc.binary_length(trimmed), 0), True).to_numpy(), dtype=bool
    )
    numbers, invalid = parse_numbers(strings)
    marker = np.asarray(
        pc.fill_null(pc.is_in(trimmed, value_set=_array(MISSING_MARKERS)), True).to_numpy(),
        dtype=bool,
    )
    present = ~blank
    if present.any() and not invalid[present].any() and np.isfinite(numbers[~marker]).all():
        seen = numbers[~np.isnan(numbers)]
        if len(seen):
            missing = int(np.isnan(numbers).sum())
            whole = bool((np.floor(seen) == seen).all())
            distinct = np.unique(seen)
            if target and whole and set(distinct.tolist()) <= {0.0, 1.0} and len(distinct) == 2:
                return InferredColumn(
                    name, "boolean", nullable=missing > 0, missing=missing, distinct=2
                )
            if target and whole and len(distinct) <= MAX_TARGET_CLASSES:
                # a few whole numbers to predict are class labels (0, 1, 2), not amounts
                return InferredColumn(
                    name,
                    "category",
                    values=tuple(int(v) for v in distinct),
                    nullable=missing > 0,
                    missing=missing,
                    distinct=len(distinct),
                )
            lo, hi = float(seen.min()), float(seen.max())
            low, high = widened(lo, hi, integer=whole)
            return InferredColumn(
                name,
                "integer" if whole else "number",
                min=low,
                max=high,
                nullable=missing > 0,
                missing=missing,
                seen_min=lo,
                seen_max=hi,
                distinct=len(distinct),
            )
    # text: only a blank cell is missing (read.py); booleans and numbers also know the markers
    values = [v for v, b in zip(trimmed.to_pylist(), blank, strict=True) if not b]
    missing = int(blank.sum())
    labels = sorted(set(values))
    words = {v.lower() for v in labels}
    if labels and words <= set(TRUE_WORDS + FALSE_WORDS) - {"0", "1"} and len(words) <= 2:
        return InferredColumn(
            name, "boolean", nullable=missing > 0, missing=missing, distinct=len(words)
        )
    unique = len(labels) == len(values) and len(values) > max_categories
    if labels and len(labels) <= max_categories and not unique:
        return InferredColumn(
            name,
            "category",
            values=tuple(labels),
            nullable=missing > 0,
            missing=missing,
            distinct=len(labels),
        )
    return InferredColumn(
        name, "string", nullable=missing > 0, missing=missing, distinct=len(labels), unique=unique
    )


def widened(lo: float, hi: float, *, integer: bool) -> tuple[float, float]:
    """[lo, hi] moved out by WIDEN of its span to round numbers, never across zero."""
    span = hi - lo or abs(hi) or 1.0
    step = 10.0 ** math.floor(math.log10(span * WIDEN)) if span * WIDEN > 0 else 1.0
    if integer:
        step = max(1.0, step)
    low = math.floor((lo - span * WIDEN) / step) * step
    high = math.ceil((hi + span * WIDEN) / step) * step
    if lo >= 0 > low:
        low = 0.0
    if hi <= 0 < high:
        high = 0.0
    return _round(low, step), _round(high, step)


def _round(value: float, step: float) -> float:
    digits = max(0, -math.floor(math.log10(step)))
    return round(value, digits)


def _plain(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _short(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _array(values: tuple[str, ...]) -> object:
    import pyarrow as pa

    return pa.array(values, type=pa.string())
