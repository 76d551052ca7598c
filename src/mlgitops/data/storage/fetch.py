"""The local path of a locked file, its bytes verified against the lock.

A local file is read in place, after its size and sha256 are checked. A
remote file is downloaded once into `.mlgitops/cache/data/<sha256>` (to a temp
file beside it, hashed while it streams, renamed only when it matches).

A cache hit is hashed again in full, not trusted by its size: the cache sits
in the working tree where any process can write, the lock's promise is that
a run reads exactly the locked bytes, and hashing from the page cache costs
about a second per GiB, far less than the training that follows. A damaged
entry is dropped and downloaded afresh.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...lock import LockedFile
from . import local, remote
from .digest import sha256_stream
from .errors import SNAPSHOT_HINT, StaleSnapshotError
from .secrets import strip_url_credentials

CACHE_DIR = Path(".mlgitops") / "cache" / "data"


def cache_path(root: Path, sha256: str) -> Path:
    return root / CACHE_DIR / sha256


def fetch(file: LockedFile, storage: Mapping[str, Any], *, root: Path) -> Path:
    """The path to read `file` from; StaleSnapshotError when its bytes are not the locked ones."""
    if not remote.is_remote(file.url):
        return _verified_local(file, root)
    cached = cache_path(root, file.sha256)
    if cached.is_file():
        if _digest_of(cached) == (file.sha256, file.size):
            return cached
        with contextlib.suppress(FileNotFoundError):
            cached.unlink()
    _check_remote_metadata(file, storage)
    return _download(file, storage, cached)


def _verified_local(file: LockedFile, root: Path) -> Path:
    path = local.resolve_inside(root, file.url)
    if not path.is_file():
        raise StaleSnapshotError(f"{file.url}: locked in mlops.lock but gone", hint=SNAPSHOT_HINT)
    size = path.stat().st_size
    if size != file.size:
        raise _changed(file.url, f"{size:,} bytes, locked {file.size:,}")
    digest, _ = _digest_of(path)
    if digest != file.sha256:
        raise _changed(file.url, f"sha256 {digest[:12]}…, locked {file.sha256[:12]}…")
    return path


def _check_remote_metadata(file: LockedFile, storage: Mapping[str, Any]) -> None:
    """Refuse before downloading when the store already says the object changed."""
    info = remote.remote_info(file.url, storage)
    size = int(info.get("size") or 0)
    if size != file.size:
        raise _changed(file.url, f"{size:,} bytes, locked {file.size:,}")
    etag = remote.info_etag(info)
    if file.etag is not None and etag is not None and etag != file.etag:
        raise _changed(file.url, f"ETag {etag}, locked {file.etag}")


def _download(file: LockedFile, storage: Mapping[str, Any], target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{file.sha256[:16]}.", suffix=".part", dir=target.parent)
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as sink, remote.open_remote(file.url, storage) as source:
            digest, size = sha256_stream(source, sink)
            sink.flush()
            os.fsync(sink.fileno())
        if (digest, size) != (file.sha256, file.size):
            raise _changed(
                file.url, f"sha256 {digest[:12]}… ({size:,} bytes), locked {file.sha256[:12]}…"
            )
        partial.replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return target


def _digest_of(path: Path) -> tuple[str, int]:
    with path.open("rb", buffering=0) as handle:
        return sha256_stream(handle)


def _changed(url: str, how: str) -> StaleSnapshotError:
    return StaleSnapshotError(
        f"{strip_url_credentials(url)}: changed since it was locked in mlops.lock ({how})",
        hint=SNAPSHOT_HINT,
    )
