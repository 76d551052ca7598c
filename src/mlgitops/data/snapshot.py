"""Snapshots: a dataset's train window resolved to a lock entry, and a run's reading of one.

`snapshot_entry` lists the source, resolves the windows (`windows.py`) and records
every file the train window reads with its sha256. A file whose listing is
unchanged is not hashed again: a remote file whose size and ETag or version id
equal the locked ones keeps its locked digest; a local file whose size and
modification time equal what the last hash saw (`.mlgitops/cache/data-state.json`,
like DVC's state) keeps that digest. `locked_frame` is what training reads: the
labelled rows of exactly the locked files inside the locked time range, each file's
digest verified first.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import atomic
from ..errors import BadInputError
from ..lock import LockedFile, LockEntry, Lockfile, entry_digest
from .storage import StoredFile, fetch, hash_file, list_files
from .windows import ScannedFile, Window, read_rows, scan_source, train_window

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..spec.models import DatasetSpec

STATE_FILE = Path(".mlgitops") / "cache" / "data-state.json"
_SNAPSHOT_HINT = "run `mlgitops snapshot` to lock the data as it is now, then commit mlops.lock"


@dataclass
class HashState:
    """Digests of local files by (size, mtime): a file not touched since is not hashed again."""

    root: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    # dataset -> the listing key its locked window was resolved from
    windows: dict[str, str] = field(default_factory=dict)
    hashed: int = 0  # files hashed in this process (the rest reused a digest)

    @classmethod
    def load(cls, root: Path) -> HashState:
        path = root / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        files, windows = data.get("files"), data.get("windows")
        return cls(
            root,
            files if isinstance(files, dict) else {},
            {k: v for k, v in windows.items() if isinstance(v, str)}
            if isinstance(windows, dict)
            else {},
        )

    def save(self) -> None:
        state = {"files": self.entries, "windows": self.windows}
        data = json.dumps(state, sort_keys=True, indent=1).encode()
        atomic.write_bytes(self.root / STATE_FILE, data)

    def known(self, stored: StoredFile) -> str | None:
        seen = self.entries.get(stored.url)
        if (
            isinstance(seen, dict)
            and stored.mtime is not None
            and seen.get("size") == stored.size
            and seen.get("mtime") == stored.mtime
        ):
            digest = seen.get("sha256")
            return digest if isinstance(digest, str) else None
        return None

    def digest(self, stored: StoredFile, dataset: DatasetSpec) -> str:
        known = self.known(stored)
        if known is not None:
            return known
        digest = hash_file(stored.url, dataset.storage, root=self.root)
        self.hashed += 1
        if stored.mtime is not None:
            self.entries[stored.url] = {
                "size": stored.size,
                "mtime": stored.mtime,
                "sha256": digest,
            }
        return digest


def _same_listing(stored: StoredFile, locked: LockedFile) -> bool:
    """A remote file the store describes as it did when locked (size and ETag or version id)."""
    if stored.size != locked.size:
        return False
    if stored.version_id is not None and stored.version_id == locked.version_id:
        return True
    return stored.etag is not None and stored.etag == locked.etag


def _locked_file(
    stored: StoredFile, dataset: DatasetSpec, previous: LockEntry | None, state: HashState
) -> LockedFile:
    before = {f.url: f for f in previous.files} if previous is not None else {}
    locked = before.get(stored.url)
    if locked is not None and _same_listing(stored, locked):
        digest = locked.sha256
    else:
        digest = state.digest(stored, dataset)
    return LockedFile(
        url=stored.url,
        size=stored.size,
        sha256=digest,
        etag=stored.etag,
        version_id=stored.version_id,
    )


def snapshot_entry(
    name: str, dataset: DatasetSpec, root: Path, previous: LockEntry | None, state: HashState
) -> LockEntry:
    """Resolve dataset `name`'s train window afresh and lock every file it reads.

    When the source lists exactly as it did for the previous entry (every file's URL, size,
    ETag, version id and modification time) under the same settings, the window is the
    same: the previous entry is kept without reading a byte."""
    listed = list_files(dataset.where, dataset.storage, root=root)
    key = _listing_key(dataset, listed)
    # the key is kept with the digest of the entry it gave: a lock checked out from another
    # commit is not taken for the window of today's listing
    if previous is not None and state.windows.get(name) == f"{key}:{entry_digest(previous)}":
        return previous
    files = scan_source(dataset, root, listed)
    window = train_window(dataset, files, name)
    entry = LockEntry(
        source=dataset.where,
        format=dataset.data_format,
        files=tuple(_locked_file(f.stored, dataset, previous, state) for f in window.files),
        rows=window.rows,
        start=_datetime(window.window.start),
        end=_datetime(window.window.end),
    )
    state.windows[name] = f"{key}:{entry_digest(entry)}"
    return entry


def _listing_key(dataset: DatasetSpec, listed: list[StoredFile]) -> str:
    """What a window depends on: the dataset's reading settings and the source's listing."""
    from ..plan import digest

    settings = dataset.model_dump(
        mode="json", include={"source", "storage", "format", "timestamp", "target", "windows"}
    )
    rows = [(f.url, f.size, f.etag, f.version_id, f.mtime) for f in listed]
    return digest(settings, rows)


def _datetime(value: np.datetime64 | None) -> dt.datetime | None:
    if value is None:
        return None
    import pandas as pd

    stamp: dt.datetime = pd.Timestamp(value).tz_localize("UTC").to_pydatetime()
    return stamp


def _datetime64(value: dt.datetime | None) -> np.datetime64 | None:
    if value is None:
        return None
    import numpy as np

    naive = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    return np.datetime64(naive, "ns")


def entry_window(entry: LockEntry) -> Window:
    return Window(_datetime64(entry.start), _datetime64(entry.end))


def verified_files(entry: LockEntry, dataset: DatasetSpec, root: Path) -> list[tuple[str, Path]]:
    """(url, local path) of every locked file, its bytes checked against the locked digest
    (a remote file through the cache by digest); a changed one says to run `mlgitops snapshot`."""
    return [(locked.url, fetch(locked, dataset.storage, root=root)) for locked in entry.files]


def locked_frame(entry: LockEntry, dataset: DatasetSpec, root: Path) -> pd.DataFrame:
    """The labelled rows training reads: the locked files' rows inside the locked range."""
    import pandas as pd

    window = entry_window(entry)
    frames = [
        read_rows(url, path, dataset, window, labelled_only=True)
        for url, path in verified_files(entry, dataset, root)
    ]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(frame) != entry.rows:
        raise BadInputError(
            f"source '{entry.source}': the locked files hold {len(frame):,} labelled rows in the "
            f"window, the lock says {entry.rows:,}",
            hint=_SNAPSHOT_HINT,
        )
    return frame


