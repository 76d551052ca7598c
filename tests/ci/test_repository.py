"""This repository dogfoods itself: its workflows are compiled from its own mlops.yaml."""

from __future__ import annotations

from pathlib import Path

from mlgitops.ci import GENERATED_MARKER
from mlgitops.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_committed_workflows_are_current() -> None:
    assert main(["compile", "--check", "-C", str(REPO_ROOT)], environ={}) == 0


def test_the_projects_own_test_workflow_stays_hand_written() -> None:
    directory = REPO_ROOT / ".github" / "workflows"
    handwritten = (directory / "test.yml").read_text(encoding="utf-8")
    assert not handwritten.startswith(GENERATED_MARKER)
    assert "make test" in handwritten
    generated = sorted(
        p.name for p in directory.iterdir() if p.read_text().startswith(GENERATED_MARKER)
    )
    assert generated == [
        "mlgitops-ci.yml",
        "mlgitops-drift-model.yml",
        "mlgitops-drift.yml",
        "mlgitops-release.yml",
    ]
