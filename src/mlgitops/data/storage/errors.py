"""The storage layer's errors: the user's source is wrong (exit 2) or the store failed (exit 3)."""

from __future__ import annotations

from ...errors import BadInputError, DataFileError, ExternalError

SNAPSHOT_HINT = "run `mlgitops snapshot` to lock the data as it is now, then run again"


class SourceNotFoundError(DataFileError):
    """The source, or every file it could match, does not exist (exit 2)."""


class StaleSnapshotError(BadInputError):
    """A file locked in mlops.lock is gone or its bytes changed (exit 2)."""


class StorageError(ExternalError):
    """The store failed or refused: connection, credentials, a broken object (exit 3)."""
