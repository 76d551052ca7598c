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
import mlgitops
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


def _run(site: Path, mode: str, **variables: str) -> tuple[bool, list[str]]:
    """(whether importlib.metadata was imported, the models the plugin saw)."""
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
    return proc.stdout.strip() == "True", seen


def test_plugins_stay_off_and_nothing_looks_for_them(site: Path) -> None:
    looked, seen = _run(site, "default")
    assert (looked, seen) == (False, [])


def test_a_user_who_sets_the_variable_gets_pydantic_as_usual(site: Path) -> None:
    looked, seen = _run(site, "user", PYDANTIC_DISABLE_PLUGINS="")
    assert looked and seen == ["Checked"]
    _, seen = _run(site, "user-off", PYDANTIC_DISABLE_PLUGINS="demo")
    assert seen == []


def test_plugins_turned_on_later_are_found(site: Path) -> None:
    looked, seen = _run(site, "turn-on")
    assert looked and seen == ["Checked"]
