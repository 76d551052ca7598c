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
from stat import S_ISDIR, S_ISLNK, S_ISREG

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
        listed = [(path.relative_to(base).as_posix(), path.stat()) for path in _glob(source, base)]
    else:
        target = resolve_inside(base, source)
        if target.is_file():
            listed = [(target.relative_to(base).as_posix(), target.stat())]
        elif target.is_dir():
            listed = _walk(target, base)
        else:
            raise SourceNotFoundError(
                f"{source}: no such file or folder in the repository",
                hint="check the dataset's `source` (a file, a folder of partitions or a glob)",
            )
    listed.sort()
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


def _walk(folder: Path, base: Path) -> list[tuple[str, os.stat_result]]:
    """(repo-relative path, stat) of every visible file under `folder` (a real directory
    inside `base`), following symlinks that stay inside the repository.

    Depth first in sorted order, as `os.walk` goes. Only a symbolic link can lead
    elsewhere or into a loop, so only links are resolved: any other entry's real path
    is its real parent's joined with its name, and one `lstat` (which `scandir` keeps)
    judges it and gives its stat."""
    found: list[tuple[str, os.stat_result]] = []
    seen: set[str] = set()
    prefix = folder.relative_to(base).as_posix()
    # (lexical repo-relative path, real absolute path); popped last-first, so pushed reversed
    pending = [("" if prefix == "." else prefix, str(folder))]
    while pending:
        relative, real = pending.pop()
        if real in seen:  # a symlink loop, or a second link to a folder already listed
            continue
        seen.add(real)
        try:
            with os.scandir(real) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            continue  # unreadable, or gone since it was listed: as os.walk skips it
        folders: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            if is_hidden((name,)):
                continue
            path = f"{relative}/{name}" if relative else name
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except FileNotFoundError:
                continue  # gone since the directory was listed
            if S_ISLNK(mode):
                target = resolve_inside(base, path)  # raises when the link leaves
                if target.is_dir():
                    folders.append((path, str(target)))
                elif target.is_file():
                    found.append((path, target.stat()))
            elif S_ISDIR(mode):
                folders.append((path, entry.path))  # under a real folder: real too
            elif S_ISREG(mode):
                found.append((path, entry.stat(follow_symlinks=False)))
        pending.extend(reversed(folders))
    return found


def _lexical(base: Path, relative: PurePosixPath) -> Path:
    return base / os.path.normpath(relative)
