"""The current window of a source, resolved afresh for `mlgitops drift`.

Its rows are copied, file by file (memory: one file), into a Parquet file under
`.mlgitops/cache/windows/<dataset>/`, which drift then streams in batches like any
current data; a second file holds the window's rows outside the label delay, the
only ones production is scored on. The files read and their digests are returned
for the drift report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..lock import LockedFile
from .storage import fetch, hash_file, is_remote
from .storage.local import resolve_inside
from .windows import Window, iter_window_tables, labelled_end, scan_source, window_json
from .windows import current_window as resolve_window

if TYPE_CHECKING:
    import pyarrow as pa

    from ..spec.models import DatasetSpec

WINDOWS_DIR = Path(".mlgitops") / "cache" / "windows"


@dataclass(frozen=True)
class CurrentWindow:
    rows_file: str  # repo-relative: every row of the window
    labelled_file: str  # repo-relative: the window's rows outside the label delay
    rows: int
    labelled_rows: int
    files: list[dict[str, Any]]  # url, size, sha256 of every file read
    start: str | None
    end: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "labelled_rows": self.labelled_rows,
            "start": self.start,
            "end": self.end,
            "files": self.files,
        }


def current_rows(dataset: DatasetSpec, name: str, root: Path) -> CurrentWindow | None:
    """The source's current window copied out for drift; None when it holds no rows."""
    scanned = scan_source(dataset, root)
    window = resolve_window(dataset, scanned)
    if window is None:
        return None
    inside = [f for f in scanned if window.mask(f.times, f.rows).any()]
    if not inside:
        return None
    read: list[tuple[str, Path]] = []
    files = []
    for file in inside:
        stored = file.stored
        digest = hash_file(stored.url, dataset.storage, root=root)
        locked = LockedFile(
            url=stored.url,
            size=stored.size,
            sha256=digest,
            etag=stored.etag,
            version_id=stored.version_id,
        )
        # a local file is read in place (hashed once); a remote one through the cache by digest
        path = (
            fetch(locked, dataset.storage, root=root)
            if is_remote(stored.url)
            else resolve_inside(root, stored.url)
        )
        read.append((stored.url, path))
        files.append({"url": stored.url, "size": stored.size, "sha256": digest})
    end = labelled_end(dataset, scanned)
    labelled = Window(window.start, end) if end is not None else Window(window.start, window.start)
    folder = root / WINDOWS_DIR / name
    rows_path, labelled_path = folder / "current.parquet", folder / "current-labelled.parquet"
    rows = _write(iter_window_tables(read, dataset, window), rows_path)
    labelled_rows = (
        _write(iter_window_tables(read, dataset, labelled), labelled_path, empty_like=rows_path)
        if end is not None
        else _write(iter([]), labelled_path, empty_like=rows_path)
    )
    return CurrentWindow(
        rows_file=rows_path.relative_to(root).as_posix(),
        labelled_file=labelled_path.relative_to(root).as_posix(),
        rows=rows,
        labelled_rows=labelled_rows,
        files=files,
        **window_json(window),
    )


def _write(tables: Any, path: Path, empty_like: Path | None = None) -> int:
    """Write the tables into one Parquet file (atomically); returns the rows written."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    rows = 0
    try:
        for table in tables:
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(temporary, schema)
            writer.write_table(table.cast(schema) if table.schema != schema else table)
            rows += table.num_rows
        if writer is None:
            like = pq.read_schema(empty_like) if empty_like is not None else None
            if like is None:
                raise ValueError("nothing to write")
            writer = pq.ParquetWriter(temporary, like)
    finally:
        if writer is not None:
            writer.close()
    temporary.replace(path)  # the whole file or the old one, never half
    return rows
