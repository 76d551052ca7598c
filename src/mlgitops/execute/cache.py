"""The stage cache: each stage's typed result stored under its content key.

`.mlgitops/cache/<stage>/<key>/result.json` holds a stage's result (a
pydantic model). An entry appears atomically, so an interrupted run never
leaves a half entry that a later run would trust. Only data (JSON, ONNX
bytes) is cached; fitted Python objects are never pickled. An entry that no
longer matches its type (written by another mlgitops version) is a miss.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from .. import atomic
from ..plan import StageName
from .results import StageResult

R = TypeVar("R", bound=StageResult)
RESULT_FILE = "result.json"


class StageCache:
    def __init__(self, directory: Path, *, enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled

    def _entry(self, stage: StageName, key: str) -> Path:
        return self.directory / stage / key

    def get(self, stage: StageName, key: str, kind: type[R]) -> R | None:
        if not self.enabled:
            return None
        path = self._entry(stage, key) / RESULT_FILE
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return kind.model_validate_json(raw)
        except ValidationError:
            return None  # another version's layout: recompute (the key stays the same)

    def put(self, stage: StageName, key: str, result: StageResult) -> None:
        entry = self._entry(stage, key)
        if (entry / RESULT_FILE).is_file():
            return
        try:
            with atomic.staged_directory(entry) as staging:
                (staging / RESULT_FILE).write_bytes(result.model_dump_json().encode())
        except FileExistsError:  # another process stored the same entry first
            pass
