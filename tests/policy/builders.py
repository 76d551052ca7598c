"""Builders for policy tests: evidence objects and small projects with policy files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from builders import write_file, write_spec

from mlgitops.evidence import CandidateEvidence
from mlgitops.policy.compile import policy_check
from mlgitops.spec import Project, load_project

FEATURES = ["tenure_months", "monthly_charges", "contract"]

_BASE: dict[str, Any] = {
    "model": "churn",
    "version": None,
    "task": "classification",
    "features": FEATURES,
    "metrics": {"roc_auc": 0.91, "accuracy": 0.84},
    "gates": [
        {
            "metric": "roc_auc",
            "bound": "min",
            "limit": 0.8,
            "value": 0.91,
            "status": "passed",
            "message": "roc_auc 0.91 >= 0.8",
        },
    ],
    "data": {
        "path": "data/churn.csv",
        "sha256": "d" * 64,
        "rows": 1200,
        "columns": 4,
        "passed": True,
    },
    "training": {
        "estimator": "sklearn.linear_model.LogisticRegression",
        "params": {"C": 1.0},
        "rows_train": 960,
        "rows_test": 240,
        "classes": ["False", "True"],
        "seconds": 0.4,
    },
    "onnx": {
        "opset": 17,
        "size_bytes": 4096,
        "sha256": "o" * 64,
        "tolerance": 1e-4,
        "rows_checked": 1200,
        "label_agreement": 1.0,
        "max_abs_diff": 2e-7,
        "worst_rows": [3, 7],
        "passed": True,
        "latency": {
            "single_row_p50_ms": 0.02,
            "single_row_p99_ms": 0.05,
            "batch_rows_per_second": 250000.0,
            "batch_size": 1000,
        },
    },
    "drift": None,
    "lineage": {
        "data_sha256": "d" * 64,
        "spec_sha256": "s" * 64,
        "pipeline_sha256": "p" * 64,
        "git_commit": None,
        "params": {"C": 1.0},
        "library_versions": {"scikit-learn": "1.9"},
        "cache_key": "k" * 64,
    },
}


def evidence(**changes: Any) -> CandidateEvidence:
    """A valid classification candidate; `changes` replace top-level keys, and
    `section__key=value` replaces one key inside a section (onnx__size_bytes=...)."""
    data = copy.deepcopy(_BASE)
    for key, value in changes.items():
        target = data
        *parents, last = key.split("__")
        for part in parents:
            target = target[part]
        target[last] = value
    return CandidateEvidence.model_validate(data)


SPEC = """
version: 1
project: demo
datasets:
  churn:
    path: data/churn.csv
    target: churned
    columns:
      tenure_months: {type: integer, min: 0}
      monthly_charges: {type: number}
      contract: {type: category, values: [monthly, yearly]}
      churned: {type: boolean}
models:
  churn:
    dataset: churn
    task: classification
    estimator: {class: sklearn.linear_model.LogisticRegression}
    metrics: [roc_auc, accuracy, f1]  # f1: listed, and absent from evidence() (an error rule)
    gates: {roc_auc: {min: 0.8}}
    policies: [policies/team.yaml]
  other:
    dataset: churn
    task: classification
    estimator: {class: sklearn.linear_model.LogisticRegression}
    metrics: [accuracy, roc_auc, f1]
    policies: [policies/team.yaml]
"""


def write_project(root: Path, policy: str, *, spec: str = SPEC) -> Path:
    """mlops.yaml, a tiny data file and `policies/team.yaml` holding `policy` (dedented)."""
    write_spec(root, spec)
    write_file(
        root,
        "data/churn.csv",
        "tenure_months,monthly_charges,contract,churned\n"
        "1,20.5,monthly,true\n30,70.0,yearly,false\n",
    )
    write_file(root, "policies/team.yaml", policy)
    return root


def load(root: Path) -> Project:
    return load_project(root, check_estimators=False, extra_checks=[policy_check])


def project(root: Path, policy: str, *, spec: str = SPEC) -> Project:
    return load(write_project(root, policy, spec=spec))


def write_candidate(root: Path, model: str, candidate: CandidateEvidence) -> Path:
    """Leave `candidate` where `mlgitops run` leaves the last candidate."""
    from mlgitops.workspace import candidate_dir

    path = candidate_dir(root, model) / "evidence.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(candidate.model_dump(mode="json")), encoding="utf-8")
    return path
