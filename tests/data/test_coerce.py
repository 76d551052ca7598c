"""coerce_frame: validated data in the dtypes training and drift use."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgitops.data import coerce_frame, read_table
from mlgitops.errors import DataFileError
from mlgitops.spec.models import DatasetSpec

Cells = list[dict[str, str]]


def _assert_training_dtypes(frame: pd.DataFrame, *, nullable_flags: bool = False) -> None:
    assert list(frame.columns) == [
        "customer_id",
        "tenure_months",
        "monthly_charges",
        "total_charges",
        "contract",
        "churned",
    ]
    for name in ("tenure_months", "monthly_charges", "total_charges"):
        assert frame[name].dtype == np.float64, name
    for name in ("customer_id", "contract"):
        assert frame[name].dtype == object, name
        assert all(value is None or type(value) is str for value in frame[name]), name
    assert frame["churned"].dtype == (np.float64 if nullable_flags else np.bool_)


def test_csv_is_coerced(csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec) -> None:
    cells[0]["total_charges"] = ""
    cells[1]["churned"] = "Yes"
    cells[2]["tenure_months"] = "7.0"
    frame = coerce_frame(read_table(csv_file(cells), "data/churn.csv"), churn)
    _assert_training_dtypes(frame)
    assert np.isnan(frame["total_charges"].iloc[0])
    assert frame["tenure_months"].iloc[2] == 7.0
    assert frame["churned"].tolist()[:4] == [False, True, False, True]
    assert frame["contract"].tolist()[:3] == ["one-year", "two-year", "month-to-month"]


def test_parquet_is_coerced(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, churn_parquet: DatasetSpec
) -> None:
    typed = typed[list(reversed(typed.columns))]  # file order does not matter
    typed.loc[3, "total_charges"] = np.nan
    frame = coerce_frame(read_table(parquet_file(typed), "data/churn.parquet"), churn_parquet)
    _assert_training_dtypes(frame)
    assert frame["tenure_months"].tolist()[:3] == [3.0, 6.0, 9.0]
    assert np.isnan(frame["total_charges"].iloc[3])


def test_nullable_boolean_becomes_float(
    csv_file: Callable[..., Path], cells: Cells, spec_with: Callable[..., DatasetSpec]
) -> None:
    columns = {
        **spec_with().model_dump()["columns"],
        "churned": {"type": "boolean", "nullable": True},
    }
    spec = spec_with(columns=columns)
    cells[0]["churned"] = ""
    cells[1]["churned"] = "no"
    cells[3]["churned"] = "yes"
    frame = coerce_frame(read_table(csv_file(cells), "data/churn.csv"), spec)
    _assert_training_dtypes(frame, nullable_flags=True)
    assert frame["churned"].tolist()[1:4] == [0.0, 0.0, 1.0]
    assert np.isnan(frame["churned"].iloc[0])


def test_missing_text_is_none_and_wrong_types_are_missing(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    cells[0]["contract"] = ""
    cells[1]["monthly_charges"] = "abc"
    cells[2]["contract"] = "lifetime"  # kept: drift checks need to see new categories
    frame = coerce_frame(read_table(csv_file(cells), "data/churn.csv"), churn)
    assert frame["contract"].tolist()[:3] == [None, "two-year", "lifetime"]
    assert np.isnan(frame["monthly_charges"].iloc[1])


def test_missing_column_is_an_error(typed: pd.DataFrame, churn: DatasetSpec) -> None:
    with pytest.raises(
        DataFileError, match=re.escape("data/churn.csv: column 'contract' is missing")
    ):
        coerce_frame(typed.drop(columns=["contract"]), churn, file="data/churn.csv")
