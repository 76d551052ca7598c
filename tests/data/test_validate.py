"""validate_frame on broken CSV and Parquet files: the exact column, check, count and example rows.

Example rows are 1-based data rows; in a CSV the header is line 1, so data row
N is line N + 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mlgitops.data import DataFailure, DataValidationReport, read_table, validate_frame
from mlgitops.data.columns import parse_numbers
from mlgitops.spec.models import DatasetSpec

Cells = list[dict[str, str]]


def _validate(path: Path, spec: DatasetSpec) -> DataValidationReport:
    return validate_frame(read_table(path, f"data/{path.name}"), spec, file=f"data/{path.name}")


def _found(
    report: DataValidationReport,
) -> dict[tuple[str | None, str], tuple[int, list[tuple[int, Any]]]]:
    """(column, check) -> (failing rows, [(row, value), ...])."""
    return {
        (f.column, f.check): (f.failing_rows, [(e.row, e.value) for e in f.examples])
        for f in report.failures
    }


def _failure(report: DataValidationReport, column: str | None, check: str) -> DataFailure:
    matches = [f for f in report.failures if f.column == column and f.check == check]
    assert len(matches) == 1, _found(report)
    return matches[0]


# --- CSV ------------------------------------------------------------------------------


def test_integer_column_with_text_and_fractions(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    cells[4]["tenure_months"] = "abc"
    cells[9]["tenure_months"] = "1.5"
    cells[10]["tenure_months"] = "12.0"  # a whole number written as a float is fine
    report = _validate(csv_file(cells), churn)
    assert _found(report) == {("tenure_months", "type"): (2, [(5, "abc"), (10, "1.5")])}
    assert report.location(5) == "line 6"
    assert "whole numbers" in report.failures[0].message


def test_number_column_with_text(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    cells[1]["monthly_charges"] = "1,5"
    cells[2]["monthly_charges"] = "12abc"
    cells[3]["monthly_charges"] = " 7.5 "  # surrounding spaces are tolerated
    cells[4]["monthly_charges"] = "1e2"
    report = _validate(csv_file(cells), churn)
    assert _found(report) == {("monthly_charges", "type"): (2, [(2, "1,5"), (3, "12abc")])}


def test_boolean_spellings(csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec) -> None:
    for index, word in enumerate(["maybe", "Yes", " NO ", "TRUE", "0", "2", "False", "1"]):
        cells[index]["churned"] = word
    report = _validate(csv_file(cells), churn)
    assert _found(report) == {("churned", "type"): (2, [(1, "maybe"), (6, "2")])}


def test_min_and_max(csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec) -> None:
    cells[1]["tenure_months"] = "-1"
    cells[2]["tenure_months"] = "601"
    cells[3]["tenure_months"] = "600"  # the bound itself is allowed
    cells[4]["monthly_charges"] = "-0.01"
    cells[5]["monthly_charges"] = "0"
    report = _validate(csv_file(cells), churn)
    assert _found(report) == {
        ("tenure_months", "min"): (1, [(2, "-1")]),
        ("tenure_months", "max"): (1, [(3, "601")]),
        ("monthly_charges", "min"): (1, [(5, "-0.01")]),
    }
    assert _failure(report, "tenure_months", "max").message.startswith(
        "values above the maximum 600;"
    )


def test_missing_values_in_columns_that_are_not_nullable(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    cells[6]["tenure_months"] = ""
    cells[7]["tenure_months"] = "NA"
    cells[8]["customer_id"] = ""
    cells[9]["contract"] = "  "
    cells[10]["churned"] = "null"
    cells[11]["total_charges"] = ""  # nullable
    cells[12]["customer_id"] = "NA"  # in a text column "NA" is a value, not a missing one
    report = _validate(csv_file(cells), churn)
    assert _found(report) == {
        ("customer_id", "nullable"): (1, [(9, "")]),
        ("tenure_months", "nullable"): (2, [(7, ""), (8, "NA")]),
        ("contract", "nullable"): (1, [(10, "  ")]),
        ("churned", "nullable"): (1, [(11, "null")]),
    }
    assert report.null_counts == {
        "customer_id": 1,
        "tenure_months": 2,
        "monthly_charges": 0,
        "total_charges": 1,
        "contract": 1,
        "churned": 1,
    }
    assert report.null_fraction["tenure_months"] == pytest.approx(0.1)


def test_infinities_are_always_failures(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    cells[2]["monthly_charges"] = "inf"
    cells[3]["monthly_charges"] = "-Infinity"
    cells[4]["total_charges"] = "1e400"  # overflows to infinity
    report = _validate(csv_file(cells), churn)
    assert _found(report) == {
        ("monthly_charges", "infinite"): (2, [(3, "inf"), (4, "-Infinity")]),
        ("total_charges", "infinite"): (1, [(5, "1e400")]),
    }


def test_category_values(csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec) -> None:
    cells[1]["contract"] = "monthly"
    cells[2]["contract"] = "One-Year"
    report = _validate(csv_file(cells), churn)
    failure = _failure(report, "contract", "values")
    assert (failure.failing_rows, [(e.row, e.value) for e in failure.examples]) == (
        2,
        [(2, "monthly"), (3, "One-Year")],
    )
    assert "(month-to-month, one-year, two-year)" in failure.message
    assert len(report.failures) == 1


def test_missing_and_unexpected_columns(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    for row in cells:
        row["tenure_month"] = row.pop("tenure_months")
        row["notes"] = "x"
    report = _validate(csv_file(cells), churn)
    assert _found(report) == {
        ("tenure_months", "missing_column"): (0, []),
        ("tenure_month", "unexpected_column"): (0, []),
        ("notes", "unexpected_column"): (0, []),
    }
    assert (
        "(did you mean 'tenure_month'?)"
        in _failure(report, "tenure_months", "missing_column").message
    )
    assert (
        "(did you mean 'tenure_months'?)"
        in _failure(report, "tenure_month", "unexpected_column").message
    )
    assert "did you mean" not in _failure(report, "notes", "unexpected_column").message
    assert report.columns == 7


def test_unique_counts_repeats_after_the_first(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    cells[4]["customer_id"] = "C001"
    cells[6]["customer_id"] = "C001"
    cells[7]["customer_id"] = "C002"
    report = _validate(csv_file(cells), churn)
    assert _found(report) == {
        ("customer_id", "unique"): (3, [(5, "C001"), (7, "C001"), (8, "C002")])
    }
    assert "earlier line" in report.failures[0].message


def test_min_rows(csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec) -> None:
    report = _validate(csv_file(cells[:5]), churn)
    assert _found(report) == {(None, "min_rows"): (0, [])}
    assert report.failures[0].message == (
        "the file has 5 data rows; at least 10 are required; add rows or lower checks.min_rows"
    )


def test_max_null_fraction(csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec) -> None:
    for index in (0, 3, 6, 9, 12):
        cells[index]["total_charges"] = ""
    report = _validate(csv_file(cells), churn)
    assert _found(report) == {("total_charges", "max_null_fraction"): (5, [])}
    assert report.failures[0].message.startswith(
        "25.0% of values are missing (5 of 20); at most 20.0% may be"
    )


def test_every_failure_is_reported_at_once(
    csv_file: Callable[..., Path], cells: Cells, spec_with: Callable[..., DatasetSpec]
) -> None:
    spec = spec_with(checks={"min_rows": 50, "max_null_fraction": 0.01, "unique": ["customer_id"]})
    for row in cells:
        row["extra"] = "1"
    cells[0]["tenure_months"] = "abc"
    cells[1]["tenure_months"] = "-5"
    cells[2]["tenure_months"] = "999"
    cells[3]["monthly_charges"] = "inf"
    cells[4]["monthly_charges"] = ""
    cells[5]["total_charges"] = ""
    cells[6]["contract"] = "lifetime"
    cells[7]["churned"] = "perhaps"
    cells[8]["customer_id"] = "C001"
    report = _validate(csv_file(cells), spec)
    assert not report.passed
    assert _found(report) == {
        ("extra", "unexpected_column"): (0, []),
        ("customer_id", "unique"): (1, [(9, "C001")]),
        ("tenure_months", "type"): (1, [(1, "abc")]),
        ("tenure_months", "min"): (1, [(2, "-5")]),
        ("tenure_months", "max"): (1, [(3, "999")]),
        ("monthly_charges", "nullable"): (1, [(5, "")]),
        ("monthly_charges", "infinite"): (1, [(4, "inf")]),
        ("contract", "values"): (1, [(7, "lifetime")]),
        ("churned", "type"): (1, [(8, "perhaps")]),
        ("total_charges", "max_null_fraction"): (1, []),
        (None, "min_rows"): (0, []),
    }


# --- Parquet ----------------------------------------------------------------------------


def test_parquet_integer_stored_as_float(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, churn_parquet: DatasetSpec
) -> None:
    typed["tenure_months"] = typed["tenure_months"].astype("float64")
    typed.loc[2, "tenure_months"] = 2.5
    typed.loc[3, "tenure_months"] = np.nan
    report = _validate(parquet_file(typed), churn_parquet)
    assert _found(report) == {
        ("tenure_months", "type"): (1, [(3, 2.5)]),
        ("tenure_months", "nullable"): (1, [(4, None)]),
    }
    assert report.location(3) == "row 3"


def test_parquet_nan_and_infinity(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, churn_parquet: DatasetSpec
) -> None:
    typed.loc[1, "monthly_charges"] = np.nan
    typed.loc[5, "total_charges"] = np.inf
    typed.loc[6, "total_charges"] = -np.inf
    typed.loc[7, "total_charges"] = np.nan  # nullable
    report = _validate(parquet_file(typed), churn_parquet)
    assert _found(report) == {
        ("monthly_charges", "nullable"): (1, [(2, None)]),
        ("total_charges", "infinite"): (2, [(6, np.inf), (7, -np.inf)]),
    }


def test_parquet_text_in_number_column(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, churn_parquet: DatasetSpec
) -> None:
    typed["monthly_charges"] = typed["monthly_charges"].astype(str)
    typed.loc[3, "monthly_charges"] = "x"
    report = _validate(parquet_file(typed), churn_parquet)
    assert _found(report) == {("monthly_charges", "type"): (1, [(4, "x")])}


def test_parquet_booleans_in_integer_column(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, churn_parquet: DatasetSpec
) -> None:
    typed["tenure_months"] = typed["tenure_months"] > 30
    report = _validate(parquet_file(typed), churn_parquet)
    assert _found(report) == {
        ("tenure_months", "type"): (
            20,
            [(1, False), (2, False), (3, False), (4, False), (5, False)],
        )
    }


def test_parquet_boolean_stored_as_numbers(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, churn_parquet: DatasetSpec
) -> None:
    typed["churned"] = typed["churned"].astype("int64")
    typed.loc[6, "churned"] = 2
    report = _validate(parquet_file(typed), churn_parquet)
    assert _found(report) == {("churned", "type"): (1, [(7, 2)])}


def test_parquet_numeric_categories(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, spec_with: Callable[..., DatasetSpec]
) -> None:
    columns = {
        **spec_with().model_dump()["columns"],
        "contract": {"type": "category", "values": [1, 2, 3]},
    }
    spec = spec_with("data/churn.parquet", columns=columns)
    typed["contract"] = [1 + i % 3 for i in range(len(typed))]
    typed.loc[8, "contract"] = 4
    report = _validate(parquet_file(typed), spec)
    assert _found(report) == {("contract", "values"): (1, [(9, 4)])}


def test_parquet_duplicates_and_nulls(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, churn_parquet: DatasetSpec
) -> None:
    typed.loc[10, "customer_id"] = "C003"
    typed.loc[11, "customer_id"] = None
    typed.loc[12, "contract"] = None
    report = _validate(parquet_file(typed), churn_parquet)
    assert _found(report) == {
        ("customer_id", "nullable"): (1, [(12, None)]),
        ("customer_id", "unique"): (1, [(11, "C003")]),
        ("contract", "nullable"): (1, [(13, None)]),
    }
    assert "earlier row" in _failure(report, "customer_id", "unique").message


# --- passing data, batches, evidence ---------------------------------------------------------


def test_valid_csv_and_parquet_pass(
    csv_file: Callable[..., Path],
    parquet_file: Callable[..., Path],
    cells: Cells,
    typed: pd.DataFrame,
    churn: DatasetSpec,
    churn_parquet: DatasetSpec,
) -> None:
    for report in (
        _validate(csv_file(cells), churn),
        _validate(parquet_file(typed), churn_parquet),
    ):
        assert report.passed, _found(report)
        assert report.failures == ()
        assert (report.rows, report.columns) == (20, 6)
        assert report.null_fraction == dict.fromkeys(churn.columns, 0.0)


def test_batches_merge_to_the_whole_file(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    from mlgitops.data import check_totals

    cells[1]["tenure_months"] = "abc"
    cells[13]["tenure_months"] = "x"
    cells[15]["tenure_months"] = "-1"
    for index in (2, 5, 14, 17, 18):
        cells[index]["total_charges"] = ""
    frame = read_table(csv_file(cells), "data/churn.csv")
    whole = validate_frame(frame, churn, file="data/churn.csv")
    first = validate_frame(frame.iloc[:12], churn, file="data/churn.csv", dataset_checks=False)
    second = validate_frame(
        frame.iloc[12:].reset_index(drop=True),
        churn,
        file="data/churn.csv",
        row_offset=12,
        dataset_checks=False,
    )
    merged = check_totals(first.merge(second), churn)
    assert _found(merged) == _found(whole)
    assert _found(whole)[("tenure_months", "type")] == (2, [(2, "abc"), (14, "x")])
    assert merged.rows == 20
    assert merged.null_counts == whole.null_counts


def test_evidence_records_rows_and_lines(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    cells[2]["monthly_charges"] = "inf"
    report = _validate(csv_file(cells), churn)
    evidence = report.to_evidence("data/churn.csv", "ab" * 32)
    assert evidence.passed is False
    assert (evidence.rows, evidence.columns, evidence.sha256) == (20, 6, "ab" * 32)
    assert evidence.failures[0].model_dump() == {
        "column": "monthly_charges",
        "check": "infinite",
        "failing_rows": 1,
        "examples": [{"row": 3, "line": 4, "value": "inf"}],
        "message": "infinite values; replace them with finite numbers",
    }
    evidence.model_dump_json()  # JSON-safe


def test_parquet_evidence_has_rows_only(
    parquet_file: Callable[..., Path], typed: pd.DataFrame, churn_parquet: DatasetSpec
) -> None:
    typed.loc[0, "total_charges"] = np.inf
    evidence = _validate(parquet_file(typed), churn_parquet).to_evidence(
        "data/churn.parquet", "0" * 64
    )
    assert evidence.failures[0].examples == [{"row": 1, "value": "inf"}]
    assert '"value":"inf"' in evidence.model_dump_json()


def test_annotations_point_at_the_first_failing_line(
    csv_file: Callable[..., Path], cells: Cells, churn: DatasetSpec
) -> None:
    cells[6]["contract"] = "never"
    notes = _validate(csv_file(cells), churn).to_annotations()
    assert [(n.level, n.file, n.line) for n in notes] == [("error", "data/churn.csv", 8)]
    assert notes[0].message.startswith(
        "contract: values: values are not among the allowed categories"
    )


def test_in_memory_frame_with_mixed_objects(churn: DatasetSpec, typed: pd.DataFrame) -> None:
    typed["tenure_months"] = pd.Series([*range(19), "n/a"], dtype=object)
    report = validate_frame(typed, churn, file="frame.parquet")
    assert _found(report) == {("tenure_months", "nullable"): (1, [(20, "n/a")])}


@pytest.mark.parametrize(
    "text",
    ["5", "+5", "-5", "1e3", "1E+05", "-.5e-3", ".5", "5.", "00012", "inf", "-Infinity", "INF", "NAN",
     "1e400", "0x10", "1_000", "1,000", "1.2.3", ".e3", "1e", "+-1", "infinit", "abc", "\u0663", "\uff11"],
)  # fmt: skip
def test_number_grammar_matches_pyarrow_cast(text: str) -> None:
    try:
        pc.cast(pa.array([text]), pa.float64())
        castable = True
    except pa.ArrowInvalid:
        castable = False
    # "NA" makes the plain cast fail, so the cell-by-cell path decides.
    numbers, invalid = parse_numbers(pa.chunked_array([pa.array([text, "NA"])]))
    assert bool(invalid[0]) is not castable
    assert not invalid[1] and np.isnan(numbers[1])


def test_large_frame_is_checked_column_by_column_in_parallel(
    churn: DatasetSpec, typed: pd.DataFrame
) -> None:
    rows = 60_000  # above the size where columns are checked on several threads
    frame = pd.concat([typed] * (rows // len(typed)), ignore_index=True)
    frame["customer_id"] = [f"C{i}" for i in range(rows)]
    frame.loc[30_000, "tenure_months"] = -1
    frame.loc[59_999, "contract"] = "x"
    frame.loc[[10, 20], "customer_id"] = "C5"
    report = validate_frame(frame, churn, file="data/churn.parquet")
    assert [(f.column, f.check) for f in report.failures] == [
        ("customer_id", "unique"),
        ("tenure_months", "min"),
        ("contract", "values"),
    ]
    assert _found(report) == {
        ("customer_id", "unique"): (2, [(11, "C5"), (21, "C5")]),
        ("tenure_months", "min"): (1, [(30_001, -1)]),
        ("contract", "values"): (1, [(60_000, "x")]),
    }
