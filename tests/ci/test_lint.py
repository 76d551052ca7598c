"""Real linters report nothing on the compiled workflows: actionlint (with shellcheck),
zizmor --offline --pedantic, and the GitHub workflow JSON Schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from ci.support import GOLDEN_SPECS, SPECS, GitRepo, lint_workflows, write_workflows

from mlgitops.ci import compile_workflows
from mlgitops.spec import load_project

REPO_ROOT = Path(__file__).resolve().parents[2]
CLEAN = {"actionlint": "", "zizmor": "", "check-jsonschema": ""}


def _compiled_repo(tmp_path: Path, spec: str) -> Path:
    repo = GitRepo.init(tmp_path / spec)  # actionlint finds the project through git
    write_workflows(
        repo.root, compile_workflows(load_project(SPECS / spec, check_estimators=False))
    )
    return repo.root


@pytest.mark.parametrize("spec", GOLDEN_SPECS)
def test_linters_report_nothing_on_compiled_specs(tmp_path: Path, spec: str) -> None:
    root = _compiled_repo(tmp_path, spec)
    assert lint_workflows(root, runner_labels=("gpu",)) == CLEAN


def test_linters_report_nothing_on_this_repositorys_workflows(tmp_path: Path) -> None:
    """The compiled demo workflows and the hand-written test workflow, as committed."""
    repo = GitRepo.init(tmp_path / "repo")
    committed = {
        p.name: p.read_text(encoding="utf-8")
        for p in (REPO_ROOT / ".github" / "workflows").iterdir()
    }
    assert "test.yml" in committed
    write_workflows(repo.root, committed)
    assert lint_workflows(repo.root) == CLEAN


def test_the_linters_do_catch_problems(tmp_path: Path) -> None:
    """Each tool fails on a workflow with a flaw it checks, so a clean report means something."""
    root = _compiled_repo(tmp_path, "minimal")
    path = root / ".github" / "workflows" / "mlgitops-ci.yml"
    compiled = path.read_text(encoding="utf-8")
    path.write_text(
        compiled.replace(
            'mlgitops run --no-register "$MODEL"',
            "mlgitops run ${{ github.event.pull_request.title }}",
        ),
        encoding="utf-8",
    )
    injected = lint_workflows(root)
    assert "template-injection" in injected["zizmor"]
    assert "potentially untrusted" in injected["actionlint"]
    path.write_text(
        compiled.replace("timeout-minutes: 15\n", "timeout-minutes: fifteen\n", 1), encoding="utf-8"
    )
    malformed = lint_workflows(root)
    assert "timeout-minutes" in malformed["check-jsonschema"]
    assert "timeout-minutes" in malformed["actionlint"]
    assert malformed["zizmor"]  # strict collection: an unreadable workflow is a failure


def test_local_reusable_calls_are_what_zizmor_notes_and_nothing_else(tmp_path: Path) -> None:
    """`ci.reusable: local` writes `uses: ./…` for GHES and runners older than 2.336; zizmor's
    self-repository audit asks for `$/…` there, expectedly, and finds nothing else."""
    import re
    import shutil

    spec_dir = tmp_path / "spec"
    shutil.copytree(SPECS / "newcomer", spec_dir)
    spec = spec_dir / "mlops.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(
            "  default_branch: trunk\n", "  default_branch: trunk\n  reusable: local\n"
        ),
        encoding="utf-8",
    )
    workflows = compile_workflows(load_project(spec_dir, check_estimators=False))
    drift = workflows["mlgitops-drift.yml"]
    assert "uses: ./.github/workflows/mlgitops-drift-model.yml" in drift
    assert "$/" not in drift
    repo = GitRepo.init(tmp_path / "repo")
    write_workflows(repo.root, workflows)
    report = lint_workflows(repo.root, runner_labels=("gpu",))
    assert report["actionlint"] == "" and report["check-jsonschema"] == ""
    findings = re.findall(r"^(\w+)\[([\w-]+)\]", report["zizmor"], flags=re.MULTILINE)
    assert findings and {audit for _, audit in findings} == {"self-repository"}
