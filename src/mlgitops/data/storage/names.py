"""What the parts of a source name mean: glob characters, hidden files, the literal prefix."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath

_MAGIC = frozenset("*?[")


def has_magic(path: str) -> bool:
    return any(char in _MAGIC for char in path)


def literal_prefix(pattern: str) -> PurePosixPath:
    """The leading path components of a glob that hold no glob character."""
    parts = []
    for part in PurePosixPath(pattern).parts:
        if has_magic(part):
            break
        parts.append(part)
    return PurePosixPath(*parts) if parts else PurePosixPath()


def is_hidden(parts: Iterable[str]) -> bool:
    """Hidden files and markers (`.x`, `_SUCCESS`, `_temporary/`), as Spark, Hive and pyarrow skip them."""
    return any(part.startswith((".", "_")) for part in parts)
