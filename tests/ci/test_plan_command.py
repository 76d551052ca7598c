"""`mlgitops plan`: the matrix as JSON, and as step outputs inside GitHub Actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ci.support import GitRepo, copy_spec

from mlgitops.cli import main
from mlgitops.spec import load_project

ENV = {"PATH": "/usr/bin:/bin"}


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(copy_spec("newcomer", tmp_path / "repo"))
    repo.commit("base")
    return repo


def _outputs(path: Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT file (key=value lines and key<<DELIM blocks)."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            key, delimiter = line.split("<<", 1)
            outputs[key] = "\n".join(iter(lines.__next__, delimiter))
        else:
            key, value = line.split("=", 1)
            outputs[key] = value
    return outputs


def test_plan_prints_the_matrix_of_every_model_without_a_base(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "-C", str(repo.root)], environ=ENV) == 0
    matrix = json.loads(capsys.readouterr().out)
    assert [entry["model"] for entry in matrix["include"]] == [
        "churn-classifier",
        "churn-baseline",
        "usage-forecast",
        "usage-experiment",
    ]
    assert all(len(entry["inputs_sha256"]) == 64 for entry in matrix["include"])


def test_plan_in_actions_writes_step_outputs_and_a_summary(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.replace(
        "mlops.yaml", "params: {n_estimators: 50, random_state: 0}", "params: {n_estimators: 80}"
    )
    repo.commit("more trees")
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    environ = {
        **ENV,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    assert main(["plan", "--changed", base, "-C", str(repo.root)], environ=environ) == 0
    outputs = _outputs(output)
    # the self-hosted model is matrix group 2 (see the compiled workflow's model-2 job)
    assert json.loads(outputs["matrix_2"])["include"][0]["model"] == "usage-forecast"
    assert outputs["has_models_2"] == "true"
    assert json.loads(outputs["matrix_1"]) == {"include": []}
    assert outputs["has_models_1"] == "false"
    assert outputs["has_models"] == "true"
    assert "| `usage-forecast` | mlops.yaml: models.usage-forecast changed |" in summary.read_text()
    capsys.readouterr()


def test_inputs_digest_changes_with_the_models_inputs_only(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    def digests() -> dict[str, str]:
        assert main(["plan", "--json", "-C", str(repo.root)], environ=ENV) == 0
        return {
            e["model"]: e["inputs_sha256"] for e in json.loads(capsys.readouterr().out)["include"]
        }

    before = digests()
    repo.replace("pipelines/churn.yaml", "max_iter: 100", "max_iter: 101")
    after = digests()
    assert after["churn-classifier"] != before["churn-classifier"]
    assert {k: v for k, v in after.items() if k != "churn-classifier"} == {
        k: v for k, v in before.items() if k != "churn-classifier"
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--schedule", "0 6 * * 1"],
            [("churn-classifier", "promote"), ("churn-baseline", "issue")],
        ),
        (["--schedule", "*/30 2 * * *"], [("usage-forecast", "fail")]),
        (["--schedule", "0 0 1 1 *"], []),
        (["--model", "usage-forecast", "--schedule", ""], [("usage-forecast", "fail")]),
        (
            [],
            [
                ("churn-classifier", "promote"),
                ("churn-baseline", "issue"),
                ("usage-forecast", "fail"),
            ],
        ),
    ],
)
def test_drift_plan_selects_by_schedule_or_model(
    repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    expected: list[tuple[str, str]],
) -> None:
    assert main(["plan", "--drift", *args, "--json", "-C", str(repo.root)], environ=ENV) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(e["model"], e["on_drift"]) for e in data["include"]] == expected
    assert data["has_models"] is bool(expected)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("usage-experiment", "'usage-experiment' has no drift section"),
        (
            "churn-clasifier",
            "'churn-clasifier' is not a model in mlops.yaml (did you mean 'churn-classifier'?)",
        ),
    ],
)
def test_drift_plan_refuses_models_without_drift_checks(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], model: str, message: str
) -> None:
    assert main(["plan", "--drift", "--model", model, "-C", str(repo.root)], environ=ENV) == 2
    assert message in capsys.readouterr().err


def test_plan_groups_agree_with_the_compiled_workflow(repo: GitRepo) -> None:
    from mlgitops.ci import compile_workflows
    from mlgitops.ci.planning import ci_plan

    project = load_project(repo.root, check_estimators=False)
    workflow = compile_workflows(project)["mlgitops-ci.yml"]
    for group in ci_plan(project, None).groups:
        assert f"if: needs.plan.outputs.{group.has_models_output} == 'true'" in workflow
        assert f"fromJSON(needs.plan.outputs.{group.matrix_output})" in workflow


def test_an_unknown_base_exits_3(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--changed", "0123456789abcdef", "-C", str(repo.root)], environ=ENV) == 3
    assert "base commit '0123456789abcdef' is not in this repository" in capsys.readouterr().err
