"""The version of an installed distribution, for keys of what the workspace remembers.

`importlib.metadata` imports the email package (sockets, calendars, MIME) to
parse the whole METADATA file, which costs start-up more than the answer is
worth. Its search is simple for the usual layout: the first `NAME-….dist-info`
folder on `sys.path`, names compared after normalising `-`, `_` and `.`. That
search is done here, and the `Version:` header is read directly; any other
layout (eggs, zip files, another metadata finder, two candidates in one
folder) takes `importlib.metadata` itself, so the answer is always the one it
gives.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import sys
from pathlib import Path

# a header line as the email parser tells it (a name of printable characters, then ':'),
# and a header written the plain way
_HEADER_LINE = re.compile(r"[\x21-\x39\x3b-\x7e]+:")
_PLAIN_VERSION = re.compile(r"Version: (\S+)")
_SEPARATORS = re.compile(r"[-_.]+")


@functools.lru_cache(maxsize=32)
def installed_version(name: str) -> str | None:
    """`name`'s version (as `importlib.metadata.version` gives it), or None when not installed."""
    found = _metadata_file(name)
    if found is not None:
        try:
            version = _plain_version(found.read_text(encoding="utf-8"))
        except (OSError, UnicodeError):
            version = None
        if version is not None:
            return version
    return _version_from_importlib(name)


def _plain_version(text: str) -> str | None:
    """The `Version:` header when the headers are plain `Key: value` lines and it is one word
    (what the email parser gives then); None for anything else, for `importlib.metadata`."""
    # the headers end at the first blank line; the description below may say anything
    lines = text.split("\n\n", 1)[0].split("\n")
    for index, line in enumerate(lines):
        if not _HEADER_LINE.match(line):
            return None  # a folded line, or the email parser would end the headers here
        if line.split(":", 1)[0].lower() == "version":
            found = _PLAIN_VERSION.fullmatch(line)
            folded = index + 1 < len(lines) and lines[index + 1][:1] in (" ", "\t")
            return found.group(1) if found and not folded else None
    return None


def _normalized(name: str) -> str:
    """A distribution name as `importlib.metadata` compares it."""
    return _SEPARATORS.sub("_", name).lower()


def _metadata_file(name: str) -> Path | None:
    """The METADATA file `importlib.metadata` would read for `name`, when the search is plain;
    None when it is not (or nothing is found), to let `importlib.metadata` answer."""
    if _other_metadata_finders():
        return None  # they may know distributions the path search does not
    wanted = _normalized(name)
    for entry in sys.path:
        folder = entry or "."
        if folder.lower().endswith(".egg"):
            return None
        try:
            info = Path(folder).stat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            return None  # a zip file on the path: its own search
        matches = _metadata_folders(folder, info.st_mtime_ns).get(wanted, ())
        if len(matches) > 1 or (matches and not matches[0].lower().endswith(".dist-info")):
            return None  # the order between them is the directory's; an egg-info is read otherwise
        if matches:
            return Path(folder, matches[0], "METADATA")
    return None


@functools.lru_cache(maxsize=16)
def _metadata_folders(folder: str, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    """`folder`'s `*.dist-info` and `*.egg-info` entries by normalised distribution name,
    listed once per process while the folder is unchanged (as `importlib.metadata` does)."""
    found: dict[str, list[str]] = {}
    try:
        children = os.listdir(folder)  # noqa: PTH208 (names only, hundreds of them)
    except OSError:
        return {}
    for child in children:
        low = child.lower()
        if low.endswith((".dist-info", ".egg-info")):
            name = _normalized(low.rpartition(".")[0].partition("-")[0])
            found.setdefault(name, []).append(child)
    return {name: tuple(children) for name, children in found.items()}


def _other_metadata_finders() -> bool:
    from importlib.machinery import PathFinder

    return any(
        finder is not PathFinder and hasattr(finder, "find_distributions")
        for finder in sys.meta_path
    )


def _version_from_importlib(name: str) -> str | None:
    from importlib import metadata  # only for what the plain search leaves out

    try:
        return metadata.version(name)
    except Exception:  # not installed, or its metadata unreadable: no version to key on
        return None
