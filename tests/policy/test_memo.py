"""Remembered policy passes: a file compiled cleanly for this spec is not compiled again,
and any change to what the check reads (the policy file, mlops.yaml) checks it afresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import write_file
from policy.builders import SPEC, write_project

from mlgitops.errors import SpecError
from mlgitops.policy import compile as policy_compile
from mlgitops.policy import memo
from mlgitops.spec import load_project

GOOD = """
    policy: team
    rules:
      - name: auc
        rule: candidate.metrics.roc_auc >= 0.8
"""


def _load(root: Path) -> None:
    load_project(root, check_estimators=False, extra_checks=[memo.remembered_policy_check])


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The projects whose rules were compiled (the real check still runs)."""
    calls: list[Path] = []
    real = policy_compile.policy_check

    def counting(project):  # type: ignore[no-untyped-def]
        calls.append(project.root)
        return real(project)

    monkeypatch.setattr(policy_compile, "policy_check", counting)
    return calls


def _markers(root: Path) -> list[str]:
    folder = root / ".mlgitops" / "cache" / memo.MEMO_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_pass_is_remembered_and_not_compiled_again(tmp_path: Path, compiled: list[Path]) -> None:
    write_project(tmp_path, GOOD)
    _load(tmp_path)
    assert len(compiled) == 1 and len(_markers(tmp_path)) == 1
    _load(tmp_path)
    assert len(compiled) == 1  # remembered: nothing compiled


def test_an_edited_policy_file_is_checked_afresh_and_its_problem_reported(
    tmp_path: Path, compiled: list[Path]
) -> None:
    write_project(tmp_path, GOOD)
    _load(tmp_path)
    write_file(tmp_path, "policies/team.yaml", GOOD.replace("roc_auc", "roc_aoc"))
    with pytest.raises(SpecError) as info:
        _load(tmp_path)
    assert len(compiled) == 2
    assert str(info.value.diagnostics[0]).startswith(
        "policies/team.yaml:4:29: rules[0].rule: 'roc_aoc' is not a metric name"
    )
    with pytest.raises(SpecError):  # a failure is never remembered
        _load(tmp_path)
    assert len(compiled) == 3 and len(_markers(tmp_path)) == 1


def test_an_edited_spec_checks_the_unchanged_policy_file_again(
    tmp_path: Path, compiled: list[Path]
) -> None:
    # the rule reads f1: valid while every model that lists the file computes it
    write_project(tmp_path, GOOD.replace("roc_auc >= 0.8", "f1 >= 0.5"))
    _load(tmp_path)
    without_f1 = SPEC.replace("metrics: [accuracy, roc_auc, f1]", "metrics: [accuracy, roc_auc]")
    assert without_f1 != SPEC
    write_file(tmp_path, "mlops.yaml", without_f1)
    with pytest.raises(SpecError) as info:
        _load(tmp_path)
    assert len(compiled) == 2
    assert any("f1" in d.message and d.file == "policies/team.yaml" for d in info.value.diagnostics)


def test_each_file_is_remembered_on_its_own(tmp_path: Path, compiled: list[Path]) -> None:
    spec = SPEC.replace(
        "    metrics: [accuracy, roc_auc, f1]\n    policies: [policies/team.yaml]",
        "    metrics: [accuracy, roc_auc, f1]\n    policies: [policies/team.yaml, policies/b.yaml]",
    )
    assert spec != SPEC
    write_project(tmp_path, GOOD, spec=spec)
    write_file(
        tmp_path,
        "policies/b.yaml",
        GOOD.replace("policy: team", "policy: b").replace("roc_auc >=", "roc_aoc >="),
    )
    with pytest.raises(SpecError) as info:
        _load(tmp_path)
    assert {d.file for d in info.value.diagnostics} == {"policies/b.yaml"}
    assert len(_markers(tmp_path)) == 1  # team.yaml passed; b.yaml did not
