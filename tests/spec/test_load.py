"""The loader as an API: what a loaded project holds, and problems found across files at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from builders import write_file

from mlgitops.errors import SpecError
from mlgitops.spec import load_project
from mlgitops.spec.models import EstimatorSpec, ModelSpec
from mlgitops.spec.sections import salvage

FIXTURE = Path(__file__).parent / "fixtures" / "project"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    return root


def _problems(root: Path, **kwargs: bool) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_project(root, **kwargs)  # type: ignore[arg-type]
    return [str(d) for d in info.value.diagnostics]


def _edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_valid_project(repo: Path) -> None:
    project = load_project(repo)
    assert list(project.spec.models) == ["churn-classifier"]
    assert (
        project.pipelines["churn-classifier"].estimator.class_path
        == "sklearn.linear_model.LogisticRegression"
    )
    assert list(project.policy_files) == ["policies/production.yaml"]
    assert sorted(project.documents) == [
        "mlops.yaml",
        "pipelines/churn.yaml",
        "policies/production.yaml",
    ]
    assert set(project.file_digests) == set(project.documents)
    assert all(len(digest) == 64 for digest in project.file_digests.values())


def test_inline_estimator_gets_default_preprocessing(repo: Path) -> None:
    _edit(
        repo,
        "mlops.yaml",
        "    pipeline: pipelines/churn.yaml\n",
        "    estimator: {class: sklearn.tree.DecisionTreeClassifier, params: {max_depth: 3}}\n",
    )
    pipeline = load_project(repo).pipelines["churn-classifier"]
    assert pipeline.estimator.params == {"max_depth": 3}
    assert pipeline.preprocess.numeric.scale == "standard"


def test_missing_spec_says_how_to_start(tmp_path: Path) -> None:
    assert _problems(tmp_path) == [
        "mlops.yaml:1:1: file not found; run 'mlgitops init' to create one, or point -C at the repository root"
    ]


def test_problems_in_every_file_are_reported_together(repo: Path) -> None:
    _edit(repo, "mlops.yaml", "project: demo", "project: demo\nproject: again")
    _edit(repo, "pipelines/churn.yaml", "  params:", "  class: sklearn.svm.SVC\n  params:")
    _edit(
        repo,
        "policies/production.yaml",
        "    severity: warning",
        "    severity: warning\n    severity: error",
    )
    assert _problems(repo, check_estimators=False) == [
        "mlops.yaml:3:1: project: duplicate key 'project' (first defined on line 2); keep one",
        "pipelines/churn.yaml:6:3: estimator.class: duplicate key 'class' (first defined on line 5); keep one",
        "policies/production.yaml:8:5: rules[1].severity: duplicate key 'severity' (first defined on line 7); "
        "keep one",
    ]


def test_pipeline_shared_by_two_models_is_reported_once(repo: Path) -> None:
    spec = (repo / "mlops.yaml").read_text(encoding="utf-8")
    model = spec[spec.index("  churn-classifier:") :]
    (repo / "mlops.yaml").write_text(
        spec + model.replace("churn-classifier:", "churn-copy:", 1), encoding="utf-8"
    )
    _edit(repo, "pipelines/churn.yaml", "max_iter: 200", "max_iters: 200")
    assert _problems(repo) == [
        "pipelines/churn.yaml:6:20: estimator.params.max_iters: 'LogisticRegression' has no parameter "
        "'max_iters' (did you mean 'max_iter'?)"
    ]


def test_a_bad_model_does_not_hide_a_bad_dataset(repo: Path) -> None:
    _edit(repo, "mlops.yaml", "unique: [customer_id]", "unique: [customer]")
    _edit(repo, "mlops.yaml", "task: classification", "task: classify")
    paths = [problem.split(": ")[1] for problem in _problems(repo, check_estimators=False)]
    assert paths == ["datasets.churn.checks.unique[0]", "models.churn-classifier.task"]


def test_a_malformed_dataset_does_not_make_its_model_dangle(repo: Path) -> None:
    _edit(repo, "mlops.yaml", "    target: churned\n", "    target: [churned]\n")
    problems = _problems(repo, check_estimators=False)
    assert problems == ["mlops.yaml:9:13: datasets.churn.target: Input should be a valid string"]


def test_data_file_must_be_a_file_inside_the_repository(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n1\n", encoding="utf-8")
    (repo / "data" / "link.csv").symlink_to(outside)
    (repo / "data" / "folder.csv").mkdir()
    _edit(repo, "mlops.yaml", "path: data/churn.csv", "path: data/link.csv")
    assert _problems(repo, check_estimators=False) == [
        "mlops.yaml:8:11: datasets.churn.path: data file 'data/link.csv' links to a file outside the "
        "repository; copy the file in instead"
    ]
    _edit(repo, "mlops.yaml", "path: data/link.csv", "path: data/folder.csv")
    assert _problems(repo, check_estimators=False) == [
        "mlops.yaml:8:11: datasets.churn.path: data file 'data/folder.csv' is a directory, not a file"
    ]


def test_pipeline_file_with_syntax_error_and_spec_error_together(repo: Path) -> None:
    write_file(repo, "pipelines/churn.yaml", "estimator: {class: [\n")
    _edit(repo, "mlops.yaml", "method: psi", "method: pssi")
    problems = _problems(repo)
    assert len(problems) == 2
    assert problems[0].startswith(
        "mlops.yaml:31:15: models.churn-classifier.drift.method: unknown drift method "
        "'pssi' (did you mean 'psi'?)"
    )
    assert problems[1].startswith("pipelines/churn.yaml:2:1: YAML syntax error:")


def test_python_version_must_be_quoted(repo: Path) -> None:
    _edit(repo, "mlops.yaml", 'python: "3.11"', "python: 3.10")
    assert _problems(repo, check_estimators=False) == [
        'mlops.yaml:4:11: ci.python: write the version in quotes, like "3.1": unquoted, YAML reads it as a '
        "number (3.10 becomes 3.1)"
    ]


def test_estimator_spec_is_built_by_name_in_code_but_by_alias_in_files() -> None:
    assert EstimatorSpec(class_path="sklearn.svm.SVC").class_path == "sklearn.svm.SVC"
    assert (
        EstimatorSpec.model_validate({"class": "sklearn.svm.SVC"}, by_name=False).class_path
        == "sklearn.svm.SVC"
    )


def test_salvage_leaves_out_malformed_parts() -> None:
    raw = {
        "dataset": "churn",
        "task": "classification",
        "estimator": {"class": "sklearn.svm.SVC"},
        "metrics": ["accuracy", "acc", "f1"],
        "drift": {"on_drift": "retrain"},
        "split": {"seed": -1},
    }
    model = salvage(ModelSpec, raw)
    assert model is not None
    assert model.metrics == ["accuracy", "f1"]
    assert model.drift is not None and model.drift.on_drift == "promote"
    assert model.split.seed == 42
    assert raw["metrics"] == ["accuracy", "acc", "f1"]  # the document's data is untouched


def test_salvage_gives_up_on_required_parts() -> None:
    assert (
        salvage(ModelSpec, {"dataset": "churn", "task": "classify", "pipeline": "p.yaml"}) is None
    )
    assert salvage(ModelSpec, {"dataset": "churn", "task": "regression"}) is None  # no estimator
    assert salvage(ModelSpec, "not a mapping") is None
