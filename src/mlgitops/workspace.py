"""The local workspace `.mlgitops/` (not in git): stage cache and the last candidate per model.

`run` leaves each model's latest candidate in `.mlgitops/candidates/<model>/`
(the same files a registered version holds) so that `policy`, `promote` and
CI artifact uploads can use it whether or not it was registered.
"""

from __future__ import annotations

import json
from pathlib import Path

from .evidence import CandidateEvidence

WORKSPACE_DIR = ".mlgitops"


def workspace(root: Path) -> Path:
    return root / WORKSPACE_DIR


def candidate_dir(root: Path, model: str) -> Path:
    return workspace(root) / "candidates" / model


def cache_dir(root: Path) -> Path:
    return workspace(root) / "cache"


def load_candidate_evidence(root: Path, model: str) -> CandidateEvidence | None:
    """The evidence of the model's last candidate, or None when `run` has not made one."""
    path = candidate_dir(root, model) / "evidence.json"
    if not path.is_file():
        return None
    return CandidateEvidence.model_validate(json.loads(path.read_text(encoding="utf-8")))


def drift_report_path(root: Path, model: str) -> Path:
    """Where `mlgitops drift` leaves its last report for the model (read by run, status, promote)."""
    return workspace(root) / "drift" / f"{model}.json"
