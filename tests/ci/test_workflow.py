"""Workflow objects refuse what GitHub would reject or what would be unsafe."""

from __future__ import annotations

import pytest

from mlgitops.ci.actions import CHECKOUT, ActionRef
from mlgitops.ci.workflow import Job, Step, Workflow, permission

READ = {"contents": permission("read", "to check out")}


def _job(job_id: str = "build", **changes: object) -> Job:
    fields: dict[str, object] = {
        "id": job_id,
        "name": "Build",
        "permissions": READ,
        "runs_on": "ubuntu-latest",
        "timeout_minutes": 5,
        "steps": (Step("Say hi", run="echo hi"),),
    }
    fields.update(changes)
    return Job(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("job_id", ["1st", "has space", "dot.ted", "", "a" * 101, "ünï"])
def test_invalid_job_ids_are_refused(job_id: str) -> None:
    with pytest.raises(ValueError, match="not a valid job id"):
        _job(job_id)


@pytest.mark.parametrize("job_id", ["plan", "model-1", "_private", "a" * 100, "Model_2-x"])
def test_valid_job_ids_are_accepted(job_id: str) -> None:
    assert _job(job_id).id == job_id


def test_expressions_inside_run_are_refused() -> None:
    with pytest.raises(ValueError, match="through env"):
        Step("Bad", run="echo ${{ github.event.pull_request.title }}")


def test_a_step_runs_or_uses_exactly_once() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Step("Both", run="echo", uses=CHECKOUT)
    with pytest.raises(ValueError, match="exactly one"):
        Step("Neither")


def test_every_job_with_steps_has_a_timeout() -> None:
    with pytest.raises(ValueError, match="timeout-minutes"):
        _job(timeout_minutes=None)


def test_a_calling_job_has_no_steps_or_timeout() -> None:
    with pytest.raises(ValueError, match="calls a workflow"):
        _job(uses="$/.github/workflows/x.yml")


def test_needs_must_name_jobs_of_the_workflow() -> None:
    with pytest.raises(ValueError, match="needs unknown jobs"):
        Workflow("x.yml", "x", {"push": None}, (_job(needs=("missing",)),))
    with pytest.raises(ValueError, match="repeat"):
        Workflow("x.yml", "x", {"push": None}, (_job(), _job()))


def test_actions_are_pinned_to_full_shas() -> None:
    with pytest.raises(ValueError, match="full commit SHA"):
        ActionRef("actions/checkout", "v4", "v4")
    with pytest.raises(ValueError, match="full commit SHA"):
        ActionRef("actions/checkout", "3d3c42e", "v7.0.1")
