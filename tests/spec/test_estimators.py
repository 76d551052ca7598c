"""Estimators named in YAML: never imported outside the allowed packages; params checked by scikit-learn."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgitops import yamlio
from mlgitops.spec import estimators
from mlgitops.spec.estimators import allowed_package, check_estimator
from mlgitops.spec.models import EstimatorSpec


def _doc(text: str) -> yamlio.LocatedDocument:
    return yamlio.parse_text(textwrap.dedent(text).lstrip("\n"), "pipelines/p.yaml")


def _check(text: str, task: str = "classification", allow: list[str] | None = None) -> list[str]:
    doc = _doc(text)
    spec = EstimatorSpec.model_validate(doc.data["estimator"], by_name=False)
    return [str(d) for d in check_estimator(spec, task, allow or [], doc, ("estimator",))]  # type: ignore[arg-type]


@pytest.fixture
def tripwire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package whose import writes a marker file: proof of whether it was imported."""
    package = tmp_path / "site" / "tripwire_pkg"
    package.mkdir(parents=True)
    marker = tmp_path / "imported"
    (package / "__init__.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('yes')\nclass Payload:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(package.parent))
    yield marker
    sys.modules.pop("tripwire_pkg", None)


def test_disallowed_package_is_never_imported(
    tripwire: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported: list[str] = []
    real = estimators.import_estimator_class

    def recording(path: str) -> type:
        imported.append(path)
        return real(path)

    monkeypatch.setattr(estimators, "import_estimator_class", recording)
    for path in (
        "tripwire_pkg.Payload",
        "os.system",
        "builtins.eval",
        "subprocess.Popen",
        "sklearnx.Foo",
    ):
        problems = _check(f"estimator: {{class: {path}}}")
        assert len(problems) == 1
        assert "outside the allowed packages" in problems[0]
    assert imported == []
    assert not tripwire.exists()


def test_allowed_package_is_imported(tripwire: Path) -> None:
    """The control for the test above: once allowed, the same package is imported."""
    problems = _check("estimator: {class: tripwire_pkg.Payload}", allow=["tripwire_pkg"])
    assert tripwire.exists()
    assert problems == [
        "pipelines/p.yaml:1:20: estimator.class: 'tripwire_pkg.Payload' is not a scikit-learn estimator"
    ]


def test_allowed_package_matches_whole_names() -> None:
    assert allowed_package("sklearn.linear_model.Ridge", [])
    assert not allowed_package("sklearnx.Ridge", [])
    assert not allowed_package("sklearn", [])
    assert allowed_package("xgboost.sklearn.XGBClassifier", ["xgboost"])
    assert allowed_package("xgboost.sklearn.XGBClassifier", ["xgboost.sklearn"])
    assert not allowed_package("xgboostevil.X", ["xgboost"])


def test_every_invalid_parameter_is_reported() -> None:
    problems = _check("""
        estimator:
          class: sklearn.ensemble.RandomForestClassifier
          params:
            n_estimators: 0
            max_features: lots
            criterion: gini
    """)
    assert len(problems) == 2
    assert problems[0].startswith(
        "pipelines/p.yaml:4:19: estimator.params.n_estimators: The 'n_estimators'"
    )
    assert problems[1].startswith(
        "pipelines/p.yaml:5:19: estimator.params.max_features: The 'max_features'"
    )


def test_valid_estimators_pass() -> None:
    assert (
        _check("estimator: {class: sklearn.linear_model.LogisticRegression, params: {C: 0.5}}")
        == []
    )
    assert (
        _check(
            "estimator: {class: sklearn.ensemble.HistGradientBoostingRegressor, params: {max_iter: 50}}",
            task="regression",
        )
        == []
    )


@pytest.mark.parametrize(
    ("path", "task", "expected"),
    [
        (
            "sklearn.linear_model.LinearRegression",
            "classification",
            "'sklearn.linear_model.LinearRegression' is not a classifier, but the task is classification",
        ),
        (
            "sklearn.preprocessing.StandardScaler",
            "regression",
            "'sklearn.preprocessing.StandardScaler' is not a regressor, but the task is regression",
        ),
        (
            "sklearn.tree.DecisionTreeRegressor",
            "classification",
            "'sklearn.tree.DecisionTreeRegressor' is not a classifier, but the task is classification "
            "(did you mean 'sklearn.tree.DecisionTreeClassifier'?)",
        ),
    ],
)
def test_task_mismatch(path: str, task: str, expected: str) -> None:
    assert _check(f"estimator: {{class: {path}}}", task=task) == [
        f"pipelines/p.yaml:1:20: estimator.class: {expected}"
    ]


@pytest.mark.parametrize(
    "path", ["sklearn.", "sklearn..Ridge", "sklearn.linear_model.Ridge()", "1sklearn.Ridge"]
)
def test_malformed_import_paths_are_not_imported(path: str) -> None:
    problems = _check(f"estimator: {{class: '{path}'}}")
    assert len(problems) == 1
    assert "is not a full import path (package.module.Class)" in problems[0]


def test_a_passed_estimator_is_remembered_in_the_workspace_only(tmp_path: Path) -> None:
    """The memo of passed checks lives under the repository's `.mlgitops/`; a workspace that
    is a link out of the repository is neither read nor written."""
    spec = EstimatorSpec.model_validate(
        {"class": "sklearn.linear_model.LogisticRegression", "params": {"C": 0.5}}
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    passed, marker = estimators.checked_before(spec, "classification", repo)
    assert not passed and marker is not None
    estimators.remember_pass(marker, repo)
    assert estimators.checked_before(spec, "classification", repo) == (True, marker)
    assert marker.is_relative_to(repo / ".mlgitops")

    linked, outside = tmp_path / "linked", tmp_path / "outside"
    linked.mkdir()
    outside.mkdir()
    (linked / ".mlgitops").symlink_to(outside, target_is_directory=True)
    planted = outside / "cache" / estimators.MEMO_DIR / marker.name
    planted.parent.mkdir(parents=True)
    planted.touch()  # a pass planted outside must not count
    assert estimators.checked_before(spec, "classification", linked) == (False, None)
    estimators.remember_pass(linked / ".mlgitops" / "cache" / "x", linked)
    assert sorted(p.name for p in outside.rglob("*")) == ["cache", estimators.MEMO_DIR, marker.name]
