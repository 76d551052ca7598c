"""`mlgitops promote` end to end: a real run, real git with a bare `origin`, a fake GitHub."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from github.fake_server import FakeGitHub, serve
from promote.support import BRANCH, DRIFTED, MODEL, Project, git, head_of, make_project, show

from mlgitops.cli import main
from mlgitops.drift.report import DriftReport
from mlgitops.registry import Registry
from mlgitops.workspace import drift_record_of, write_drift_record


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project whose iris candidate was trained once (copied per test: training costs seconds)."""
    project = make_project(tmp_path_factory.mktemp("trained"))
    assert main(["-C", str(project.root), "run", "--no-register", MODEL, "--json"]) == 0
    return project


@pytest.fixture
def project(trained: Project, tmp_path: Path) -> Project:
    """A fresh clone of the trained project's origin, with the trained candidate and its own origin."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(trained.bare), str(bare))
    root = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(root))
    shutil.copytree(trained.root / ".mlgitops", root / ".mlgitops")
    return Project(root, bare)


@pytest.fixture
def fake(project: Project) -> Iterator[FakeGitHub]:
    with serve(heads=lambda branch: head_of(project.bare, branch)) as fake:
        yield fake


def test_promote_opens_one_pull_request_with_the_registry_change(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = project.environ(fake)
    main_before = head_of(project.bare, "main")
    code, data, err = project.cli(capsys, environ, "promote", MODEL)
    assert code == 0, (data, err)
    assert data["action"] == "created" and data["version"] == 1 and data["registered"] == "new"
    assert data["pull_request"]["number"] == 1
    # the branch holds the new version and production.yaml, on top of main
    head = head_of(project.bare, BRANCH)
    assert head == data["head"]
    assert git(project.bare, "rev-parse", f"{head}^") == main_before
    changed = git(project.bare, "diff", "--name-only", main_before, head).splitlines()
    assert f"models/{MODEL}/production.yaml" in changed
    assert {Path(p).name for p in changed if "/versions/1/" in p} == {
        "model.onnx",
        "metrics.json",
        "evidence.json",
        "lineage.json",
        "profile.json",
        "policy.json",
        "card.md",
        "replay.json",
        "manifest.json",
        "diagnostics-confusion.png",
        "diagnostics-importance.png",
    }
    assert all(p.startswith(f"models/{MODEL}/") for p in changed)
    pointer = yaml.safe_load(show(project.bare, head, f"models/{MODEL}/production.yaml"))
    assert pointer["version"] == 1 and pointer["pull_request"] == 1
    assert pointer["reason"] == "manual promotion"
    author = git(project.bare, "log", "-1", "--format=%an <%ae>", head)
    assert author.startswith("github-actions[bot]")
    # the pull request: body, labels, reviewers; statuses on its head commit
    pull = fake.pulls[1]
    assert pull["head"]["ref"] == BRANCH and pull["base"]["ref"] == "main"
    assert pull["title"] == f"Promote {MODEL} to version 1"
    assert "<!-- mlgitops:promote:iris-species -->" in pull["body"]
    assert "waived until 2099-12-31" in pull["body"]
    assert fake.labels[1] == ["model-promotion"] and fake.reviewers[1] == ["octocat"]
    assert {s["context"] for s in fake.statuses} == {
        f"mlgitops/{MODEL}/gates",
        f"mlgitops/{MODEL}/onnx",
        f"mlgitops/{MODEL}/policy",
    }
    assert {s["sha"] for s in fake.statuses} == {head}
    assert {s["state"] for s in fake.statuses} == {"success"}
    # the user's checkout is untouched: still on main, nothing staged, no new files
    assert git(project.root, "rev-parse", "HEAD") == main_before
    assert git(project.root, "status", "--porcelain") == ""
    # every API call carried the token; no output shows it
    assert all(call.authorization == f"Bearer {fake.token}" for call in fake.calls)
    assert fake.token not in json.dumps(data) + err


def test_rerun_updates_the_same_pull_request_without_a_new_commit(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = project.environ(fake)
    first = project.cli(capsys, environ, "promote", MODEL)[1]
    code, again, err = project.cli(capsys, environ, "promote", MODEL)
    assert code == 0, (again, err)
    assert again["action"] == "updated" and again["pull_request"]["number"] == 1
    assert again["pushed"] is False and again["head"] == first["head"]
    assert len(fake.pulls) == 1 and len(fake.open_pulls(BRANCH)) == 1
    assert [c.method for c in fake.calls if c.path.endswith("/pulls")].count("POST") == 1


def test_retrain_updates_the_branch_and_the_pull_request(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = project.environ(fake)
    first = project.cli(capsys, environ, "promote", MODEL)[1]
    # a retrain on changed params gives a different candidate; it replaces the first on the branch
    pipeline = project.root / "pipelines/iris.yaml"
    pipeline.write_text(pipeline.read_text().replace("C: 2.0", "C: 0.5"), encoding="utf-8")
    project.commit_and_push("weaker regularisation")
    code, data, err = project.cli(capsys, environ, "run", "--no-register", MODEL)
    assert code == 0, (data, err)
    code, second, err = project.cli(capsys, environ, "promote", MODEL)
    assert code == 0, (second, err)
    assert second["action"] == "updated" and second["pull_request"]["number"] == 1
    assert second["pushed"] is True and second["head"] != first["head"]
    head = head_of(project.bare, BRANCH)
    assert head == second["head"]
    assert git(project.bare, "rev-parse", f"{head}^") == head_of(project.bare, "main")
    lineage = json.loads(show(project.bare, head, f"models/{MODEL}/versions/1/lineage.json"))
    assert lineage["params"]["C"] == 0.5
    assert len(fake.pulls) == 1 and fake.pulls[1]["state"] == "open"
    assert {s["sha"] for s in fake.statuses} == {first["head"], second["head"]}


def test_drift_report_is_the_reason(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    write_drift_record(project.root, drift_record_of(DriftReport.from_dict(DRIFTED)))
    code, data, err = project.cli(capsys, project.environ(fake), "promote", MODEL)
    assert code == 0, (data, err)
    assert data["title"] == f"Promote {MODEL} to version 1 after drift"
    body = fake.pulls[1]["body"]
    assert "DATASET DRIFT: 1 of 1 feature drifted" in body
    assert "| petal_length | psi | 0.4100 | 0.2 | **drifted** |" in body
    pointer = yaml.safe_load(show(project.bare, BRANCH, f"models/{MODEL}/production.yaml"))
    assert pointer["reason"].startswith("drift: DATASET DRIFT")


def test_a_registered_version_with_the_same_inputs_is_reused(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    # main already holds the candidate as version 1 (registered by a run), not in production
    code, data, err = project.cli(capsys, {}, "run", MODEL)
    assert code == 0 and data["models"][0]["version"] == 1, (data, err)
    project.commit_and_push("register iris-species v1")
    code, data, err = project.cli(capsys, project.environ(fake), "promote", MODEL)
    assert code == 0, (data, err)
    assert data["registered"] == "existing" and data["version"] == 1
    changed = git(project.bare, "diff", "--name-only", "main", BRANCH).splitlines()
    assert changed == [f"models/{MODEL}/production.yaml"]


def test_nothing_to_do_when_the_version_is_already_in_production(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, err = project.cli(capsys, {}, "run", MODEL)
    assert code == 0, (data, err)
    Registry(project.root).set_production(MODEL, 1, reason="first")
    project.commit_and_push("iris-species v1 in production")
    code, data, err = project.cli(capsys, project.environ(fake), "promote", MODEL)
    assert code == 0, (data, err)
    assert data["action"] == "already in production" and data["pull_request"] is None
    assert head_of(project.bare, BRANCH) is None and not fake.pulls


def test_a_retrain_after_drift_that_reproduces_production_is_never_a_silent_green(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, err = project.cli(capsys, {}, "run", MODEL)
    assert code == 0, (data, err)
    Registry(project.root).set_production(MODEL, 1, reason="first")
    project.commit_and_push("iris-species v1 in production")
    write_drift_record(project.root, drift_record_of(DriftReport.from_dict(DRIFTED)))
    capsys.readouterr()
    environ = project.environ(fake, GITHUB_ACTIONS="true")
    code = main(["-C", str(project.root), "promote", MODEL], environ=environ)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "::warning::iris-species: drift was found, but the retrain reproduced production" in out
    assert "the train window held no new labelled rows" in out
    assert head_of(project.bare, BRANCH) is None and not fake.pulls
    (issue,) = fake.issues.values()
    assert issue["title"] == f"[mlgitops] drift detected: {MODEL}"
    assert "no new labelled rows" in issue["body"] and "petal_length" in issue["body"]


def test_dry_run_pushes_nothing_and_calls_no_api(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = project.environ(fake)
    del environ["GITHUB_TOKEN"]  # not needed to look
    capsys.readouterr()
    code = main(["-C", str(project.root), "promote", MODEL, "--dry-run"], environ=environ)
    out = capsys.readouterr().out
    assert code == 0
    assert "## Promote `iris-species` to version 1" in out
    assert f"would push {BRANCH} to origin" in out
    assert fake.calls == [] and head_of(project.bare, BRANCH) is None


def test_failing_candidate_is_refused_before_anything_is_pushed(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    result = project.root / ".mlgitops/candidates" / MODEL / "result.json"
    data = json.loads(result.read_text())
    data.update(passed=False, failed_stage="test", problems=["accuracy 0.80 is below min 0.85"])
    result.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = project.cli(capsys, project.environ(fake), "promote", MODEL)
    assert code == 1
    assert "failed at test" in out["error"] and "accuracy 0.80 is below min 0.85" in out["error"]
    assert fake.calls == [] and head_of(project.bare, BRANCH) is None


def test_blocking_policy_result_is_refused(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project.root / ".mlgitops/candidates" / MODEL / "policy.json"
    policy = json.loads(path.read_text())
    policy["results"][0].update(status="failed", message="accuracy 0.7 < 0.8")
    path.write_text(json.dumps(policy), encoding="utf-8")
    code, out, _ = project.cli(capsys, project.environ(fake), "promote", MODEL)
    assert code == 1
    assert "rule accuracy-floor: failed: accuracy 0.7 < 0.8" in out["error"]
    assert fake.calls == [] and head_of(project.bare, BRANCH) is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, "401 Bad credentials"), (503, "503 Service Unavailable")],
)
def test_api_failure_exits_3_with_a_clear_message(
    project: Project,
    fake: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    status: int,
    expected: str,
) -> None:
    message = "Bad credentials" if status == 401 else "Service Unavailable"
    # GitHub's 503s say when to come back; 0 s keeps the test quick
    fake.fail_next(status, times=10, message=message, headers={"Retry-After": "0"})
    capsys.readouterr()
    code = main(["-C", str(project.root), "promote", MODEL], environ=project.environ(fake))
    err = capsys.readouterr().err
    assert code == 3
    assert f"GitHub API GET /repos/acme/models/pulls failed: {expected}" in err
    assert "hint:" in err and "Traceback" not in err
    assert fake.token not in err
    # a 401 is final; a 503 is retried, a bounded number of times
    assert len(fake.calls) == (1 if status == 401 else 4)
    # the pull request is looked up before anything is pushed
    assert head_of(project.bare, BRANCH) is None


def test_missing_token_is_bad_input_before_any_push(
    project: Project, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = project.environ(fake)
    del environ["GITHUB_TOKEN"]
    code, out, _ = project.cli(capsys, environ, "promote", MODEL)
    assert code == 2 and "no GitHub token" in out["error"]
    assert head_of(project.bare, BRANCH) is None
