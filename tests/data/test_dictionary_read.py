"""A Parquet file's category columns are read as dictionaries: the frame and every report are
what reading them as plain text gives.

`read_table` with the declared columns reads stored-dictionary category columns as
dictionaries, decodes them for the frame and remembers each column's value counts, which
the category check then uses instead of the cells. Reading without the declared columns
takes the plain path, so the two are compared on edge input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from builders import report_shape

from mlgitops.data import read_table, validate_frame
from mlgitops.data.aggregates import known_counts
from mlgitops.data.read import dictionary_encoded

from .conftest import dataset_spec, valid_frame

DISPLAY = "data/churn.parquet"
LONG = "month-to-month" * 5_000  # 70 kB in one cell

EDGE: dict[str, dict[int, Any]] = {
    "clean": {},
    "missing cells": {0: None, 7: None},
    "empty and blank cells": {2: "", 3: "   ", 4: "\t"},
    "unicode outside the allowed set": {5: "ein-jähr", 6: "二年", 8: "e\u0301"},
    "a value outside the allowed set": {9: "gold"},
    "a bad cell in the last row": {19: "two-years"},
    "a long cell": {11: LONG},
    "case differs": {12: "One-Year"},
    "everything at once": {0: None, 2: "", 5: "ein-jähr", 11: LONG, 19: "gold"},
}


def _write(path: Path, frame: pd.DataFrame, **options: Any) -> Path:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, **options)
    return path


def _contracts(changes: dict[int, Any]) -> pd.DataFrame:
    frame = valid_frame()
    contract = frame["contract"].astype(object)
    for row, value in changes.items():
        contract[row] = value
    frame["contract"] = contract
    return frame


@pytest.mark.parametrize("nullable", [False, True])
@pytest.mark.parametrize("row_group_size", [None, 3])  # several row groups: a dictionary each
@pytest.mark.parametrize("case", sorted(EDGE))
def test_dictionary_read_gives_the_plain_frame_and_report(
    tmp_path: Path, case: str, row_group_size: int | None, nullable: bool
) -> None:
    path = _write(tmp_path / "churn.parquet", _contracts(EDGE[case]), row_group_size=row_group_size)
    columns = dict(dataset_spec().columns)
    columns["contract"] = columns["contract"].model_copy(update={"nullable": nullable})
    spec = dataset_spec(path=DISPLAY).model_copy(update={"columns": columns})
    assert dictionary_encoded(pq.read_metadata(path), spec.columns) == ["contract"]

    typed = read_table(path, DISPLAY, spec.columns)
    plain = read_table(path, DISPLAY)
    pd.testing.assert_frame_equal(typed, plain)
    assert list(typed.dtypes) == list(plain.dtypes)
    assert known_counts(typed["contract"]) is not None  # the counts path is the one taken
    assert known_counts(plain["contract"]) is None

    from_counts = validate_frame(typed, spec, file=DISPLAY)
    from_cells = validate_frame(plain, spec, file=DISPLAY)
    assert report_shape(from_counts) == report_shape(from_cells)
    missing_only = case in ("missing cells", "empty and blank cells")
    assert from_counts.passed == (case == "clean" or (nullable and missing_only))


def test_an_edited_column_is_checked_again(tmp_path: Path) -> None:
    path = _write(tmp_path / "churn.parquet", valid_frame())
    spec = dataset_spec(path=DISPLAY)
    frame = read_table(path, DISPLAY, spec.columns)
    assert validate_frame(frame, spec, file=DISPLAY).passed
    frame.loc[19, "contract"] = "gold"  # a new array: the counts of the read no longer apply
    assert known_counts(frame["contract"]) is None
    report = validate_frame(frame, spec, file=DISPLAY)
    assert [
        (f.column, f.check, [(e.row, e.value) for e in f.examples]) for f in report.failures
    ] == [("contract", "values", [(20, "gold")])]


def test_only_stored_dictionary_category_text_is_read_as_a_dictionary(tmp_path: Path) -> None:
    spec = dataset_spec(path=DISPLAY)
    plain = _write(tmp_path / "plain.parquet", valid_frame(), use_dictionary=False)
    assert dictionary_encoded(pq.read_metadata(plain), spec.columns) == []
    some = _write(tmp_path / "some.parquet", valid_frame(), use_dictionary=["customer_id"])
    assert dictionary_encoded(pq.read_metadata(some), spec.columns) == []  # a string column
    labels = valid_frame().assign(contract=lambda f: f["contract"].str.len())
    numbers = _write(tmp_path / "numbers.parquet", labels)
    assert dictionary_encoded(pq.read_metadata(numbers), spec.columns) == []  # not text
    both = _write(tmp_path / "both.parquet", valid_frame())
    assert dictionary_encoded(pq.read_metadata(both), spec.columns) == ["contract"]
    frame = read_table(plain, DISPLAY, spec.columns)
    pd.testing.assert_frame_equal(frame, read_table(plain, DISPLAY))


def test_a_dictionary_column_of_bytes_is_not_read_as_one(tmp_path: Path) -> None:
    frame = valid_frame()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    index = table.schema.get_field_index("contract")
    table = table.set_column(index, "contract", table.column(index).cast(pa.binary()))
    path = tmp_path / "churn.parquet"
    pq.write_table(table, path)
    spec = dataset_spec(path=DISPLAY)
    assert dictionary_encoded(pq.read_metadata(path), spec.columns) == []
    typed = read_table(path, DISPLAY, spec.columns)
    pd.testing.assert_frame_equal(typed, read_table(path, DISPLAY))
    assert validate_frame(typed, spec, file=DISPLAY).passed


def test_many_labels_are_checked_from_their_cells(tmp_path: Path) -> None:
    from mlgitops.data.aggregates import MAX_DISTINCT

    labels = [f"label-{i}" for i in range(MAX_DISTINCT + 1)]
    frame = pd.DataFrame({"contract": ["one-year"] * 5 + labels})
    path = _write(tmp_path / "labels.parquet", frame)
    spec = dataset_spec(
        path=DISPLAY,
        columns={"contract": dataset_spec().columns["contract"].model_dump(exclude_none=True)},
        checks={},
    )
    assert dictionary_encoded(pq.read_metadata(path), spec.columns) == ["contract"]
    typed = read_table(path, DISPLAY, spec.columns)
    assert known_counts(typed["contract"]) is None
    pd.testing.assert_frame_equal(typed, read_table(path, DISPLAY))
    report = validate_frame(typed, spec, file=DISPLAY)
    assert report_shape(report) == report_shape(
        validate_frame(read_table(path, DISPLAY), spec, file=DISPLAY)
    )
    assert [(f.check, f.failing_rows) for f in report.failures] == [("values", MAX_DISTINCT + 1)]


def test_a_nested_column_before_it_does_not_shift_the_category_column(tmp_path: Path) -> None:
    table = pa.Table.from_pandas(valid_frame(), preserve_index=False)
    nested = pa.array([{"a": i, "b": str(i)} for i in range(table.num_rows)])
    table = table.add_column(0, "meta", nested)  # two leaves in the file, one column
    path = tmp_path / "churn.parquet"
    pq.write_table(table, path, use_dictionary=["contract"])
    spec = dataset_spec(path=DISPLAY)
    assert dictionary_encoded(pq.read_metadata(path), spec.columns) == ["contract"]
    typed = read_table(path, DISPLAY, spec.columns)
    plain = read_table(path, DISPLAY)
    pd.testing.assert_frame_equal(typed, plain)
    assert known_counts(typed["contract"]) is not None
    report = validate_frame(typed, spec, file=DISPLAY)
    assert report_shape(report) == report_shape(validate_frame(plain, spec, file=DISPLAY))
    assert [(f.column, f.check) for f in report.failures] == [("meta", "unexpected_column")]
