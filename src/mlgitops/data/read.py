"""Read a dataset file (.csv or .parquet) into a DataFrame, or say exactly why it cannot be read.

CSV cells are read as text and typed later by `validate.py`, so that "abc" in
an integer column becomes a failure with line numbers instead of a crash. Only
an empty cell is missing in a text column; numeric and boolean columns also
treat the usual markers (NA, NaN, null, ...) as missing. Blank lines stay rows
(of missing values) so that every data row keeps its CSV line number.

pyarrow and pandas are imported inside the functions: `mlgitops validate`
imports this package and must start fast.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataFileError
from .columns import kind_of

if TYPE_CHECKING:
    import pandas as pd

    from ..spec.models import ColumnSpec

SUFFIXES = (".csv", ".parquet")
_HEADER_PROBE = 1 << 16  # bytes read to find the header line
PANDAS_INDEX = re.compile(r"^__index_level_\d+__$")  # pandas writes its index under this name
_MAX_LISTED = 5


def read_table(
    path: Path, display: str, columns: Mapping[str, ColumnSpec] | None = None
) -> pd.DataFrame:
    """Read `path` (shown to users as `display`) into a DataFrame.

    CSV columns come back as text (pandas `str`); Parquet columns keep their
    stored types. With `columns` (a dataset's declared columns), a CSV's
    integer, number and boolean columns are parsed while the file is read
    (missing markers become nulls), which is much cheaper than parsing text
    later; when any cell does not parse, the file is read as text instead.
    Raises DataFileError for anything that is not a readable, non-empty
    table with distinct column names.
    """
    suffix = checked_suffix(path, display)
    check_file(path, display)
    if suffix == ".csv":
        return _read_csv(path, display, columns)
    return _read_parquet(path, display)


def read_columns(path: Path, display: str) -> list[str]:
    """The column names of a data file without reading its rows (cheap: for `validate`)."""
    suffix = checked_suffix(path, display)
    check_file(path, display)
    if suffix == ".csv":
        return csv_header(path, display)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as exc:
        raise corrupt_parquet(display, exc) from None
    return [name for name in names if not PANDAS_INDEX.match(name)]


def checked_suffix(path: Path, display: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataFileError(
            f"{display}: unknown data file type '{path.suffix or '(none)'}'",
            hint="data files must end in .csv or .parquet",
        )
    return suffix


def check_file(path: Path, display: str) -> None:
    if not path.exists():
        raise DataFileError(
            f"{display}: file not found",
            hint="check the path in mlops.yaml (relative to the repository root)",
        )
    if not path.is_file():
        raise DataFileError(
            f"{display}: is not a file", hint="point the dataset at a .csv or .parquet file"
        )
    if path.stat().st_size == 0:
        raise DataFileError(
            f"{display}: the file is empty (0 bytes)",
            hint="write a header line and at least one data row",
        )


# --- CSV ---------------------------------------------------------------------------


def _read_csv(
    path: Path, display: str, columns: Mapping[str, ColumnSpec] | None = None
) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    header = csv_header(path, display)
    if not _has_rows(path):
        raise header_only(display)
    ragged: list[int | None] = []

    def on_ragged(row: Any) -> str:
        ragged.append(row.number)  # None when parsed by several threads
        return "skip"

    table = None
    if columns and any(kind_of(c) != "text" for c in columns.values()):
        # No ragged-row handler here: it costs a third more time, and a ragged row fails
        # this read like a cell that does not parse, so the text read below reports it.
        _, convert_options = csv_options(header, on_ragged, columns)
        try:
            table = pcsv.read_csv(
                path,
                parse_options=pcsv.ParseOptions(ignore_empty_lines=False),
                convert_options=convert_options,
            )
        except pa.ArrowInvalid:
            table = None  # a cell that does not parse (or a broken file): read it as text
    try:
        if table is None:
            parse_options, convert_options = csv_options(header, on_ragged)
            table = pcsv.read_csv(
                path, parse_options=parse_options, convert_options=convert_options
            )
    except pa.ArrowInvalid as exc:
        raise csv_parse_error(path, display, exc) from None
    if ragged:
        raise ragged_rows(path, display, len(header), len(ragged))
    table = drop_trailing_blank_rows(path, table)
    if table.num_rows == 0:
        raise header_only(display)
    frame: pd.DataFrame = table.to_pandas()
    return frame


def csv_header(path: Path, display: str) -> list[str]:
    with path.open("rb") as handle:
        head = handle.read(_HEADER_PROBE)
        while b"\n" not in head:  # a header longer than the probe
            more = handle.read(_HEADER_PROBE)
            if not more:
                break
            head += more
    first_line = head.split(b"\n", 1)[0]
    try:
        text = first_line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{display}:1: the header is not UTF-8 text (byte {exc.start + 1} of the line is {first_line[exc.start]:#04x})",
            hint="save the file as UTF-8",
        ) from None
    names = next(csv.reader([text.rstrip("\r")]), [])
    if not any(name.strip() for name in names):
        raise DataFileError(
            f"{display}:1: the first line is blank; expected a header with the column names",
            hint="put the column names on the first line",
        )
    if len(names) == 1 and (separator := next((c for c in ";\t|" if c in names[0]), None)):
        raise DataFileError(
            f"{display}:1: the header is one column, {names[0]!r}: the file seems to be separated "
            f"by {separator!r}, but data files must be comma-separated",
            hint="export the file as CSV with ',' between values (or as Parquet)",
        )
    blank = [str(position) for position, name in enumerate(names, 1) if not name.strip()]
    if blank:
        raise DataFileError(
            f"{display}:1: column {', '.join(blank)} of the header has no name",
            hint="give every column a name (or remove the trailing comma)",
        )
    duplicated = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicated:
        raise DataFileError(
            f"{display}:1: duplicate column name{'s' if len(duplicated) > 1 else ''} "
            + ", ".join(f"'{name}'" for name in duplicated),
            hint="give every column a distinct name",
        )
    return names


def _has_rows(path: Path) -> bool:
    """Whether anything but line breaks follows the header line."""
    with path.open("rb") as handle:
        while block := handle.read(_HEADER_PROBE):
            end = block.find(b"\n")
            if end >= 0:
                rest = block[end + 1 :] + handle.read(_HEADER_PROBE)
                return bool(rest.strip(b"\r\n"))
    return False


def header_only(display: str) -> DataFileError:
    return DataFileError(
        f"{display}: has a header line but no data rows", hint="add data rows below the header"
    )


def csv_options(
    header: list[str],
    on_ragged: Callable[[Any], str],
    columns: Mapping[str, ColumnSpec] | None = None,
) -> tuple[Any, Any]:
    """How every CSV is parsed (whole or streamed): every cell as text, nothing turned into null
    by the reader (validation decides what is missing), blank lines kept so line numbers stay
    true, and ragged rows handed to `on_ragged`.

    With `columns`, declared integer, number and boolean columns are parsed as such instead,
    with validation's missing markers as nulls and its usual boolean spellings; text columns
    stay text, never null.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from .columns import FALSE_SPELLINGS, MISSING_MARKERS, TRUE_SPELLINGS

    types = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}
    declared = columns or {}
    parse_options = pcsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=on_ragged)
    convert_options = pcsv.ConvertOptions(
        column_types={
            name: types.get(declared[name].type, pa.string()) if name in declared else pa.string()
            for name in header
        },
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=list(MISSING_MARKERS) if declared else [],
        true_values=list(TRUE_SPELLINGS),
        false_values=list(FALSE_SPELLINGS),
    )
    return parse_options, convert_options


