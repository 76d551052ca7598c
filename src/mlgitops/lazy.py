"""Names a package exports but imports on first use, so light commands skip heavy modules."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any


def lazy_attribute(package: str, homes: Mapping[str, str], name: str) -> Any:
    """`name` from its submodule in `homes` (name -> submodule), kept on the package after."""
    home = homes.get(name)
    if home is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", package), name)
    setattr(sys.modules[package], name, value)  # looked up once
    return value
