"""`mlgitops compile` writes the workflows; `--check` fails with a diff when they are stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ci.support import copy_spec

from mlgitops.cli import main

ENV = {"PATH": "/usr/bin:/bin"}


def _run(root: Path, *args: str, environ: dict[str, str] | None = None) -> int:
    return main([*args, "-C", str(root)], environ=environ or ENV)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_spec("newcomer", tmp_path / "project")
    # a hand-written workflow beside the generated ones is never touched
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "test.yml").write_text("name: mine\n", encoding="utf-8")
    assert _run(root, "compile") == 0
    return root


def _workflows(root: Path) -> dict[str, str]:
    return {
        p.name: p.read_text(encoding="utf-8") for p in (root / ".github" / "workflows").iterdir()
    }


def test_compile_writes_every_workflow_and_is_idempotent(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sorted(_workflows(project)) == [
        "mlgitops-ci.yml",
        "mlgitops-drift-model.yml",
        "mlgitops-drift.yml",
        "mlgitops-release.yml",
        "test.yml",
    ]
    capsys.readouterr()
    assert _run(project, "compile") == 0
    assert "4 workflow(s) compiled from mlops.yaml, 0 changed" in capsys.readouterr().out
    assert _run(project, "compile", "--check") == 0


def test_check_fails_with_a_diff_after_a_spec_change(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _workflows(project)
    spec = project / "mlops.yaml"
    spec.write_text(
        spec.read_text().replace(
            'schedule: "0 6 * * 1"\n      on_drift: issue',
            'schedule: "0 9 * * 5"\n      on_drift: issue',
        )
    )
    capsys.readouterr()
    assert _run(project, "compile", "--check") == 1
    out = capsys.readouterr().out
    assert (
        "--- a/.github/workflows/mlgitops-drift.yml\n+++ b/.github/workflows/mlgitops-drift.yml\n"
        in out
    )
    assert "+    - cron: 0 9 * * 5\n" in out
    assert "1 workflow file(s) are stale; run `mlgitops compile`" in out
    assert _workflows(project) == before  # --check changes nothing


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('  python: "3.12"', '  python: "3.13"'),
        ("default_branch: trunk", "default_branch: main"),
        ("  timeout_minutes: 45", "  timeout_minutes: 30"),
        ("    runs_on: [self-hosted, linux, gpu]\n", ""),
        ("  churn-baseline:\n", "  churn-simple:\n"),  # a drift model: the dispatch choices change
    ],
)
def test_check_fails_after_any_spec_change_that_affects_workflows(
    project: Path, old: str, new: str
) -> None:
    _edit_spec(project, old, new)
    assert _run(project, "compile", "--check") == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("      on_drift: fail\n", "      on_drift: promote\n"),  # read by the plan at run time
        ("    metrics: [rmse, mae]", "    metrics: [mae]"),
        ("  install: |\n", "  # install the package\n  install: |\n"),
    ],
)
def test_changes_that_do_not_reach_the_workflows_keep_them_current(
    project: Path, old: str, new: str
) -> None:
    _edit_spec(project, old, new)
    assert _run(project, "compile", "--check") == 0


def _edit_spec(root: Path, old: str, new: str) -> None:
    spec = root / "mlops.yaml"
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new, 1))


def test_check_fails_on_a_hand_edited_workflow_and_annotates_the_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / ".github" / "workflows" / "mlgitops-ci.yml"
    lines = path.read_text().splitlines(keepends=True)
    edited = next(i for i, line in enumerate(lines) if "timeout-minutes: 45" in line)
    lines[edited] = lines[edited].replace("45", "600")
    path.write_text("".join(lines))
    capsys.readouterr()
    assert _run(project, "compile", "--check", environ={**ENV, "GITHUB_ACTIONS": "true"}) == 1
    out = capsys.readouterr().out
    assert "-    timeout-minutes: 600\n+    timeout-minutes: 45\n" in out
    assert (
        f"::error file=.github/workflows/mlgitops-ci.yml,line={edited + 1}::"
        ".github/workflows/mlgitops-ci.yml is stale (update)"
    ) in out


def test_workflows_the_spec_no_longer_produces_are_stale_then_removed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = project / "mlops.yaml"
    text = spec.read_text()
    # drop every drift section: no drift workflows any more
    kept = [
        line
        for line in text.splitlines(keepends=True)
        if not line.strip().startswith(("drift:", "schedule:", "on_drift:"))
    ]
    spec.write_text("".join(kept))
    capsys.readouterr()
    assert _run(project, "compile", "--check", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["action"]) for f in report["stale"]] == [
        (".github/workflows/mlgitops-drift-model.yml", "delete"),
        (".github/workflows/mlgitops-drift.yml", "delete"),
    ]
    assert _run(project, "compile") == 0
    assert sorted(_workflows(project)) == ["mlgitops-ci.yml", "mlgitops-release.yml", "test.yml"]
    assert _workflows(project)["test.yml"] == "name: mine\n"


def test_check_fails_when_workflows_are_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_spec("minimal", tmp_path / "fresh")
    assert _run(root, "compile", "--check") == 1
    out = capsys.readouterr().out
    assert "--- /dev/null\n+++ b/.github/workflows/mlgitops-ci.yml\n" in out
    assert not (root / ".github").exists()


def test_a_broken_spec_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_spec("minimal", tmp_path / "broken")
    spec = root / "mlops.yaml"
    spec.write_text(spec.read_text().replace("    task: regression", "    task: regresion"))
    assert _run(root, "compile") == 2
    err = capsys.readouterr().err
    assert "mlops.yaml:15:11: models.house-price.task:" in err


@pytest.mark.parametrize("check", [False, True])
def test_a_hand_written_workflow_under_a_generated_name_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], check: bool
) -> None:
    root = copy_spec("newcomer", tmp_path / "project")
    path = root / ".github" / "workflows" / "mlgitops-ci.yml"
    path.parent.mkdir(parents=True)
    path.write_text("name: mine, written by hand\non: push\n", encoding="utf-8")
    assert _run(root, "compile", *(["--check"] if check else [])) == 2
    captured = capsys.readouterr()
    assert ".github/workflows/mlgitops-ci.yml exists and has no generated header" in captured.err
    assert "hint: rename the hand-written file" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert path.read_text(encoding="utf-8") == "name: mine, written by hand\non: push\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["mlgitops-ci.yml"]
