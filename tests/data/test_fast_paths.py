"""The fast paths give the reports the exact path gives.

A CSV read with its declared types (`read_and_validate`), a column proved clean
from aggregates, and an Arrow batch checked with `validate_table` must report
exactly what validating the file as text reports: the same failures, rows,
examples and null counts.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from builders import report_shape

from mlgitops.data import read_table, validate_frame
from mlgitops.data.validate import parsed_while_read, read_and_validate, validate_table

from .conftest import dataset_spec, valid_cells, valid_frame, write_csv_rows

BROKEN = {
    "clean": {},
    "NA in a column that is not nullable": {3: {"tenure_months": "NA"}},
    "blank number in a nullable column": {2: {"total_charges": ""}, 5: {"total_charges": "null"}},
    "text in a number column": {4: {"monthly_charges": "1,5"}},
    "fraction in an integer column": {6: {"tenure_months": "7.5"}},
    "whole float in an integer column": {6: {"tenure_months": "7.0"}},
    "below the minimum": {7: {"monthly_charges": "-3"}},
    "infinite": {8: {"monthly_charges": "inf"}},
    "unknown category": {9: {"contract": "gold"}},
    "blank category": {9: {"contract": " "}},
    "repeated id": {10: {"customer_id": "C001"}},
    "boolean spelled oddly": {11: {"churned": "Nope"}},
    "boolean spelled yes": {11: {"churned": "yes"}},
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_typed_csv_read_reports_what_the_text_read_reports(tmp_path: Path, case: str) -> None:
    rows = valid_cells()
    for index, changes in BROKEN[case].items():
        rows[index].update(changes)
    path = write_csv_rows(tmp_path / "churn.csv", rows)
    spec = dataset_spec()
    as_text = validate_frame(read_table(path, "data/churn.csv"), spec, file="data/churn.csv")
    _, report = read_and_validate(path, "data/churn.csv", spec)
    assert report_shape(report) == report_shape(as_text)
    assert report.passed == (
        case
        in (
            "clean",
            "blank number in a nullable column",
            "whole float in an integer column",
            "boolean spelled yes",
        )
    )


def test_a_clean_csv_is_typed_while_read(tmp_path: Path) -> None:
    path = write_csv_rows(tmp_path / "churn.csv", valid_cells())
    spec = dataset_spec()
    frame = read_table(path, "data/churn.csv", spec.columns)
    assert parsed_while_read(frame, spec)
    assert str(frame["tenure_months"].dtype) == "int64"
    assert str(frame["churned"].dtype) == "bool"
    text = read_table(path, "data/churn.csv")
    assert not parsed_while_read(text, spec)


@pytest.mark.parametrize("dictionary", [False, True])
@pytest.mark.parametrize("case", ["clean", "unknown category", "repeated id", "below the minimum"])
def test_arrow_tables_report_what_frames_report(
    tmp_path: Path, case: str, dictionary: bool
) -> None:
    frame = valid_frame()
    if case == "unknown category":
        frame.loc[9, "contract"] = "gold"
    elif case == "repeated id":
        frame.loc[10, "customer_id"] = "C001"
    elif case == "below the minimum":
        frame.loc[7, "monthly_charges"] = -3.0
    path = tmp_path / "churn.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    table = pq.ParquetFile(
        path, read_dictionary=["contract", "customer_id"] if dictionary else []
    ).read()
    spec = dataset_spec(path="data/churn.parquet")
    from_table = validate_table(table, spec, file="data/churn.parquet")
    from_frame = validate_frame(
        read_table(path, "data/churn.parquet"), spec, file="data/churn.parquet"
    )
    assert report_shape(from_table) == report_shape(from_frame)
    assert from_table.passed == (case == "clean")


def _column(**fields: object) -> object:
    from mlgitops.spec.models import ColumnSpec

    return ColumnSpec.model_validate(fields)


@pytest.mark.parametrize(
    ("values", "distinct"),
    [
        (["C001", "C002", "C003"], True),
        (["C001", "C002", "C001"], False),  # short values, compared as numbers
        (["a", "a\x00"], True),  # zero padding is not content: the length tells them apart
        (["customer-000000000001", "customer-000000000002"], True),  # longer than a view holds
        (["customer-000000000001", "customer-000000000001"], False),
        (["x" * 12, "x" * 11 + "y", "x" * 12], False),  # 12 bytes: the most a view holds
        (["x" * 13, "x" * 12, "x" * 11], True),  # one longer value: the exact hash
        (["a", "é", "e\u0301", "日本"], True),  # unicode compares by its bytes
        (["é", "ab", "é"], False),
    ],
)
def test_unique_text_is_proved_only_when_every_value_differs(
    values: list[str], distinct: bool
) -> None:
    from mlgitops.data.aggregates import clean_missing

    for kind in (pa.string(), pa.large_string()):
        array = pa.chunked_array([pa.array(values[:1], kind), pa.array(values[1:], kind)])
        missing = clean_missing(array, _column(type="string"), unique=True)  # type: ignore[arg-type]
        assert (missing == 0) is distinct, (values, kind)


@pytest.mark.parametrize(
    ("values", "allowed", "expected"),
    [
        (["a", "b", "a"], ["a", "b"], 0),
        (["a", "c"], ["a", "b"], None),  # outside the allowed values: the exact path
        (["a", None], ["a", "b"], None),  # missing in a column that is not nullable
        (["a", " "], ["a", " "], None),  # a blank allowed value still counts as missing
    ],
)
def test_category_values_are_settled_by_membership(
    values: list[str | None], allowed: list[str], expected: int | None
) -> None:
    from mlgitops.data.aggregates import clean_missing

    column = _column(type="category", values=allowed)
    assert clean_missing(pa.chunked_array([pa.array(values)]), column, unique=False) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "nullable", "expected"),
    [
        ([1.0, 2.0, 3.0], False, 0),
        ([1.0, float("nan"), 3.0], True, 1),
        ([1.0, None, float("nan")], True, 2),  # a null and a NaN are both missing
        ([1.0, float("nan")], False, None),
        ([1.0, float("inf")], False, None),
        ([-1.0, 2.0], False, None),  # below min 0
        ([float("nan"), None], True, 2),
    ],
)
def test_float_columns_count_nan_and_nulls_and_check_bounds(
    values: list[float | None], nullable: bool, expected: int | None
) -> None:
    import pandas as pd

    from mlgitops.data.aggregates import arrow_column, clean_missing

    column = _column(type="number", min=0, nullable=nullable)
    from_arrow = pa.chunked_array([pa.array(values, pa.float64())])
    from_pandas = arrow_column(pd.Series(values, dtype="float64"))
    assert from_pandas is not None
    for array in (from_arrow, from_pandas):
        assert clean_missing(array, column, unique=False) == expected  # type: ignore[arg-type]


def test_unique_text_agrees_with_the_exact_count_on_many_values() -> None:
    """Sorted mixes against a hash of the strings, on sliced chunks with repeats here and there."""
    import numpy as np
    import pyarrow.compute as pc

    from mlgitops.data.aggregates import clean_missing

    rng = np.random.default_rng(7)
    column = _column(type="string")
    for repeats in (0, 1, 3):
        values = [f"K{n}" for n in rng.permutation(20_000)]
        for _ in range(repeats):
            values[int(rng.integers(1, len(values)))] = values[int(rng.integers(0, len(values)))]
        padded = pa.array(["pad", *values, "pad"])
        array = pa.chunked_array([padded.slice(1, 7_000), padded.slice(7_001, len(values) - 7_000)])
        distinct = len(pc.unique(array)) == len(array)
        assert (clean_missing(array, column, unique=True) == 0) is distinct  # type: ignore[arg-type]
