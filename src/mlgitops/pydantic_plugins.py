"""pydantic plugins stay off for mlgitops, without pydantic importing what looks for them.

Third-party pydantic plugins must not wrap the validation of mlgitops's own files.
pydantic's switch, `PYDANTIC_DISABLE_PLUGINS`, is read only after importing its
plugin loader, whose `importlib.metadata` import (email, zipfile, importlib.resources)
cost about 12 ms of `validate`'s 140, measured. So the loader is stood in for: it
answers "no plugins" until someone sets the variable to turn plugins on, and hands
over to pydantic's own loader then. Nothing is written to the environment, so the
processes mlgitops starts see the user's settings only.
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
    if LOADER in sys.modules:  # pydantic has looked already: its own switch, then
        os.environ[VARIABLE] = "__all__"
        return
    stand_in = types.ModuleType(LOADER, __doc__)
    stand_in.get_plugins = get_plugins  # type: ignore[attr-defined]
    sys.modules[LOADER] = stand_in


def get_plugins() -> Iterable[Any]:
    """pydantic's answer: none while the variable is unset or says all off, else what
    its own loader finds."""
    if os.environ.get(VARIABLE, "__all__") in ALL_OFF:
        return ()
    sys.modules.pop(LOADER, None)  # turned on since: pydantic's loader from now on
    loader = importlib.import_module(LOADER)
    plugins: Iterable[Any] = loader.get_plugins()
    return plugins
