"""Small frames take `small_frame_feeds`; their feeds and scores are those of `frame_feeds`.

Each edge frame is fed both ways and compared byte for byte: the feeds (dtype,
shape, values, the str objects of categories) and what onnxruntime returns for
them. Frames the small path declines (cells whose feed value it cannot be sure
of) come back as None and score through the general path, errors included.
"""

from __future__ import annotations

import decimal
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from train.datasets import LOGISTIC, churn, model_spec, pipeline_spec

from mlgitops.errors import BadInputError
from mlgitops.onnx.convert import convert
from mlgitops.onnx.score import (
    SMALL_FRAME_CELLS,
    SMALL_FRAME_WIDTH,
    Feeds,
    OnnxScorer,
    frame_feeds,
    small_frame_feeds,
)
from mlgitops.train.fit import train_model

NUMBERS = ["tenure_months", "monthly_charges", "total_charges", "paperless"]
CATEGORIES = ["contract", "region"]


@pytest.fixture(scope="module")
def scorer() -> OnnxScorer:
    frame, dataset = churn(rows=300)
    result = train_model(
        frame,
        dataset,
        model_spec("classification", features={"exclude": ["customer_id"]}),
        pipeline_spec(LOGISTIC, categorical={"impute": "missing"}),
    )
    scorer = OnnxScorer(convert(result, 17))
    assert sorted(scorer.features) == sorted(NUMBERS + CATEGORIES)
    return scorer


def _frame(**columns: Any) -> pd.DataFrame:
    """A churn-shaped frame of the given columns, the rest filled from one plain row."""
    rows = len(next(iter(columns.values()))) if columns else 1
    plain: dict[str, Any] = {
        "tenure_months": [12.0] * rows,
        "monthly_charges": [70.5] * rows,
        "total_charges": [846.0] * rows,
        "paperless": [True] * rows,
        "contract": pd.Series(["one-year"] * rows, dtype=object),
        "region": pd.Series(["north"] * rows, dtype=object),
    }
    return pd.DataFrame(plain | columns)


def _objects(*values: Any) -> pd.Series:
    return pd.Series(list(values), dtype=object)


EDGE_FRAMES: dict[str, pd.DataFrame] = {
    "one plain row": _frame(),
    "no rows": _frame().iloc[:0],
    "one row cut from a larger frame": churn(rows=50)[0].iloc[7:8],
    "coerced rows with missing cells": churn(rows=40, seed=3)[0],
    "missing numbers and categories": _frame(
        tenure_months=[np.nan, 3.0],
        total_charges=_objects(None, 1.5),
        contract=_objects(None, np.nan),
        region=_objects(pd.NA, "south"),
    ),
    "unseen and odd categories": _frame(
        contract=_objects("mars", ""),
        region=_objects("südost 🌍", "NORTH"),
    ),
    "categories given as numbers and booleans": _frame(
        contract=_objects(1, 2.5), region=_objects(True, float("inf"))
    ),
    "integers, floats and booleans as numbers": _frame(
        tenure_months=np.array([1, 2**53 + 1], dtype=np.int64),
        monthly_charges=np.array([0.1, -0.0], dtype=np.float32),
        # rounded to float64 first it lands on a float32 tie (and goes down); directly, up
        total_charges=_objects(2**62 + 2**38 + 1, 2**70),
        paperless=_objects(False, 1),
    ),
    "nullable pandas dtypes": _frame(
        tenure_months=pd.array([5, None], dtype="Int64"),
        total_charges=pd.array([None, 2.25], dtype="Float64"),
        paperless=pd.array([None, True], dtype="boolean"),
        contract=pd.Series(["one-year", None], dtype="str"),
        region=pd.Series([None, "east"], dtype="category"),
    ),
    "numbers beyond float32": _frame(
        monthly_charges=[1e300, -1e39], total_charges=[float("inf"), float("-inf")]
    ),
    "extra columns in another order": _frame(customer_id=_objects("x", "y"), churned=[True, False])[
        [*CATEGORIES[::-1], "customer_id", *NUMBERS[::-1], "churned"]
    ],
}

