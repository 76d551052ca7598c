"""Empty marker files in the workspace's cache: "this check passed before", keyed by a digest.

The schedule and estimator checks remember their passes this way. A workspace that
leads outside the repository (a linked `.mlgitops/`) is neither read nor written,
and a workspace that cannot be written only loses the shortcut.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from .. import paths
from ..errors import MlgitopsError


def marker(root: Path, folder: str, key: str) -> Path | None:
    """Where the pass of `key` is remembered, under `.mlgitops/cache/<folder>/`; None when
    that place is not inside the repository `root`."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    path = root / paths.WORKSPACE_DIR / "cache" / folder / digest
    return path if paths.is_inside(root, path) else None


def leave(root: Path, path: Path) -> None:
    """Remember a pass at `path` (from `marker`): made only while it stays inside `root`."""
    with contextlib.suppress(OSError, MlgitopsError):  # read-only: only the shortcut is lost
        from ..workspace import ensure_workspace  # only when something new is remembered

        ensure_workspace(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        if paths.is_inside(root, path):  # the folders made may not have been ours
            path.touch()
