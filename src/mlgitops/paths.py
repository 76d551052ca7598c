"""Paths that must stay inside the repository, and names that must stay names.

The registry (`models/`), the workspace (`.mlgitops/`), the workflows
(`.github/workflows/`) and the data files the spec names all live in the
repository. A symbolic link, of the file or of any directory on the way,
could lead anywhere: `inside` resolves a path and refuses one whose real
location leaves the repository. Where a link leads is never printed (it
would tell what lies outside); the message names the link in the
repository and says what to do.

File names read from files (a manifest's artifact names) are names, never
paths: `plain_name_problem` accepts ASCII letters, digits, `.`, `_` and `-`,
not starting with a dot.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

from .errors import BadInputError

# where things live, named here so that the compiler can name them without importing the
# modules that read and write them (`workspace.py`, `registry.py`)
WORKSPACE_DIR = ".mlgitops"  # the local workspace, never committed
REGISTRY_DIR = "models"
PRODUCTION = "production.yaml"  # in each model's registry folder: the production pointer

# a name that is a file of one directory on every system: no separators, no dot files,
# no control or look-alike characters
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,254}")

_LINK_HINT = (
    "mlgitops reads and writes only inside the repository: replace the link with "
    "the real directory or file"
)


def show(root: Path, path: Path) -> str:
    """`path` as users see it: relative to the repository root when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def printable(name: str) -> str:
    """`name` for a message: as it is, or with its control characters escaped."""
    return name if name.isprintable() else json.dumps(name)[1:-1]


def is_inside(root: Path, path: Path) -> bool:
    """Whether `path` (absolute, or relative to `root`), all links followed, is in `root`."""
    base = root.resolve()
    resolved = (path if path.is_absolute() else root / path).resolve()
    return resolved == base or resolved.is_relative_to(base)


def inside(root: Path, path: Path, *, what: str = "") -> Path:
    """`path` (absolute, or relative to `root`) when its real location is inside `root`.

    Raises BadInputError naming the symbolic link that leads out, or the path itself.
    `what` says what the path is for ("the registry", "a data file").
    """
    target = path if path.is_absolute() else root / path
    if is_inside(root, target):
        return target
    link = _first_link_out(root, target)
    purpose = f" ({what})" if what else ""
    if link is not None:
        raise BadInputError(
            f"{show(root, link)}{purpose} is a symbolic link to a place outside the repository",
            hint=_LINK_HINT,
        )
    raise BadInputError(
        f"{show(root, target)}{purpose} lies outside the repository",
        hint="name a path inside the repository",
    )


def inside_with_entries(root: Path, relative: str, *, what: str = "") -> Path:
    """The directory `root/relative` when it, and each entry in it, stays inside `root`."""
    directory = inside(root, root / relative, what=what)
    if directory.is_dir():
        for entry in directory.iterdir():
            inside(root, entry, what=what)
    return directory


def _first_link_out(root: Path, target: Path) -> Path | None:
    """The first symbolic link on the way from `root` to `target` that leads outside `root`."""
    try:
        relative = target.relative_to(root)
    except ValueError:
        return None
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink() and not is_inside(root, current):
            return current
    return None


def plain_name_problem(name: str) -> str | None:
    """Why `name` is not the plain name of a file in one directory, or None."""
    if _PLAIN_NAME.fullmatch(name):
        return None
    return (
        "is not a plain file name (ASCII letters, digits, '.', '_' and '-', not starting "
        "with a dot; no '/', '\\', '..' or control characters)"
    )


def read_regular(path: Path, shown: str) -> bytes:
    """The bytes of `path`, which must be a regular file and not a symbolic link.

    FileNotFoundError when it is missing; BadInputError for a link or anything else.
    """
    with _open_regular(path, shown) as handle:
        return handle.read()


def sha256_regular(path: Path, shown: str) -> str:
    """The sha256 of `path`, read as `read_regular` reads it (streamed)."""
    digest = hashlib.sha256()
    with _open_regular(path, shown) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_regular(path: Path, shown: str) -> BinaryIO:
    # O_NOFOLLOW: a link swapped in after a check is refused, never followed;
    # O_NONBLOCK: a FIFO put in a file's place cannot hang the read
    flags = os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if path.is_symlink():
            raise BadInputError(
                f"{shown} is a symbolic link; it must be a plain file",
                hint="restore it from git",
            ) from None
        raise BadInputError(f"{shown} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BadInputError(f"{shown} is not a plain file", hint="restore it from git")
    return os.fdopen(fd, "rb")
