"""Helpers for the workflow compiler tests: spec projects, real git, real linters."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgitops import yamlio

SPECS = Path(__file__).parent / "specs"
GOLDEN_SPECS = ("minimal", "newcomer", "credentials")
BIN = Path(sys.executable).parent  # the virtual environment's tools: actionlint, zizmor, act, ...
_GIT_CONFIG = (
    "-c",
    "user.name=mlgitops tests",
    "-c",
    "user.email=tests@mlgitops.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
)


def copy_spec(name: str, target: Path) -> Path:
    """Copy tests/ci/specs/<name> to `target`."""
    shutil.copytree(SPECS / name, target)
    return target


@dataclass
class GitRepo:
    """A real git repository in a temporary directory."""

    root: Path

    @classmethod
    def init(cls, root: Path) -> GitRepo:
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root)
        repo.git("init", "-q")
        return repo

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", *_GIT_CONFIG, *args], cwd=self.root, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def replace(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"'{old}' not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write_many_models(root: Path, count: int, *, gpu_every: int = 0, drift: bool = True) -> Path:
    """A spec with `count` models on one small dataset; every `gpu_every`-th model runs on
    self-hosted GPU runners. Each model has a weekly drift check (spread over 7 days)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "points.csv").write_text("x,y\n1,2\n2,4\n3,6\n", encoding="utf-8")
    lines = [
        "version: 1",
        "project: many",
        "datasets:",
        "  points:",
        "    path: data/points.csv",
        "    target: y",
        "    columns:",
        "      x: {type: number}",
        "      y: {type: number}",
        "models:",
    ]
    for index in range(count):
        lines += [
            f"  model-{index:04d}:",
            "    dataset: points",
            "    task: regression",
            "    estimator: {class: sklearn.linear_model.Ridge}",
            "    metrics: [rmse]",
        ]
        if gpu_every and index % gpu_every == 0:
            lines.append("    runs_on: [self-hosted, gpu]")
        if drift:
            lines.append(f"    drift: {{schedule: '0 6 * * {index % 7}'}}")
    (root / "mlops.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def read_workflow(text: str) -> dict[str, Any]:
    """Parse a workflow the way GitHub does for our purposes: `on` stays the string `on`."""
    data = yamlio.parse_text(text, "workflow.yml").data
    assert isinstance(data, dict)
    return data


def write_workflows(root: Path, workflows: dict[str, str]) -> Path:
    directory = root / ".github" / "workflows"
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in workflows.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def lint_workflows(root: Path, runner_labels: tuple[str, ...] = ()) -> dict[str, str]:
    """Run actionlint (with shellcheck), zizmor (offline, pedantic) and the workflow JSON
    Schema over `root/.github/workflows`; return each tool's report of problems ('' when clean)."""
    directory = root / ".github" / "workflows"
    files = sorted(str(p) for p in directory.iterdir() if p.suffix in (".yml", ".yaml"))
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ZIZMOR_OFFLINE": "1",
    }
    actionlint = [str(BIN / "actionlint"), "-shellcheck", str(BIN / "shellcheck")]
    if runner_labels:
        # Self-hosted labels are the project's own; actionlint only knows GitHub's.
        config = root / ".github" / "actionlint.yaml"
        config.write_text(
            "self-hosted-runner:\n  labels: [" + ", ".join(runner_labels) + "]\n", encoding="utf-8"
        )
        actionlint += ["-config-file", str(config)]
    commands = {
        "actionlint": [*actionlint, *files],
        # --strict-collection: a file zizmor cannot parse is a failure, not a skipped file
        "zizmor": [
            str(BIN / "zizmor"),
            "--offline",
            "--pedantic",
            "--strict-collection",
            "--no-progress",
            # zizmor switches to annotations when it sees GitHub Actions; the tests read plain text
            "--format=plain",
            str(directory),
        ],
        "check-jsonschema": [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *files,
        ],
    }
    reports = {}
    for tool, command in commands.items():
        result = subprocess.run(
            command, cwd=root, capture_output=True, text=True, env=env, check=False
        )
        reports[tool] = (
            ""
            if result.returncode == 0
            else f"exit {result.returncode}\n{result.stdout}{result.stderr}"
        )
    return reports
