"""The stage cache: outputs of a stage stored under its content key.

`.mlgitops/cache/<stage>/<key>/` holds the files a stage produced. An entry
appears atomically, so an interrupted run never leaves a half entry that a
later run would trust. Only data (JSON, ONNX bytes) is cached; fitted Python
objects are never pickled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import atomic


class StageCache:
    def __init__(self, directory: Path, *, enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled

    def _entry(self, stage: str, key: str) -> Path:
        return self.directory / stage / key

    def get(self, stage: str, key: str) -> dict[str, bytes] | None:
        if not self.enabled:
            return None
        entry = self._entry(stage, key)
        if not entry.is_dir():
            return None
        return {p.name: p.read_bytes() for p in sorted(entry.iterdir()) if p.is_file()}

    def get_json(self, stage: str, key: str, name: str = "result.json") -> Any | None:
        files = self.get(stage, key)
        if files is None or name not in files:
            return None
        return json.loads(files[name])

    def put(self, stage: str, key: str, files: Mapping[str, bytes]) -> None:
        entry = self._entry(stage, key)
        if entry.exists():
            return
        try:
            with atomic.staged_directory(entry) as staging:
                for name, data in files.items():
                    (staging / name).write_bytes(data)
        except FileExistsError:  # another process stored the same entry first
            pass

    def put_json(self, stage: str, key: str, value: Any, name: str = "result.json") -> None:
        self.put(
            stage, key, {name: json.dumps(value, indent=2, sort_keys=True, default=str).encode()}
        )
