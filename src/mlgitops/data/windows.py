"""Windows over a dataset's source: which files and rows a train window and a current window hold.

Windows count back from the newest timestamp in the source, never from the clock,
so the same files always give the same windows:

- `label_delay` is cut from the newest end first: `{days: N}` drops the rows newer
  than (newest - N days), `{rows: N}` the newest N rows (rows sharing the boundary
  timestamp go with them: a row whose label may not be final is never trained on);
- `train` counts back from the newest row left: `{days: N}` keeps the rows newer than
  (that - N days), `{rows: N}` the newest N (ties at the boundary kept); without it,
  every row left. Training reads its labelled rows (target present);
- `current` counts back from the newest row of the whole source (label delay
  included: drift watches features, which need no label).

A window is a closed time range [start, end], so a run re-selects exactly the
snapshot's rows from the locked files. Reading the timestamps and the target of
every file is the one full pass; it reads those two columns only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError, DataFileError
from .storage import StoredFile, list_files, open_file

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from ..spec.models import DatasetSpec, WindowSpec

_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True, eq=False)
class ScannedFile:
    """One file of a source: its listing, its column names, and per row its time and label."""

    stored: StoredFile
    columns: tuple[str, ...]
    times: np.ndarray | None  # datetime64[ns], UTC; None without a timestamp column
    labelled: np.ndarray  # bool: the target is present

    @property
    def rows(self) -> int:
        return len(self.labelled)


@dataclass(frozen=True)
class Window:
    """A closed time range of rows (None ends: unbounded, e.g. without a timestamp)."""

    start: np.datetime64 | None
    end: np.datetime64 | None

    def mask(self, times: np.ndarray | None, rows: int) -> np.ndarray:
        import numpy as np

        keep = np.ones(rows, dtype=bool)
        if times is None:
            return keep
        if self.start is not None:
            keep &= times >= self.start
        if self.end is not None:
            keep &= times <= self.end
        return keep


@dataclass(frozen=True)
class TrainWindow:
    window: Window
    files: list[ScannedFile]  # the files holding labelled rows inside the window
    rows: int  # labelled rows inside the window


# --- scanning ----------------------------------------------------------------------------------


def scan_source(
    dataset: DatasetSpec, root: Path, listed: list[StoredFile] | None = None
) -> list[ScannedFile]:
    """Every file of the source (`listed`, or listed now) with its timestamps and labels;
    partitions must agree on columns."""
    files = listed if listed is not None else list_files(dataset.where, dataset.storage, root=root)
    scanned: list[ScannedFile] = []
    for stored in files:
        one = _scan_file(stored, dataset, root)
        if scanned and one.columns != scanned[0].columns:
            raise DataFileError(
                f"{stored.url}: its columns differ from {scanned[0].stored.url}'s: "
                + _column_difference(scanned[0].columns, one.columns),
                hint="every partition of a source must have the same columns",
            )
        scanned.append(one)
    return scanned


def _column_difference(first: tuple[str, ...], other: tuple[str, ...]) -> str:
    missing = [c for c in first if c not in other]
    extra = [c for c in other if c not in first]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(f"'{c}'" for c in missing))
    if extra:
        parts.append("extra " + ", ".join(f"'{c}'" for c in extra))
    return "; ".join(parts) or "the same names in another order"


def _scan_file(stored: StoredFile, dataset: DatasetSpec, root: Path) -> ScannedFile:
    import numpy as np

    wanted = [dataset.target] + ([dataset.timestamp] if dataset.timestamp else [])
    columns, table = _read_columns(stored.url, dataset, root, wanted, required=())
    if dataset.timestamp is not None and dataset.timestamp not in columns:
        raise DataFileError(
            f"{stored.url}: column '{dataset.timestamp}' (the timestamp) is missing",
            hint="every file of the source needs the timestamp column",
        )
    rows = table.num_rows
    if dataset.target in columns:
        labelled = _present(table.column(dataset.target), dataset)
    else:
        labelled = np.zeros(rows, dtype=bool)  # production rows without labels yet
    times = (
        parse_times(table.column(dataset.timestamp), stored.url, dataset.timestamp, dataset)
        if dataset.timestamp is not None
        else None
    )
    return ScannedFile(stored, tuple(columns), times, labelled)


def _read_columns(
    url: str,
    dataset: DatasetSpec,
    root: Path,
    wanted: list[str],
    required: tuple[str, ...],
    path: Path | None = None,
) -> tuple[list[str], pa.Table]:
    """The file's column names and a table of the `wanted` ones it has (CSV cells as text)."""
    import pyarrow as pa

    try:
        if dataset.data_format == "parquet":
            import pyarrow.parquet as pq

            with _opened(url, dataset, root, path) as handle:
                parquet = pq.ParquetFile(handle)
                names = [
                    n for n in parquet.schema_arrow.names if not n.startswith("__index_level_")
                ]
                table = parquet.read(columns=[c for c in wanted if c in names])
        else:
            import pyarrow.csv as pcsv

            with _opened(url, dataset, root, path) as handle:
                data = handle.read()
            header = pcsv.read_csv(
                pa.BufferReader(data.split(b"\n", 1)[0] + b"\n"),
                read_options=pcsv.ReadOptions(autogenerate_column_names=False),
            ).column_names
            names = list(header)
            present = [c for c in wanted if c in names]
            table = pcsv.read_csv(
                pa.BufferReader(data),
                convert_options=pcsv.ConvertOptions(
                    include_columns=present,
                    column_types={c: pa.string() for c in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
    except (pa.ArrowException, OSError) as exc:
        raise DataFileError(
            f"{url}: cannot be read as {dataset.data_format} ({str(exc).splitlines()[0][:200]})",
            hint=f"check the file, or the dataset's format ({dataset.data_format})",
        ) from None
    for name in required:
        if name not in names:
            raise DataFileError(
                f"{url}: column '{name}' is missing",
                hint="every file of the source needs the dataset's declared columns",
            )
    return names, table


def _opened(url: str, dataset: DatasetSpec, root: Path, path: Path | None) -> Any:
    return path.open("rb") if path is not None else open_file(url, dataset.storage, root=root)


def _present(column: pa.ChunkedArray, dataset: DatasetSpec) -> np.ndarray:
    """Per row: the target holds a value (CSV: not blank, nor an NA marker unless text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .columns import MISSING_MARKERS, kind_of

    missing = pc.is_null(column, nan_is_null=True)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        stripped = pc.utf8_trim_whitespace(column)
        declared = dataset.columns.get(dataset.target)
        markers = MISSING_MARKERS if declared is not None and kind_of(declared) != "text" else ("",)
        missing = pc.or_kleene(missing, pc.is_in(stripped, value_set=pa.array(markers)))
    result: np.ndarray = pc.invert(pc.fill_null(missing, True)).to_numpy(zero_copy_only=False)
    return result


def parse_times(column: pa.ChunkedArray, url: str, name: str, dataset: DatasetSpec) -> np.ndarray:
    """The timestamp column as datetime64[ns] UTC (naive times are UTC); a clear error otherwise."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        series = column.to_pandas()
        parsed = pd.to_datetime(series, utc=True)
    elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        series = column.to_pandas()
        parsed = pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce")
    else:
        raise DataFileError(
            f"{url}: column '{name}' (the timestamp) holds {column.type}, not timestamps",
            hint="store ISO 8601 text (CSV) or a timestamp column (Parquet)",
        )
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        row = int(bad[0])
        value = series.iloc[row]
        where = f"line {row + 2}" if dataset.data_format == "csv" else f"row {row}"
        shown = "an empty cell" if value is None or str(value).strip() == "" else repr(value)
        raise DataFileError(
            f"{url}: column '{name}', {where}: {shown} is not an ISO 8601 timestamp"
            + (f" ({len(bad)} rows in all)" if len(bad) > 1 else ""),
            hint="write timestamps as ISO 8601, e.g. 2026-01-31T12:00:00Z; every row needs one",
        )
    out: np.ndarray = parsed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    return out


# --- windows -------------------------------------------------------------------------------------


def _all_times(files: list[ScannedFile]) -> np.ndarray:
    import numpy as np

    parts = [f.times for f in files if f.times is not None and len(f.times)]
    return np.concatenate(parts) if parts else np.array([], dtype="datetime64[ns]")


def _count_back(times: np.ndarray, window: WindowSpec, newest: np.datetime64) -> np.datetime64:
    """The oldest timestamp a window counting back from `newest` holds (ties kept)."""
    import numpy as np

    if window.days is not None:
        after = newest - np.timedelta64(window.days * _DAY_NS, "ns")
        inside = times[(times > after) & (times <= newest)]
        return inside.min() if len(inside) else newest
    assert window.rows is not None
    candidates = np.sort(times[times <= newest])
    return candidates[max(len(candidates) - window.rows, 0)] if len(candidates) else newest


def labelled_end(dataset: DatasetSpec, files: list[ScannedFile]) -> np.datetime64 | None:
    """The newest timestamp outside the label delay (None: no timestamp, or no row left)."""
    import numpy as np

    times = _all_times(files)
    if not len(times):
        return None
    newest = times.max()
    delay = dataset.windows.label_delay if dataset.windows else None
    if delay is None:
        return newest  # type: ignore[no-any-return]
    if delay.days is not None:
        cut = newest - np.timedelta64(delay.days * _DAY_NS, "ns")
        left = times[times <= cut]
    else:
        assert delay.rows is not None
        ordered = np.sort(times)
        if delay.rows >= len(ordered):
            return None
        first_delayed = ordered[len(ordered) - delay.rows]
        left = times[times < first_delayed]  # rows tied with a delayed one are delayed too
    return left.max() if len(left) else None


def train_window(dataset: DatasetSpec, files: list[ScannedFile], name: str) -> TrainWindow:
    """The train window's range and the files with labelled rows in it; empty is an error
    naming dataset `name`."""
    if dataset.timestamp is None:
        window = Window(None, None)
    else:
        end = labelled_end(dataset, files)
        if end is None:
            raise _empty_train(name, "every row is inside the label delay")
        times = _all_times(files)
        spec = dataset.windows.train if dataset.windows else None
        start = _count_back(times, spec, end) if spec is not None else times.min()
        window = Window(start, end)
    held = []
    rows = 0
    for file in files:
        count = int((window.mask(file.times, file.rows) & file.labelled).sum())
        if count:
            held.append(file)
            rows += count
    if rows == 0:
        raise _empty_train(name, "no row inside it has a label")
    return TrainWindow(window, held, rows)


def _empty_train(name: str, why: str) -> BadInputError:
    return BadInputError(
        f"dataset '{name}': the train window is empty ({why})",
        hint="widen windows.train or shorten windows.label_delay, or wait for labelled rows",
    )


def current_window(dataset: DatasetSpec, files: list[ScannedFile]) -> Window | None:
    """The current window's range (None: the source holds no rows: no current data)."""
    times = _all_times(files)
    if dataset.timestamp is None or not len(times):
        return None if not any(f.rows for f in files) else Window(None, None)
    spec = dataset.windows.current if dataset.windows else None
    newest = times.max()
    if spec is None:
        return Window(times.min(), newest)
    return Window(_count_back(times, spec, newest), newest)


# --- reading rows ----------------------------------------------------------------------------------


def read_window(
    url: str,
    path: Path,
    dataset: DatasetSpec,
    window: Window,
    *,
    labelled_only: bool,
) -> pa.Table:
    """The declared columns of one local file, only the rows inside `window` (CSV cells as text)."""
    import pyarrow as pa

    declared = list(dataset.columns)
    required = tuple(c for c in declared if c != dataset.target)
    names, table = _read_columns(url, dataset, path.parent, declared, required, path=path)
    times = (
        parse_times(table.column(dataset.timestamp), url, dataset.timestamp, dataset)
        if dataset.timestamp is not None
        else None
    )
    keep = window.mask(times, table.num_rows)
    if labelled_only:
        if dataset.target not in names:
            keep[:] = False
        else:
            keep &= _present(table.column(dataset.target), dataset)
    return table.filter(pa.array(keep))


def read_rows(
    url: str,
    path: Path,
    dataset: DatasetSpec,
    window: Window,
    *,
    labelled_only: bool,
) -> pd.DataFrame:
    """`read_window` as pandas (pandas metadata ignored: a stored column stays a column)."""
    table = read_window(url, path, dataset, window, labelled_only=labelled_only)
    frame: pd.DataFrame = table.to_pandas(ignore_metadata=True)
    return frame


def iter_window_tables(
    files: list[tuple[str, Path]], dataset: DatasetSpec, window: Window
) -> Iterator[pa.Table]:
    """The rows of each file inside `window`, one Arrow table per file (memory: one file)."""
    for url, path in files:
        table = read_window(url, path, dataset, window, labelled_only=False)
        if table.num_rows:
            yield table.replace_schema_metadata(None)


def window_json(window: Window) -> Mapping[str, str | None]:
    return {"start": _iso(window.start), "end": _iso(window.end)}


def _iso(value: np.datetime64 | None) -> str | None:
    if value is None:
        return None
    import pandas as pd

    stamp: pd.Timestamp = pd.Timestamp(value).tz_localize("UTC")
    return str(stamp.isoformat())
