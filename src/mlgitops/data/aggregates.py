"""Prove a column clean from a few column-wide aggregates, without per-row masks.

Most columns pass every check, and for those a check needs no mask over the
rows: the null count, the minimum and maximum, the distinct values of a
category column (or its Parquet dictionary) and a distinct count for
`unique` columns settle it. Each aggregate is one pyarrow kernel over the
column (the GIL released), so the common case costs about one pass per
column. Whenever an aggregate cannot settle a column (a value out of
bounds, a stored type that needs parsing, a repeat in a unique column),
`clean_missing` answers None and validation takes the exact path, which
finds the failing rows and their values.

Works on pyarrow arrays from any reader (Parquet, CSV, a pandas column
converted without copying).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from ..spec.models import ColumnSpec

MAX_DISTINCT = 10_000  # more distinct category values than this: the exact path checks them

# (distinct values, how many cells hold each); None stands for the missing cells
ValueCounts = tuple[list[str | None], list[int]]


def arrow_column(values: Any) -> pa.ChunkedArray | None:
    """A pandas column (or Arrow array) as an Arrow chunked array when that costs no copy of
    the values; None when the column holds Python objects (they need parsing anyway)."""
    import numpy as np
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        return values
    if isinstance(values, pa.Array):
        return pa.chunked_array([values])
    import pandas as pd

    if isinstance(values, pd.Series):
        if values.dtype == object:
            return None
        if values.dtype.kind == "f" and isinstance(values.dtype, np.dtype):
            # no copy and no NaN-to-null pass: the float checks count NaN as missing themselves
            return pa.chunked_array([pa.array(values.to_numpy(), from_pandas=False)])
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            return None
        return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])
    return None


def clean_missing(
    array: pa.ChunkedArray,
    column: ColumnSpec,
    *,
    unique: bool,
    counts: ValueCounts | None = None,
) -> int | None:
    """The number of missing cells when aggregates prove the column passes every check of
    `column` (type, nullable, min/max, finite, values, `unique`); None when they cannot.

    `counts`: the text column's value counts when already known (`known_counts`), so a
    category column is settled without reading its cells again.
    """
    import pyarrow as pa

    kind = array.type
    if pa.types.is_dictionary(kind):
        return _dictionary(array, column, unique=unique)
    if column.type in ("integer", "number"):
        if pa.types.is_integer(kind):
            return _numbers(array, column, floating=False, unique=unique)
        if pa.types.is_floating(kind) and column.type == "number":
            return _numbers(array, column, floating=True, unique=unique)
        return None  # text to parse, or floats in an integer column: the exact path
    if column.type == "boolean":
        if not pa.types.is_boolean(kind) or unique:
            return None
        return _allowed_missing(int(array.null_count), column)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text(array, column, unique=unique, counts=counts)
    return None


def _allowed_missing(missing: int, column: ColumnSpec) -> int | None:
    return missing if column.nullable or missing == 0 else None


def _numbers(
    array: pa.ChunkedArray, column: ColumnSpec, *, floating: bool, unique: bool
) -> int | None:
    import pyarrow.compute as pc

    if unique:
        return None  # numbers compare as parsed ("7" and "7.0"): the exact path
    if floating:
        return _floats(array, column)
    missing = int(array.null_count)
    if _allowed_missing(missing, column) is None:
        return None
    if missing == len(array):
        return missing
    extremes = pc.min_max(array)  # nulls skipped
    low, high = extremes["min"].as_py(), extremes["max"].as_py()
    if low is None:
        return missing
    return missing if _within_bounds(low, high, column) else None


def _floats(array: pa.ChunkedArray, column: ColumnSpec) -> int | None:
    """`_numbers` for floats, in numpy: its min/max are one SIMD pass each (pyarrow's
    NaN-aware min_max is ~30x slower); nulls become NaN, so one count covers both."""
    import numpy as np

    values = array.to_numpy()  # no copy for one chunk without nulls
    missing = int(np.count_nonzero(np.isnan(values)))
    if _allowed_missing(missing, column) is None:
        return None
    if missing == len(values):
        return missing
    low, high = (
        (float(np.nanmin(values)), float(np.nanmax(values)))
        if missing
        else (float(values.min()), float(values.max()))
    )
    return missing if _within_bounds(low, high, column) else None


def _within_bounds(low: float, high: float, column: ColumnSpec) -> bool:
    """The column's present values, from their extremes: finite and inside its bounds."""
    if low == float("-inf") or high == float("inf"):
        return False
    if column.min is not None and low < column.min:
        return False
    return column.max is None or high <= column.max


