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

from mlgitops.data import DataValidationReport, read_table, validate_frame
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


def _shape(report: DataValidationReport) -> tuple[object, ...]:
    return (
        report.rows,
        report.columns,
        dict(report.null_counts),
        sorted(
            (f.column or "", f.check, f.failing_rows, [(e.row, e.value) for e in f.examples])
            for f in report.failures
        ),
    )


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_typed_csv_read_reports_what_the_text_read_reports(tmp_path: Path, case: str) -> None:
    rows = valid_cells()
    for index, changes in BROKEN[case].items():
        rows[index].update(changes)
    path = write_csv_rows(tmp_path / "churn.csv", rows)
    spec = dataset_spec()
    as_text = validate_frame(read_table(path, "data/churn.csv"), spec, file="data/churn.csv")
    _, report = read_and_validate(path, "data/churn.csv", spec)
    assert _shape(report) == _shape(as_text)
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
    assert _shape(from_table) == _shape(from_frame)
    assert from_table.passed == (case == "clean")
