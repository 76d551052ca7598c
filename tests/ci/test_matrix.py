"""Models become matrix legs grouped by runner labels, never more than 256 per matrix."""

from __future__ import annotations

import json
from pathlib import Path

from ci.support import read_workflow, write_many_models

from mlgitops.ci import compile_workflows
from mlgitops.ci.matrix import ci_groups, drift_groups, matrix_groups, matrix_outputs
from mlgitops.spec import load_project


def test_models_are_grouped_by_runner_labels_and_chunked(tmp_path: Path) -> None:
    project = load_project(write_many_models(tmp_path, 600, gpu_every=100), check_estimators=False)
    groups = ci_groups(project.spec)
    assert [(g.job_id, g.runs_on, len(g.models)) for g in groups] == [
        ("model-1", ("self-hosted", "gpu"), 6),
        ("model-2", "ubuntu-latest", 256),
        ("model-3", "ubuntu-latest", 256),
        ("model-4", "ubuntu-latest", 82),
    ]
    # every model lands in exactly one group, in spec order within its group
    assert sorted(m for g in groups for m in g.models) == sorted(project.spec.models)


def test_one_group_keeps_a_plain_job_id(tmp_path: Path) -> None:
    project = load_project(write_many_models(tmp_path, 3), check_estimators=False)
    assert [(g.job_id, g.models) for g in ci_groups(project.spec)] == [
        ("model", ("model-0000", "model-0001", "model-0002"))
    ]


def test_chunk_size_is_respected(tmp_path: Path) -> None:
    project = load_project(write_many_models(tmp_path, 5), check_estimators=False)
    groups = matrix_groups(project.spec, project.spec.models, "leg", max_legs=2)
    assert [g.models for g in groups] == [
        ("model-0000", "model-0001"),
        ("model-0002", "model-0003"),
        ("model-0004",),
    ]
    assert [g.job_id for g in groups] == ["leg-1", "leg-2", "leg-3"]


def test_outputs_split_the_selected_models_by_group(tmp_path: Path) -> None:
    project = load_project(write_many_models(tmp_path, 5, gpu_every=2), check_estimators=False)
    groups = ci_groups(project.spec)  # gpu: 0, 2, 4; default: 1, 3
    entries = {name: {"model": name} for name in ("model-0001", "model-0002")}
    outputs = matrix_outputs(groups, entries)
    assert json.loads(outputs["matrix"]) == {
        "include": [{"model": "model-0001"}, {"model": "model-0002"}]
    }
    assert outputs["has_models"] == "true"
    assert json.loads(outputs["matrix_1"]) == {"include": [{"model": "model-0002"}]}
    assert json.loads(outputs["matrix_2"]) == {"include": [{"model": "model-0001"}]}
    empty = matrix_outputs(groups, {})
    assert empty["has_models"] == empty["has_models_1"] == empty["has_models_2"] == "false"


def test_compiled_workflows_stay_within_githubs_limits(tmp_path: Path) -> None:
    project = load_project(write_many_models(tmp_path, 600, gpu_every=100), check_estimators=False)
    workflows = {name: read_workflow(text) for name, text in compile_workflows(project).items()}
    ci_jobs = workflows["mlgitops-ci.yml"]["jobs"]
    assert list(ci_jobs) == [
        "plan",
        "model-1",
        "model-2",
        "model-3",
        "model-4",
        "review",
        "promote",
    ]
    assert ci_jobs["model-1"]["runs-on"] == ["self-hosted", "gpu"]
    assert (
        ci_jobs["model-4"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix_4) }}"
    )
    assert ci_jobs["plan"]["outputs"]["has_models_4"] == "${{ steps.plan.outputs.has_models_4 }}"
    drift_jobs = workflows["mlgitops-drift.yml"]["jobs"]
    assert len(drift_jobs) == 1 + len(drift_groups(project.spec)) == 5
    assert drift_jobs["model-1"]["with"]["runs-on"] == '["self-hosted", "gpu"]'
    # the schedules of all models, each once
    assert len(workflows["mlgitops-drift.yml"]["on"]["schedule"]) == 7
