"""Compiling specs into workflows: golden files, determinism and the security rules."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ci.support import GOLDEN_SPECS, SPECS, copy_spec, read_workflow
from golden_util import assert_golden

from mlgitops.ci import GENERATED_MARKER, compile_workflows
from mlgitops.ci.actions import PINNED_ACTIONS
from mlgitops.errors import SpecError
from mlgitops.spec import load_project

PINNED = {f"{a.repo}@{a.sha}": a.version for a in PINNED_ACTIONS}
# Write scopes and the only jobs that may hold them (jobs calling a reusable
# workflow pass them through; GitHub requires the caller to grant them).
WRITE_SCOPES = {
    "contents": {"promote", "release"},  # release: GitHub releases and their assets
    "pull-requests": {"promote", "review"},  # review: the one comment on a pull request
    "statuses": {"promote"},
    "issues": {"issue", "promote"},  # promote: a retrain that changed nothing says so there
    "deployments": {"release"},
}


def _compile(name: str) -> dict[str, str]:
    return compile_workflows(load_project(SPECS / name, check_estimators=False))


@pytest.mark.parametrize("spec", GOLDEN_SPECS)
def test_compiled_workflows_match_golden_files(spec: str) -> None:
    for file, text in _compile(spec).items():
        assert_golden(f"ci/{spec}/{file}", text)


def test_the_same_spec_gives_the_same_bytes(tmp_path: Path) -> None:
    first = _compile("newcomer")
    # a copy elsewhere, compiled in the same process after other work, is byte-identical
    _compile("minimal")
    again = compile_workflows(
        load_project(copy_spec("newcomer", tmp_path / "copy"), check_estimators=False)
    )
    assert first == again


def test_files_produced_by_each_spec() -> None:
    assert sorted(_compile("minimal")) == ["mlgitops-ci.yml", "mlgitops-release.yml"]
    assert sorted(_compile("newcomer")) == [
        "mlgitops-ci.yml",
        "mlgitops-drift-model.yml",
        "mlgitops-drift.yml",
        "mlgitops-release.yml",
    ]


def security_problems(file: str, text: str) -> list[str]:
    """Every rule of the generated-workflow contract this text breaks."""
    problems: list[str] = []
    if not text.startswith(GENERATED_MARKER):
        problems.append("no generated header")
    if re.search(r"^\s*run: (?![|]-?$)", text, re.MULTILINE):
        problems.append("a run: that is not a block scalar")
    for line in text.splitlines():
        match = re.search(r"\buses: (\S+)(.*)", line)
        if match and not match.group(1).startswith("$/"):
            if match.group(1) not in PINNED:
                problems.append(f"unpinned or unknown action {match.group(1)}")
            elif match.group(2) != f" # {PINNED[match.group(1)]}":
                problems.append(f"{match.group(1)} without its version comment")
    if "pull_request_target" in text or "secrets: inherit" in text:
        problems.append("dangerous trigger or inherited secrets")
    workflow = read_workflow(text)
    if workflow.get("permissions") != {}:
        problems.append("top-level permissions are not {}")
    if "concurrency" not in workflow:
        problems.append("no concurrency")
    for job_id, job in workflow["jobs"].items():
        problems += [f"{job_id}: {p}" for p in _job_problems(job_id, job)]
    return problems


def _job_problems(job_id: str, job: dict[str, Any]) -> list[str]:
    problems = []
    permissions = job.get("permissions")
    if not isinstance(permissions, dict):
        return ["no job permissions"]
    for scope, level in permissions.items():
        allowed = WRITE_SCOPES.get(scope, set())
        if level == "write" and "uses" not in job and job_id not in allowed:
            problems.append(
                f"{scope}: write outside the {' or '.join(sorted(allowed)) or 'no'} job"
            )
    if "uses" in job:
        return problems
    if not isinstance(job.get("timeout-minutes"), int):
        problems.append("no timeout")
    for step in job["steps"]:
        if "${{" in step.get("run", ""):
            problems.append(f"expression inside run of '{step['name']}'")
        if step.get("uses", "").startswith("actions/checkout@"):
            keeps = step["with"]["persist-credentials"]
            if keeps is not False and job_id != "promote":
                problems.append("checkout keeps credentials in a job that does not push")
    return problems


@pytest.mark.parametrize("spec", GOLDEN_SPECS)
def test_generated_workflows_follow_the_security_rules(spec: str) -> None:
    for file, text in _compile(spec).items():
        assert security_problems(file, text) == [], file


def test_the_security_check_catches_breaches() -> None:
    # guard against a checker that passes everything
    text = _compile("newcomer")["mlgitops-drift-model.yml"]
    broken = (
        text.replace("persist-credentials: false", "persist-credentials: true", 1)
        .replace("timeout-minutes: 45", "", 1)
        .replace("@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "@v7", 1)
        .replace('mlgitops drift "$MODEL" || status=$?', 'mlgitops drift "${{ inputs.model }}"', 1)
        .replace("issues: write # to open", "pull-requests: write # to open", 1)
    )
    problems = security_problems("x.yml", broken)
    assert "drift: checkout keeps credentials in a job that does not push" in problems
    assert "drift: no timeout" in problems
    assert "unpinned or unknown action actions/checkout@v7" in problems
    assert any("expression inside run" in p for p in problems)
    assert "issue: pull-requests: write outside the promote or review job" in problems


def test_only_the_promote_job_can_push_and_write() -> None:
    drift = read_workflow(_compile("newcomer")["mlgitops-drift-model.yml"])
    writers = {
        job_id
        for job_id, job in drift["jobs"].items()
        if any(level == "write" for level in job["permissions"].values())
    }
    assert writers == {"promote", "issue"}
    assert set(drift["jobs"]["promote"]["permissions"]) == {
        "contents",
        "issues",
        "pull-requests",
        "statuses",
    }
    assert drift["jobs"]["issue"]["permissions"]["issues"] == "write"
    assert drift["concurrency"] == {
        "group": "mlgitops-drift-${{ inputs.model }}",
        "cancel-in-progress": False,
    }


def test_ci_workflow_plans_then_runs_each_model() -> None:
    ci = read_workflow(_compile("newcomer")["mlgitops-ci.yml"])
    assert ci["on"] == {"pull_request": None, "push": {"branches": ["trunk"]}}
    assert ci["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    plan_runs = [step.get("run", "").strip() for step in ci["jobs"]["plan"]["steps"]]
    assert plan_runs[-4:] == [
        "mlgitops validate",
        "mlgitops compile --check",
        "mlgitops verify",
        'mlgitops plan --changed "$BASE_SHA"',
    ]
    # after the matrix: the review comments on pull requests, the promotion runs on pushes
    jobs = ci["jobs"]
    writers = {
        job_id: sorted(scope for scope, level in job["permissions"].items() if level == "write")
        for job_id, job in jobs.items()
    }
    assert {job_id for job_id, scopes in writers.items() if scopes} == {"review", "promote"}
    assert writers["review"] == ["pull-requests"]
    assert jobs["review"]["needs"] == ["plan", "model-1", "model-2"]
    assert "github.event_name == 'pull_request'" in jobs["review"]["if"]
    assert (
        jobs["review"]["steps"][-1]["run"].strip() == 'mlgitops report --base "$BASE_SHA" --comment'
    )
    assert "github.event_name == 'push'" in jobs["promote"]["if"]
    assert jobs["promote"]["steps"][-1]["run"].strip() == 'mlgitops promote --changed "$BEFORE_SHA"'
    assert jobs["promote"]["steps"][-1]["env"]["BEFORE_SHA"] == "${{ github.event.before }}"
    assert ci["jobs"]["plan"]["steps"][0]["with"]["fetch-depth"] == 0
    # the self-hosted model gets its own matrix job; the others share one on the default runner
    assert ci["jobs"]["model-1"]["runs-on"] == "ubuntu-24.04"
    assert ci["jobs"]["model-2"]["runs-on"] == ["self-hosted", "linux", "gpu"]
    leg = ci["jobs"]["model-1"]
    assert leg["if"] == "needs.plan.outputs.has_models_1 == 'true'"
    assert leg["timeout-minutes"] == 45
    runs = [step.get("run", "").strip() for step in leg["steps"]]
    assert 'mlgitops run --no-register "$MODEL"' in runs
    assert runs[2] == "python -m pip install --upgrade pip\npip install -e ."
    assert leg["steps"][1]["with"]["python-version"] == "3.12"


def test_drift_workflow_runs_on_the_models_schedules() -> None:
    drift = read_workflow(_compile("newcomer")["mlgitops-drift.yml"])
    assert drift["on"]["schedule"] == [{"cron": "0 6 * * 1"}, {"cron": "*/30 2 * * *"}]
    model_input = drift["on"]["workflow_dispatch"]["inputs"]["model"]
    assert model_input["options"] == ["churn-classifier", "churn-baseline", "usage-forecast"]
    select_env = drift["jobs"]["select"]["steps"][-1]["env"]
    assert select_env == {
        "SCHEDULE": "${{ github.event.schedule }}",
        "MODEL": "${{ inputs.model }}",
    }


def test_release_workflow_publishes_on_production_changes() -> None:
    release = read_workflow(_compile("minimal")["mlgitops-release.yml"])
    assert release["on"] == {"push": {"branches": ["main"], "paths": ["models/*/production.yaml"]}}
    job = release["jobs"]["release"]
    assert job["permissions"] == {"contents": "write", "deployments": "write"}
    assert "cache" not in job["steps"][1]["with"]  # no cache where artifacts are published
    release_step = job["steps"][-1]
    assert release_step["run"].strip() == "mlgitops release"
    assert release_step["env"] == {"GITHUB_TOKEN": "${{ github.token }}"}
    assert all("env" not in step for step in job["steps"][:-1])  # the token reaches one step
    # the whole registry (and the data lock) is verified before anything is released
    assert job["steps"][-2]["run"].strip() == "mlgitops verify"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            "install: |\n    python -m pip",
            "install: |\n    echo ${{ github.event.issue.title }}\n    python -m pip",
            "ci.install",
        ),
        (
            "runs_on: [self-hosted, linux, gpu]",
            "runs_on: [self-hosted, '${{ github.head_ref }}']",
            "models.usage-forecast.runs_on[1]",
        ),
    ],
)
def test_expressions_in_copied_spec_values_are_refused(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    root = copy_spec("newcomer", tmp_path / "spec")
    spec = root / "mlops.yaml"
    spec.write_text(spec.read_text().replace(old, new), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        compile_workflows(load_project(root, check_estimators=False))
    [problem] = caught.value.diagnostics
    assert (problem.file, problem.path) == ("mlops.yaml", where)
    assert "GitHub would evaluate it" in problem.message
