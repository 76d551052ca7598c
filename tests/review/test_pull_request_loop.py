"""The pull request is the review, for real: a spec change on a branch of a real git project
with a bare `origin`, a fake GitHub checked against GitHub's API description.

Two report runs leave one comment, updated; the merge (through the fake's merge call, made
with real git) and the push run open one promotion pull request, for the changed model
only; verify fails a dangling pointer; rollback --to 1 opens one pull request pointing
production back at version 1; history lists every version. The token is nowhere.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from github.fake_server import FakeGitHub, serve
from promote.support import MODEL, Project, git, head_of, make_project, show

from mlgitops.cli import main
from mlgitops.registry import Registry

OTHER = "diabetes-progression"
BRANCH = "lower-regularisation"
PROMOTION = f"mlgitops/promote/{MODEL}"


def merge_in(bare: Path, scratch: Path) -> Any:
    """What GitHub's merge button does, with real git: a merge commit on the base branch."""

    def merge(head: str, base: str, title: str) -> str:
        work = scratch / f"merge-{len(list(scratch.glob('merge-*')))}"
        git(scratch, "clone", "-q", "--branch", base, str(bare), str(work))
        git(work, "merge", "-q", "--no-ff", "-m", title, f"origin/{head}")
        git(work, "push", "-q", "origin", base)
        return git(work, "rev-parse", "HEAD")

    return merge


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """iris in production at version 1 (committed on main), diabetes with no production yet."""
    project = make_project(tmp_path)
    code = main(["-C", str(project.root), "run", MODEL, "--json"])
    assert code == 0
    Registry(project.root).set_production(MODEL, 1, reason="first release")
    project.commit_and_push("iris version 1 in production")
    return project


@pytest.fixture
def fake(project: Project, tmp_path: Path) -> Iterator[FakeGitHub]:
    with serve(
        heads=lambda branch: head_of(project.bare, branch), merge=merge_in(project.bare, tmp_path)
    ) as fake:
        yield fake


