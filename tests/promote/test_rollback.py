"""`mlgitops rollback` without GitHub: the dry run needs no token, and a version that is missing
or does not check out is refused before anything is pushed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from builders import REPO_ROOT, copy_demo, copy_version
from promote.support import Project, git

from mlgitops.cli import main
from mlgitops.registry import Registry

MODEL = "churn-classifier"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """The demo with two versions of the model, version 2 in production, pushed to a bare origin."""
    root = copy_demo(tmp_path / "work")
    shutil.copytree(REPO_ROOT / "models", root / "models")
    versions = root / f"models/{MODEL}/versions"
    copy_version(versions, 1, 2)  # the same artifacts, checked by digest
    Registry(root).set_production(MODEL, 2, reason="a later release")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", str(bare))
    project = Project(root, bare)
    project.commit_and_push("two versions, the second in production")
    git(root, "fetch", "-q", "origin")
    return project


def run(
    project: Project, capsys: pytest.CaptureFixture[str], *args: str, **environ: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(
        ["-C", str(project.root), "rollback", MODEL, *args],
        environ={"PATH": "/usr/bin:/bin", **environ},
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_a_dry_run_shows_the_body_with_no_token(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(project, capsys, "--to", "1", "--dry-run")
    assert code == 0, err
    assert f"## Promote `{MODEL}` to version 1" in out  # the body, compared with production
    assert "Rollback: production goes back to version 1, replacing version 2" in out
    assert f"would push mlgitops/promote/{MODEL} to origin" in out
    assert git(project.bare, "branch", "--list", f"mlgitops/promote/{MODEL}") == ""


def test_without_a_token_it_says_what_to_set(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(project, capsys, "--to", "1", GITHUB_REPOSITORY="acme/models")
    assert code == 2 and "no GitHub token" in err


def test_a_missing_version_is_bad_input(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(project, capsys, "--to", "5", "--dry-run")
    assert code == 2
    assert f"{MODEL} has no version 5 on main (versions: 1, 2)" in err
    assert f"mlgitops history {MODEL}" in err


def test_a_version_that_does_not_check_out_is_refused(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    card = project.root / f"models/{MODEL}/versions/1/card.md"
    card.write_text(card.read_text() + "edited\n")
    project.commit_and_push("an edit by hand")
    git(project.root, "fetch", "-q", "origin")
    code, _, err = run(project, capsys, "--to", "1", "--dry-run")
    assert code == 1
    assert "version 1 of churn-classifier does not check out" in err and "card.md" in err


def test_the_version_in_production_needs_no_rollback(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(project, capsys, "--to", "2", "--dry-run")
    assert code == 0, err
    assert "already in production" in out
