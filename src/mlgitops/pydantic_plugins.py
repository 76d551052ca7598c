"""pydantic plugins stay off for mlgitops, without pydantic importing what looks for them.

Third-party pydantic plugins must not wrap the validation of mlgitops's own files, so
`PYDANTIC_DISABLE_PLUGINS=__all__` is set unless the user set it. pydantic reads that
variable only after importing its plugin loader, whose `importlib.metadata` import
(email, zipfile, importlib.resources) cost about 12 ms of `validate`'s 140, measured.
The loader is therefore stood in for until someone asks for plugins: it answers what
pydantic's would while plugins are off, and hands over to pydantic's own otherwise.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from collections.abc import Iterable
from typing import Any

VARIABLE = "PYDANTIC_DISABLE_PLUGINS"
LOADER = "pydantic.plugin._loader"  # the module pydantic's validator factory asks
ALL_OFF = ("__all__", "1", "true")  # the values pydantic reads as "no plugins at all"


def switch_off() -> None:
    """Plugins off unless the user chose; pydantic's loader imported only when they are on."""
    if VARIABLE in os.environ:
        return  # the user manages plugins: pydantic looks them up as usual
    os.environ[VARIABLE] = "__all__"
    if LOADER not in sys.modules:  # pydantic has not looked yet
        stand_in = types.ModuleType(LOADER, __doc__)
        stand_in.get_plugins = get_plugins  # type: ignore[attr-defined]
        sys.modules[LOADER] = stand_in


def get_plugins() -> Iterable[Any]:
    """pydantic's answer: none while plugins are all off, else what its own loader finds."""
    if os.environ.get(VARIABLE) in ALL_OFF:
        return ()
    sys.modules.pop(LOADER, None)  # turned on since: pydantic's loader from now on
    loader = importlib.import_module(LOADER)
    plugins: Iterable[Any] = loader.get_plugins()
    return plugins