# cells whose feed the small path leaves to the general one
DECLINED_FRAMES: dict[str, pd.DataFrame] = {
    "text where a number is read": _frame(total_charges=_objects("1.5")),
    "a numpy scalar in an object column": _frame(total_charges=_objects(np.float32(1.5))),
    "a timestamp as a category": _frame(region=_objects(pd.Timestamp("2026-01-01"))),
    "a NaT as a number": _frame(total_charges=_objects(pd.NaT)),
    "nullable text where a number is read": _frame(
        tenure_months=pd.Series(["3", None], dtype="string")
    ),
    "an integer beyond float64": _frame(total_charges=_objects(10**400)),
    "a decimal": _frame(monthly_charges=_objects(decimal.Decimal("1.25"))),
}


def _same_feeds(small: Feeds, general: Feeds) -> None:
    assert list(small) == list(general)
    for name, values in general.items():
        got = small[name]
        assert (got.dtype, got.shape, got.flags.c_contiguous) == (
            values.dtype,
            values.shape,
            values.flags.c_contiguous,
        ), name
        if values.dtype == object:
            assert [type(v) for v in got.ravel()] == [type(v) for v in values.ravel()], name
            assert got.tolist() == values.tolist(), name
        else:
            assert got.tobytes() == values.tobytes(), name


def _feeds_both_ways(frame: pd.DataFrame, scorer: OnnxScorer) -> tuple[Feeds | None, Feeds]:
    with warnings.catch_warnings(record=True) as small_warnings:
        warnings.simplefilter("always")
        small = small_frame_feeds(frame, scorer.columns)
    with warnings.catch_warnings(record=True) as general_warnings:
        warnings.simplefilter("always")
        general = frame_feeds(frame, scorer.columns)
    if small is not None:  # the same warnings too (a number beyond float32 becomes inf)
        assert [str(w.message) for w in small_warnings] == [
            str(w.message) for w in general_warnings
        ]
    return small, general


@pytest.mark.parametrize("case", list(EDGE_FRAMES))
def test_small_frames_feed_and_score_as_the_general_path(case: str, scorer: OnnxScorer) -> None:
    frame = EDGE_FRAMES[case]
    assert len(frame.index) * len(frame.columns) <= SMALL_FRAME_CELLS
    small, general = _feeds_both_ways(frame, scorer)
    assert small is not None, "the small path should take this frame"
    _same_feeds(small, general)
    if len(frame):
        labels, proba = scorer.run(small)
        want_labels, want_proba = scorer.run(general)
        assert labels.tolist() == want_labels.tolist()
        assert proba is not None and want_proba is not None
        assert proba.tobytes() == want_proba.tobytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # compared above
            predicted = scorer.predict(frame)
        assert predicted[0].tolist() == labels.tolist()
        assert predicted[1] is not None and predicted[1].tobytes() == proba.tobytes()


@pytest.mark.parametrize("case", list(DECLINED_FRAMES))
def test_cells_the_small_path_cannot_be_sure_of_go_the_general_way(
    case: str, scorer: OnnxScorer
) -> None:
    frame = DECLINED_FRAMES[case]
    assert small_frame_feeds(frame, scorer.columns) is None
    try:
        general: Feeds | None = frame_feeds(frame, scorer.columns)
    except Exception as exc:  # whatever the general path raises, feeds raises too
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            scorer.feeds(frame)
        return
    assert general is not None
    _same_feeds(scorer.feeds(frame), general)


def test_a_small_frame_lacking_columns_is_refused_as_a_large_one(scorer: OnnxScorer) -> None:
    one_row = _frame().drop(columns=["region", "contract"])
    with pytest.raises(
        BadInputError, match="lacks column\\(s\\) the model reads: contract, region"
    ):
        scorer.feeds(one_row)


def test_a_name_given_to_two_columns_goes_the_general_way(scorer: OnnxScorer) -> None:
    frame = _frame(customer_id=_objects("x"))
    frame.columns = [*frame.columns[:-1], "region"]  # two columns named region
    assert small_frame_feeds(frame, scorer.columns) is None


@pytest.mark.parametrize("shape", ["long", "wide"])
def test_large_frames_are_fed_one_column_at_a_time(shape: str, scorer: OnnxScorer) -> None:
    if shape == "long":
        frame = churn(rows=SMALL_FRAME_CELLS, seed=5)[0]
        assert len(frame.index) * len(frame.columns) > SMALL_FRAME_CELLS
    else:
        extra = {f"unread_{i}": [float(i)] for i in range(SMALL_FRAME_WIDTH * len(scorer.columns))}
        frame = _frame(**extra)
        assert len(frame.columns) > SMALL_FRAME_WIDTH * len(scorer.columns)
    _same_feeds(scorer.feeds(frame), frame_feeds(frame, scorer.columns))
