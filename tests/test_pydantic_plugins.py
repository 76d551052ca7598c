"""pydantic plugins stay off in mlgitops without importing the machinery that finds them,
and a user who turns them on gets them: a real plugin, installed the way packages are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = """
import os


class Plugin:
    def new_schema_validator(self, schema, schema_type, path, kind, config, settings):
        with open(os.environ["PLUGIN_LOG"], "a") as log:
            log.write(path.name + "\\n")
        return None, None, None


plugin = Plugin()
"""

PROGRAM = """
import os, sys
if sys.argv[1] == "pydantic-first":
    import pydantic.plugin._loader  # a program that used pydantic before importing mlgitops
import mlgitops
print(repr(os.environ.get("PYDANTIC_DISABLE_PLUGINS")))
if sys.argv[1] == "turn-on":
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = ""  # none of them off
from pydantic import BaseModel


class Checked(BaseModel):
    a: int


Checked.model_validate({"a": 1})
print("importlib.metadata" in sys.modules)
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder holding an installed pydantic plugin (module, metadata and entry point)."""
    folder = tmp_path / "site"
    info = folder / "demo_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (folder / "demo_plugin.py").write_text(PLUGIN)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\ndemo = demo_plugin:plugin\n")
    return folder


def _run(site: Path, mode: str, **variables: str) -> tuple[str, bool, list[str]]:
    """(the variable after importing mlgitops, whether importlib.metadata was imported,
    the models the plugin saw)."""
    log = site / f"{mode}.log"
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    environ.update(PYTHONPATH=str(site), PLUGIN_LOG=str(log), **variables)
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode],
        capture_output=True,
        text=True,
        env=environ,
        check=True,
    )
    seen = log.read_text().split() if log.exists() else []
    variable, looked = proc.stdout.split()
    return variable, looked == "True", seen


def test_plugins_stay_off_nothing_looks_for_them_and_the_environment_is_untouched(
    site: Path,
) -> None:
    assert _run(site, "default") == ("None", False, [])


def test_a_user_who_sets_the_variable_gets_pydantic_as_usual(site: Path) -> None:
    assert _run(site, "user", PYDANTIC_DISABLE_PLUGINS="") == ("''", True, ["Checked"])
    assert _run(site, "user-off", PYDANTIC_DISABLE_PLUGINS="demo") == ("'demo'", True, [])


def test_plugins_turned_on_later_are_found(site: Path) -> None:
    assert _run(site, "turn-on") == ("None", True, ["Checked"])


def test_after_pydantic_looked_its_own_switch_turns_them_off(site: Path) -> None:
    assert _run(site, "pydantic-first") == ("'__all__'", True, [])
