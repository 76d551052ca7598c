"""Run the compiled CI workflow for real with act, on this machine, offline.

act runs the jobs on the host (`-P ubuntu-latest=-self-hosted`); every pinned
action is mapped to a stand-in under tests/act/actions; the project is a real
git repository. Three events: a pull request changing two models' shared
pipeline (one passes its gate, one fails), a push changing a third model's
data, and a push that touches no model.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ci.support import BIN, GitRepo, copy_spec, write_workflows

from mlgitops.ci import compile_workflows
from mlgitops.ci.actions import PINNED_ACTIONS
from mlgitops.spec import load_project

# slow, and one repository shared in order: keep the three runs on one worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act")]

STAND_INS = Path(__file__).resolve().parents[1] / "act" / "actions"
ACT_TIMEOUT_SECONDS = 180


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


def _network_closed() -> list[str]:
    """A prefix running the command in a network namespace without interfaces, where allowed."""
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode == 0:
                return prefix
        except FileNotFoundError:
            break
    return []  # no namespaces here: still offline in effect, as every action is local


@dataclass
class ActRun:
    exit_code: int
    records: list[dict[str, Any]] = field(repr=False)
    artifacts: Path

    def _model(self, record: dict[str, Any]) -> str:
        matrix = record.get("matrix") or {}
        return str(matrix.get("model") or record.get("jobID"))

    def step_results(self, step: str) -> dict[str, str]:
        """Result of `step` per matrix model (or job id)."""
        return {
            self._model(r): r["stepResult"]
            for r in self.records
            if r.get("step") == step
            and r.get("stage") == "Main"
            and "stepResult" in r
            and len(r.get("stepID", [])) == 1
        }

    def summaries(self) -> dict[str, str]:
        return {self._model(r): r["content"] for r in self.records if r.get("command") == "summary"}

    def outputs(self, job: str) -> dict[str, str]:
        return {
            r["name"]: r["arg"]
            for r in self.records
            if r.get("command") == "set-output" and r.get("jobID") == job
        }

    def errors(self) -> list[str]:
        return [r["arg"] for r in self.records if r.get("command") == "error"]


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


def _act(repo: GitRepo, event: str, payload: dict[str, Any], work: Path) -> ActRun:
    work.mkdir(parents=True)
    artifacts = work / "artifacts"
    event_file = work / "event.json"
    event_file.write_text(json.dumps(payload), encoding="utf-8")
    command = [
        *_network_closed(),
        str(BIN / "act"),
        event,
        "-e",
        str(event_file),
        "-W",
        ".github/workflows/mlgitops-ci.yml",
        "-P",
        "ubuntu-latest=-self-hosted",
        "--no-cache-server",
        "--json",
        "--action-cache-path",
        str(work / "act-cache"),
        "--env",
        f"MLGITOPS_ACT_VENV_BIN={BIN}",
        "--env",
        f"MLGITOPS_ACT_ARTIFACTS={artifacts}",
    ]
    for action in PINNED_ACTIONS:
        command += ["--local-repository", f"{action.uses}={STAND_INS / action.repo.split('/')[1]}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "ACT"))}
    result = subprocess.run(
        command,
        cwd=repo.root,
        capture_output=True,
        text=True,
        env=env,
        timeout=ACT_TIMEOUT_SECONDS,
        check=False,
    )
    (work / "act.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    records = []
    for line in result.stdout.splitlines() + result.stderr.splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return ActRun(result.returncode, records, artifacts)


def test_pull_request_runs_the_affected_models_and_a_failing_gate_fails_the_job(
    act_project: GitRepo, tmp_path: Path
) -> None:
    repo = act_project
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "tune")
    repo.replace("pipelines/logistic.yaml", "C: 1.0", "C: 0.5")
    head = repo.commit("tune the shared pipeline")
    run = _act(
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
    run = _act(repo, "push", {"ref": "refs/heads/main", "before": before}, tmp_path / "push")

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
    run = _act(repo, "push", {"ref": "refs/heads/main", "before": before}, tmp_path / "docs")

    assert run.exit_code == 0
    assert run.outputs("plan")["has_models_1"] == "false"
    assert run.step_results("Check the workflows are current") == {"plan": "success"}
    assert run.step_results("Run the pipeline") == {}
    assert "No model is affected by this change." in run.summaries()["plan"]
