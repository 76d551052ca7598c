"""Local files under the repository root, in the shape of the storage layer's functions.

A stand-in with the same signatures as `data.storage` (fsspec) for sources that are
paths inside the repository; URLs are refused here.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from ..errors import BadInputError

if TYPE_CHECKING:
    from ..lock import LockedFile

_CHUNK = 1 << 20
_GLOB = frozenset("*?[")


@dataclass(frozen=True)
class StoredFile:
    url: str
    size: int
    etag: str | None = None
    version_id: str | None = None
    mtime: float | None = None


class MissingSourceError(BadInputError):
    pass


def _local(url: str, root: Path) -> Path:
    if "://" in url:
        raise BadInputError(f"{url}: remote sources need the storage layer (fsspec)")
    pure = PurePosixPath(url)
    if pure.is_absolute() or ".." in pure.parts:
        raise BadInputError(f"'{url}' must be a path relative to the repository root, inside it")
    path = root / url
    if not path.resolve().is_relative_to(root.resolve()):
        raise BadInputError(f"'{url}' links outside the repository")
    return path


def _stored(path: Path, root: Path) -> StoredFile:
    stat = path.stat()
    return StoredFile(path.relative_to(root).as_posix(), stat.st_size, mtime=stat.st_mtime)


def list_files(source: str, storage: Mapping[str, Any], *, root: Path) -> list[StoredFile]:
    if _GLOB & set(source):
        _local(source.split("*")[0] or ".", root)
        paths = sorted(p for p in root.glob(source) if p.is_file())
    else:
        path = _local(source.rstrip("/"), root)
        if path.is_dir():
            paths = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            paths = [path]
        else:
            paths = []
    if not paths:
        raise MissingSourceError(
            f"source '{source}': no files found",
            hint="check the source in mlops.yaml (relative to the repository root)",
        )
    return [_stored(p, root) for p in paths]


@contextlib.contextmanager
def open_file(url: str, storage: Mapping[str, Any], *, root: Path) -> Iterator[IO[bytes]]:
    with _local(url, root).open("rb") as handle:
        yield handle


def hash_file(url: str, storage: Mapping[str, Any], *, root: Path) -> str:
    digest = hashlib.sha256()
    with open_file(url, storage, root=root) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(file: LockedFile, storage: Mapping[str, Any], *, root: Path) -> Path:
    return _local(file.url, root)


def check_storage_options(options: Mapping[str, Any]) -> list[str]:
    from ..spec.references import secret_storage_options

    return secret_storage_options(dict(options))
