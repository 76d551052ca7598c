"""The files `mlgitops init --from FILE --target COL` writes: a spec for the user's own data.

Columns come from `spec/infer.py`; the rest is chosen so that the project
validates and trains as written: a linear model (fast, converts to ONNX
everywhere), the task's usual metrics, gates a constant prediction would fail,
and policy rules that read only metrics the model has.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import yaml

from .. import __version__
from ..spec.infer import InferredDataset

_ESTIMATORS = {
    "classification": "class: sklearn.linear_model.LogisticRegression\n"
    "  params: {C: 1.0, max_iter: 2000}",
    "regression": "class: sklearn.linear_model.Ridge\n  params: {alpha: 1.0}",
}


@dataclass(frozen=True)
class InferredProject:
    files: dict[str, str]  # repository-relative path -> text
    dataset: str
    model: str
    gates: dict[str, float]


def dataset_name(stem: str) -> str:
    """A dataset name from a file name (`Breast Cancer.csv` -> `breast-cancer`)."""
    name = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = f"data-{name}".strip("-")
    return name[:50]


def inferred_files(
    project: str, data_path: str, inferred: InferredDataset, *, dataset: str
) -> InferredProject:
    model = f"{dataset}-{'classifier' if inferred.task == 'classification' else 'regressor'}"
    metrics, gates = _metrics_and_gates(inferred)
    pipeline = f"pipelines/{model}.yaml"
    files = {
        "mlops.yaml": _spec(project, data_path, inferred, dataset, model, metrics, gates, pipeline),
        pipeline: _pipeline(model, inferred),
        "policies/production.yaml": _policy(inferred, gates),
        "models/.gitkeep": "",
    }
    return InferredProject(files, dataset, model, gates)


def _metrics_and_gates(inferred: InferredDataset) -> tuple[list[str], dict[str, float]]:
    if inferred.task == "regression":
        # r2 above 0: better than always predicting the mean
        return ["r2", "rmse", "mae"], {"r2": 0.0}
    # accuracy above the commonest class's share: better than always predicting it
    floor = math.floor(inferred.majority_share * 100) / 100
    if len(inferred.classes) == 2:
        return ["roc_auc", "accuracy", "f1"], {"roc_auc": 0.6, "accuracy": floor}
    return ["accuracy", "balanced_accuracy"], {"accuracy": floor}


def _flow(value: object) -> str:
    """`value` as one line of YAML flow style, quoted wherever YAML would misread it."""
    text = yaml.safe_dump(
        value, default_flow_style=True, width=math.inf, allow_unicode=True, sort_keys=False
    )
    return text.removesuffix("\n...\n").strip()


def _key(name: str) -> str:
    return _flow({name: 0}).removeprefix("{").removesuffix(": 0}")


def _spec(
    project: str,
    data_path: str,
    inferred: InferredDataset,
    dataset: str,
    model: str,
    metrics: list[str],
    gates: dict[str, float],
    pipeline: str,
) -> str:
    columns = "\n".join(f"      {_key(c.name)}: {_flow(c.spec())}" for c in inferred.columns)
    checks = {"min_rows": max(1, inferred.rows // 2)}
    if inferred.ids:
        checks["unique"] = inferred.ids  # type: ignore[assignment]
    features = (
        f"    features: {{exclude: {_flow(inferred.ids)}}}   # ids are not features\n"
        if inferred.ids
        else ""
    )
    stratify = ", stratify: true" if inferred.task == "classification" else ""
    gate_lines = "\n".join(f"      {name}: {{min: {value:g}}}" for name, value in gates.items())
    return f"""\
# yaml-language-server: $schema=schema/mlops.schema.json
# Written by `mlgitops init --from {data_path}`.
# The columns are guesses from the {inferred.rows} rows seen: types, bounds
# widened beyond the values seen, categories, blanks. Read them, tighten what
# you know better, then run `mlgitops validate`, `run` and `compile`.
version: 1
project: {_flow(project)}
ci:
  python: "3.11"
  runs_on: ubuntu-latest
  default_branch: main
  install: pip install mlgitops=={__version__}

datasets:
  {dataset}:
    path: {_flow(data_path)}
    target: {_key(inferred.target)}
    columns:
{columns}
    checks: {_flow(checks)}

models:
  {model}:
    dataset: {dataset}
    task: {inferred.task}
{_positive(inferred)}{features}    pipeline: {pipeline}
    split: {{test_size: 0.25, seed: 42{stratify}}}
    metrics: {_flow(metrics)}
    gates:                            # a candidate below these is never registered
{gate_lines}
    onnx: {{opset: 17, tolerance: {"1.0e-4" if inferred.task == "classification" else "1.0e-3"}}}
    policies: [policies/production.yaml]
"""


def _positive(inferred: InferredDataset) -> str:
    if inferred.positive_class is None:
        return ""
    return (
        f"    positive_class: {_flow(inferred.positive_class)}"
        "   # recall, precision, f1 and roc_auc are about it\n"
    )


def _pipeline(model: str, inferred: InferredDataset) -> str:
    categorical = any(
        c.type in ("category", "string")
        and c.name != inferred.target
        and c.name not in inferred.ids
        for c in inferred.columns
    )
    lines = [
        "# yaml-language-server: $schema=../schema/pipeline.schema.json",
        f"# Preprocessing and the estimator of {model} (named in mlops.yaml).",
        "preprocess:",
        "  numeric: {impute: median, scale: standard}",
    ]
    if categorical:
        lines.append("  categorical: {impute: most_frequent, encode: onehot}")
    lines += ["estimator:", f"  {_ESTIMATORS[inferred.task]}"]
    return "\n".join(lines) + "\n"


def _policy(inferred: InferredDataset, gates: dict[str, float]) -> str:
    metric = next(iter(gates))
    regression = f"candidate.metrics.{metric} >= production.metrics.{metric} - 0.02"
    return f"""\
# yaml-language-server: $schema=../schema/policy.schema.json
# Rules a candidate must meet before it is registered or promoted: CEL
# expressions over its evidence (`candidate`) and production's (`production`,
# null when there is none). `warning` rules only report.
policy: production
rules:
  - name: no-regression
    rule: production == null || {regression}
  - name: onnx-parity
    rule: candidate.onnx.passed && candidate.onnx.max_abs_diff <= candidate.onnx.tolerance
  - name: model-size
    rule: candidate.onnx.size_bytes <= 20 * 1024 * 1024
    severity: warning
"""
