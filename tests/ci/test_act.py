"""Run the compiled CI workflow for real with act, on this machine, offline.

act runs the jobs on the host (`-P ubuntu-latest=-self-hosted`); every pinned
action is mapped to a stand-in under tests/act/actions; the project is a real
git repository whose `origin` is a bare repository, beside a fake GitHub checked
against GitHub's API description (on loopback). Three events: a pull request
changing two models' shared pipeline (one passes its gate, one fails; the review
job keeps one comment on the pull request), a push changing a third model's data
(its promote job opens one promotion pull request), and a push that touches no
model.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from ci.act_runner import ActRun, run_act
from ci.support import GitRepo, copy_spec, write_workflows
from github.fake_server import FakeGitHub, serve
from promote.support import head_of, show

from mlgitops.ci import compile_workflows
from mlgitops.spec import load_project

# slow, and one repository shared in order: keep the three runs on one worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act")]


def _write_data(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(0, 1, rows), rng.normal(0, 1, rows)
    c = rng.choice(["a", "b"], rows)
    y = x1 + 0.8 * rng.normal(0, 1, rows) > 0  # learnable, but not to 99% accuracy
    lines = ["x1,x2,c,y"] + [
        f"{x1[i]:.4f},{x2[i]:.4f},{c[i]},{str(bool(y[i])).lower()}" for i in range(rows)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def act_project(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    root = copy_spec("act", tmp_path_factory.mktemp("act") / "project")
    _write_data(root / "data" / "main.csv", 300, seed=1)
    _write_data(root / "data" / "other.csv", 300, seed=2)
    (root / ".gitignore").write_text(".mlgitops/\n", encoding="utf-8")
    write_workflows(root, compile_workflows(load_project(root, check_estimators=False)))
    repo = GitRepo.init(root)
    repo.commit("base: three models")
    bare = root.parent / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo.git("branch", "-M", "main")
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "main")
    return repo


@pytest.fixture(scope="module")
def fake(act_project: GitRepo) -> Iterator[FakeGitHub]:
    bare = act_project.root.parent / "origin.git"
    with serve(heads=lambda branch: head_of(bare, branch)) as fake:
        yield fake


def _act(
    repo: GitRepo, fake: FakeGitHub, event: str, payload: dict[str, Any], work: Path
) -> ActRun:
    return run_act(
        repo,
        event,
        payload,
        work,
        env={"GITHUB_API_URL": fake.url, "GITHUB_REPOSITORY": fake.repository},
        secrets={"GITHUB_TOKEN": fake.token},
        isolate_network=False,  # the fake GitHub listens on loopback; every action is local
    )


def test_pull_request_runs_the_affected_models_and_a_failing_gate_fails_the_job(
    act_project: GitRepo, fake: FakeGitHub, tmp_path: Path
) -> None:
    repo = act_project
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "tune")
    repo.replace("pipelines/logistic.yaml", "C: 1.0", "C: 0.5")
    head = repo.commit("tune the shared pipeline")
    repo.git("push", "-q", "origin", "tune")
    opened = requests.post(
        f"{fake.url}/repos/{fake.repository}/pulls",
        json={"title": "Tune", "head": "tune", "base": "main", "body": ""},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=10,
    )
    number = opened.json()["number"]
    event = {
        "number": number,
        "pull_request": {
            "number": number,
            "base": {"sha": base, "ref": "main", "repo": {"full_name": fake.repository}},
            "head": {"sha": head, "ref": "tune", "repo": {"full_name": fake.repository}},
        },
    }
    run = _act(repo, fake, "pull_request", event, tmp_path / "pr")

    assert run.exit_code != 0, "a failing gate must fail the workflow"
    plan = run.outputs("plan")
    assert [e["model"] for e in json.loads(plan["matrix_1"])["include"]] == ["good", "strict"]
    assert run.step_results("Run the pipeline") == {"good": "success", "strict": "failure"}
    summaries = run.summaries()
    assert "| good | passed (not registered) |" in summaries["good"]
    assert "| strict | failed: test |" in summaries["strict"]
    assert "| `good` | pipelines/logistic.yaml changed |" in summaries["plan"]
    assert "strict failed at test: accuracy" in " ".join(run.errors())
    # the candidate is uploaded even when its gate fails: its result says why
    assert (run.artifacts / "candidate-good" / "good" / "model.onnx").is_file()
    failed = json.loads((run.artifacts / "candidate-strict" / "strict" / "result.json").read_text())
    assert (failed["failed_stage"], failed["gates"][0]["status"]) == ("test", "failed")
    assert "other" not in run.step_results("Run the pipeline")
    # the review job: one comment on the pull request, both models, with their verdicts
    assert run.step_results("Comment the review on the pull request") == {"review": "success"}
    (comment,) = fake.comments[number]
    assert comment.startswith("<!-- mlgitops:report -->")
    assert "| `good` | ✅ passes | none yet | pipelines/logistic.yaml changed |" in comment
    assert "| `strict` | ❌ fails at test |" in comment
    assert "-      C: 1.0" in comment and "+      C: 0.5" in comment
    # a re-run (a new push to the pull request) updates that comment
    again = _act(repo, fake, "pull_request", event, tmp_path / "pr-again")
    assert again.step_results("Comment the review on the pull request") == {"review": "success"}
    assert len(fake.comments[number]) == 1 and fake.comment_updates == 1
    assert fake.token not in (tmp_path / "pr" / "act.log").read_text()
    assert fake.open_pulls("mlgitops/promote/good") == []  # nothing is promoted from a pull request
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "tune")
    repo.git("push", "-q", "origin", "main")


def test_push_runs_only_the_changed_model_and_opens_its_promotion(
    act_project: GitRepo, fake: FakeGitHub, tmp_path: Path
) -> None:
    repo = act_project
    before = repo.git("rev-parse", "HEAD")
    _write_data(repo.root / "data" / "other.csv", 320, seed=3)
    pushed = repo.commit("fresh data for other")
    repo.git("push", "-q", "origin", "main")
    run = _act(repo, fake, "push", {"ref": "refs/heads/main", "before": before}, tmp_path / "push")

    log = (tmp_path / "push" / "act.log").read_text()
    assert run.exit_code == 0, log[-3000:]
    assert run.step_results("Run the pipeline") == {"other": "success"}
    assert "| other | passed (not registered) |" in run.summaries()["other"]
    assert "| validate-data | ran |" in run.summaries()["other"]
    assert (run.artifacts / "candidate-other" / "other" / "metrics.json").is_file()
    # the promote job: one promotion pull request, for the changed model only
    assert run.step_results("Open or update the promotion pull requests") == {"promote": "success"}
    (pull,) = fake.open_pulls("mlgitops/promote/other")
    assert [
        p["head"]["ref"] for p in fake.open_pulls() if p["head"]["ref"].startswith("mlgitops/")
    ] == ["mlgitops/promote/other"]
    assert f"The spec changed in `{pushed[:12]}`" in pull["body"]
    bare = repo.root.parent / "origin.git"
    pointer = show(bare, "mlgitops/promote/other", "models/other/production.yaml")
    assert "version: 1" in pointer and f"the spec changed in {pushed[:12]}" in pointer
    assert fake.token not in log


def test_a_change_affecting_no_model_starts_no_matrix_job(
    act_project: GitRepo, tmp_path: Path
) -> None:
    repo = act_project
    before = repo.git("rev-parse", "HEAD")
    repo.write("README.md", "# act demo\n")
    repo.commit("docs")
    run = run_act(repo, "push", {"ref": "refs/heads/main", "before": before}, tmp_path / "docs")

    assert run.exit_code == 0
    assert run.outputs("plan")["has_models_1"] == "false"
    assert run.step_results("Check the workflows are current") == {"plan": "success"}
    assert run.step_results("Run the pipeline") == {}
    assert "No model is affected by this change." in run.summaries()["plan"]