def csv_parse_error(path: Path, display: str, exc: Exception) -> DataFileError:
    """What pyarrow's CSV reader rejected, in the words of the file."""
    if "UTF8" in str(exc):
        return not_utf8(path, display)
    return DataFileError(
        f"{display}: cannot be parsed as CSV: {exc}",
        hint="check the file's quoting and delimiters",
    )


def not_utf8(path: Path, display: str) -> DataFileError:
    data = path.read_bytes()  # only on this error path
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        return DataFileError(
            f"{display}:{line}: not UTF-8 text: byte {data[exc.start]:#04x} at byte offset {exc.start} "
            f"(column {exc.start - line_start + 1} of the line)",
            hint="save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)",
        )
    return DataFileError(
        f"{display}: contains text that is not valid UTF-8", hint="save the file as UTF-8"
    )


def ragged_rows(path: Path, display: str, expected: int, count: int) -> DataFileError:
    # pyarrow does not number rows when it parses in parallel; find the lines again (error path only).
    listed: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for row in reader:
            if len(row) != expected and row:
                listed.append(
                    f"line {reader.line_num} has {len(row)} field{'s' if len(row) != 1 else ''}"
                )
                if len(listed) == _MAX_LISTED:
                    break
    more = f" (and {count - len(listed)} more)" if count > len(listed) else ""
    return DataFileError(
        f"{display}: {count} row{'s' if count != 1 else ''} do not have the header's {expected} fields: "
        + "; ".join(listed)
        + more,
        hint="every line needs one value per column; quote values that contain commas",
    )


def drop_trailing_blank_rows(path: Path, table: Any) -> Any:
    """A file may end in blank lines; they are not rows of missing values."""
    with path.open("rb") as handle:
        size = handle.seek(0, io.SEEK_END)
        handle.seek(max(0, size - 256))
        tail = handle.read()
    stripped = tail.rstrip(b"\r\n")
    blank = tail[len(stripped) :].count(b"\n") - 1  # the last newline ends the last row
    if blank <= 0 or len(stripped) == 0:
        return table
    return table.slice(0, max(0, table.num_rows - blank))


# --- Parquet -------------------------------------------------------------------------


def _read_parquet(path: Path, display: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:  # ParquetFile, not read_table: the dataset layer fails on duplicate names
        table = pq.ParquetFile(path).read()
    except (pa.ArrowException, OSError) as exc:
        raise corrupt_parquet(display, exc) from None
    names = [name for name in table.column_names if not PANDAS_INDEX.match(name)]
    duplicated = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicated:
        raise DataFileError(
            f"{display}: duplicate column name{'s' if len(duplicated) > 1 else ''} "
            + ", ".join(f"'{name}'" for name in duplicated),
            hint="write the file again with distinct column names",
        )
    if table.num_rows == 0:
        raise DataFileError(
            f"{display}: the Parquet file has no rows", hint="write at least one data row"
        )
    # Ignoring pandas metadata keeps every stored column a column (an index named
    # 'customer_id' is data); pandas' unnamed index columns are dropped.
    kept = table.select(
        [i for i, name in enumerate(table.column_names) if not PANDAS_INDEX.match(name)]
    )
    result: pd.DataFrame = kept.to_pandas(ignore_metadata=True)
    return result


def corrupt_parquet(display: str, exc: BaseException) -> DataFileError:
    return DataFileError(
        f"{display}: not a readable Parquet file ({exc})",
        hint="write the file again (for example with pandas DataFrame.to_parquet) or use CSV",
    )
