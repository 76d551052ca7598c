"""The column names of the repository's data files, remembered between runs.

`validate` and `run` compare the declared columns with each data file's header.
Reading a Parquet header imports pyarrow, which costs more than the rest of
`validate`; so each header read is remembered in the workspace
(`.mlgitops/cache/data-headers.json`, never committed), keyed by the file's
path and what `stat` says of it (size, modification and change times, inode).
A file that changed in any of these is read again; so is one changed too
recently to tell a later same-size write apart (the "racy" window git knows).

Only headers that were read without a problem are remembered: every problem is
found afresh, with its message. The cache is local state anyone could edit, so
anything in it that is not exactly what this module writes (another layout,
another mlgitops or pyarrow, a wrong type, a link, a huge file) counts as a
miss, never as an error. This module is the file's one reader and writer.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from pathlib import Path

from .. import __version__, paths
from ..errors import MlgitopsError
from ..versions import installed_version

FORMAT_VERSION = 1
CACHE_FILE = "data-headers.json"
_MAX_CACHE_BYTES = 32 << 20  # far above any real cache; more is not ours
# a file changed this recently may change again within the file system's time
# resolution without its stamp showing it: read it again next time
SETTLE_NS = 2_000_000_000

Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
Entry = tuple[Stamp, tuple[str, ...]]


class DataHeaders:
    """Header lookups for one run: remembered ones when the file is unchanged, else read."""

    def __init__(self, root: Path, known: dict[str, Entry], versions: dict[str, str]) -> None:
        self.root = root
        self._known = known
        self._versions = versions
        self._used: dict[str, Entry] = {}

    @classmethod
    def load(cls, root: Path) -> DataHeaders:
        versions = _versions()
        return cls(root, _read(root, versions), versions)

    def columns(self, relative: str) -> list[str]:
        """The column names of `root/relative`, as `data.read.read_columns` gives them.

        Raises DataFileError as it does (a problem is never remembered)."""
        path = self.root / relative
        try:
            info = path.stat()
        except OSError:
            info = None
        if info is not None and stat.S_ISREG(info.st_mode):
            known = self._known.get(relative)
            if known is not None and known[0] == _stamp(info):
                self._used[relative] = known
                return list(known[1])
        from ..data.read import read_columns  # imports pyarrow for Parquet

        names = read_columns(path, relative)  # raises with what is wrong
        if info is None:
            return names
        if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) >= SETTLE_NS:
            self._used[relative] = (_stamp(info), tuple(names))
        return names

    def save(self) -> None:
        """Remember the headers this run used (and only those), if anything changed."""
        if self._used == self._known:
            return
        with contextlib.suppress(OSError, MlgitopsError):  # read-only, or a workspace elsewhere
            from .. import atomic, workspace

            workspace.ensure_workspace(self.root)
            path = workspace.cache_dir(self.root) / CACHE_FILE
            payload = {
                "format_version": FORMAT_VERSION,
                "versions": self._versions,
                "files": {
                    relative: {"stamp": list(entry[0]), "columns": list(entry[1])}
                    for relative, entry in sorted(self._used.items())
                },
            }
            atomic.write_bytes(path, json.dumps(payload, ensure_ascii=True).encode() + b"\n")


def _stamp(info: os.stat_result) -> Stamp:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def _versions() -> dict[str, str]:
    """What reading a header depends on besides the file: this mlgitops and pyarrow."""
    return {"mlgitops": __version__, "pyarrow": installed_version("pyarrow") or ""}


def _read(root: Path, versions: dict[str, str]) -> dict[str, Entry]:
    """The remembered entries, or none when the file is missing or not exactly ours."""
    path = root / paths.WORKSPACE_DIR / "cache" / CACHE_FILE
    try:
        if not paths.is_inside(root, path):  # a linked workspace is not read through
            return {}
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_CACHE_BYTES:
            return {}
        data = json.loads(paths.read_regular(path, CACHE_FILE))
    except (OSError, ValueError, MlgitopsError, RecursionError):
        return {}
    if (
        not isinstance(data, dict)
        or data.get("format_version") != FORMAT_VERSION
        or data.get("versions") != versions
        or not isinstance(data.get("files"), dict)
    ):
        return {}
    entries = {}
    for relative, raw in data["files"].items():
        entry = _entry(raw)
        if entry is None:
            return {}  # one bad entry: trust none of the file
        entries[relative] = entry
    return entries


def _entry(raw: object) -> Entry | None:
    if not isinstance(raw, dict) or set(raw) != {"stamp", "columns"}:
        return None
    stamp, columns = raw["stamp"], raw["columns"]
    if (
        not isinstance(stamp, list)
        or len(stamp) != 4
        or not all(type(part) is int for part in stamp)
        or not isinstance(columns, list)
        or not all(type(name) is str for name in columns)
    ):
        return None
    return (stamp[0], stamp[1], stamp[2], stamp[3]), tuple(columns)