def _text(
    array: pa.ChunkedArray, column: ColumnSpec, *, unique: bool, counts: ValueCounts | None
) -> int | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from .validate import allowed_strings

    if column.type == "category" and column.values is not None:
        if unique:
            return None
        if counts is not None:  # what the value counts below would say, already counted
            totals: dict[str | None, int] = {}
            for value, count in zip(*counts, strict=True):
                if count:
                    totals[value] = totals.get(value, 0) + count
            if len(totals) > MAX_DISTINCT:
                return None
            return _category_counts(list(totals), list(totals.values()), column)
        allowed = sorted(allowed_strings(column.values))
        if (
            all(value.strip() for value in allowed)
            and pc.all(pc.is_in(array, value_set=pa.array(allowed, array.type))).as_py()
        ):  # the common case, in one pass
            return 0  # every cell an allowed value: none null, none blank
        tallies = pc.value_counts(array)
        if len(tallies) > MAX_DISTINCT:
            return None
        values = tallies.field("values").to_pylist()
        numbers = tallies.field("counts").to_pylist()
        return _category_counts(values, numbers, column)
    missing = int(array.null_count)
    if len(array) > missing:
        lengths = pc.binary_length(array)
        if pc.min(lengths).as_py() == 0:
            missing += int(pc.sum(pc.equal(lengths, 0)).as_py() or 0)
        missing += int(pc.sum(pc.utf8_is_space(array)).as_py() or 0)
    if _allowed_missing(missing, column) is None:
        return None
    if unique and (missing or not _all_distinct(array)):
        return None
    return missing


_SHORT = 12  # bytes: Arrow stores strings this short inside their 16-byte view
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F)  # odd 64-bit constants (golden ratio, xxhash)


def _all_distinct(array: pa.ChunkedArray) -> bool:
    """Whether the text values (no nulls) are all distinct.

    Short values are compared as 64-bit numbers: a string view of at most 12
    bytes holds its length and its zero-padded bytes, so equal values have
    equal views and a mix of the view's two halves; when every mix differs,
    every value does. The mixes are sorted and neighbours compared: numpy's
    sort of a million numbers costs a fifth of a hash table of them (and a
    tenth of hashing the strings). A repeated mix (a repeat, or a rare
    collision) and longer values take the exact hash of the strings.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(array) and pc.max(pc.binary_length(array)).as_py() <= _SHORT:
        views = pa.chunked_array(array).cast(pa.string_view()).combine_chunks()
        halves = np.frombuffer(views.buffers()[1], dtype=np.uint64)
        halves = halves[2 * views.offset : 2 * (views.offset + len(views))].reshape(-1, 2)
        with np.errstate(over="ignore"):  # wrapping multiplication is the point
            mixed = halves[:, 0] * np.uint64(_MIX[0]) ^ halves[:, 1] * np.uint64(_MIX[1])
        mixed.sort()
        if not np.any(mixed[1:] == mixed[:-1]):
            return True
    # the hash table is built once; count_distinct costs about 1.7x more here
    return len(pc.unique(array)) == len(array)


def _dictionary(array: pa.ChunkedArray, column: ColumnSpec, *, unique: bool) -> int | None:
    """A dictionary-encoded text column (Parquet's own encoding): check each distinct value once."""
    if column.type not in ("string", "category") or unique:
        return None
    counts = dictionary_counts(array)
    return None if counts is None else _category_counts(*counts, column)


def dictionary_counts(array: pa.ChunkedArray) -> ValueCounts | None:
    """How many cells hold each value of a dictionary-encoded text column (one count per
    dictionary entry of every chunk, unused entries counted 0; the missing cells last);
    None when the dictionary does not hold text."""
    import numpy as np
    import pyarrow as pa

    names: list[str | None] = []
    counts: list[int] = []
    nulls = 0
    for chunk in array.chunks:
        dictionary = chunk.dictionary
        if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)):
            return None
        indices = chunk.indices
        nulls += chunk.null_count
        if chunk.null_count:  # nulls are counted as index 0, then taken off again
            indices = indices.fill_null(0)
        used = np.bincount(indices.to_numpy(zero_copy_only=False), minlength=len(dictionary))
        if chunk.null_count:
            used[0] -= chunk.null_count
        names += dictionary.to_pylist()
        counts += used.tolist()
    names.append(None)
    counts.append(nulls)
    return names, counts


# Value counts of text columns that a reader decoded from a dictionary, by the identity of
# the decoded Arrow array (immutable, so the counts stay true while it lives; an edited
# column is a new array and is counted again). An entry goes when its array does.
_KNOWN_COUNTS: dict[int, ValueCounts] = {}


def remember_counts(array: pa.ChunkedArray, counts: ValueCounts) -> None:
    key = id(array)
    _KNOWN_COUNTS[key] = counts
    weakref.finalize(array, _KNOWN_COUNTS.pop, key, None)


def known_counts(series: pd.Series) -> ValueCounts | None:
    """The value counts remembered for the Arrow array behind a pandas text column, if any."""
    return _KNOWN_COUNTS.get(id(arrow_backing(series))) if _KNOWN_COUNTS else None


def arrow_backing(series: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array a pyarrow-backed pandas text column holds (no copy), else None."""
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        backing: pa.ChunkedArray = series.array.__arrow_array__()
        return backing
    return None


def _category_counts(values: list[Any], counts: list[int], column: ColumnSpec) -> int | None:
    from .validate import allowed_strings

    allowed = allowed_strings(column.values) if column.values is not None else None
    missing = 0
    for value, count in zip(values, counts, strict=True):
        if not count:
            continue
        if value is None or not value.strip() or value.isspace():
            missing += count
        elif allowed is not None and value not in allowed:
            return None
    return _allowed_missing(missing, column)
