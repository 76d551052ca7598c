"""Which models a change affects, computed from a real git repository."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ci.support import GitRepo, copy_spec

from mlgitops.ci.affected import affected_models
from mlgitops.errors import BadInputError, ExternalError
from mlgitops.spec import load_project

ALL = ["churn-classifier", "churn-baseline", "usage-forecast", "usage-experiment"]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(copy_spec("newcomer", tmp_path / "repo"))
    repo.commit("base")
    return repo


def _affected(repo: GitRepo, base: str | None) -> dict[str, str]:
    return affected_models(load_project(repo.root, check_estimators=False), base).reasons


def _append(relative: str, text: str) -> Callable[[GitRepo], None]:
    return lambda repo: repo.write(relative, (repo.root / relative).read_text() + text)


def _replace(relative: str, old: str, new: str) -> Callable[[GitRepo], None]:
    return lambda repo: repo.replace(relative, old, new)


NEW_MODEL = """  churn-forest:
    dataset: churn
    task: classification
    features: {exclude: [customer_id]}
    estimator: {class: sklearn.ensemble.RandomForestClassifier}
    metrics: [accuracy]
"""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _append("data/churn.csv", "c5,3,20.0,one-year,false\n"),
            {
                "churn-classifier": "data/churn.csv changed",
                "churn-baseline": "data/churn.csv changed",
            },
        ),
        (
            _replace("pipelines/churn.yaml", "max_iter: 100", "max_iter: 120"),
            {"churn-classifier": "pipelines/churn.yaml changed"},
        ),
        (
            _append(
                "policies/production.yaml",
                "  - name: size\n    rule: candidate.onnx.size_bytes < 1000000\n",
            ),
            {
                "churn-classifier": "policies/production.yaml changed",
                "usage-forecast": "policies/production.yaml changed",
            },
        ),
        (
            _replace(
                "mlops.yaml",
                "class: sklearn.linear_model.Ridge",
                "class: sklearn.linear_model.Lasso",
            ),
            {"usage-experiment": "mlops.yaml: models.usage-experiment changed"},
        ),
        (
            _replace(
                "mlops.yaml",
                "gigabytes: {type: number, min: 0}",
                "gigabytes: {type: number, min: 0.0, max: 1000}",
            ),
            {
                "usage-forecast": "mlops.yaml: datasets.usage changed",
                "usage-experiment": "mlops.yaml: datasets.usage changed",
            },
        ),
        (_append("mlops.yaml", NEW_MODEL), {"churn-forest": "new model"}),
        (_replace("mlops.yaml", "# A spec as", "# Reworded: a spec as"), {}),  # comments only
        (
            _append("data/churn_current.csv", "c9,1,1.0,one-year,true\n"),
            {},
        ),  # drift input, not training
        (lambda repo: repo.write("README.md", "# telco\n"), {}),
    ],
)
def test_models_affected_by_a_change(
    repo: GitRepo, change: Callable[[GitRepo], None], expected: dict[str, str]
) -> None:
    base = repo.git("rev-parse", "HEAD")
    change(repo)
    repo.commit("change")
    assert _affected(repo, base) == expected


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda repo: repo.write("src/telco/features.py", "X = 1\n"),
            "the engine changed (src/telco/features.py)",
        ),
        (
            lambda repo: repo.write("pyproject.toml", "[project]\nname = 'x'\n"),
            "the engine changed (pyproject.toml)",
        ),
        (
            _replace("mlops.yaml", "timeout_minutes: 45", "timeout_minutes: 50"),
            "mlops.yaml: shared setting 'ci' changed",
        ),
    ],
)
def test_engine_and_shared_settings_affect_every_model(
    repo: GitRepo, change: Callable[[GitRepo], None], reason: str
) -> None:
    base = repo.git("rev-parse", "HEAD")
    change(repo)
    repo.commit("change")
    assert _affected(repo, base) == dict.fromkeys(ALL, reason)


def test_a_renamed_data_file_affects_its_models(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("mv", "data/usage.csv", "data/usage-2026.csv")
    repo.replace("mlops.yaml", "path: data/usage.csv", "path: data/usage-2026.csv")
    repo.commit("rename")
    assert list(_affected(repo, base)) == ["usage-forecast", "usage-experiment"]


def test_only_committed_changes_since_the_merge_base_count(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "feature")
    repo.replace("pipelines/churn.yaml", "max_iter: 100", "max_iter: 150")
    repo.commit("feature work")
    repo.git("checkout", "-q", "main")
    _append("data/usage.csv", "c5,9,9.9\n")(repo)
    main_tip = repo.commit("meanwhile on main")
    repo.git("checkout", "-q", "feature")
    # BASE...HEAD diffs from the merge base: main's own later change is not this branch's
    assert _affected(repo, main_tip) == {"churn-classifier": "pipelines/churn.yaml changed"}
    assert base != main_tip


@pytest.mark.parametrize("base", [None, "", "0" * 40])
def test_without_a_base_every_model_runs(repo: GitRepo, base: str | None) -> None:
    assert _affected(repo, base) == dict.fromkeys(ALL, "no base commit to compare with")


def test_a_base_without_mlops_yaml_affects_every_model(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("README.md", "# empty\n")
    base = repo.commit("before the spec")
    copy_spec("newcomer", tmp_path / "spec")
    for path in (tmp_path / "spec").rglob("*"):
        if path.is_file():
            repo.write(str(path.relative_to(tmp_path / "spec")), path.read_text())
    repo.commit("add the spec")
    assert set(_affected(repo, base).values()) == {
        f"mlops.yaml is missing or unreadable at {base[:12]}"
    }


def test_an_unknown_base_is_an_outside_failure(repo: GitRepo) -> None:
    with pytest.raises(ExternalError) as caught:
        _affected(repo, "f" * 40)
    assert caught.value.exit_code == 3
    assert "is not in this repository" in caught.value.message
    assert "fetch-depth: 0" in (caught.value.hint or "")


def test_an_option_is_not_taken_for_a_commit(repo: GitRepo) -> None:
    with pytest.raises(BadInputError):
        _affected(repo, "--output=/tmp/x")
