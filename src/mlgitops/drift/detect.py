"""Compare current data with a reference profile, streaming.

Each batch is counted into the profile's bins and dropped, so memory stays
bounded by the batch size whatever the size of the data. Statistics are
computed once, from the histograms, after the last batch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BadInputError, MlgitopsError
from .accumulate import (
    CategoricalAccumulator,
    CategoricalHistogram,
    Histogram,
    NumericAccumulator,
    NumericHistogram,
    reference_histogram,
)
from .methods import choose, drifted, severity
from .profile import CategoricalProfile, NumericProfile, Profile
from .report import DriftReport, FeatureDrift

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from ..spec.models import DriftSpec

Scorer = Callable[["pd.DataFrame"], np.ndarray]
TOP_CATEGORIES = 3
LISTED_OTHER_VALUES = 5

__all__ = ["DriftReport", "FeatureDrift", "Scorer", "detect_drift", "evaluate_feature"]


def detect_drift(
    profile: Profile,
    batches: Iterable[pd.DataFrame | pa.Table | pa.RecordBatch],
    drift: DriftSpec,
    scorer: Scorer | None = None,
    *,
    prediction_note: str | None = None,
    frame_of: Callable[[Any], pd.DataFrame] | None = None,
) -> DriftReport:
    """Stream `batches` through the profile's bins and judge drift.

    A batch is a pandas frame coerced like the training frame, or an Arrow
    table (numbers as numbers, text as string or dictionary columns, blank
    text missing), which is counted without converting it. `scorer` maps a
    pandas batch to the model's scores (`profile.prediction_scores`); Arrow
    batches reach it through `frame_of`. Without a scorer, `prediction_note`
    says why prediction drift is not computed.
    """
    import pandas as pd

    started = time.perf_counter()
    accumulators: dict[str, NumericAccumulator | CategoricalAccumulator] = {}
    for name in [*profile.numeric, *profile.categorical]:
        feature = profile.features[name]
        accumulators[name] = (
            NumericAccumulator(feature)
            if isinstance(feature, NumericProfile)
            else CategoricalAccumulator(feature)
        )
    scores: NumericAccumulator | None = None
    if profile.prediction is None:
        prediction_note = "the reference profile holds no holdout scores"
    elif scorer is None:
        prediction_note = prediction_note or "no model to score the current data with"
    else:
        scores = NumericAccumulator(profile.prediction.distribution)

    rows = 0
    batch: Any
    for batch in batches:
        arrow = not isinstance(batch, pd.DataFrame)
        names = batch.schema.names if arrow else batch.columns
        missing = [name for name in accumulators if name not in names]
        if missing:
            raise BadInputError(
                f"the current data lacks feature column(s) {', '.join(missing)}",
                hint="production data needs every feature the model was trained on",
            )
        rows += batch.num_rows if arrow else len(batch)
        for name, accumulator in accumulators.items():
            column = batch.column(name) if arrow else batch[name]
            if isinstance(accumulator, NumericAccumulator):
                if arrow:
                    _add_arrow_numbers(accumulator, column)
                else:
                    accumulator.add(column.to_numpy(dtype=np.float64, na_value=np.nan))
            else:
                accumulator.add(column)
        if scores is not None and scorer is not None:
            try:
                frame = frame_of(batch) if arrow and frame_of is not None else batch
                scores.add(np.asarray(scorer(frame), dtype=np.float64).reshape(-1))
            except MlgitopsError as exc:  # feature drift still stands without the model
                scores, prediction_note = (
                    None,
                    f"the model could not score the current data: {exc.message}",
                )
    if rows == 0:
        raise BadInputError(
            "the current data has no rows", hint="point `current` at files with data rows"
        )

    histograms = {name: accumulator.histogram() for name, accumulator in accumulators.items()}
    features = [
        evaluate_feature(name, profile.features[name], histograms[name], drift)
        for name in accumulators
    ]
    features.sort(key=lambda f: (-f.severity, f.feature))
    prediction = None
    if scores is not None and profile.prediction is not None:
        prediction = evaluate_feature(
            "prediction", profile.prediction.distribution, scores.histogram(), drift
        )
        histograms["prediction"] = scores.histogram()
    share = sum(f.drifted for f in features) / len(features) if features else 0.0
    return DriftReport(
        features=features,
        prediction=prediction,
        prediction_note=None if prediction else prediction_note,
        drift_share=share,
        drift_share_threshold=drift.drift_share,
        method=drift.method,
        rows=rows,
        reference_rows=profile.rows,
        seconds=time.perf_counter() - started,
        current_histograms=histograms,
    )


def _add_arrow_numbers(accumulator: NumericAccumulator, column: Any) -> None:
    """Count an Arrow number or boolean column: integers and booleans are whole numbers
    (exact binning needs no check), and a column without nulls has no NaN unless float."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_boolean(kind) and not column.null_count:  # two counts, nothing to bin
        trues = int(pc.sum(column).as_py() or 0)
        accumulator.add_counts(np.array([0.0, 1.0]), np.array([len(column) - trues, trues]))
        return
    whole = pa.types.is_integer(kind) or pa.types.is_boolean(kind)
    if column.null_count:
        values = pc.fill_null(pc.cast(column, pa.float64()), np.nan)
    elif pa.types.is_floating(kind) and kind == pa.float64():
        values = column
    else:
        values = pc.cast(column, pa.float64())
    array = _numpy(values)
    if pa.types.is_integer(kind) and not column.null_count:  # may be counted per value
        accumulator.add_integers(array, _numpy(column))
        return
    accumulator.add(array, whole=whole, nan=pa.types.is_floating(kind) or bool(column.null_count))


