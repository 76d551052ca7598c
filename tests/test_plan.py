"""The plan's cache keys: each stage's key moves exactly when something it reads changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from builders import write_file, write_spec

from mlgitops.atomic import sha256_file
from mlgitops.plan import (
    STAGE_NAMES,
    PlanInputs,
    StageName,
    library_versions,
    plan_inputs,
    plan_model,
)
from mlgitops.spec import load_project

MODEL = "flowers"
TODAY = dt.date(2026, 12, 1)
SPEC = """
    version: 1
    project: keys
    datasets:
      flowers:
        path: data/flowers.csv
        target: species
        columns:
          length: {type: number, min: 0}
          width: {type: number, min: 0}
          species: {type: category, values: [a, b]}
        checks: {min_rows: 4}
    models:
      flowers:
        dataset: flowers
        task: classification
        pipeline: pipelines/flowers.yaml
        metrics: [accuracy]
        gates:
          accuracy: {min: 0.5}
        policies: [policies/team.yaml]
        drift: {schedule: "0 6 * * 1", method: psi}
        promotion: {reviewers: [ada], labels: [ml]}
        runs_on: ubuntu-latest
"""
PIPELINE = """
    estimator:
      class: sklearn.linear_model.LogisticRegression
      params: {C: 1.0}
"""
POLICY = """
    policy: team
    rules:
      - {name: parity, rule: candidate.onnx.passed}
"""
DATA = "length,width,species\n1,2,a\n2,3,b\n3,4,a\n4,5,b\n5,6,a\n6,7,b\n"


def _project(root: Path) -> Path:
    write_spec(root, SPEC)
    write_file(root, "pipelines/flowers.yaml", PIPELINE)
    write_file(root, "policies/team.yaml", POLICY)
    write_file(root, "data/flowers.csv", DATA)
    return root


def _inputs(root: Path) -> PlanInputs:
    project = load_project(root, check_estimators=False)
    return plan_inputs(
        project,
        MODEL,
        sha256_file(root / "data/flowers.csv"),
        production_sha256=None,
        drift_sha256=None,
        today=TODAY,
        versions=library_versions(),
    )


def _keys(root: Path, inputs: PlanInputs | None = None) -> dict[StageName, str]:
    project = load_project(root, check_estimators=False)
    plan = plan_model(project, MODEL, inputs or _inputs(root))
    return {stage.name: stage.key for stage in plan.stages}


def _edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def _changed(before: dict[StageName, str], after: dict[StageName, str]) -> set[StageName]:
    return {name for name in STAGE_NAMES if before[name] != after[name]}


MODEL_STAGES: set[StageName] = {"train", "test", "convert", "policy", "register"}

SPEC_CHANGES: list[tuple[str, str, str, str, set[StageName]]] = [
    # (what, file, old, new, stages whose key moves)
    ("labels", "mlops.yaml", "labels: [ml]", "labels: [ml, fraud]", {"policy"}),
    ("reviewers", "mlops.yaml", "reviewers: [ada]", "reviewers: [ada, bob]", {"policy"}),
    ("gate bound", "mlops.yaml", "{min: 0.5}", "{min: 0.6}", {"test", "policy"}),
    (
        "policy file",
        "policies/team.yaml",
        "candidate.onnx.passed",
        "candidate.onnx.size_bytes > 0",
        {"policy"},
    ),
    ("drift settings", "mlops.yaml", "method: psi", "method: ks", {"policy"}),
    ("runner labels", "mlops.yaml", "runs_on: ubuntu-latest", "runs_on: ubuntu-24.04", {"policy"}),
    ("estimator param", "pipelines/flowers.yaml", "C: 1.0", "C: 0.5", MODEL_STAGES),
    (
        "pipeline file",
        "pipelines/flowers.yaml",
        "params:",
        "params: {max_iter: 50}\n#",
        MODEL_STAGES,
    ),
    (
        "onnx settings",
        "mlops.yaml",
        "metrics: [accuracy]",
        "metrics: [accuracy]\n    onnx: {tolerance: 0.01}",
        {"convert", "policy", "register"},
    ),
    ("data check", "mlops.yaml", "min_rows: 4", "min_rows: 5", {"validate-data", "policy"}),
    ("data", "data/flowers.csv", "6,7,b", "6,8,b", {"validate-data", *MODEL_STAGES}),
    (
        "split",
        "mlops.yaml",
        "metrics: [accuracy]",
        "metrics: [accuracy]\n    split: {seed: 7}",
        MODEL_STAGES,
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "moved"),
    [change[1:] for change in SPEC_CHANGES],
    ids=[change[0] for change in SPEC_CHANGES],
)
def test_a_change_moves_exactly_the_keys_of_the_stages_that_read_it(
    tmp_path: Path, file: str, old: str, new: str, moved: set[StageName]
) -> None:
    root = _project(tmp_path)
    before = _keys(root)
    _edit(root, file, old, new)
    assert _changed(before, _keys(root)) == moved


INPUT_CHANGES: list[tuple[str, Callable[[PlanInputs], PlanInputs], set[StageName]]] = [
    (
        "library version",
        lambda i: replace(i, versions={**i.versions, "scikit-learn": "0.0-other"}),
        {"validate-data", *MODEL_STAGES},
    ),
    ("production version", lambda i: replace(i, production_sha256="f" * 64), {"test", "policy"}),
    ("drift report", lambda i: replace(i, drift_sha256="d" * 64), {"policy"}),
    ("date", lambda i: replace(i, today=TODAY + dt.timedelta(days=1)), {"policy"}),
]


@pytest.mark.parametrize(
    ("change", "moved"),
    [change[1:] for change in INPUT_CHANGES],
    ids=[change[0] for change in INPUT_CHANGES],
)
def test_an_outside_input_moves_exactly_the_keys_that_read_it(
    tmp_path: Path, change: Callable[[PlanInputs], PlanInputs], moved: set[StageName]
) -> None:
    root = _project(tmp_path)
    inputs = _inputs(root)
    assert _changed(_keys(root, inputs), _keys(root, change(inputs))) == moved


def test_the_candidate_identity_is_the_convert_key(tmp_path: Path) -> None:
    root = _project(tmp_path)
    project = load_project(root, check_estimators=False)
    plan = plan_model(project, MODEL, _inputs(root))
    assert [stage.name for stage in plan.stages] == list(STAGE_NAMES)
    assert plan.cache_key == plan.key("convert") == plan.key("register")
    assert _keys(root) == _keys(root)  # planning twice gives the same keys
