"""Sources on the local disk: always inside the repository, however the path is spelled.

A path is taken relative to the repository root and resolved (symlinks
followed) before anything is read: `../x`, an absolute path, or a symlink
whose target leaves the repository is refused, so a spec cannot make
mlgitops read (and hash into the lock, or train on) a file elsewhere.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path, PurePosixPath
from stat import S_ISLNK, S_ISREG

from ...errors import BadInputError
from .errors import SourceNotFoundError
from .names import has_magic, is_hidden, literal_prefix


class OutsideRepositoryError(BadInputError):
    """A local path resolves outside the repository (exit 2)."""


def resolve_inside(root: Path, relative: str) -> Path:
    """The real path of `relative` (a repo-relative path), refused when it leaves `root`."""
    if PurePosixPath(relative).is_absolute() or Path(relative).is_absolute():
        raise OutsideRepositoryError(
            f"{relative}: a local source is a path relative to the repository, not an absolute path",
            hint="move the data into the repository, or read it from object storage (s3://, gs://, az://)",
        )
    base = root.resolve()
    real = (base / relative).resolve()
    if not real.is_relative_to(base):
        raise OutsideRepositoryError(
            f"{relative}: resolves outside the repository (through `..` or a symlink)",
            hint="mlgitops reads local data only inside the repository",
        )
    return real


def list_local(source: str, root: Path) -> list[tuple[str, os.stat_result]]:
    """(repo-relative POSIX path, stat) of every data file `source` names, sorted."""
    base = root.resolve()
    if has_magic(source):
        found = _glob(source, base)
    else:
        target = resolve_inside(base, source)
        if target.is_file():
            found = [target]
        elif target.is_dir():
            found = _walk(target, base)
        else:
            raise SourceNotFoundError(
                f"{source}: no such file or folder in the repository",
                hint="check the dataset's `source` (a file, a folder of partitions or a glob)",
            )
    listed = sorted((path.relative_to(base).as_posix(), path.stat()) for path in found)
    if not listed:
        raise SourceNotFoundError(
            f"{source}: no data file matched",
            hint="check the dataset's `source`; hidden files and `_`-prefixed markers are skipped",
        )
    return listed


def mtime_text(stat: os.stat_result) -> str:
    """The modification time as ISO 8601 UTC with nanoseconds kept (a metadata check compares it)."""
    seconds, nanos = divmod(stat.st_mtime_ns, 1_000_000_000)
    stamp = dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{nanos:09d}Z"


def _glob(pattern: str, base: Path) -> list[Path]:
    if PurePosixPath(pattern).is_absolute():
        resolve_inside(base, pattern)  # raises: absolute
    prefix = literal_prefix(pattern)
    found = []
    for match in base.glob(pattern):
        relative = PurePosixPath(match.relative_to(base).as_posix())
        if is_hidden(relative.parts[len(prefix.parts) :]):
            continue
        real = resolve_inside(base, relative.as_posix())
        if real.is_file():
            found.append(_lexical(base, relative))
    return found


def _walk(folder: Path, base: Path) -> list[Path]:
    """Every visible file under `folder`, following symlinks that stay inside the repository."""
    found = []
    seen: set[Path] = set()
    for directory, dirnames, filenames in os.walk(folder, followlinks=True):
        here = Path(directory)
        real_dir = here.resolve()
        if real_dir in seen:  # a symlink loop
            dirnames[:] = []
            continue
        seen.add(real_dir)
        dirnames[:] = sorted(d for d in dirnames if not is_hidden((d,)))
        for name in filenames:
            if is_hidden((name,)):
                continue
            path = here / name
            if _is_file_inside(path, base):
                found.append(path)
        for name in dirnames:
            resolve_inside(base, (here / name).relative_to(base).as_posix())
    return found


def _is_file_inside(path: Path, base: Path) -> bool:
    """Whether `path`, an entry of a directory already resolved inside `base`, is a file there.

    Only a symbolic link can lead elsewhere: it is resolved (and refused when it leaves
    the repository); any other entry is judged by one lstat, not a walk up every part."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return False  # gone since the directory was listed
    if S_ISLNK(mode):
        return resolve_inside(base, path.relative_to(base).as_posix()).is_file()
    return S_ISREG(mode)


def _lexical(base: Path, relative: PurePosixPath) -> Path:
    return base / os.path.normpath(relative)
