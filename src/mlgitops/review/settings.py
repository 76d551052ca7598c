"""What in the spec changed for a model: its resolved settings at the base commit and now.

Resolved settings are the model's section with every default filled in, its
dataset's section, and its pipeline (from the pipeline file or inline), as
YAML; the review shows their unified diff. The base side is read from git
(`git show BASE:mlops.yaml` and the pipeline file there), never checked out.
"""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import yamlio
from ..spec import SPEC_FILE, Project
from ..spec.models import DatasetSpec, ModelSpec, PipelineSpec, PreprocessSpec
from .model import SettingsChange


def resolved(model: ModelSpec, dataset: DatasetSpec | None, pipeline: PipelineSpec | None) -> str:
    data: dict[str, Any] = {
        "model": model.model_dump(
            mode="json", by_alias=True, exclude={"preprocess", "estimator"}, exclude_none=True
        ),
    }
    if dataset is not None:
        data["dataset"] = dataset.model_dump(mode="json", by_alias=True, exclude_none=True)
    if pipeline is not None:
        data["pipeline"] = pipeline.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yamlio.dump(data)


def settings_change(project: Project, name: str, base: str | None) -> SettingsChange:
    model = project.spec.models[name]
    now = resolved(model, project.spec.datasets.get(model.dataset), project.pipelines.get(name))
    if not base:
        return SettingsChange(None, "no base")
    before = settings_at(project.root, base, name)
    if before is None:
        return SettingsChange(base, "new model")
    if before == now:
        return SettingsChange(base, "unchanged")
    diff = difflib.unified_diff(
        before.splitlines(),
        now.splitlines(),
        fromfile=f"{base[:12]}: {name}",
        tofile=f"this change: {name}",
        lineterm="",
        n=2,
    )
    return SettingsChange(base, "changed", "\n".join(diff))


def settings_at(root: Path, commit: str, name: str) -> str | None:
    """The model's resolved settings at `commit`, or None when it is not there (or unreadable)."""
    raw = _show(root, commit, SPEC_FILE)
    if raw is None:
        return None
    try:
        spec = yamlio.parse_text(raw, f"{commit[:12]}:{SPEC_FILE}").data
    except yamlio.YamlLoadError:
        return None
    models = spec.get("models") if isinstance(spec, dict) else None
    if not isinstance(models, dict) or not isinstance(models.get(name), dict):
        return None
    try:
        model = ModelSpec.model_validate(models[name])
    except ValidationError:
        return None
    datasets = spec.get("datasets") if isinstance(spec, dict) else None
    dataset = None
    if isinstance(datasets, dict) and isinstance(datasets.get(model.dataset), dict):
        try:
            dataset = DatasetSpec.model_validate(datasets[model.dataset])
        except ValidationError:
            dataset = None
    return resolved(model, dataset, _pipeline_at(root, commit, model))


def _pipeline_at(root: Path, commit: str, model: ModelSpec) -> PipelineSpec | None:
    try:
        if model.pipeline is None:
            assert model.estimator is not None  # the spec's own rule
            return PipelineSpec(
                preprocess=model.preprocess or PreprocessSpec(), estimator=model.estimator
            )
        raw = _show(root, commit, model.pipeline)
        if raw is None:
            return None
        return PipelineSpec.model_validate(yamlio.parse_text(raw, model.pipeline).data)
    except (ValidationError, yamlio.YamlLoadError):
        return None


def _show(root: Path, commit: str, path: str) -> str | None:
    if commit.startswith("-"):
        return None
    done = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=root, capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else None
