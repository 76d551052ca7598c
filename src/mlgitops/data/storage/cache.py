"""The local path of a locked file, its bytes verified against the lock.

A local file is read in place, after its size and sha256 are checked. A
remote file is downloaded once into `.mlgitops/cache/data/<sha256>` (to a temp
file beside it, hashed while it streams, renamed only when it matches).

In a versioned bucket listed with `storage: {version_aware: true}`, the lock
holds each object's version id and the locked version is what is read: an
object overwritten since the snapshot still gives the locked bytes.

Hashing a remote file (`files.hash_file`, what a snapshot does) streams it
into the same cache, so a snapshot followed by a run downloads each file once.

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
from collections.abc import Callable, Mapping
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
    info = remote.remote_info(file.url, storage, file.version_id)
    size = int(info.get("size") or 0)
    if size != file.size:
        raise _changed(file.url, f"{size:,} bytes, locked {file.size:,}")
    etag = remote.info_etag(info)
    if file.etag is not None and etag is not None and etag != file.etag:
        raise _changed(file.url, f"ETag {etag}, locked {file.etag}")


def _download(file: LockedFile, storage: Mapping[str, Any], target: Path) -> Path:
    def verify(digest: str, size: int) -> None:
        if (digest, size) != (file.sha256, file.size):
            raise _changed(
                file.url, f"sha256 {digest[:12]}… ({size:,} bytes), locked {file.sha256[:12]}…"
            )

    _, path = _stream_into(target.parent, file.url, storage, verify, file.version_id)
    return path


def hash_into_cache(url: str, storage: Mapping[str, Any], *, root: Path) -> str:
    """The sha256 of a remote object, read once: its bytes land in the cache on the way, so
    the `fetch` of a file just snapshotted reads them from disk instead of the store."""
    digest, _ = _stream_into(root / CACHE_DIR, url, storage, lambda digest, size: None, None)
    return digest


def _stream_into(
    directory: Path,
    url: str,
    storage: Mapping[str, Any],
    verify: Callable[[str, int], None],
    version_id: str | None,
) -> tuple[str, Path]:
    """Download `url` to a temp file in `directory`, hashing as it streams; once `verify`
    accepts (digest, size), rename it to `directory/<sha256>`. Nothing is left on failure."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".download.", suffix=".part", dir=directory)
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as sink, remote.open_remote(url, storage, version_id) as source:
            digest, size = sha256_stream(source, sink)
            sink.flush()
            os.fsync(sink.fileno())
        verify(digest, size)
        target = directory / digest
        partial.replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return digest, target


def _digest_of(path: Path) -> tuple[str, int]:
    with path.open("rb", buffering=0) as handle:
        return sha256_stream(handle)


def _changed(url: str, how: str) -> StaleSnapshotError:
    return StaleSnapshotError(
        f"{strip_url_credentials(url)}: changed since it was locked in mlops.lock ({how})",
        hint=SNAPSHOT_HINT,
    )
