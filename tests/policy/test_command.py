from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from policy.builders import evidence, write_candidate, write_project

from mlgitops import cli
from mlgitops.commands import Context
from mlgitops.commands.policy import run
from mlgitops.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK
from mlgitops.evidence import CandidateEvidence
from mlgitops.registry import Registry
from mlgitops.workspace import candidate_dir

POLICY = """
    policy: team
    rules:
      - name: auc-floor
        rule: candidate.metrics.roc_auc >= 0.8
      - name: no-regression
        rule: production == null || candidate.metrics.roc_auc >= production.metrics.roc_auc - 0.01
      - name: model-size
        rule: candidate.onnx.size_bytes <= 1024
    waivers:
      - rule: model-size
        model: churn
        until: {until}
        reason: batch scoring only
"""
FUTURE, PAST = "2999-12-31", "2000-01-01"


def _policy(until: str = FUTURE) -> str:
    return POLICY.replace("{until}", until)


def _main(root: Path, *args: str, environ: dict[str, str] | None = None) -> int:
    return cli.main(["policy", "churn", "-C", str(root), *args], environ=environ or {})


def _register(root: Path, candidate: CandidateEvidence) -> int:
    registry = Registry(root)
    ref = registry.register(
        "churn", {"model.onnx": b"onnx", "evidence.json": candidate.model_dump_json().encode()}
    )
    return ref.version


def test_without_a_candidate_it_says_to_run_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, _policy())
    assert _main(tmp_path) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "error: churn has no candidate yet" in err
    assert "hint: run `mlgitops run churn` first" in err


def test_an_unknown_model_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, _policy())
    assert cli.main(["policy", "chrun", "-C", str(tmp_path)], environ={}) == EXIT_BAD_INPUT
    assert "did you mean 'churn'?" in capsys.readouterr().err


def test_a_failing_error_rule_exits_1_and_is_stored_with_the_candidate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, _policy())
    write_candidate(tmp_path, "churn", evidence(metrics={"roc_auc": 0.7, "accuracy": 0.8}))
    assert _main(tmp_path) == EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert "auc-floor" in out
    assert "policy failed for churn: 1 passed, 1 failed, 1 waived" in out
    stored = json.loads(
        (candidate_dir(tmp_path, "churn") / "policy.json").read_text(encoding="utf-8")
    )
    assert stored["passed"] is False
    assert [r["status"] for r in stored["results"]] == ["failed", "passed", "waived"]


def test_a_waived_failure_passes_and_says_waived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, _policy())
    write_candidate(tmp_path, "churn", evidence())
    assert _main(tmp_path) == EXIT_OK
    out = capsys.readouterr().out
    assert "waived" in out  # the table folds long cells on an 80-column terminal
    assert "policy passed for churn: 2 passed, 1 waived" in out
    assert _main(tmp_path, "--markdown") == EXIT_OK
    assert (
        "| team | `model-size` | error | 🟡 waived until 2999-12-31 | candidate.onnx.size_bytes = 4096 — "
        "waiver: batch scoring only |" in capsys.readouterr().out
    )


def test_an_expired_waiver_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, _policy(PAST))
    write_candidate(tmp_path, "churn", evidence())
    assert _main(tmp_path, "--json") == EXIT_CHECK_FAILED
    data = json.loads(capsys.readouterr().out)
    size = data["results"][2]
    assert (size["status"], size["blocking"]) == ("error", True)
    assert size["message"].startswith("waiver expired on 2000-01-01 (batch scoring only)")
    assert size["waiver"] == {
        "until": "2000-01-01",
        "reason": "batch scoring only",
        "expired": True,
    }


def test_a_registered_version_is_checked_against_production(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, _policy())
    first = _register(tmp_path, evidence(version=1, metrics={"roc_auc": 0.95, "accuracy": 0.9}))
    Registry(tmp_path).set_production("churn", first)
    second = _register(tmp_path, evidence(version=2))  # roc_auc 0.91: worse than production
    assert _main(tmp_path, "--version", str(second), "--json") == EXIT_CHECK_FAILED
    data = json.loads(capsys.readouterr().out)
    assert (data["version"], data["production_version"]) == (2, 1)
    regression = data["results"][1]
    assert regression["status"] == "failed"
    assert (
        regression["message"]
        == "candidate.metrics.roc_auc = 0.91; production.metrics.roc_auc = 0.95"
    )
    # registered versions are never rewritten, and no workspace candidate appears
    # (registering stages in .mlgitops/, so the workspace itself exists)
    assert not (tmp_path / ".mlgitops" / "candidates").exists()
    assert _main(tmp_path, "--version", "9") == EXIT_BAD_INPUT


def test_markdown_output_and_github_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, _policy())
    write_candidate(tmp_path, "churn", evidence(metrics={"roc_auc": 0.7, "accuracy": 0.8}))
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs.txt"
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
    }
    assert _main(tmp_path, "--markdown", environ=environ) == EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert out.startswith("### Policy: churn — ❌ failed")
    assert "| team | `auc-floor` | error | ❌ failed | candidate.metrics.roc_auc = 0.7 |" in out
    assert "::error file=policies/team.yaml,line=4::policy team, rule auc-floor: failed: " in out
    assert summary.read_text(encoding="utf-8").startswith("### Policy: churn — ❌ failed")
    assert outputs.read_text(encoding="utf-8") == "passed=false\n"


def test_broken_candidate_evidence_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, _policy())
    path = write_candidate(tmp_path, "churn", evidence())
    path.write_text('{"model": "churn"}', encoding="utf-8")
    assert _main(tmp_path) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "error: .mlgitops/candidates/churn/evidence.json cannot be read" in err
    assert "run `mlgitops run churn` again" in err


def test_the_verb_takes_today_explicitly(tmp_path: Path) -> None:
    write_project(tmp_path, _policy("2026-06-30"))
    write_candidate(tmp_path, "churn", evidence())
    context = Context(root=tmp_path, environ={})
    assert run(context, "churn", None, today=dt.date(2026, 6, 30)).exit_code == EXIT_OK
    late = run(context, "churn", None, today=dt.date(2026, 7, 1))
    assert late.exit_code == EXIT_CHECK_FAILED
    assert late.data["results"][2]["status"] == "error"