def scanned_urls(files: list[ScannedFile]) -> list[str]:
    return [f.stored.url for f in files]


# --- the lock of a project ----------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotChange:
    dataset: str
    entry: LockEntry
    status: str  # "new", "changed" or "unchanged"


def sourced_datasets(datasets: dict[str, DatasetSpec]) -> list[str]:
    return [name for name, dataset in datasets.items() if dataset.source is not None]


def snapshot_datasets(
    root: Path, datasets: dict[str, DatasetSpec], names: list[str]
) -> tuple[Lockfile, list[SnapshotChange], HashState]:
    """Resolve each named dataset afresh; entries of the others stay as they were."""
    from ..lock import Lockfile, read_lock

    lock = read_lock(root) or Lockfile()
    state = HashState.load(root)
    entries = dict(lock.datasets)
    changes = []
    for name in names:
        previous = entries.get(name)
        entry = snapshot_entry(name, datasets[name], root, previous, state)
        status = "new" if previous is None else ("unchanged" if previous == entry else "changed")
        entries[name] = entry
        changes.append(SnapshotChange(name, entry, status))
    state.save()
    # entries of datasets no longer declared with a source are dropped
    kept = {n: e for n, e in entries.items() if n in datasets and datasets[n].source}
    return Lockfile(datasets=kept), changes, state


def ensure_locked(
    root: Path, datasets: dict[str, DatasetSpec], names: list[str], *, in_ci: bool
) -> list[str]:
    """Lock the named datasets with a source that have no entry yet; in CI that is an error
    (CI trains on what is committed). Returns what was written, for the user."""
    from ..lock import read_lock, write_lock

    lock = read_lock(root)

    def locked(name: str) -> bool:
        entry = lock.datasets.get(name) if lock is not None else None
        dataset = datasets[name]
        # an entry of another source or format is of another dataset: locked afresh
        return entry is not None and (entry.source, entry.format) == (
            dataset.where,
            dataset.data_format,
        )

    missing = [
        name
        for name in dict.fromkeys(names)
        if datasets[name].source is not None and not locked(name)
    ]
    if not missing:
        return []
    if in_ci:
        raise BadInputError(
            "dataset(s) "
            + ", ".join(f"'{name}'" for name in missing)
            + " have a source but no entry for it in the committed mlops.lock",
            hint="run `mlgitops snapshot` and commit mlops.lock: CI trains on the locked data",
        )
    written, changes, _ = snapshot_datasets(root, datasets, missing)
    write_lock(root, written)
    return [
        f"mlops.lock: locked dataset '{c.dataset}' ({len(c.entry.files)} file(s), "
        f"{c.entry.rows:,} labelled rows): commit mlops.lock"
        for c in changes
    ]
