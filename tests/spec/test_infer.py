"""`mlgitops init --from FILE --target COL`: columns guessed from the data, a project that runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from builders import write_breast_cancer_csv
from golden_util import assert_golden

from mlgitops import __version__
from mlgitops.cli import main
from mlgitops.spec.infer import infer_column, infer_dataset, widened


def _text(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype="str")


def test_whole_numbers_are_integers_with_widened_bounds_that_do_not_cross_zero() -> None:
    column = infer_column("age", _text(["3", "17", "59", "", "40"]))
    assert (column.type, column.min, column.max, column.nullable) == ("integer", 0.0, 65.0, True)
    assert column.missing == 1
    assert column.guess() == "integer 0..65 (seen 3..59), 1 blank"


def test_numbers_markers_and_negative_ranges() -> None:
    column = infer_column("t", _text(["-1.5", "NA", "2.25", "0.5"]))
    assert (column.type, column.nullable) == ("number", True)
    assert column.min is not None and column.min < -1.5
    assert column.max is not None and column.max > 2.25
    assert widened(10.0, 20.0, integer=False) == (9.0, 21.0)
    assert widened(-20.0, -10.0, integer=True) == (-21.0, -9.0)
    assert widened(-20.0, -10.0, integer=False)[1] <= 0


def test_text_is_a_category_up_to_the_limit_then_a_string() -> None:
    few = infer_column("band", _text(["small", "large", "", "small"]))
    assert (few.type, few.values, few.nullable) == ("category", ("large", "small"), True)
    many = infer_column("city", _text([f"c{i % 30}" for i in range(90)]))
    assert many.type == "string" and not many.unique
    assert infer_column(
        "city", _text([f"c{i % 30}" for i in range(90)]), max_categories=30
    ).type == ("category")
    ids = infer_column("id", _text([f"ID{i}" for i in range(50)]))
    assert (ids.type, ids.unique) == ("string", True)


def test_words_are_booleans_and_a_numeric_label_target_is_a_category() -> None:
    assert infer_column("flag", _text(["yes", "no", "Yes"])).type == "boolean"
    assert infer_column("n", _text(["0", "1", "1"])).type == "integer"  # a feature stays a number
    assert infer_column("y", _text(["0", "1", "1"]), target=True).type == "boolean"
    label = infer_column("y", _text(["0", "2", "1", "2"]), target=True)
    assert (label.type, label.values) == ("category", (0, 1, 2))
    frame = pd.DataFrame({"x": _text(["1.5", "2", "3"]), "y": _text(["2.5", "7.25", "1"])})
    inferred = infer_dataset(frame, "y")
    assert inferred.task == "regression"


def test_majority_share_and_ids() -> None:
    frame = pd.DataFrame(
        {
            "key": _text([f"k{i}" for i in range(30)]),
            "x": _text([str(i) for i in range(30)]),
            "y": _text(["a"] * 20 + ["b"] * 10),
        }
    )
    inferred = infer_dataset(frame, "y")
    assert (inferred.task, inferred.classes, inferred.ids) == (
        "classification",
        ["a", "b"],
        ["key"],
    )
    assert inferred.majority_share == pytest.approx(2 / 3)


@pytest.fixture
def breast_cancer_repo(tmp_path: Path) -> Path:
    root = tmp_path / "cancer"
    write_breast_cancer_csv(root / "data" / "breast_cancer.csv")
    return root


def _cli(*argv: str) -> int:
    return main(list(argv), environ={})


def test_init_from_says_what_it_guessed(
    breast_cancer_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(breast_cancer_repo)
    assert _cli("init", "--from", "data/breast_cancer.csv", "--target", "diagnosis") == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert_golden("spec/init_from.txt", out)
    spec = (breast_cancer_repo / "mlops.yaml").read_text(encoding="utf-8")
    assert_golden("spec/init_from_mlops.yaml", spec)
    assert f"install: pip install mlgitops=={__version__}\n" in spec
    assert "      mean radius: {type: number, min: 4, max: 31}\n" in spec
    assert (
        "      size band: {type: category, values: [large, medium, small], nullable: true}\n"
        in (spec)
    )
    assert (breast_cancer_repo / ".gitignore").read_text(encoding="utf-8").endswith(".mlgitops/\n")


def test_init_from_validates_runs_and_predict_scores_the_same_file(
    breast_cancer_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newcomer's first hour: no edit between init and a registered model."""
    import subprocess

    monkeypatch.chdir(breast_cancer_repo)
    subprocess.run(["git", "init", "-q", str(breast_cancer_repo)], check=True)  # no commit yet
    assert _cli("init", "--from", "data/breast_cancer.csv", "--target", "diagnosis") == 0
    assert _cli("validate") == 0
    capsys.readouterr()
    assert _cli("run", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert [m["passed"] for m in result["models"]] == [True]
    card = (breast_cancer_repo / "models/breast-cancer-classifier/versions/1/card.md").read_text()
    assert "| Git commit | none (outside git, or before the first commit) |" in card
    out_file = breast_cancer_repo / "scored.csv"
    assert (
        _cli(
            "predict",
            "breast-cancer-classifier",
            "data/breast_cancer.csv",
            "--version",
            "1",
            "--keep",
            "mean radius",
            "-o",
            str(out_file),
        )
        == 0
    )
    assert "569 rows scored" in capsys.readouterr().out
    scored = pd.read_csv(out_file)
    assert list(scored.columns) == [
        "mean radius",
        "prediction",
        "proba_benign",
        "proba_malignant",
    ]
    source = pd.read_csv(breast_cancer_repo / "data" / "breast_cancer.csv")
    assert (scored["mean radius"] == source["mean radius"]).all()
    # a linear model on this data is right on nearly every row it was shown
    assert (scored["prediction"] == source["diagnosis"]).mean() > 0.9
    capsys.readouterr()
    assert (
        _cli("predict", "breast-cancer-classifier", "data/breast_cancer.csv", "--version", "1") == 0
    )
    shown = capsys.readouterr().out
    assert "breast-cancer-classifier v1: 569 rows scored; the first 10 shown" in shown
    assert "--output FILE writes every row" in shown
    assert max(len(line) for line in shown.splitlines()) <= 80


def test_init_from_refuses_what_it_cannot_use(
    breast_cancer_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(breast_cancer_repo)
    assert _cli("init", "--from", "data/breast_cancer.csv", "--target", "diagnosys") == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "error: --target diagnosys: data/breast_cancer.csv has no such column "
        "(did you mean 'diagnosis'?)"
    )
    assert _cli("init", "--from", "data/breast_cancer.csv") == 2
    assert "--from and --target go together" in capsys.readouterr().err
    outside = write_breast_cancer_csv(tmp_path / "elsewhere.csv")
    assert _cli("init", "--from", str(outside), "--target", "diagnosis") == 2
    assert "the file is outside the repository" in capsys.readouterr().err
    assert not (breast_cancer_repo / "mlops.yaml").exists()
