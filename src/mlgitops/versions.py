"""The version of an installed distribution, for keys of what the workspace remembers.

`importlib.metadata.version` parses the whole METADATA file with the email
package, whose import (sockets, calendars, MIME) costs start-up more than the
answer is worth: the `Version:` header is read here directly, through the same
public API that finds the file.
"""

from __future__ import annotations

import functools
import re
from importlib import metadata

_VERSION = re.compile(r"^Version:[ \t]*(\S+)[ \t]*$", re.MULTILINE)


@functools.lru_cache(maxsize=32)
def installed_version(name: str) -> str | None:
    """`name`'s version (as `importlib.metadata.version` gives it), or None when not installed."""
    try:
        text = metadata.distribution(name).read_text("METADATA")
    except metadata.PackageNotFoundError:
        return None
    # the headers end at the first blank line; the description below may say anything
    head = (text or "").split("\n\n", 1)[0]
    found = _VERSION.search(head)
    return found.group(1) if found else None
