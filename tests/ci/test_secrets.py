"""`ci.secrets`: the named repository secrets reach the jobs that read data, by name, and no
other job; a name GitHub would refuse is a located spec error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ci.support import copy_spec

from mlgitops.ci import compile_workflows
from mlgitops.errors import SpecError
from mlgitops.spec import load_project

SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def _jobs_with_secret(text: str, name: str) -> set[str]:
    jobs = yaml.safe_load(text)["jobs"]
    return {
        job_id
        for job_id, job in jobs.items()
        if any(name in (step.get("env") or {}) for step in job.get("steps", []))
    }


def test_secrets_reach_only_the_jobs_that_read_data(tmp_path: Path) -> None:
    workflows = compile_workflows(
        load_project(copy_spec("credentials", tmp_path / "spec"), check_estimators=False)
    )
    assert "secrets: inherit" not in "".join(workflows.values())
    for name in SECRETS:
        reference = f"${{{{ secrets.{name} }}}}"
        ci_jobs = _jobs_with_secret(workflows["mlgitops-ci.yml"], name)
        assert len(ci_jobs) == 1 and "promote" not in ci_jobs and "review" not in ci_jobs
        assert _jobs_with_secret(workflows["mlgitops-drift-model.yml"], name) == {
            "drift",
            "retrain",
        }
        assert name not in workflows["mlgitops-release.yml"]
        # the reusable workflow declares each secret, and its caller passes each by name
        called = yaml.safe_load(workflows["mlgitops-drift-model.yml"])
        assert name in called[True]["workflow_call"]["secrets"]  # PyYAML reads `on` as True
        caller = yaml.safe_load(workflows["mlgitops-drift.yml"])
        calls = [job for job in caller["jobs"].values() if "uses" in job]
        assert calls and all(job["secrets"][name] == reference for job in calls)


def test_a_spec_without_secrets_passes_none(tmp_path: Path) -> None:
    workflows = compile_workflows(
        load_project(copy_spec("newcomer", tmp_path / "spec"), check_estimators=False)
    )
    assert "AWS_" not in "".join(workflows.values())


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ("[AWS_KEY, 1BAD]", "mlops.yaml:7:22: ci.secrets[1]: '1BAD' is not a GitHub secret name"),
        ("[GITHUB_PAT]", "ci.secrets[0]: 'GITHUB_PAT': GitHub reserves secret names"),
        ("[aws-key]", "ci.secrets[0]: 'aws-key' is not a GitHub secret name"),
        ("[AWS_KEY, aws_key]", "ci.secrets: 'aws_key' is listed twice (secret names ignore case)"),
    ],
)
def test_names_github_refuses_are_located_errors(tmp_path: Path, names: str, expected: str) -> None:
    root = copy_spec("credentials", tmp_path / "spec")
    spec = root / "mlops.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(
        text.replace("secrets: [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]", f"secrets: {names}"),
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as caught:
        load_project(root, check_estimators=False)
    assert any(expected in line for line in caught.value.lines()), caught.value.lines()
