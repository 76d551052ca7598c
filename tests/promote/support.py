"""A project in a real git clone whose `origin` is a local bare repository, beside a fake GitHub."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from builders import write_file, write_sklearn_project
from github.fake_server import FakeGitHub

from mlgitops.cli import main

MODEL = "iris-species"
BRANCH = f"mlgitops/promote/{MODEL}"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "Data Scientist",
    "GIT_AUTHOR_EMAIL": "ds@example.com",
    "GIT_COMMITTER_NAME": "Data Scientist",
    "GIT_COMMITTER_EMAIL": "ds@example.com",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **_IDENTITY},
        check=True,
    )
    return done.stdout.strip()


def head_of(bare: Path, branch: str) -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        cwd=bare,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None


def show(bare: Path, ref: str, path: str) -> str:
    return git(bare, "show", f"{ref}:{path}")


@dataclass
class Project:
    root: Path  # the clone the commands run in
    bare: Path  # `origin`

    def environ(self, fake: FakeGitHub, **extra: str) -> dict[str, str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "MLGITOPS_", "GIT_"))
        }
        # no git identity: promote must commit as the bot, as on a fresh CI runner
        base["GIT_CONFIG_GLOBAL"] = str(self.root.parent / "no-gitconfig")
        base["GIT_CONFIG_NOSYSTEM"] = "1"
        return {**base, **fake.environ(), **extra}

    def cli(
        self, capsys: pytest.CaptureFixture[str], environ: dict[str, str], *args: str
    ) -> tuple[int, Any, str]:
        """Run the CLI with --json; returns (exit status, parsed stdout, stderr)."""
        capsys.readouterr()
        code = main(["-C", str(self.root), *args, "--json"], environ=environ)
        out, err = capsys.readouterr()
        return code, json.loads(out) if out.strip() else None, err

    def commit_and_push(self, message: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)
        git(self.root, "push", "-q", "origin", "main")
        return git(self.root, "rev-parse", "HEAD")


POLICY = """
policy: basic
rules:
  - name: accuracy-floor
    rule: candidate.metrics.accuracy >= 0.8
  - name: tiny-model
    rule: candidate.onnx.size_bytes <= 10
waivers:
  - rule: tiny-model
    model: iris-species
    until: 2099-12-31
    reason: size is fine for batch scoring
"""


def make_project(tmp: Path) -> Project:
    """The newcomer project (iris + diabetes) with promotion settings and a policy, pushed to a bare origin."""
    root = write_sklearn_project(tmp / "work")
    spec = (root / "mlops.yaml").read_text(encoding="utf-8")
    spec = spec.replace(
        "      accuracy: {min: 0.85}\n",
        "      accuracy: {min: 0.85}\n"
        "    policies: [policies/basic.yaml]\n"
        "    promotion:\n"
        "      reviewers: [octocat]\n"
        "      labels: [model-promotion]\n",
        1,
    )
    (root / "mlops.yaml").write_text(spec, encoding="utf-8")
    write_file(root, "policies/basic.yaml", POLICY)
    write_file(root, ".gitignore", ".mlgitops/\n")
    bare = tmp / "origin.git"
    git(tmp, "init", "-q", "--bare", str(bare))
    git(root, "init", "-q")
    git(root, "remote", "add", "origin", str(bare))
    project = Project(root, bare)
    project.commit_and_push("the project")
    return project


# a saved drift report (`.mlgitops/drift/MODEL.json`) in which one feature drifted
DRIFTED = {
    "status": "drift",
    "model": MODEL,
    "version": 1,
    "source": "data/iris_current.csv",
    "dataset_drifted": True,
    "drift_share": 1.0,
    "drift_share_threshold": 0.5,
    "drifted_features": ["petal_length"],
    "features_checked": 1,
    "method": "auto",
    "rows": 150,
    "reference_rows": 105,
    "seconds": 0.01,
    "features": [
        {
            "feature": "petal_length",
            "kind": "numeric",
            "method": "psi",
            "test": "distance",
            "statistic": 0.41,
            "threshold": 0.2,
            "drifted": True,
            "severity": 2.05,
            "details": {},
            "reference": {"values": 105, "null_fraction": 0.0, "mean": 3.7, "std": 1.7},
            "current": {"values": 150, "null_fraction": 0.0, "mean": 5.1, "std": 1.2},
            "note": None,
        }
    ],
    "prediction": {"computed": False, "reason": "not scored in this test"},
    "notes": [],
}
