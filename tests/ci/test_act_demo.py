"""The compiled CI workflow of this repository's own demo, run end to end with act, offline.

The project is a real git repository holding the demo as committed: mlops.yaml,
data, pipelines, policies and the registry. One change: `ci.install` becomes
`mlgitops --version`, as on a runner where mlgitops is already installed (the
stand-in setup-python action puts the test's virtual environment on PATH, and
an offline runner cannot `pip install`). The workflows are recompiled from that
spec, so the jobs are exactly what `mlgitops compile` makes of the demo. `origin`
is a bare repository and GitHub a fake checked against its API description: the
push's promote job finds every candidate already in production and opens nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from builders import REPO_ROOT, copy_demo
from ci.act_runner import run_act
from ci.support import GitRepo, write_workflows
from github.fake_server import serve
from promote.support import head_of

from mlgitops.ci import compile_workflows
from mlgitops.spec import load_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act")]

DEMO_MODELS = ["churn-classifier", "house-price", "penguin-species", "events-churn"]
ZERO_SHA = "0" * 40


def test_push_of_the_demo_runs_every_model_through_the_pipeline(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "demo")
    shutil.copytree(REPO_ROOT / "models", root / "models")
    spec = root / "mlops.yaml"
    spec.write_text(
        spec.read_text().replace("install: pip install -e .", "install: mlgitops --version")
    )
    (root / ".gitignore").write_text(".mlgitops/\n", encoding="utf-8")
    write_workflows(root, compile_workflows(load_project(root, check_estimators=False)))
    repo = GitRepo.init(root)
    repo.commit("the demo")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo.git("branch", "-M", "main")
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "main")

    # a new branch pushed for the first time: GitHub sends an all-zero `before`
    with serve(heads=lambda branch: head_of(bare, branch)) as fake:
        run = run_act(
            repo,
            "push",
            {"ref": "refs/heads/main", "before": ZERO_SHA},
            tmp_path / "act",
            env={"GITHUB_API_URL": fake.url, "GITHUB_REPOSITORY": fake.repository},
            secrets={"GITHUB_TOKEN": fake.token},
            isolate_network=False,  # the fake GitHub listens on loopback
        )

    log = (tmp_path / "act" / "act.log").read_text()
    assert run.exit_code == 0, log[-4000:]
    plan = run.outputs("plan")
    assert [e["model"] for e in json.loads(plan["matrix_1"])["include"]] == DEMO_MODELS
    assert run.step_results("Run the pipeline") == dict.fromkeys(DEMO_MODELS, "success")
    summaries = run.summaries()
    for model in DEMO_MODELS:
        # the leg retrains from scratch and finds the committed version 1: the same bytes
        assert f"| {model} | v1 (unchanged) |" in summaries[model], summaries[model]
        for stage in ("validate-data", "train", "test", "convert"):
            assert f"| {stage} | ran |" in summaries[model]
        candidate = run.artifacts / f"candidate-{model}" / model
        assert (candidate / "model.onnx").is_file() and (candidate / "evidence.json").is_file()
    # policies ran against the committed production versions
    assert "| policy | ran |" in summaries["churn-classifier"]
    policy = json.loads(
        (
            run.artifacts / "candidate-churn-classifier" / "churn-classifier" / "policy.json"
        ).read_text()
    )
    assert policy["passed"] and policy["production_version"] == 1
    # every candidate is the version already in production: nothing to promote, nothing opened
    assert run.step_results("Open or update the promotion pull requests") == {"promote": "success"}
    assert fake.pulls == {} and head_of(bare, "mlgitops/promote/churn-classifier") is None
    assert "churn-classifier version 1 is already in production" in log
