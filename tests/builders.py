"""Builders shared by the tests: small specs, data files and repositories."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_file(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def write_spec(root: Path, text: str) -> Path:
    """Write `mlops.yaml` (dedented) under `root`."""
    return write_file(root, "mlops.yaml", text)
