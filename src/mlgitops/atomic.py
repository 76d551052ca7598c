"""Atomic file and directory writes: temp file + fsync + rename; and the locks that let
processes share a directory (flock: the kernel releases them when a process dies)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _make_shareable(path: Path, *, directory: bool = False) -> None:
    """mkstemp/mkdtemp create private files (0600/0700); give them the modes a plain open() would."""
    path.chmod((0o777 if directory else 0o666) & ~_umask())


def write_bytes(path: Path, data: bytes, *, scratch: Path | None = None) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never half.

    The temp file is made in `scratch` (same file system) when given, else beside `path`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=scratch if scratch is not None else path.parent
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _make_shareable(Path(tmp))
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def write_text(path: Path, text: str, *, scratch: Path | None = None) -> None:
    write_bytes(path, text.encode("utf-8"), scratch=scratch)


@contextlib.contextmanager
def file_lock(path: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold an flock on `path` (created if missing) for the block: exclusive, or shared."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def claimed_directory(area: Path, lock: Path, prefix: str) -> Iterator[Path]:
    """A new directory in `area`, claimed (flock on the directory) until the block ends.

    It is made under a shared hold of `lock`, so `remove_unclaimed`, which holds `lock`
    exclusively, never sees it unclaimed. Whatever is still there at the end is removed;
    a directory renamed away in the block is left where it went.
    """
    area.mkdir(parents=True, exist_ok=True)
    with file_lock(lock, shared=True):
        directory = Path(tempfile.mkdtemp(prefix=prefix, dir=area))
        claim = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
        fcntl.flock(claim, fcntl.LOCK_EX)
    try:
        _make_shareable(directory, directory=True)
        yield directory
    finally:
        if directory.exists():
            shutil.rmtree(directory, ignore_errors=True)
        os.close(claim)


def remove_unclaimed(area: Path) -> list[str]:
    """Remove what no living process claims in `area` (left by one that was killed); returns
    the names removed. Call it holding the area's lock exclusively."""
    removed = []
    for entry in sorted(area.iterdir()) if area.is_dir() else []:
        if entry.is_dir() and not entry.is_symlink():
            claim = os.open(entry, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0))
            try:
                fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a living process is writing it
            finally:
                os.close(claim)
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed


@contextlib.contextmanager
def staged_directory(final: Path) -> Iterator[Path]:
    """Yield a temp directory beside `final`; on success rename it into place.

    On any error the temp directory is removed and `final` never appears.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".staging", dir=final.parent))
    _make_shareable(staging, directory=True)
    try:
        yield staging
        if final.exists():
            raise FileExistsError(f"{final} already exists")
        staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def replace_directory(final: Path, files: dict[str, bytes]) -> None:
    """Make `final` hold exactly `files`: staged beside it, then swapped in with renames."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".staging", dir=final.parent))
    _make_shareable(staging, directory=True)
    old = final.with_name(f".{final.name}.old")
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if old.exists():
            shutil.rmtree(old)
        if final.exists():
            final.rename(old)
        staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
