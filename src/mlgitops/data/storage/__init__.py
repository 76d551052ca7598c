"""Where a dataset's files live: the local repository or object storage, behind one interface.

- `list_files` names every file a `source` holds (a file, a folder of
  partitions, a glob) with the store's metadata (size, ETag, version id),
  without reading a byte: what a snapshot starts from, and what makes an
  unchanged re-snapshot a metadata check.
- `open_file` / `hash_file` read one file; `fetch` gives the local path of a
  locked file, verified against its sha256 (remote files cached by digest).
- `check_storage_options` names spec options that look like secrets, which
  `validate` refuses: credentials come from the environment only.

Local paths stay inside the repository (`local.py`); remote ones go through
fsspec (`remote.py`); every message passes through `secrets.redact`.
fsspec and its libraries are imported only when a remote URL is used, and each
name here only when it is first used (`validate` needs the secrets checks alone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...lazy import lazy_attribute

if TYPE_CHECKING:
    from .cache import CACHE_DIR, cache_path, fetch
    from .errors import SNAPSHOT_HINT, SourceNotFoundError, StaleSnapshotError, StorageError
    from .files import StoredFile, hash_file, list_files, open_file
    from .local import OutsideRepositoryError
    from .remote import is_remote
    from .secrets import check_storage_options, redact, strip_url_credentials

# name -> the module that defines it
_HOMES = {
    "SNAPSHOT_HINT": "errors",
    "SourceNotFoundError": "errors",
    "StaleSnapshotError": "errors",
    "StorageError": "errors",
    "CACHE_DIR": "cache",
    "cache_path": "cache",
    "fetch": "cache",
    "StoredFile": "files",
    "hash_file": "files",
    "list_files": "files",
    "open_file": "files",
    "OutsideRepositoryError": "local",
    "is_remote": "remote",
    "check_storage_options": "secrets",
    "redact": "secrets",
    "strip_url_credentials": "secrets",
}

__all__ = [
    "CACHE_DIR",
    "SNAPSHOT_HINT",
    "OutsideRepositoryError",
    "SourceNotFoundError",
    "StaleSnapshotError",
    "StorageError",
    "StoredFile",
    "cache_path",
    "check_storage_options",
    "fetch",
    "hash_file",
    "is_remote",
    "list_files",
    "open_file",
    "redact",
    "strip_url_credentials",
]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _HOMES, name)
