"""Git says what was trained: lineage names HEAD and the inputs that differed from it, `run`
warns about them, and `promote` refuses a candidate whose inputs are not the committed ones,
before anything is pushed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from github.fake_server import serve
from promote.support import BRANCH, MODEL, Project, git, head_of, make_project

from mlgitops.cli import main

GATE = "      accuracy: {min: 0.85}\n"
LOOSER_GATE = "      accuracy: {min: 0.5}\n"


def _lineage(project: Project) -> dict[str, object]:
    path = project.root / ".mlgitops/candidates" / MODEL / "lineage.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _edit_gate(project: Project, old: str, new: str) -> None:
    spec = project.root / "mlops.yaml"
    text = spec.read_text(encoding="utf-8")
    assert old in text
    spec.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("uncommitted"))


def test_a_clean_run_names_its_commit(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-C", str(project.root), "run", "--no-register", MODEL, "--json"], environ={})
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["warnings"] == []
    lineage = _lineage(project)
    assert lineage["git_commit"] == git(project.root, "rev-parse", "HEAD")
    assert lineage["dirty_inputs"] == []


def test_run_on_an_uncommitted_gate_warns_and_promote_refuses_it(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit_gate(project, GATE, LOOSER_GATE)
    policy = project.root / "policies/basic.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    capsys.readouterr()
    code = main(
        ["-C", str(project.root), "run", "--no-register", MODEL],
        environ={"GITHUB_ACTIONS": "true"},
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert (
        "warning: iris-species trained on uncommitted inputs: mlops.yaml, policies/basic.yaml"
        in (" ".join(out.split()))
    )
    assert "::warning::iris-species trained on uncommitted inputs: mlops.yaml" in out
    assert _lineage(project)["dirty_inputs"] == ["mlops.yaml", "policies/basic.yaml"]

    main_before = head_of(project.bare, "main")
    with serve(heads=lambda branch: head_of(project.bare, branch)) as fake:
        code, data, _ = project.cli(capsys, project.environ(fake), "promote", MODEL)
        assert code == 1, data
        assert "mlops.yaml, policies/basic.yaml" in data["error"]
        assert "commit and push them" in data["hint"]
        assert fake.calls == []  # refused before any API call
    assert head_of(project.bare, BRANCH) is None  # nothing pushed
    assert head_of(project.bare, "main") == main_before

    # putting the files back is not enough: the candidate's lineage says what it was trained on
    git(project.root, "checkout", "--", "mlops.yaml", "policies/basic.yaml")
    with serve(heads=lambda branch: head_of(project.bare, branch)) as fake:
        code, data, _ = project.cli(capsys, project.environ(fake), "promote", MODEL)
    assert code == 1 and "mlops.yaml, policies/basic.yaml" in data["error"]
    assert head_of(project.bare, BRANCH) is None


def test_an_edit_after_a_clean_run_is_refused_too(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["-C", str(project.root), "run", "--no-register", MODEL, "--json"], environ={}) == 0
    assert _lineage(project)["dirty_inputs"] == []
    _edit_gate(project, GATE, LOOSER_GATE)  # the gate the candidate was judged by is not this one
    with serve(heads=lambda branch: head_of(project.bare, branch)) as fake:
        code, data, _ = project.cli(capsys, project.environ(fake), "promote", MODEL)
    assert code == 1 and data["error"].endswith(": mlops.yaml")
    assert head_of(project.bare, BRANCH) is None
    git(project.root, "checkout", "--", "mlops.yaml")
