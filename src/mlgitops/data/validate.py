"""Check a DataFrame against its dataset spec, reporting every failure at once.

Checks, per declared column: present, declared type, missing cells in a
column that is not nullable, infinities, min/max, allowed category values;
per file: no undeclared columns; and, with `dataset_checks`, the dataset's
`checks:` (min_rows, max_null_fraction, unique). Every check is a vectorised
mask over the rows; no Python loop runs per row.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataFileError
from ..text import suggest
from .aggregates import arrow_column, clean_missing, known_counts
from .columns import ParsedColumn, parse_column
from .report import MAX_EXAMPLES, DataFailure, DataValidationReport, Example, plain_value

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd
    import pyarrow as pa

    from ..spec.models import ColumnSpec, DatasetSpec
    from .aggregates import ValueCounts

    # A column as the checks see it: its Arrow array (None when it holds Python objects), how
    # to get it as a pandas column (for the exact path), and its value counts when known.
    Column = tuple[pa.ChunkedArray | None, Callable[[], pd.Series], ValueCounts | None]

_PARALLEL_ROWS = 50_000
_TYPE_MESSAGES = {
    "integer": "values are not whole numbers; fix them, or declare the column 'type: number' "
    "(fractions) or 'type: category' (labels) in mlops.yaml",
    "number": "values are not numbers (use '.' for decimals, no thousands separators); fix them, "
    "or declare the column 'type: category' in mlops.yaml if it holds labels",
    "boolean": "values are not booleans; write true/false, 1/0 or yes/no",
}


def validate_frame(
    frame: pd.DataFrame,
    dataset: DatasetSpec,
    *,
    file: str,
    row_offset: int = 0,
    dataset_checks: bool = True,
) -> DataValidationReport:
    """Validate `frame` (read from `file`) against `dataset`.

    Example rows are 1-based data rows plus `row_offset`, the number of data
    rows before this frame when a file is validated in batches; reports show
    them as CSV lines (header = line 1) or Parquet rows. For batches pass
    `dataset_checks=False`, `merge` the batch reports and call `check_totals`
    on the result (`unique` then holds within each batch only).
    """
    labels = {str(label): label for label in frame.columns}  # in-memory frames may have int labels
    names = [str(label) for label in frame.columns]

    def column(name: str) -> Column:
        series = frame[labels[name]]
        return arrow_column(series), lambda: series, known_counts(series)

    return _validate(names, len(frame), column, dataset, file, row_offset, dataset_checks)


def read_and_validate(
    path: Path, display: str, dataset: DatasetSpec
) -> tuple[pd.DataFrame, DataValidationReport]:
    """Read a dataset's file with its declared types and validate it.

    A CSV that fails is read again as text and validated again, so the
    report shows the failing cells as written ('NA', not a blank).
    """
    from .read import read_table

    frame = read_table(path, display, dataset.columns)
    report = validate_frame(frame, dataset, file=display)
    if not report.passed and _is_csv(display) and parsed_while_read(frame, dataset):
        frame = read_table(path, display)
        report = validate_frame(frame, dataset, file=display)
    return frame, report


def parsed_while_read(frame: pd.DataFrame, dataset: DatasetSpec) -> bool:
    """Whether the CSV reader typed a declared number or boolean column (else all is text)."""
    from pandas.api.types import is_string_dtype

    return any(
        name in frame.columns and not is_string_dtype(frame[name].dtype)
        for name, column in dataset.columns.items()
        if column.type in ("integer", "number", "boolean")
    )


def validate_table(
    table: pa.Table | pa.RecordBatch,
    dataset: DatasetSpec,
    *,
    file: str,
    row_offset: int = 0,
    dataset_checks: bool = True,
    threads: int | None = None,
) -> DataValidationReport:
    """`validate_frame` for an Arrow table or record batch, from any reader.

    Clean columns are checked on the Arrow data itself; only a column that
    fails (or needs parsing) becomes a pandas column, to find its rows.
    `threads`: at most this many columns at once (default: one per core); a
    caller that already keeps the other core busy passes 1.
    """
    names = list(table.schema.names)

    def column(name: str) -> Column:
        array = table.column(name)
        return arrow_column(array), lambda: _as_series(array), None

    return _validate(
        names, table.num_rows, column, dataset, file, row_offset, dataset_checks, threads
    )


def _as_series(array: Any) -> pd.Series:
    import pyarrow as pa

    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    series: pd.Series = array.to_pandas()
    return series


def _validate(
    names: list[str],
    rows: int,
    column: Callable[[str], Column],
    dataset: DatasetSpec,
    file: str,
    row_offset: int,
    dataset_checks: bool,
    threads: int | None = None,
) -> DataValidationReport:
    duplicated = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicated:
        raise DataFileError(
            f"{file}: duplicate column names {', '.join(duplicated)}",
            hint="give every column a distinct name",
        )
    declared = dataset.columns
    missing = [name for name in declared if name not in names]
    unexpected = [name for name in names if name not in declared]
    failures = [_missing_column(name, unexpected) for name in missing]
    failures += [_unexpected_column(name, missing) for name in unexpected]

    unique = set(dataset.checks.unique) if dataset_checks else set()
    unit = "line" if _is_csv(file) else "row"

    def check(name: str) -> tuple[int, list[DataFailure]]:
        array, get_series, counts = column(name)
        if array is not None:
            missing = clean_missing(array, declared[name], unique=name in unique, counts=counts)
            if missing is not None:  # proved clean from aggregates: no row masks needed
                return missing, []
        series = get_series()
        parsed = parse_declared(series, declared[name])
        found = _column_failures(name, declared[name], parsed, series, row_offset)
        if name in unique:
            found += _unique_failures(name, parsed, series, row_offset, unit)
        return int(parsed.missing.sum()), found

    present = [name for name in declared if name in names]
    null_counts: dict[str, int] = {}
    # pyarrow and numpy release the GIL, so columns are checked side by side.
    workers = _workers(rows, len(present)) if threads is None else max(1, threads)
    if workers == 1:
        results = [check(name) for name in present]
    else:
        from concurrent.futures import ThreadPoolExecutor  # off the start-up path

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(check, present))
    for name, (null_count, found) in zip(present, results, strict=True):
        null_counts[name] = null_count
        failures += found

    report = DataValidationReport(
        file=file,
        rows=rows,
        columns=len(names),
        null_counts=null_counts,
        failures=tuple(failures),
    )
    return check_totals(report, dataset) if dataset_checks else report


def check_totals(report: DataValidationReport, dataset: DatasetSpec) -> DataValidationReport:
    """Add the checks on a whole file's totals: max_null_fraction and min_rows.

    Replaces earlier results of these checks, so it can run after merging batches.
    """
    totals = ("max_null_fraction", "min_rows")
    kept = [f for f in report.failures if f.check not in totals]
    checks = dataset.checks
    if checks.max_null_fraction is not None:
        limit = checks.max_null_fraction
        for name, count in report.null_counts.items():
            fraction = count / report.rows if report.rows else 0.0
            # A column that is not nullable already fails on its first missing cell.
            column = dataset.columns.get(name)
            if column is not None and column.nullable and fraction > limit:
                kept.append(
                    DataFailure(
                        name,
                        "max_null_fraction",
                        count,
                        (),
                        f"{fraction:.1%} of values are missing ({count:,} of {report.rows:,}); at most "
                        f"{limit:.1%} may be; fill them in or raise checks.max_null_fraction",
                    )
                )
    if checks.min_rows is not None and report.rows < checks.min_rows:
        kept.append(
            DataFailure(
                None,
                "min_rows",
                0,
                (),
                f"the file has {report.rows:,} data rows; at least {checks.min_rows:,} are required; "
                "add rows or lower checks.min_rows",
            )
        )
    return DataValidationReport(
        file=report.file,
        rows=report.rows,
        columns=report.columns,
        null_counts=report.null_counts,
        failures=tuple(kept),
    )


def coerce_frame(
    frame: pd.DataFrame, dataset: DatasetSpec, *, file: str = "the data"
) -> pd.DataFrame:
    """The declared columns in declared order, typed for training and drift.

    integer/number -> float64 (NaN when missing); boolean -> bool, or float64
    (1.0/0.0/NaN) when the column is nullable or has missing cells;
    string/category -> object holding str, None when missing. Cells of the
    wrong type become missing (validate first); categories outside `values`
    are kept, so drift checks can see them.
    """
    import numpy as np
    import pandas as pd

    out: dict[str, pd.Series] = {}
    for name, column in dataset.columns.items():
        if name not in frame.columns:
            raise DataFileError(
                f"{file}: column '{name}' is missing",
                hint="validate the data against mlops.yaml first",
            )
        parsed = parse_declared(frame[name], column)
        bad = parsed.missing | parsed.invalid
        values: Any
        if parsed.numbers is not None:
            values = np.where(parsed.invalid, np.nan, parsed.numbers)
        elif parsed.flags is not None:
            if column.nullable or bad.any():
                values = np.where(bad, np.nan, parsed.flags.astype(np.float64))
            else:
                values = parsed.flags
        else:
            assert parsed.text is not None
            values = parsed.text.to_numpy(zero_copy_only=False).astype(object)
            values[bad] = None
        out[name] = pd.Series(values, dtype=values.dtype, copy=False)
    return pd.DataFrame(out, copy=False)  # no block consolidation: it copies every column


def parse_declared(series: pd.Series, column: ColumnSpec) -> ParsedColumn:
    """`parse_column`, where a category of whole numbers reads "2.0" as 2 (as an integer
    column reads 59.0 as 59)."""
    parsed = parse_column(series, column)
    if column.type != "category" or parsed.text is None or not column.values:
        return parsed
    if not any(isinstance(v, int) and not isinstance(v, bool) for v in column.values):
        return parsed
    import dataclasses

    import pyarrow.compute as pc

    text = pc.replace_substring_regex(parsed.text, r"^([+-]?[0-9]+)\.0*$", r"\1")
    return dataclasses.replace(parsed, text=text)


# --- failures -------------------------------------------------------------------------


def _column_failures(
    name: str, column: ColumnSpec, parsed: ParsedColumn, series: pd.Series, row_offset: int
) -> list[DataFailure]:
    import numpy as np

    masks: list[tuple[str, npt.NDArray[np.bool_], str]] = []
    if parsed.invalid.any():
        masks.append(("type", parsed.invalid, _TYPE_MESSAGES[column.type]))
    if not column.nullable:
        masks.append(
            (
                "nullable",
                parsed.missing,
                "missing values in a column that is not nullable; fill them in, "
                "or set 'nullable: true' for the column in mlops.yaml",
            )
        )
    if parsed.numbers is not None:
        numbers = parsed.numbers
        masks.append(
            (
                "infinite",
                np.isinf(numbers),
                "infinite values; replace them with finite numbers"
                + (" or leave the cells empty" if column.nullable else ""),
            )
        )
        finite = np.isfinite(numbers) & ~parsed.invalid
        if column.min is not None:
            with np.errstate(invalid="ignore"):
                below = finite & (numbers < column.min)
            masks.append(
                (
                    "min",
                    below,
                    f"values below the minimum {_number(column.min)}; fix them, "
                    "or lower 'min' in mlops.yaml if they are valid",
                )
            )
        if column.max is not None:
            with np.errstate(invalid="ignore"):
                above = finite & (numbers > column.max)
            masks.append(
                (
                    "max",
                    above,
                    f"values above the maximum {_number(column.max)}; fix them, "
                    "or raise 'max' in mlops.yaml if they are valid",
                )
            )
    if column.type == "category" and column.values is not None and parsed.text is not None:
        masks.append(
            (
                "values",
                _not_allowed(parsed, column.values),
                f"values are not among the allowed categories ({', '.join(_show_allowed(column.values))}); "
                "fix them, or add them to 'values' in mlops.yaml",
            )
        )
    out = []
    for check, mask, message in masks:
        failure = _row_failure(name, check, mask, series, row_offset, message)
        if failure is not None:
            out.append(failure)
    return out


def _unique_failures(
    name: str, parsed: ParsedColumn, series: pd.Series, row_offset: int, unit: str
) -> list[DataFailure]:
    import numpy as np
    import pandas as pd

    if parsed.kind == "text" and parsed.text is not None and not parsed.missing.any():
        import pyarrow.compute as pc

        if len(pc.unique(parsed.text)) == len(
            series
        ):  # the usual case, and cheaper than finding repeats
            return []
    # Text compares as written; numbers as parsed, so "7" and "7.0" are the same key.
    keys: Any = series if parsed.kind == "text" else pd.Series(_keys(parsed))
    repeated = (
        keys.duplicated(keep="first").to_numpy(dtype=bool) & ~parsed.missing & ~parsed.invalid
    )
    failure = _row_failure(
        name,
        "unique",
        np.asarray(repeated, dtype=bool),
        series,
        row_offset,
        f"values repeat a value from an earlier {unit}; remove the duplicate rows, "
        "or drop the column from checks.unique in mlops.yaml",
    )
    return [failure] if failure is not None else []


def _keys(parsed: ParsedColumn) -> Any:
    return parsed.numbers if parsed.numbers is not None else parsed.flags


def _row_failure(
    name: str | None,
    check: str,
    mask: npt.NDArray[np.bool_],
    series: pd.Series,
    row_offset: int,
    message: str,
) -> DataFailure | None:
    import numpy as np

    count = int(np.count_nonzero(mask))
    if count == 0:
        return None
    positions = np.flatnonzero(mask)[:MAX_EXAMPLES]
    values = series.iloc[positions].tolist()
    examples = tuple(
        Example(row=row_offset + int(position) + 1, value=plain_value(value))
        for position, value in zip(positions, values, strict=True)
    )
    return DataFailure(name, check, count, examples, message)


def _not_allowed(
    parsed: ParsedColumn, allowed: Sequence[str | int | bool]
) -> npt.NDArray[np.bool_]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    assert parsed.text is not None
    value_set = pa.array(sorted(allowed_strings(allowed)), type=parsed.text.type)
    member = np.asarray(
        pc.fill_null(pc.is_in(parsed.text, value_set=value_set), False).to_numpy(), dtype=bool
    )
    return ~member & ~parsed.missing


def allowed_strings(allowed: Iterable[str | int | bool]) -> set[str]:
    out: set[str] = set()
    for value in allowed:
        if isinstance(value, bool):  # YAML true/false; a CSV may spell it either way
            out.update({str(value), str(value).lower(), str(value).upper()})
        else:
            out.add(str(value))
    return out


def _show_allowed(allowed: Sequence[str | int | bool]) -> list[str]:
    shown = [str(value).lower() if isinstance(value, bool) else str(value) for value in allowed]
    return shown if len(shown) <= 8 else [*shown[:8], f"... {len(shown) - 8} more"]


def _missing_column(name: str, unexpected: list[str]) -> DataFailure:
    return DataFailure(
        name,
        "missing_column",
        0,
        (),
        f"declared in mlops.yaml but not in the file{suggest(name, unexpected)}; "
        "add it to the file, or remove it from the dataset's columns",
    )


def _unexpected_column(name: str, missing: list[str]) -> DataFailure:
    return DataFailure(
        name,
        "unexpected_column",
        0,
        (),
        f"in the file but not declared in mlops.yaml{suggest(name, missing)}; "
        "declare it under the dataset's columns, or remove it from the file",
    )


def _workers(rows: int, columns: int) -> int:
    if rows < _PARALLEL_ROWS:  # threads cost more than they save on small frames
        return 1
    return max(1, min(columns, os.cpu_count() or 1))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _is_csv(file: str) -> bool:
    return file.lower().endswith(".csv")