def _numpy(column: Any) -> np.ndarray:
    """An Arrow array (or chunked array) without nulls as numpy, without a copy where it can."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    array: np.ndarray = column.to_numpy(zero_copy_only=False)
    return array


def evaluate_feature(
    name: str, profile: NumericProfile | CategoricalProfile, current: Histogram, drift: DriftSpec
) -> FeatureDrift:
    choice = choose(drift.method, drift.threshold, profile)
    method = choice.method
    reference = reference_histogram(profile)
    kind: Any = "numeric" if isinstance(profile, NumericProfile) else "categorical"
    notes = [choice.note] if choice.note else []
    statistic: float | None = None
    details: dict[str, float] = {}
    if reference.valid == 0:
        is_drifted, score = False, 0.0
        notes.append("the reference has no values for this feature; not compared")
    elif current.valid == 0:
        is_drifted, score = True, math.inf
        notes.append("every current value is missing")
    else:
        result = method.compute(reference, current)
        statistic = float(result.statistic)
        details = {key: float(value) for key, value in result.details.items()}
        is_drifted = bool(drifted(method.test, statistic, choice.threshold))
        score = float(severity(method.test, statistic, choice.threshold))
    if isinstance(current, CategoricalHistogram) and isinstance(reference, CategoricalHistogram):
        notes += _other_values_note(reference, current)
    return FeatureDrift(
        feature=name,
        kind=kind,
        method=method.name,
        test=method.test,
        statistic=statistic,
        threshold=choice.threshold,
        drifted=is_drifted,
        severity=score,
        reference=summarise(reference),
        current=summarise(current),
        details=details,
        note="; ".join(notes) or None,
    )


def summarise(hist: Histogram) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rows": hist.rows,
        "values": hist.valid,
        "null_fraction": _round(hist.nulls / hist.rows) if hist.rows else 0.0,
    }
    if isinstance(hist, NumericHistogram):
        out.update(
            mean=_round(hist.mean), std=_round(hist.std), min=_round(hist.min), max=_round(hist.max)
        )
        return out
    total = hist.valid
    names = [*hist.categories, "(other)"]
    ranked = sorted(zip(names, hist.counts.tolist(), strict=True), key=lambda nc: (-nc[1], nc[0]))
    out["top"] = [[n, _round(c / total)] for n, c in ranked[:TOP_CATEGORIES] if c] if total else []
    if hist.other_values:
        listed = sorted(hist.other_values.items(), key=lambda nc: (-nc[1], nc[0]))[
            :LISTED_OTHER_VALUES
        ]
        out["other_values"] = [[n, c] for n, c in listed]
    return out


def _other_values_note(reference: CategoricalHistogram, current: CategoricalHistogram) -> list[str]:
    if not current.other_values or reference.counts[-1] > 0 or not current.valid:
        return []
    listed = sorted(current.other_values.items(), key=lambda nc: (-nc[1], nc[0]))[
        :LISTED_OTHER_VALUES
    ]
    share = current.counts[-1] / current.valid
    names = ", ".join(f"'{n}'" for n, _ in listed)
    more = " …" if len(current.other_values) > len(listed) else ""
    return [f"{share:.1%} of current values are categories the reference never saw: {names}{more}"]


def _round(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.6g}")
