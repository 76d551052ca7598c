"""Read a dataset file (.csv or .parquet) into a DataFrame, or say exactly why it cannot be read.

CSV cells are read as text and typed later by `validate.py`, so that "abc" in
an integer column becomes a failure with line numbers instead of a crash. Only
an empty cell is missing in a text column; numeric and boolean columns also
treat the usual markers (NA, NaN, null, ...) as missing. Blank lines stay rows
(of missing values) so that every data row keeps its CSV line number.

Limits, each refused with a message naming the file and line: a header line of
at most MAX_HEADER_BYTES (8 MiB) and MAX_COLUMNS (20,000) columns, and rows of
at most MAX_ROW_BYTES (64 MiB) each. Lines end in LF or CRLF; a file whose lines
end in a lone CR (old Mac files) is refused with how to convert it.

pyarrow and pandas are imported inside the functions: `mlgitops validate`
imports this package and must start fast.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataFileError
from .aggregates import (
    MAX_DISTINCT,
    ValueCounts,
    arrow_backing,
    dictionary_counts,
    remember_counts,
)
from .columns import kind_of

if TYPE_CHECKING:
    import pandas as pd

    from ..spec.models import ColumnSpec

SUFFIXES = (".csv", ".parquet")
_HEADER_PROBE = 1 << 16  # bytes first read to find the header line (doubled while it is longer)
MAX_HEADER_BYTES = 8 << 20
# Every column is declared in mlops.yaml (at most 1 MiB): 20,000 already fill half of it.
MAX_COLUMNS = 20_000
MAX_ROW_BYTES = 64 << 20
_ARROW_BLOCK = 1 << 20  # pyarrow's default block: one block must hold the header and any row
_SCAN_BLOCK = 8 << 20
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
    return _read_parquet(path, display, columns)


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

    header = read_header(path, display)
    if not has_rows(path, header.size):
        raise header_only(display)
    ragged: list[int | None] = []

    def on_ragged(row: Any) -> str:
        ragged.append(row.number)  # None when parsed by several threads
        return "skip"

    table = None
    if columns and any(kind_of(c) != "text" for c in columns.values()):
        # No ragged-row handler here: it costs a third more time, and a ragged row fails
        # this read like a cell that does not parse, so the text read below reports it.
        _, convert_options = csv_options(header.names, on_ragged, columns)
        parse_options = pcsv.ParseOptions(ignore_empty_lines=False)
        try:
            table = read_csv_table(path, display, header, parse_options, convert_options)
        except pa.ArrowInvalid:
            table = None  # a cell that does not parse (or a broken file): read it as text
    try:
        if table is None:
            parse_options, convert_options = csv_options(header.names, on_ragged)
            table = read_csv_table(
                path, display, header, parse_options, convert_options, ragged.clear
            )
    except pa.ArrowInvalid as exc:
        raise csv_parse_error(path, display, exc) from None
    if ragged:
        raise ragged_rows(path, display, len(header.names), len(ragged))
    table = drop_trailing_blank_rows(path, table)
    if table.num_rows == 0:
        raise header_only(display)
    frame: pd.DataFrame = table.to_pandas()
    return frame


# --- the header line -----------------------------------------------------------------


@dataclass(frozen=True)
class CsvHeader:
    names: list[str]
    size: int  # bytes of the header line with its line break: where the data rows start


def csv_header(path: Path, display: str) -> list[str]:
    """The column names on the first line of a CSV file. Raises DataFileError."""
    return read_header(path, display).names


def read_header(path: Path, display: str) -> CsvHeader:
    """The header's names and size, checked: UTF-8, comma-separated, named, distinct, bounded."""
    line, size = _first_line(path, display)
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{display}:1: the header is not UTF-8 text (byte {exc.start + 1} of the line is {line[exc.start]:#04x})",
            hint="save the file as UTF-8",
        ) from None
    _allow_long_fields()
    try:  # strict: a quote left open would swallow the line into one name
        names = next(csv.reader([text], strict=True), [])
    except csv.Error as exc:
        problem = (
            'a quote (") opened in the header is not closed on its line'
            if "end of data" in str(exc)
            else f"the header cannot be read as CSV ({exc})"
        )
        raise DataFileError(
            f"{display}:1: {problem}; write the column names on the first line, "
            "quoting a name only when it holds a comma",
            hint='a name in quotes ends with a quote: "name, with comma"',
        ) from None
    if len(names) > MAX_COLUMNS:
        raise DataFileError(
            f"{display}:1: the header has {len(names):,} columns, over the limit of "
            f"{MAX_COLUMNS:,} columns for a CSV file; write only the columns the models use",
            hint="every column of a dataset is declared in mlops.yaml",
        )
    _check_names(names, display)
    return CsvHeader(names, size)


def _first_line(path: Path, display: str) -> tuple[bytes, int]:
    """The first line without its line break, and the offset just past the break.

    Read in blocks that double in size, each searched once, so a file without
    a line break costs linear time; a first line over MAX_HEADER_BYTES is refused.
    """
    head = bytearray()
    block = _HEADER_PROBE
    with path.open("rb") as handle:
        while True:
            searched = len(head)
            more = handle.read(block)
            head += more
            found = _first_break(head, searched)
            if found is not None or not more or len(head) > MAX_HEADER_BYTES:
                break
            block *= 2
        if found is not None and head[found] == ord("\r") and found + 1 == len(head):
            head += handle.read(1)  # CR as the block's last byte: is LF next?
    if (len(head) if found is None else found) > MAX_HEADER_BYTES:
        raise DataFileError(
            f"{display}:1: the first line is longer than {_mib(MAX_HEADER_BYTES)} "
            "without a line break; a CSV file starts with one line of column names",
            hint="check that the file is CSV text, with a line break after the header",
        )
    if found is None:
        return bytes(head), len(head)  # a file of one line: the header alone
    if head[found] == ord("\n"):
        return bytes(head[:found]), found + 1
    if found + 1 < len(head) and head[found + 1] == ord("\n"):
        return bytes(head[:found]), found + 2
    if found + 1 < len(head):
        raise DataFileError(
            f"{display}:1: lines end in a carriage return alone (CR, old Mac line endings); "
            "save the file with LF or CRLF line endings",
            hint=f"for example: tr '\\r' '\\n' < {display} > fixed.csv (or save it as CSV UTF-8)",
        )
    return bytes(head[:found]), found + 1  # the header alone, ended by CR


def _first_break(data: bytearray, start: int) -> int | None:
    found = [i for i in (data.find(b"\n", start), data.find(b"\r", start)) if i >= 0]
    return min(found) if found else None


def _check_names(names: list[str], display: str) -> None:
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


def has_rows(path: Path, start: int) -> bool:
    """Whether anything but line breaks follows the header line (which ends at `start`)."""
    with path.open("rb") as handle:
        handle.seek(start)
        while block := handle.read(_HEADER_PROBE):
            if block.strip(b"\r\n"):
                return True
    return False


def _allow_long_fields() -> None:
    """Let the csv module split fields as long as a row may be (its default stops at 128 KiB)."""
    if csv.field_size_limit() < MAX_ROW_BYTES:
        csv.field_size_limit(MAX_ROW_BYTES)


def _mib(size: int) -> str:
    return f"{size / (1 << 20):g} MiB"


# --- blocks: pyarrow parses a CSV in blocks that must each hold a whole row -----------------


def block_size_for(header: CsvHeader, wanted: int = _ARROW_BLOCK) -> int:
    """`wanted` bytes, or more when the header line would not fit in one block."""
    return max(wanted, 2 * header.size + 2)


def fitted_block_size(path: Path, display: str) -> int:
    """A block size that holds the file's longest line; DataFileError beyond MAX_ROW_BYTES."""
    longest, line = longest_line(path)
    if longest > MAX_ROW_BYTES:
        raise DataFileError(
            f"{display}:{line}: the line is {longest:,} bytes long, over the limit of "
            f"{_mib(MAX_ROW_BYTES)} for one CSV row; keep long values out of the data file",
            hint="store documents or blobs apart and keep a key to them in the table",
        )
    return max(_ARROW_BLOCK, 2 * longest + 2)


def longest_line(path: Path) -> tuple[int, int]:
    """(bytes, line number) of the longest line, scanned in bounded blocks.

    pyarrow cuts blocks at any CR or LF (values may not hold line breaks), so
    those end a line here too; the line number counts LFs, as messages do.
    """
    import numpy as np

    longest, longest_at = 0, 1
    carried = 0  # bytes of the current line read in earlier blocks
    line = 1  # number of the line the current block starts in
    with path.open("rb") as handle:
        while block := handle.read(_SCAN_BLOCK):
            data = np.frombuffer(block, dtype=np.uint8)
            breaks = np.flatnonzero((data == 0x0A) | (data == 0x0D))
            if breaks.size == 0:
                carried += len(block)
                continue
            starts = np.concatenate(([0], breaks[:-1] + 1))
            lengths = breaks - starts
            lengths[0] += carried
            widest = int(np.argmax(lengths))
            if int(lengths[widest]) > longest:
                longest = int(lengths[widest])
                longest_at = line + int(np.count_nonzero(data[breaks[:widest]] == 0x0A))
            line += int(np.count_nonzero(data[breaks] == 0x0A))
            carried = len(block) - int(breaks[-1]) - 1
    if carried > longest:
        longest, longest_at = carried, line
    return longest, longest_at


def straddles(exc: BaseException) -> bool:
    """Whether pyarrow failed because a row (or the header) does not fit in its blocks."""
    text = str(exc)
    return "straddl" in text or "Empty CSV file or block" in text


def read_csv_table(
    path: Path,
    display: str,
    header: CsvHeader,
    parse_options: Any,
    convert_options: Any,
    on_restart: Callable[[], None] = lambda: None,
) -> Any:
    """The whole file as an Arrow table; a row longer than a block is read with fitted blocks.

    `on_restart` runs before the second read (to forget ragged rows the first one saw).
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    def read(block: int) -> Any:
        return pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(block_size=block),
            parse_options=parse_options,
            convert_options=convert_options,
        )

    try:
        return read(block_size_for(header))
    except pa.ArrowInvalid as exc:
        if not straddles(exc):
            raise
    block = fitted_block_size(path, display)
    on_restart()
    return read(block)


def stream_csv_batches(
    path: Path,
    display: str,
    block_size: int,
    parse_options: Any,
    convert_options: Any,
    on_restart: Callable[[], None] = lambda: None,
) -> Iterator[Any]:
    """The file's record batches, streamed; a row longer than a block restarts the reader.

    The restart uses blocks fitted to the longest line and skips the rows
    already produced, so a consumer sees every row once and in order;
    `on_restart` runs before it.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    produced = 0
    fitted = False
    while True:
        skip = produced
        try:
            reader = pcsv.open_csv(
                path,
                read_options=pcsv.ReadOptions(block_size=block_size),
                parse_options=parse_options,
                convert_options=convert_options,
            )
            for batch in reader:
                if skip:
                    dropped = min(skip, batch.num_rows)
                    skip -= dropped
                    batch = batch.slice(dropped)
                    if batch.num_rows == 0:
                        continue
                produced += batch.num_rows
                yield batch
            return
        except pa.ArrowInvalid as exc:
            if fitted or not straddles(exc):
                raise
        block_size = max(block_size, fitted_block_size(path, display))
        fitted = True
        on_restart()


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
    """Where the first byte that is not UTF-8 is (error path only; read in bounded blocks)."""
    offset = 0  # file offset of data[0]
    line, line_start = 1, 0  # the line data[0] is in, and that line's file offset
    carried = b""  # a character cut by the block's end
    with path.open("rb") as handle:
        while True:
            block = handle.read(_SCAN_BLOCK)
            data = carried + block
            if not data:
                break
            try:
                data.decode("utf-8")
                good = len(data)
            except UnicodeDecodeError as exc:
                if not (block and exc.reason == "unexpected end of data"):
                    bad = exc.start
                    line += data.count(b"\n", 0, bad)
                    newline = data.rfind(b"\n", 0, bad)
                    start = offset + newline + 1 if newline >= 0 else line_start
                    return DataFileError(
                        f"{display}:{line}: not UTF-8 text: byte {data[bad]:#04x} at byte offset "
                        f"{offset + bad} (column {offset + bad - start + 1} of the line)",
                        hint="save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)",
                    )
                good = exc.start
            line += data.count(b"\n", 0, good)
            newline = data.rfind(b"\n", 0, good)
            if newline >= 0:
                line_start = offset + newline + 1
            carried = data[good:]
            offset += good
            if not block:
                break
    return DataFileError(
        f"{display}: contains text that is not valid UTF-8", hint="save the file as UTF-8"
    )


def ragged_rows(path: Path, display: str, expected: int, count: int) -> DataFileError:
    # pyarrow does not number rows when it parses in parallel; find the lines again (error path only).
    listed: list[str] = []
    _allow_long_fields()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            next(reader, None)
            for row in reader:
                if len(row) != expected and row:
                    listed.append(
                        f"line {reader.line_num} has {len(row)} field{'s' if len(row) != 1 else ''}"
                    )
                    if len(listed) == _MAX_LISTED:
                        break
        except csv.Error as exc:  # a row the csv module cannot split: list what was found
            listed.append(f"line {reader.line_num} cannot be split into fields ({exc})")
    more = f" (and {count - len(listed)} more)" if count > len(listed) else ""
    rows = "1 row does" if count == 1 else f"{count} rows do"
    return DataFileError(
        f"{display}: {rows} not have the header's {expected} fields: " + "; ".join(listed) + more,
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


def _read_parquet(
    path: Path, display: str, columns: Mapping[str, ColumnSpec] | None = None
) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:  # ParquetFile, not read_table: the dataset layer fails on duplicate names
        metadata = pq.read_metadata(path)
        encoded = dictionary_encoded(metadata, columns or {})
        # pre-buffered: the whole file is read anyway, in a few large reads (about 30% less CPU)
        parquet = pq.ParquetFile(path, pre_buffer=True, metadata=metadata, read_dictionary=encoded)
        table = parquet.read()
    except (pa.ArrowException, OSError) as exc:
        raise corrupt_parquet(display, exc) from None
    names = [name for name in table.column_names if not PANDAS_INDEX.match(name)]
    if duplicated := duplicate_columns(display, names):
        raise duplicated
    table, counts = decoded_text(table, encoded)
    table = plain_types(table, display)
    if table.num_rows == 0:
        raise DataFileError(
            f"{display}: the Parquet file has no rows", hint="write at least one data row"
        )
    # Ignoring pandas metadata keeps every stored column a column (an index named
    # 'customer_id' is data); pandas' unnamed index columns are dropped.
    kept = table.select(
        [i for i, name in enumerate(table.column_names) if not PANDAS_INDEX.match(name)]
    )
    # split blocks: each column keeps its own block instead of being copied into 2-D blocks
    result: pd.DataFrame = kept.to_pandas(ignore_metadata=True, split_blocks=True)
    for name, value_counts in counts.items():
        if (backing := arrow_backing(result[name])) is not None:
            remember_counts(backing, value_counts)
    return result


def dictionary_encoded(metadata: Any, columns: Mapping[str, ColumnSpec]) -> list[str]:
    """The declared category columns worth reading as dictionaries: text stored with a
    dictionary in every row group (a few labels, each decoded once instead of per cell)."""
    import pyarrow as pa

    if not any(column.type == "category" for column in columns.values()):
        return []  # nothing to look up (a wide file's schema costs a walk over its columns)
    schema = metadata.schema.to_arrow_schema()
    names = Counter(schema.names)
    flat = metadata.num_columns == len(schema)  # no nested columns: field i is leaf i
    leaves = (
        {} if flat else {metadata.schema.column(i).path: i for i in range(metadata.num_columns)}
    )
    out = []
    for position, field in enumerate(schema):
        column = columns.get(field.name)
        if column is None or column.type != "category" or names[field.name] != 1:
            continue
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        leaf = position if flat else leaves.get(field.name)  # a text column is its own leaf
        if leaf is not None and all(
            metadata.row_group(group).column(leaf).has_dictionary_page
            for group in range(metadata.num_row_groups)
        ):
            out.append(field.name)
    return out


def decoded_text(table: Any, names: list[str]) -> tuple[Any, dict[str, ValueCounts]]:
    """`table` with its dictionary-read columns `names` as plain text again (what reading
    them as text gives the frame), and the value counts of each, taken from its dictionary."""
    import pyarrow as pa

    counts: dict[str, ValueCounts] = {}
    for name in names:
        index = table.schema.get_field_index(name)
        array = table.column(index)
        if not pa.types.is_dictionary(array.type):
            continue
        # many labels: the check reads the cells anyway (aggregates.MAX_DISTINCT), so no counts
        entries = sum(len(chunk.dictionary) for chunk in array.chunks)
        value_counts = dictionary_counts(array) if entries <= MAX_DISTINCT else None
        if value_counts is not None:
            counts[name] = value_counts
        # large_string: pandas keeps text in it, and one chunk may exceed 2 GiB of text
        table = table.set_column(index, name, array.cast(pa.large_string()))
    return table, counts


def plain_types(table: Any, display: str) -> Any:
    """`table` (an Arrow table or record batch) with stored types every check understands.

    Half floats become float32 (exact) and bytes become text when they are UTF-8;
    bytes that are not are refused, naming the column.
    """
    import pyarrow as pa

    arrays = list(table.columns)
    changed = False
    for index, field in enumerate(table.schema):
        kind = field.type
        if pa.types.is_float16(kind):
            arrays[index] = arrays[index].cast(pa.float32())
        elif (
            pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind)
            or (pa.types.is_fixed_size_binary(kind))
        ):
            try:
                arrays[index] = arrays[index].cast(pa.binary()).cast(pa.string())
            except pa.ArrowInvalid:
                raise DataFileError(
                    f"{display}: column '{field.name}' holds bytes that are not UTF-8 text",
                    hint="write the column as text (UTF-8 strings) or as numbers",
                ) from None
        else:
            continue
        changed = True
    return type(table).from_arrays(arrays, names=table.schema.names) if changed else table


def duplicate_columns(display: str, names: list[str]) -> DataFileError | None:
    """The error for a Parquet file whose columns share a name, if they do."""
    duplicated = sorted(name for name, count in Counter(names).items() if count > 1)
    if not duplicated:
        return None
    return DataFileError(
        f"{display}: duplicate column name{'s' if len(duplicated) > 1 else ''} "
        + ", ".join(f"'{name}'" for name in duplicated),
        hint="write the file again with distinct column names",
    )


def corrupt_parquet(display: str, exc: BaseException) -> DataFileError:
    return DataFileError(
        f"{display}: not a readable Parquet file ({exc})",
        hint="write the file again (for example with pandas DataFrame.to_parquet) or use CSV",
    )
