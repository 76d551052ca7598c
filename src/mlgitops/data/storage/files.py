"""List, open and hash the files a dataset's `source` names, local or remote, one interface."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from . import local, remote
from .digest import sha256_stream
from .errors import SourceNotFoundError


@dataclass(frozen=True)
class StoredFile:
    """One file as the store describes it, before anything is read."""

    url: str
    """A repo-relative POSIX path for a local file; the full fsspec URL (`s3://bucket/key`) otherwise."""
    size: int
    etag: str | None
    version_id: str | None
    mtime: str | None


def list_files(source: str, storage: Mapping[str, Any], *, root: Path) -> list[StoredFile]:
    """Every data file of `source` (a file, a folder of partitions or a glob), sorted by URL.

    Hidden files and `_`-prefixed markers (`_SUCCESS`) inside a folder or glob
    are skipped. Raises SourceNotFoundError (exit 2) when nothing matches,
    OutsideRepositoryError (exit 2) for a local path that leaves the
    repository, StorageError (exit 3) when the store fails.
    """
    if remote.is_remote(source):
        return [
            StoredFile(
                url=url,
                size=int(info.get("size") or 0),
                etag=remote.info_etag(info),
                version_id=remote.info_version(info),
                mtime=remote.info_mtime(info),
            )
            for url, info in remote.list_remote(source, storage)
        ]
    return [
        StoredFile(
            url=url, size=stat.st_size, etag=None, version_id=None, mtime=local.mtime_text(stat)
        )
        for url, stat in local.list_local(source, root)
    ]


@contextlib.contextmanager
def open_file(url: str, storage: Mapping[str, Any], *, root: Path) -> Iterator[BinaryIO]:
    """The file at `url` (as `list_files` names it), open for binary reading."""
    if remote.is_remote(url):
        with remote.open_remote(url, storage) as handle:
            yield handle
        return
    path = local.resolve_inside(root, url)
    try:
        handle = path.open("rb", buffering=0)
    except FileNotFoundError:
        raise SourceNotFoundError(f"{url}: no such file in the repository") from None
    with handle:
        yield cast(BinaryIO, handle)  # unbuffered: the hasher reads large blocks itself


def hash_file(url: str, storage: Mapping[str, Any], *, root: Path) -> str:
    """The sha256 (hex) of the file at `url`, streamed in large blocks.

    A remote file's bytes are kept in the data cache on the way (keyed by this
    digest), so fetching it afterwards does not download it again.
    """
    if remote.is_remote(url):
        from .cache import hash_into_cache  # imports the lock's records: not needed to list

        return hash_into_cache(url, storage, root=root)
    with open_file(url, storage, root=root) as handle:
        digest, _ = sha256_stream(handle)
    return digest
