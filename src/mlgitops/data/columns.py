"""Turn one column of a DataFrame into typed numpy arrays for its declared type.

A column may hold text (every CSV column, as read by `read.py`) or stored types
(Parquet). Parsing is vectorised with pyarrow compute: the common case (a clean
column) costs one cast; only a column with bad cells takes the slower path that
finds which cells are bad.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd
    import pyarrow as pa

    from ..spec.models import ColumnSpec

    BoolArray = npt.NDArray[np.bool_]
    FloatArray = npt.NDArray[np.float64]

# Cells that mean "missing" in numeric and boolean columns (pandas' defaults). In text
# columns only an empty cell is missing: "NA" is a country and "null" may be a value.
MISSING_MARKERS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")
TRUE_SPELLINGS = ("True", "true", "TRUE", "1", "yes", "Yes", "YES")
FALSE_SPELLINGS = ("False", "false", "FALSE", "0", "no", "No", "NO")
# The numbers pyarrow's cast accepts (checked by the tests); [0-9], not \d, to stay ASCII.
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$|^[+-]?(?i:inf|infinity|nan)$"

Kind = Literal["numeric", "boolean", "text"]


@dataclass(frozen=True, eq=False)
class ParsedColumn:
    """One column in its declared type, row-aligned with the frame."""

    kind: Kind
    missing: BoolArray  # no value (empty cell, NA marker, NaN)
    invalid: BoolArray  # a value that is not of the declared type
    numbers: FloatArray | None = None  # numeric: NaN where missing or invalid
    flags: BoolArray | None = None  # boolean: False where missing or invalid
    text: pa.ChunkedArray | None = None  # text: the values as strings (missing ones null or blank)


def kind_of(column: ColumnSpec) -> Kind:
    if column.type in ("integer", "number"):
        return "numeric"
    if column.type == "boolean":
        return "boolean"
    return "text"


def parse_column(series: pd.Series, column: ColumnSpec) -> ParsedColumn:
    kind = kind_of(column)
    if kind == "numeric":
        return _numeric(series, integer=column.type == "integer")
    if kind == "boolean":
        return _boolean(series)
    return _text(series)


def _numeric(series: pd.Series, *, integer: bool) -> ParsedColumn:
    import numpy as np

    if _is_number_dtype(series):
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
        invalid = np.zeros(len(numbers), dtype=bool)
    else:  # text, or a stored type that is not a number (booleans, dates): parse its text
        numbers, invalid = parse_numbers(as_strings(series))
    if integer:
        with np.errstate(invalid="ignore"):
            invalid = invalid | (np.isfinite(numbers) & (np.floor(numbers) != numbers))
    missing = np.isnan(numbers) & ~invalid
    return ParsedColumn("numeric", missing=missing, invalid=invalid, numbers=numbers)


def parse_numbers(strings: pa.ChunkedArray) -> tuple[FloatArray, BoolArray]:
    """Numbers (NaN where missing or invalid) and the mask of cells that are not numbers."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    no_bad = np.zeros(len(strings), dtype=bool)
    # Fast path: every cell a number or empty (how CSV writers spell missing numbers).
    blank = pc.equal(pc.binary_length(strings), 0)
    candidate = pc.if_else(blank, None, strings) if pc.any(blank).as_py() else strings
    try:
        return _to_numpy_float(pc.cast(candidate, pa.float64())), no_bad
    except pa.ArrowInvalid:
        pass
    trimmed = pc.utf8_trim_whitespace(strings)
    marker = pc.is_in(trimmed, value_set=pa.array(MISSING_MARKERS, type=trimmed.type))
    cleaned = pc.if_else(pc.or_kleene(marker, pc.is_null(trimmed)), None, trimmed)
    is_number = pc.match_substring_regex(cleaned, _NUMBER)  # null where missing
    numbers = _to_numpy_float(pc.cast(pc.if_else(is_number, cleaned, None), pa.float64()))
    invalid = _to_numpy_bool(pc.invert(pc.fill_null(is_number, True)))
    return numbers, invalid


def _boolean(series: pd.Series) -> ParsedColumn:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if series.dtype == bool:
        flags = series.to_numpy(dtype=bool)
        no = np.zeros(len(flags), dtype=bool)
        return ParsedColumn("boolean", missing=no, invalid=no.copy(), flags=flags)
    if _is_number_dtype(series):  # 0/1 stored as numbers
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(numbers)
        invalid = ~missing & (numbers != 0) & (numbers != 1)
        return ParsedColumn("boolean", missing=missing, invalid=invalid, flags=numbers == 1)
    strings = as_strings(series)
    # Fast path: a column of the usual spellings (pandas writes True/False) needs no lower-casing.
    true = _to_numpy_bool(pc.is_in(strings, value_set=pa.array(TRUE_SPELLINGS, type=strings.type)))
    false = _to_numpy_bool(
        pc.is_in(strings, value_set=pa.array(FALSE_SPELLINGS, type=strings.type))
    )
    if (true | false).all():
        no = np.zeros(len(true), dtype=bool)
        return ParsedColumn("boolean", missing=no, invalid=no.copy(), flags=true)
    words = pc.utf8_lower(pc.utf8_trim_whitespace(strings))
    markers = pa.array([m.lower() for m in MISSING_MARKERS], type=words.type)
    missing = _to_numpy_bool(pc.or_kleene(pc.is_null(words), pc.is_in(words, value_set=markers)))
    true = _to_numpy_bool(pc.is_in(words, value_set=pa.array(TRUE_WORDS, type=words.type)))
    false = _to_numpy_bool(pc.is_in(words, value_set=pa.array(FALSE_WORDS, type=words.type)))
    return ParsedColumn("boolean", missing=missing, invalid=~(missing | true | false), flags=true)


def _text(series: pd.Series) -> ParsedColumn:
    import numpy as np
    import pyarrow.compute as pc

    strings = as_strings(series)
    blank = pc.or_kleene(pc.equal(pc.binary_length(strings), 0), pc.utf8_is_space(strings))
    missing = _to_numpy_bool(pc.or_kleene(pc.is_null(strings), blank))
    return ParsedColumn(
        "text", missing=missing, invalid=np.zeros(len(missing), dtype=bool), text=strings
    )


def as_strings(series: pd.Series) -> pa.ChunkedArray:
    """The column as an arrow string array; missing values are null."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(series.dtype, pd.StringDtype):
        converted = series
    elif _is_number_dtype(series) and _whole_floats(series):
        converted = series.astype("Int64").astype("str")  # 3.0 is "3", as a CSV would say it
    else:
        converted = series.astype("str")
    array = pa.array(converted, from_pandas=True)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def _is_number_dtype(series: pd.Series) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return is_numeric_dtype(series.dtype) and not is_bool_dtype(series.dtype)


def _whole_floats(series: pd.Series) -> bool:
    import numpy as np
    from pandas.api.types import is_float_dtype

    if not is_float_dtype(series.dtype):
        return False
    numbers = series.to_numpy(dtype="float64", na_value=np.nan)
    finite = numbers[~np.isnan(numbers)]
    return bool(np.isfinite(finite).all() and (np.floor(finite) == finite).all())


def _to_numpy_float(array: pa.ChunkedArray) -> FloatArray:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    filled = pc.fill_null(array, pa.scalar(np.nan, pa.float64()))
    return np.asarray(filled.to_numpy(), dtype=np.float64)


def _to_numpy_bool(array: pa.ChunkedArray) -> BoolArray:
    import numpy as np
    import pyarrow.compute as pc

    return np.asarray(pc.fill_null(array, False).to_numpy(), dtype=bool)
