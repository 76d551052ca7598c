"""read_table: every malformed file is a DataFileError (exit 2) that names the file and the place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlgitops.data import read_columns, read_table
from mlgitops.errors import EXIT_BAD_INPUT, DataFileError


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _error(path: Path, display: str = "data/churn.csv") -> DataFileError:
    with pytest.raises(DataFileError) as info:
        read_table(path, display)
    assert info.value.exit_code == EXIT_BAD_INPUT
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    error = _error(tmp_path / "absent.csv")
    assert error.message == "data/churn.csv: file not found"
    assert error.hint is not None and "mlops.yaml" in error.hint


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    assert _error(tmp_path / "dir.csv").message == "data/churn.csv: is not a file"


def test_empty_file(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.csv", b""))
    assert error.message == "data/churn.csv: the file is empty (0 bytes)"


def test_empty_parquet_file(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.parquet", b""), "data/a.parquet")
    assert error.message == "data/a.parquet: the file is empty (0 bytes)"


def test_header_only(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.csv", b"a,b,c\n"))
    assert error.message == "data/churn.csv: has a header line but no data rows"


def test_header_only_without_newline(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.csv", b"a,b,c"))
    assert error.message == "data/churn.csv: has a header line but no data rows"


def test_blank_first_line(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.csv", b"\na,b\n1,2\n"))
    assert error.message.startswith("data/churn.csv:1: the first line is blank")


def test_header_column_without_name(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.csv", b"a,,c,\n1,2,3,4\n"))
    assert error.message == "data/churn.csv:1: column 2, 4 of the header has no name"


def test_semicolon_separated_file(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.csv", b"a;b;c\n1;2;3\n"))
    assert error.message == (
        "data/churn.csv:1: the header is one column, 'a;b;c': the file seems to be separated by ';', "
        "but data files must be comma-separated"
    )


def test_ragged_rows_name_their_lines(tmp_path: Path) -> None:
    data = b"a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n13,14,15\n"
    error = _error(_write(tmp_path / "a.csv", data))
    assert error.message == (
        "data/churn.csv: 2 rows do not have the header's 3 fields: line 3 has 2 fields; line 5 has 4 fields"
    )


def test_many_ragged_rows_list_five(tmp_path: Path) -> None:
    data = b"a,b\n" + b"1\n" * 8
    error = _error(_write(tmp_path / "a.csv", data))
    assert error.message.endswith(
        "line 2 has 1 field; line 3 has 1 field; line 4 has 1 field; line 5 has 1 field; "
        "line 6 has 1 field (and 3 more)"
    )


def test_ragged_row_after_quoted_newline_counts_lines(tmp_path: Path) -> None:
    data = b'a,b\n"multi\nline",2\n3,4,5\n'
    error = _error(_write(tmp_path / "a.csv", data))
    assert "line 4 has 3 fields" in error.message


def test_not_utf8_names_line_and_offset(tmp_path: Path) -> None:
    data = b"name,city\nanna,berlin\nbob,m\xfcnchen\n"
    error = _error(_write(tmp_path / "a.csv", data))
    offset = data.index(b"\xfc")
    assert error.message == (
        f"data/churn.csv:3: not UTF-8 text: byte 0xfc at byte offset {offset} (column 6 of the line)"
    )
    assert error.hint is not None and "UTF-8" in error.hint


def test_not_utf8_header(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.csv", b"na\xefme,b\n1,2\n"))
    assert (
        error.message
        == "data/churn.csv:1: the header is not UTF-8 text (byte 3 of the line is 0xef)"
    )


def test_unknown_extension(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.xlsx", b"x"), "data/a.xlsx")
    assert error.message == "data/a.xlsx: unknown data file type '.xlsx'"
    assert error.hint == "data files must end in .csv or .parquet"


def test_corrupt_parquet(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.parquet", b"PAR1 this is not parquet"), "data/a.parquet")
    assert error.message.startswith("data/a.parquet: not a readable Parquet file (")


def test_csv_renamed_to_parquet(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.parquet", b"a,b\n1,2\n"), "data/a.parquet")
    assert error.message.startswith("data/a.parquet: not a readable Parquet file")


def test_parquet_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pd.DataFrame({"a": pd.Series([], dtype="int64")}).to_parquet(path, index=False)
    assert _error(path, "data/a.parquet").message == "data/a.parquet: the Parquet file has no rows"


def test_duplicate_csv_columns(tmp_path: Path) -> None:
    error = _error(_write(tmp_path / "a.csv", b"a,b,a,c,b\n1,2,3,4,5\n"))
    assert error.message == "data/churn.csv:1: duplicate column names 'a', 'b'"


def test_duplicate_parquet_columns(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    table = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["x", "x"])
    pq.write_table(table, path)
    assert _error(path, "data/a.parquet").message == "data/a.parquet: duplicate column name 'x'"


def test_csv_cells_are_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", b'id,n,flag,note\n007,1,true,"a, b"\n008,abc,no,\n')
    frame = read_table(path, "a.csv")
    assert list(frame.columns) == ["id", "n", "flag", "note"]
    assert all(isinstance(dtype, pd.StringDtype) for dtype in frame.dtypes)
    assert frame["id"].tolist() == ["007", "008"]
    assert frame["n"].tolist() == ["1", "abc"]
    assert frame["note"].tolist() == ["a, b", ""]  # an empty cell is empty text, typed later


def test_byte_order_mark_is_not_part_of_the_header(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path / "a.csv", b"\xef\xbb\xbfa,b\n1,2\n"), "a.csv")
    assert list(frame.columns) == ["a", "b"]


def test_blank_line_inside_keeps_line_numbers(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path / "a.csv", b"a,b\n1,2\n\n3,4\n"), "a.csv")
    assert frame["a"].tolist() == [
        "1",
        "",
        "3",
    ]  # the blank line is row 2 (line 3) of missing values


def test_trailing_blank_lines_are_dropped(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path / "a.csv", b"a,b\r\n1,2\r\n3,4\r\n\r\n\r\n"), "a.csv")
    assert frame["a"].tolist() == ["1", "3"]


def test_parquet_keeps_types_and_drops_pandas_index(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    frame = pd.DataFrame({"n": [1, 2], "x": [0.5, None], "s": ["a", None]}, index=["p", "q"])
    frame.to_parquet(path)  # pandas stores an unnamed, non-range index as a column
    assert "__index_level_0__" in pq.read_schema(path).names
    read = read_table(path, "a.parquet")
    assert list(read.columns) == ["n", "x", "s"]
    assert read["n"].dtype == "int64"
    assert read["n"].tolist() == [1, 2]
    assert read["x"].isna().tolist() == [False, True]


def test_parquet_named_index_is_a_column(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pd.DataFrame({"id": ["a", "b"], "n": [1, 2]}).set_index("id").to_parquet(path)
    assert list(read_table(path, "a.parquet").columns) == ["n", "id"]  # pandas stores it last


def test_read_columns(tmp_path: Path, parquet_file: Callable[..., Path]) -> None:
    csv_path = _write(tmp_path / "a.csv", b'a,"b,c",d\n1,2,3\n')
    assert read_columns(csv_path, "a.csv") == ["a", "b,c", "d"]
    path = parquet_file(pd.DataFrame({"x": [1], "y": ["a"]}))
    assert read_columns(path, "a.parquet") == ["x", "y"]
    with pytest.raises(DataFileError, match="file not found"):
        read_columns(tmp_path / "nope.parquet", "nope.parquet")
