"""The plan: per model, the stages to run and the cache key of each.

A plain data structure shared by `run`, `run --dry`, `status` and CI
planning. Building it reads files (to hash them) but imports no
machine-learning library.

Each stage's key covers exactly what that stage reads, nothing more:

- `validate-data`: the data file, the dataset's columns and checks;
- `tune`: what training reads (below) and the search: space, strategy,
  trials, folds, seed, metric and timeout (not n_jobs, backend or scheduler:
  where fits run does not change their scores); empty without `tuning`;
- `train`: the tune key when the model is tuned, the data file, the
  columns and target, the model's task,
  features, split and metrics, the resolved pipeline, library versions
  (not gates, policies, drift, promotion or runner settings);
- `convert`: the trained model (train key) and the `onnx` settings;
- `evaluate`: the holdout and the candidate's predictions on it (train key),
  its `model.onnx` (convert key), the evaluation settings, the production
  version and the current data (its labelled rows are "today's data");
- `test`: the trained metrics and the paired comparison (evaluate key), the gates;
- `policy`: the evidence it judges (validate, test, convert keys and the
  drift report), the policy files, the model's spec section (rules read
  `spec`), the date (waivers expire);
- `register`: the model's bytes (convert key); a version whose `model.onnx`
  has the same digest is the same model and is never registered twice.

Adding a stage: add its name to `StageName` (in run order) and a key
function to `_KEYS`; the executor's stage table (`execute/stages.py`) gets
the function that runs it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Literal, get_args

from .spec import Project
from .spec.models import DatasetSpec, ModelSpec

StageName = Literal[
    "validate-data", "tune", "train", "convert", "evaluate", "test", "policy", "register"
]
STAGE_NAMES: tuple[StageName, ...] = get_args(StageName)

# Library versions that change what training produces; part of the data-reading keys.
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
class PlanInputs:
    """What the keys read besides the spec: file digests, the registry, the clock."""

    data_sha256: str
    pipeline: Mapping[str, Any]  # the resolved pipeline (inline or from its file), as JSON
    policy_digests: Mapping[str, str]  # policy file -> sha256
    production_sha256: str | None  # model.onnx of the production version
    drift_sha256: str | None  # the model's last drift report
    today: dt.date
    versions: Mapping[str, str]
    current_sha256: str | None = None  # the dataset's current data files, as one digest


@dataclass(frozen=True)
class StagePlan:
    name: StageName
    key: str  # content hash of everything the stage reads


@dataclass(frozen=True)
class ModelPlan:
    model: str
    dataset: str
    input_files: tuple[str, ...]  # repo-relative files the model's result depends on
    spec_sha256: str  # of the model's spec section and its dataset's section (lineage)
    data_sha256: str
    pipeline_sha256: str
    stages: tuple[StagePlan, ...]

    @property
    def cache_key(self) -> str:
        """Identity of the candidate model: equal keys mean the same trained and converted model.

        Gates and policies are re-checked against each day's production version,
        but they do not change the model, so they are not part of its identity.
        """
        return self.key("convert")

    def key(self, name: StageName) -> str:
        return self.stage(name).key

    def stage(self, name: StageName) -> StagePlan:
        return next(s for s in self.stages if s.name == name)


KeyFunction = Callable[[ModelSpec, DatasetSpec, PlanInputs, Mapping[StageName, str]], str]


def _dump(section: Any) -> Any:
    return section.model_dump(mode="json", by_alias=True)


def _validate_key(
    model: ModelSpec, dataset: DatasetSpec, inputs: PlanInputs, keys: Mapping[StageName, str]
) -> str:
    checked = {k: _dump(dataset)[k] for k in ("path", "target", "columns", "checks")}
    return digest("validate-data", inputs.data_sha256, checked, inputs.versions)


def _training_reads(model: ModelSpec, dataset: DatasetSpec, inputs: PlanInputs) -> dict[str, Any]:
    read = {
        "dataset": {k: _dump(dataset)[k] for k in ("path", "target", "columns")},
        "task": model.task,
        "features": _dump(model.features),
        "split": _later_fields(_dump(model.split), {"by": "random", "test": None}),
        "metrics": list(model.metrics),
        "pipeline": dict(inputs.pipeline),
    }
    # read when set (the split by time, the positive class of the metrics); left out at
    # their defaults so the keys of specs that do not use them stay as they were
    if dataset.timestamp is not None:
        read["timestamp"] = dataset.timestamp
    if model.positive_class is not None:
        read["positive_class"] = model.positive_class
    return read


# Settings that say where a search's fits run, not what they score.
_TUNING_PLACEMENT = ("n_jobs", "backend", "scheduler")


def _tune_key(
    model: ModelSpec, dataset: DatasetSpec, inputs: PlanInputs, keys: Mapping[StageName, str]
) -> str:
    if model.tuning is None:
        return digest("tune", None)
    search = {k: v for k, v in _dump(model.tuning).items() if k not in _TUNING_PLACEMENT}
    reads = _training_reads(model, dataset, inputs)
    return digest("tune", inputs.data_sha256, reads, search, inputs.versions, _tuning_versions())


def _tuning_versions() -> dict[str, str]:
    out = {}
    for name in ("optuna",):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def _train_key(
    model: ModelSpec, dataset: DatasetSpec, inputs: PlanInputs, keys: Mapping[StageName, str]
) -> str:
    read = _training_reads(model, dataset, inputs)
    if model.tuning is not None:  # the params the search chose
        return digest("train", inputs.data_sha256, read, inputs.versions, keys["tune"])
    return digest("train", inputs.data_sha256, read, inputs.versions)


def _later_fields(section: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in section.items() if k not in defaults or v != defaults[k]}


def _evaluate_key(
    model: ModelSpec, dataset: DatasetSpec, inputs: PlanInputs, keys: Mapping[StageName, str]
) -> str:
    return digest(
        "evaluate",
        keys["train"],
        keys["convert"],
        _dump(model.evaluation),
        model.split.seed,
        {k: _dump(dataset)[k] for k in ("current", "target", "columns")},
        inputs.production_sha256,
        inputs.current_sha256,
    )


def _test_key(
    model: ModelSpec, dataset: DatasetSpec, inputs: PlanInputs, keys: Mapping[StageName, str]
) -> str:
    gates = {name: _dump(gate) for name, gate in model.gates.items()}
    return digest("test", keys["evaluate"], gates, inputs.production_sha256)


def _convert_key(
    model: ModelSpec, dataset: DatasetSpec, inputs: PlanInputs, keys: Mapping[StageName, str]
) -> str:
    return digest("convert", keys["train"], _dump(model.onnx))


def _policy_key(
    model: ModelSpec, dataset: DatasetSpec, inputs: PlanInputs, keys: Mapping[StageName, str]
) -> str:
    return digest(
        "policy",
        [keys["validate-data"], keys["test"], keys["convert"]],
        dict(inputs.policy_digests),
        _dump(model),
        inputs.drift_sha256,
        inputs.today.isoformat(),
    )


def _register_key(
    model: ModelSpec, dataset: DatasetSpec, inputs: PlanInputs, keys: Mapping[StageName, str]
) -> str:
    return keys["convert"]  # the registry holds one version per model (by bytes)


_KEYS: dict[StageName, KeyFunction] = {
    "validate-data": _validate_key,
    "tune": _tune_key,
    "train": _train_key,
    "convert": _convert_key,
    "evaluate": _evaluate_key,
    "test": _test_key,
    "policy": _policy_key,
    "register": _register_key,
}
assert tuple(_KEYS) == STAGE_NAMES  # run order is the Literal's order


def model_input_files(project: Project, name: str) -> list[str]:
    """Files whose change affects the model: dataset, pipeline file, policy files."""
    model = project.spec.models[name]
    dataset = project.spec.datasets[model.dataset]
    # a source's files are outside git: the lock entry that names them is the input
    files = [dataset.path if dataset.path is not None else "mlops.lock"]
    if model.pipeline:
        files.append(model.pipeline)
    files.extend(model.policies)
    return files


def plan_inputs(
    project: Project,
    name: str,
    data_sha256: str,
    *,
    production_sha256: str | None,
    drift_sha256: str | None,
    today: dt.date,
    versions: Mapping[str, str],
    current_sha256: str | None = None,
) -> PlanInputs:
    model = project.spec.models[name]
    return PlanInputs(
        current_sha256=current_sha256,
        data_sha256=data_sha256,
        pipeline=_dump(project.pipelines[name]),
        policy_digests={path: project.file_digests[path] for path in model.policies},
        production_sha256=production_sha256,
        drift_sha256=drift_sha256,
        today=today,
        versions=versions,
    )


def plan_model(project: Project, name: str, inputs: PlanInputs) -> ModelPlan:
    """Plan one model: the key of every stage, in run order."""
    model = project.spec.models[name]
    dataset = project.spec.datasets[model.dataset]
    keys: dict[StageName, str] = {}
    for stage, key in _KEYS.items():
        keys[stage] = key(model, dataset, inputs, keys)
    return ModelPlan(
        model=name,
        dataset=model.dataset,
        input_files=tuple(model_input_files(project, name)),
        spec_sha256=digest({"model": _dump(model), "dataset": _dump(dataset)}),
        data_sha256=inputs.data_sha256,
        pipeline_sha256=digest(dict(inputs.pipeline)),
        stages=tuple(StagePlan(stage, key) for stage, key in keys.items()),
    )