def cli(project: Project, capsys: pytest.CaptureFixture[str], environ: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return project.cli(capsys, environ, *args)


def open_spec_change(project: Project, fake: FakeGitHub) -> tuple[int, str]:
    """A branch that changes iris's pipeline, pushed, with its pull request; returns (number, base)."""
    base = git(project.root, "rev-parse", "HEAD")
    git(project.root, "checkout", "-q", "-b", BRANCH)
    pipeline = project.root / "pipelines/iris.yaml"
    pipeline.write_text(pipeline.read_text().replace("C: 2.0", "C: 0.5"))
    git(project.root, "commit", "-q", "-am", "iris: stronger regularisation")
    git(project.root, "push", "-q", "origin", BRANCH)
    response = requests.post(
        f"{fake.url}/repos/{fake.repository}/pulls",
        json={"title": "Stronger regularisation", "head": BRANCH, "base": "main", "body": ""},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["number"]), base


def event_file(tmp: Path, number: int, *, fork: bool = False) -> Path:
    head_repo = "someone/models" if fork else "acme/models"
    path = tmp / f"event-{number}-{fork}.json"
    path.write_text(
        json.dumps(
            {
                "number": number,
                "pull_request": {
                    "number": number,
                    "head": {"sha": "f" * 40, "repo": {"full_name": head_repo}},
                    "base": {"sha": "e" * 40, "repo": {"full_name": "acme/models"}},
                },
            }
        ),
        encoding="utf-8",
    )
    return path


def test_spec_change_review_merge_promote_verify_rollback_history(
    project: Project, fake: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number, base = open_spec_change(project, fake)
    environ = project.environ(
        fake, GITHUB_EVENT_PATH=str(event_file(tmp_path, number)), GITHUB_ACTIONS="true"
    )
    environ["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    everything = ""

    # the pull request's CI: the affected model trains, the report comments
    code, data, err = cli(project, capsys, environ, "plan", "--changed", base)
    assert code == 0, err
    assert [m["model"] for m in data["include"]] == [MODEL]  # diabetes is not affected
    assert main(["-C", str(project.root), "run", "--no-register", MODEL, "--json"]) == 0
    capsys.readouterr()
    code, first, err = cli(project, capsys, environ, "report", "--base", base, "--comment")
    assert code == 0, err
    assert first["comment"]["action"] == "created"
    code, second, err = cli(project, capsys, environ, "report", "--base", base, "--comment")
    assert code == 0, err
    assert second["comment"]["action"] == "updated"
    assert second["comment"]["id"] == first["comment"]["id"]
    (body,) = fake.comments[number]  # one comment, updated in place
    assert fake.comment_updates == 1
    everything += json.dumps([first, second]) + err + body
    assert body.startswith("<!-- mlgitops:report -->")
    assert f"| `{MODEL}` | ✅ passes | version 1 |" in body
    # production and candidate numbers on the same row: both scored on the candidate's holdout
    evidence = json.loads(
        (project.root / f".mlgitops/candidates/{MODEL}/evidence.json").read_text()
    )
    assert evidence["comparison_production_version"] == 1
    paired = evidence["comparison"]["accuracy"]
    assert f"| accuracy | {paired['production']:.4f} | {paired['candidate']:.4f} |" in body
    assert "On the candidate's holdout" in body and "no paired comparison yet" not in body
    # what in the spec changed: the pipeline's C, as a diff of the resolved settings
    assert "-      C: 2.0" in body and "+      C: 0.5" in body
    assert "🟡 waived until 2099-12-31" in body  # the policy's waiver is shown
    assert "```mermaid" in body
    assert Path(environ["GITHUB_STEP_SUMMARY"]).read_text().count("<!-- mlgitops:report -->") == 2

    # verify runs in the pull request's CI: a dangling pointer fails it, naming file and field
    pointer = project.root / f"models/{MODEL}/production.yaml"
    kept = pointer.read_text()
    pointer.write_text(kept.replace("version: 1", "version: 7"))
    code, checked, err = cli(project, capsys, project.environ(fake), "verify")
    assert code == 1
    (problem,) = checked["problems"]
    assert problem["file"] == f"models/{MODEL}/production.yaml" and problem["path"] == "version"
    assert problem["line"] == 1 and "version 7, which does not exist" in problem["message"]
    assert main(["-C", str(project.root), "verify"], environ=environ) == 1
    annotation = f"::error file=models/{MODEL}/production.yaml,line=1::version: points at"
    assert annotation in capsys.readouterr().out
    pointer.write_text(kept)
    assert cli(project, capsys, project.environ(fake), "verify")[0] == 0

    # the merge, then the push run on main
    merged = requests.put(
        f"{fake.url}/repos/{fake.repository}/pulls/{number}/merge",
        json={"merge_method": "merge"},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=10,
    )
    assert merged.status_code == 200, merged.text
    merge_sha = merged.json()["sha"]
    git(project.root, "checkout", "-q", "main")
    git(project.root, "pull", "-q", "--ff-only", "origin", "main")
    assert git(project.root, "rev-parse", "HEAD") == merge_sha
    push_environ = project.environ(fake)
    code, plan, err = cli(project, capsys, push_environ, "plan", "--changed", base)
    assert [m["model"] for m in plan["include"]] == [MODEL]
    assert main(["-C", str(project.root), "run", "--no-register", MODEL, "--json"]) == 0
    capsys.readouterr()
    code, promoted, err = cli(project, capsys, push_environ, "promote", "--changed", base)
    assert code == 0, err
    everything += json.dumps(promoted) + err
    assert promoted["pull_request"] == number
    assert [p["model"] for p in promoted["promoted"]] == [MODEL]
    (pull,) = fake.open_pulls()  # one promotion pull request, for the changed model only
    assert pull["head"]["ref"] == PROMOTION
    why = f"the spec changed in {merge_sha[:12]} (pull request #{number})"
    assert (
        f"The spec changed in `{merge_sha[:12]}`, merged from pull request #{number}"
        in (pull["body"])
    )
    on_branch = yaml.safe_load(show(project.bare, PROMOTION, f"models/{MODEL}/production.yaml"))
    assert on_branch["version"] == 2 and on_branch["reason"] == why
    # a re-run of the push job updates that pull request; it never opens a second
    code, _, err = cli(project, capsys, push_environ, "promote", "--changed", base)
    assert code == 0, err
    assert [p["number"] for p in fake.open_pulls()] == [pull["number"]]

    # merge the promotion: version 2 is in production on main
    assert (
        requests.put(
            f"{fake.url}/repos/{fake.repository}/pulls/{pull['number']}/merge",
            json={},
            headers={"Authorization": f"Bearer {fake.token}"},
            timeout=10,
        ).status_code
        == 200
    )
    git(project.root, "pull", "-q", "--ff-only", "origin", "main")
    assert Registry(project.root).production(MODEL).version == 2  # type: ignore[union-attr]

    # rollback --to 1: one pull request whose branch points production back at version 1
    code, rolled, err = cli(project, capsys, push_environ, "rollback", MODEL, "--to", "1")
    assert code == 0, err
    everything += json.dumps(rolled) + err
    (back,) = fake.open_pulls()
    assert back["head"]["ref"] == PROMOTION and back["title"] == f"Roll back {MODEL} to version 1"
    assert "Rollback: production goes back to version 1, replacing version 2" in back["body"]
    on_branch = yaml.safe_load(show(project.bare, PROMOTION, f"models/{MODEL}/production.yaml"))
    assert on_branch["version"] == 1 and on_branch["reason"] == "rollback"
    assert on_branch["pull_request"] == back["number"]
    changed = git(project.bare, "diff", "--name-only", "main", PROMOTION).splitlines()
    assert changed == [f"models/{MODEL}/production.yaml"]  # version 1 is already registered
    code, rerun, err = cli(project, capsys, push_environ, "rollback", MODEL, "--to", "1")
    assert code == 0 and rerun["action"] == "updated" and len(fake.open_pulls()) == 1

    # history: every version, newest first, with when it was in production and why
    code, history, err = cli(project, capsys, push_environ, "history", MODEL)
    assert code == 0, err
    assert [v["version"] for v in history["versions"]] == [2, 1]
    newest, oldest = history["versions"]
    assert newest["status"] == "production" and newest["periods"][0]["reason"] == why
    assert newest["periods"][0]["pull_request"] == pull["number"]
    assert oldest["status"] == "retired" and oldest["periods"][0]["reason"] == "first release"
    assert oldest["periods"][0]["retired_at"] is not None
    assert newest["metrics"]["accuracy"] > 0 and oldest["data"]["rows"] == 150

    # the token is nowhere: not in outputs, bodies, comments or commits
    log = git(project.bare, "log", "--all", "-p", "--format=%B")
    texts = [
        everything,
        log,
        *fake.comments[number],
        *(p["body"] or "" for p in fake.pulls.values()),
    ]
    assert all(fake.token not in text for text in texts)


def test_two_concurrent_report_runs_leave_one_comment(
    project: Project, fake: FakeGitHub, tmp_path: Path
) -> None:
    number, base = open_spec_change(project, fake)
    environ = project.environ(fake, GITHUB_EVENT_PATH=str(event_file(tmp_path, number)))
    assert main(["-C", str(project.root), "run", "--no-register", MODEL, "--json"]) == 0
    command = [str(Path(__file__).parents[2] / ".venv/bin/mlgitops")]
    runs = [
        subprocess.Popen(
            [*command, "-C", str(project.root), "report", "--base", base, "--comment", "--json"],
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    assert len(fake.comments[number]) == 1
    # and a duplicate that a racing run left behind is removed by the next run
    requests.post(
        f"{fake.url}/repos/{fake.repository}/issues/{number}/comments",
        json={"body": "<!-- mlgitops:report -->\nleft by a racing run"},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=10,
    )
    assert len(fake.comments[number]) == 2
    assert main(["-C", str(project.root), "report", "--comment", "--json"], environ=environ) == 0
    (only,) = fake.comments[number]
    assert "left by a racing run" not in only and f"`{MODEL}`" in only
    assert any("left by a racing run" in text for text in fake.deleted_comments)


def actions_cli(
    project: Project, capsys: pytest.CaptureFixture[str], environ: dict[str, str], *args: str
) -> tuple[int, Any, list[str]]:
    """Run the CLI as a workflow step: (exit status, JSON output, workflow commands printed)."""
    capsys.readouterr()
    code = main(["-C", str(project.root), *args, "--json"], environ=environ)
    out = capsys.readouterr().out.splitlines()
    commands = [line for line in out if line.startswith("::")]
    data = json.loads("\n".join(line for line in out if not line.startswith("::")))
    return code, data, commands


def test_a_fork_gets_the_step_summary_and_a_notice(
    project: Project, fake: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number, base = open_spec_change(project, fake)
    summary = tmp_path / "summary.md"
    environ = project.environ(
        fake,
        GITHUB_EVENT_PATH=str(event_file(tmp_path, number, fork=True)),
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
    )
    calls = len(fake.calls)
    code, data, commands = actions_cli(
        project, capsys, environ, "report", "--base", base, "--comment"
    )
    assert code == 0
    assert data["comment"]["action"] == "skipped" and len(fake.calls) == calls  # no API call
    assert [c.split(" from")[0] for c in commands] == ["::notice::a pull request"]
    assert summary.read_text().startswith("<!-- mlgitops:report -->")
    # a token that cannot write (403) falls back the same way, with a warning
    fake.read_only = True
    environ["GITHUB_EVENT_PATH"] = str(event_file(tmp_path, number))
    code, data, commands = actions_cli(
        project, capsys, environ, "report", "--base", base, "--comment"
    )
    assert code == 0
    assert data["comment"]["action"] == "skipped"
    assert commands[0].startswith("::warning::the token cannot comment")
    assert number not in fake.comments
