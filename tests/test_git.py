"""The one git module, with real repositories: reading for lineage, CI and status; promotion's
commits off the checkout, leases and messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from promote.support import git, head_of

from mlgitops.errors import EXIT_EXTERNAL, BadInputError, ExternalError
from mlgitops.git import Git


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Git, Path]:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    root = tmp_path / "work"
    root.mkdir()
    git(root, "init", "-q")
    (root / "README.md").write_text("hello\n", encoding="utf-8")
    (root / "models/m/versions/1").mkdir(parents=True)
    (root / "models/m/versions/1/model.onnx").write_bytes(b"v1")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    git(root, "remote", "add", "origin", str(bare))
    git(root, "push", "-q", "origin", "main")
    environ = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(tmp_path / "none"),
        "GITHUB_TOKEN": "ghs_s3cret",
    }
    return Git(root, environ), bare


def test_commit_directory_leaves_the_checkout_alone(repo: tuple[Git, Path], tmp_path: Path) -> None:
    g, bare = repo
    base = g.fetch("main")
    work = tmp_path / "scratch"
    g.export(base, "models/m", work)
    assert (work / "models/m/versions/1/model.onnx").read_bytes() == b"v1"
    (work / "models/m/versions/2").mkdir()
    (work / "models/m/versions/2/model.onnx").write_bytes(b"v2")
    (work / "models/m/versions/1/model.onnx").unlink()
    commit = g.commit_directory(base, work, "models/m", "Promote m")
    assert commit.parent == base
    files = git(g.root, "ls-tree", "-r", "--name-only", commit.sha).splitlines()
    # the rest of the tree is kept; the directory is replaced, deletions included
    assert files == ["README.md", "models/m/versions/2/model.onnx"]
    assert git(g.root, "status", "--porcelain") == "" and (g.root / "models/m/versions/1").is_dir()
    g.push(commit.sha, "mlgitops/promote/m", None)
    assert head_of(bare, "mlgitops/promote/m") == commit.sha
    assert g.remote_head("mlgitops/promote/m") == commit.sha
    assert g.show(commit.sha, "models/m/versions/2/model.onnx") == b"v2"
    assert g.show(commit.sha, "models/m/production.yaml") is None


def test_a_branch_moved_by_someone_else_is_not_overwritten(
    repo: tuple[Git, Path], tmp_path: Path
) -> None:
    g, bare = repo
    base = g.fetch("main")
    work = tmp_path / "scratch"
    g.export(base, "models/m", work)
    (work / "models/m/note.txt").write_text("mine\n", encoding="utf-8")
    mine = g.commit_directory(base, work, "models/m", "mine")
    g.push(mine.sha, "mlgitops/promote/m", None)
    # another run pushes first; our lease (the head we saw: none) is stale now
    (work / "models/m/note.txt").write_text("theirs\n", encoding="utf-8")
    theirs = g.commit_directory(base, work, "models/m", "theirs")
    with pytest.raises(ExternalError) as caught:
        g.push(theirs.sha, "mlgitops/promote/m", None)
    assert caught.value.exit_code == EXIT_EXTERNAL
    assert caught.value.hint is not None and "changed on the remote" in caught.value.hint
    assert head_of(bare, "mlgitops/promote/m") == mine.sha


def test_git_errors_name_the_command_and_hide_credentials(repo: tuple[Git, Path]) -> None:
    g, _ = repo
    git(
        g.root,
        "remote",
        "set-url",
        "origin",
        "https://x-access-token:ghs_s3cret@127.0.0.1:9/a/b.git",
    )
    with pytest.raises(ExternalError) as caught:
        g.fetch("main")
    message = caught.value.message + str(caught.value.hint)
    assert message.startswith("`git fetch --quiet` failed:")
    assert "ghs_s3cret" not in message
    assert g.scrub("https://user:ghs_s3cret@github.com/a/b") == "https://***@github.com/a/b"


def test_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="is not a git repository"):
        Git(tmp_path, dict(os.environ)).ensure_repository()


def test_reading_head_changes_and_refs(repo: tuple[Git, Path], tmp_path: Path) -> None:
    g, _ = repo
    start = g.head_commit()
    assert start is not None and len(start) == 40
    (g.root / "data.csv").write_text("x\n1\n", encoding="utf-8")
    (g.root / "README.md").write_text("changed\n", encoding="utf-8")
    git(g.root, "add", "-A")
    git(g.root, "commit", "-q", "-m", "more")
    assert sorted(g.changed_files(start)) == ["README.md", "data.csv"]
    git(g.root, "branch", "mlgitops/promote/m")
    assert g.ref_names("refs/heads/mlgitops/promote") == ["mlgitops/promote/m"]


def test_outside_a_repository_reading_finds_nothing(tmp_path: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    g = Git(outside, {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert g.head_commit() is None
    assert g.ref_names("refs/heads") == []
