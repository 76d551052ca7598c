"""Run the compiled CI workflow for real with act, on this machine, offline.

act runs the jobs on the host (`-P ubuntu-latest=-self-hosted`); every pinned
action is mapped to a stand-in under tests/act/actions; the project is a real
git repository. Three events: a pull request changing two models' shared
pipeline (one passes its gate, one fails), a push changing a third model's
data, and a push that touches no model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from ci.act_runner import run_act
from ci.support import GitRepo, copy_spec, write_workflows

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
    return repo


def test_pull_request_runs_the_affected_models_and_a_failing_gate_fails_the_job(
    act_project: GitRepo, tmp_path: Path
) -> None:
    repo = act_project
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "tune")
    repo.replace("pipelines/logistic.yaml", "C: 1.0", "C: 0.5")
    head = repo.commit("tune the shared pipeline")
    run = run_act(
        repo,
        "pull_request",
        {
            "number": 7,
            "pull_request": {
                "number": 7,
                "base": {"sha": base, "ref": "main"},
                "head": {"sha": head, "ref": "tune"},
            },
        },
        tmp_path / "pr",
    )

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
    assert (run.artifacts / "candidate-good" / "model.onnx").is_file()
    failed = json.loads((run.artifacts / "candidate-strict" / "result.json").read_text())
    assert (failed["failed_stage"], failed["gates"][0]["status"]) == ("test", "failed")
    assert "other" not in run.step_results("Run the pipeline")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "tune")


def test_push_runs_only_the_changed_model_and_succeeds(
    act_project: GitRepo, tmp_path: Path
) -> None:
    repo = act_project
    before = repo.git("rev-parse", "HEAD")
    _write_data(repo.root / "data" / "other.csv", 320, seed=3)
    repo.commit("fresh data for other")
    run = run_act(repo, "push", {"ref": "refs/heads/main", "before": before}, tmp_path / "push")

    assert run.exit_code == 0, (tmp_path / "push" / "act.log").read_text()[-3000:]
    assert run.step_results("Run the pipeline") == {"other": "success"}
    assert "| other | passed (not registered) |" in run.summaries()["other"]
    assert "| validate-data | ran |" in run.summaries()["other"]
    assert (run.artifacts / "candidate-other" / "metrics.json").is_file()


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
