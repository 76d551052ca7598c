"""Golden files: expected text kept under tests/golden/.

Regenerate after an intended change with `MLGITOPS_UPDATE_GOLDEN=1` (or
`make golden`) and review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_ENV = "MLGITOPS_UPDATE_GOLDEN"


def assert_golden(name: str, text: str) -> None:
    """Compare `text` with tests/golden/<name>; write it instead when MLGITOPS_UPDATE_GOLDEN=1."""
    path = GOLDEN_DIR / name
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.is_file():
        raise AssertionError(f"golden file {path} is missing; run with {UPDATE_ENV}=1 to create it")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"output differs from golden file {path}; run with {UPDATE_ENV}=1 to update it"
    )
