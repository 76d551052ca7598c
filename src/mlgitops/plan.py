"""The plan: per model, the stages to run, their inputs and cache keys.

A plain data structure shared by `run`, `run --dry`, `status` and the
workflow compiler. Building it reads files (to hash them) but imports no
machine-learning library.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from .spec import Project

# Library versions that change what training produces; part of every cache key.
KEY_LIBRARIES = (
    "mlgitops",
    "scikit-learn",
    "skl2onnx",
    "onnx",
    "onnxruntime",
    "numpy",
    "scipy",
    "pandas",
)


def library_versions() -> dict[str, str]:
    versions = {}
    for name in KEY_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def digest(*parts: Any) -> str:
    return hashlib.sha256(canonical_json(list(parts))).hexdigest()


@dataclass(frozen=True)
class StagePlan:
    name: str
    key: str  # content hash of everything the stage reads


@dataclass(frozen=True)
class ModelPlan:
    model: str
    dataset: str
    input_files: tuple[str, ...]  # repo-relative files the model's result depends on
    spec_sha256: str  # of the model's spec section and its dataset's section
    data_sha256: str
    pipeline_sha256: str
    stages: tuple[StagePlan, ...]

    @property
    def cache_key(self) -> str:
        """Identity of the candidate model: equal keys mean the same trained and converted model.

        Gates and policies are re-checked against each day's production version,
        but they do not change the model, so they are not part of its identity.
        """
        return self.stage("convert").key

    def stage(self, name: str) -> StagePlan:
        return next(s for s in self.stages if s.name == name)


def model_input_files(project: Project, name: str) -> list[str]:
    """Files whose change affects the model: dataset, pipeline file, policy files."""
    model = project.spec.models[name]
    files = [project.spec.datasets[model.dataset].path]
    if model.pipeline:
        files.append(model.pipeline)
    files.extend(model.policies)
    return files


# Spec fields that came after the first cache keys: they enter a key only when set, so
# a spec that leaves them at their defaults keeps its registered versions' keys.
_LATER_MODEL_DEFAULTS: dict[str, Any] = {"positive_class": None}
_LATER_SPLIT_DEFAULTS: dict[str, Any] = {"by": "random", "test": None}
# What counts as drift, and performance monitoring, never change the trained model.
_NOT_TRAINED_DRIFT = ("triggers", "performance")


def _trained_section(model: dict[str, Any], dataset: dict[str, Any]) -> dict[str, Any]:
    """What of the model's and dataset's spec can change the trained model.

    `evaluation` and the drift triggers cannot (they are the evaluate stage's
    and drift's); later fields at their defaults are left out (see above).
    """
    model = {k: v for k, v in model.items() if k != "evaluation"}
    model = _without_defaults(model, _LATER_MODEL_DEFAULTS)
    model["split"] = _without_defaults(model["split"], _LATER_SPLIT_DEFAULTS)
    if model.get("drift") is not None:
        model["drift"] = {k: v for k, v in model["drift"].items() if k not in _NOT_TRAINED_DRIFT}
    return {"model": model, "dataset": _without_defaults(dataset, {"timestamp": None})}


def _without_defaults(section: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in section.items() if k not in defaults or v != defaults[k]}


def plan_model(
    project: Project,
    name: str,
    file_digests: dict[str, str],
    *,
    production_sha256: str | None = None,
    drift_sha256: str | None = None,
    current_sha256: str | None = None,
    today: str = "",
    versions: dict[str, str] | None = None,
) -> ModelPlan:
    """Plan one model.

    `file_digests` maps repo-relative data paths to sha256 (hashed once per run).
    Gates and policies also depend on the production version (max_drop,
    no-regression rules) and on the date (waivers expire), so both are part of
    the keys of `test` and `policy`.
    """
    versions = versions or library_versions()
    model = project.spec.models[name]
    dataset = project.spec.datasets[model.dataset]
    spec_section = _trained_section(
        model.model_dump(mode="json", by_alias=True),
        dataset.model_dump(mode="json", by_alias=True),
    )
    spec_sha = digest(spec_section)
    data_sha = file_digests[dataset.path]
    pipeline = project.pipelines[name].model_dump(mode="json", by_alias=True)
    pipeline_sha = digest(pipeline)
    policy_digests = {path: project.file_digests[path] for path in model.policies}

    validate_key = digest("validate-data", data_sha, spec_section["dataset"], versions)
    train_key = digest("train", validate_key, spec_sha, pipeline_sha, versions)
    gates = {k: v.model_dump() for k, v in model.gates.items()}
    convert_key = digest("convert", train_key, model.onnx.model_dump())
    # evaluate reads the holdout and predictions (train), both models' ONNX and today's labels
    evaluate_key = digest(
        "evaluate",
        train_key,
        convert_key,
        model.evaluation.model_dump(mode="json"),
        production_sha256,
        current_sha256,
    )
    test_key = digest("test", evaluate_key, gates)
    policy_key = digest("policy", test_key, convert_key, policy_digests, today, drift_sha256)
    register_key = digest("register", policy_key)
    stages = (
        StagePlan("validate-data", validate_key),
        StagePlan("train", train_key),
        StagePlan("convert", convert_key),
        StagePlan("evaluate", evaluate_key),
        StagePlan("test", test_key),
        StagePlan("policy", policy_key),
        StagePlan("register", register_key),
    )
    return ModelPlan(
        model=name,
        dataset=model.dataset,
        input_files=tuple(model_input_files(project, name)),
        spec_sha256=spec_sha,
        data_sha256=data_sha,
        pipeline_sha256=pipeline_sha,
        stages=stages,
    )
