"""The whole loop, for real, on data that grows: a windowed dataset of daily Parquet partitions
whose `mlops.lock` is committed, new shifted and labelled partitions that arrive, and the
compiled drift workflow run with act against a bare git remote as `origin` and a fake GitHub
checked against GitHub's API description. Drift is found on the newest window, the retrain job
snapshots afresh and learns from the new days, and `mlgitops promote --with-snapshot` pushes one
commit holding the new version and the new lock, in one pull request; a second run updates it.

Two settings for act, as a user of an older runner would write them: `ci.reusable: local` (act
does not know the self-repository `uses: $/…`, so the per-model workflow is called as `./…`),
and `ci.install: mlgitops --version` (the stand-in setup-python puts the test's environment on
PATH; an offline runner cannot `pip install`). The fake GitHub listens on loopback, so act keeps the host's
loopback here; every action is still a local stand-in.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from ci.act_runner import run_act
from ci.support import GitRepo, write_workflows
from github.fake_server import serve
from promote.support import head_of, show

from mlgitops.ci import compile_workflows
from mlgitops.cli import main
from mlgitops.lock import Lockfile, read_lock
from mlgitops.registry import Registry
from mlgitops.spec import load_project
from tests.data.windowed import write_days, write_windowed_spec

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act")]

MODEL = "events-churn"
BRANCH = f"mlgitops/promote/{MODEL}"
FIRST_MONTH = range(0, 30)
NEW_DAYS = range(30, 40)  # charges moved, and the labels follow another rule
LOCAL = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


def _cli(root: Path, *args: str) -> None:
    assert main(["-C", str(root), *args, "--json"], environ=LOCAL) == 0, args


def _windowed_project(root: Path) -> None:
    write_days(root, FIRST_MONTH)
    write_windowed_spec(root)
    spec = root / "mlops.yaml"
    text = spec.read_text(encoding="utf-8")
    text = text.replace(
        "project: windowed\n",
        "project: windowed\nci:\n  install: mlgitops --version\n  reusable: local\n",
        1,
    )
    spec.write_text(
        text.replace(
            "      drift_share: 0.3\n",
            "      drift_share: 0.3\n"
            '      schedule: "0 6 * * *"\n'
            "      on_drift: promote\n"
            "    promotion:\n"
            "      reviewers: [octocat]\n"
            "      labels: [model-promotion]\n",
            1,
        ),
        encoding="utf-8",
    )
    (root / ".gitignore").write_text(".mlgitops/\ndist/\n", encoding="utf-8")


@pytest.fixture
def loop_repo(tmp_path: Path) -> tuple[GitRepo, Path, bytes]:
    repo = GitRepo.init(tmp_path / "project")
    root = repo.root
    _windowed_project(root)
    # the first month: snapshotted, trained and in production, all committed
    _cli(root, "snapshot")
    _cli(root, "run", MODEL)
    Registry(root).set_production(MODEL, 1, reason="first")
    workflows = compile_workflows(load_project(root, check_estimators=False))
    called = workflows["mlgitops-drift-model.yml"]
    assert 'mlgitops snapshot "$DATASET"' in called
    assert 'mlgitops promote "$MODEL" --with-snapshot' in called
    assert "uses: ./.github/workflows/mlgitops-drift-model.yml" in workflows["mlgitops-drift.yml"]
    write_workflows(root, workflows)
    repo.commit("the first month of events, v1 in production")
    # then ten new days land in the source, labels and all: nobody edits the training data
    write_days(root, NEW_DAYS, shift=1.5)
    repo.commit("ten new days of events")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "HEAD:main")
    v1 = (root / f"models/{MODEL}/versions/1/model.onnx").read_bytes()
    return repo, bare, v1


def test_new_partitions_drift_retrain_and_open_one_pull_request_with_the_lock(
    loop_repo: tuple[GitRepo, Path, bytes], tmp_path: Path
) -> None:
    repo, bare, v1 = loop_repo
    locked = read_lock(repo.root)
    assert locked is not None
    before = locked.datasets["events"]
    with serve(heads=lambda branch: head_of(bare, branch)) as fake:

        def dispatch(work: str):  # type: ignore[no-untyped-def]
            return run_act(
                repo,
                "workflow_dispatch",
                {"inputs": {"model": MODEL}},
                tmp_path / work,
                workflow="mlgitops-drift.yml",
                env={"GITHUB_API_URL": fake.url, "GITHUB_REPOSITORY": fake.repository},
                secrets={"GITHUB_TOKEN": fake.token},
                isolate_network=False,
            )

        run = dispatch("first")
        log = (tmp_path / "first" / "act.log").read_text()
        assert run.exit_code == 0, log[-5000:]
        assert fake.token not in log  # act masks secrets; mlgitops never prints the token
        assert "DATASET DRIFT" in log or "dataset drift" in log.lower()
        snapshots = run.step_results("Snapshot the events dataset")
        assert snapshots and set(snapshots.values()) == {"success"}  # the retrain job's

        # one commit on main: the new version, production.yaml and the new lock
        main_head = head_of(bare, "main")
        head = head_of(bare, BRANCH)
        assert head is not None and main_head == repo.git("rev-parse", "HEAD")  # main untouched
        changed = repo.git("--git-dir", str(bare), "diff", "--name-only", main_head, head)
        assert "mlops.lock" in changed.splitlines()
        assert f"models/{MODEL}/versions/2/model.onnx" in changed.splitlines()
        assert "version: 2" in show(bare, BRANCH, f"models/{MODEL}/production.yaml")

        # the lock reads the new days, and the version was trained on exactly that entry
        after = Lockfile.model_validate(yaml.safe_load(show(bare, BRANCH, "mlops.lock")))
        entry = after.datasets["events"]
        assert entry.end is not None and before.end is not None and entry.end > before.end
        assert {f.url for f in entry.files} - {f.url for f in before.files}
        lineage = json.loads(show(bare, BRANCH, f"models/{MODEL}/versions/2/lineage.json"))
        assert lineage["lock_entry"] == entry.model_dump(mode="json")
        assert lineage["dirty_inputs"] == ["mlops.lock"]  # and the promotion commits it

        # a model that learned from them: not production's bytes
        v2 = subprocess.run(
            [
                "git",
                "--git-dir",
                str(bare),
                "show",
                f"{BRANCH}:models/{MODEL}/versions/2/model.onnx",
            ],
            capture_output=True,
            check=True,
        ).stdout
        assert v2 and v2 != v1

        (pull,) = fake.open_pulls(BRANCH)
        body = pull["body"]
        assert "charges" in body  # the drift table says why
        assert "### Data change" in body and "Dataset `events`" in body
        assert f"{before.rows:,} | {entry.rows:,} (+" in body
        assert fake.labels[pull["number"]] == ["model-promotion"]
        assert fake.reviewers[pull["number"]] == ["octocat"]
        assert {s["context"] for s in fake.statuses} >= {f"mlgitops/{MODEL}/policy"}

        # a second scheduled run updates the same pull request; it never opens a second one
        again = dispatch("second")
        assert again.exit_code == 0, (tmp_path / "second" / "act.log").read_text()[-5000:]
        assert [p["number"] for p in fake.open_pulls(BRANCH)] == [pull["number"]]
