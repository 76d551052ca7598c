"""predict, status and release on a copy of the demo with its committed registry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from builders import REPO_ROOT, copy_demo

from mlgitops.cli import main

MODELS = ["churn-classifier", "house-price", "penguin-species", "events-churn"]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = copy_demo(tmp_path / "demo")
    shutil.copytree(REPO_ROOT / "models", root / "models")
    return root


def cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["-C", str(root), *args, "--json"], environ={})
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out) if out.strip() else {"stderr": err}


def test_predict_scores_with_the_production_model(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "scored.csv"
    code, data = cli(
        demo,
        capsys,
        "predict",
        "churn-classifier",
        str(demo / "data/churn_current.csv"),
        "--output",
        str(output),
    )
    assert code == 0, data
    assert (data["version"], data["rows"]) == (1, 2000)
    scored = pd.read_csv(output)
    assert list(scored.columns) == ["prediction", "proba_False", "proba_True"]
    assert set(scored["prediction"].astype(str)) <= {"True", "False"}
    assert (scored[["proba_False", "proba_True"]].sum(axis=1) - 1).abs().max() < 1e-5
    # the label is the more probable class
    assert ((scored["proba_True"] > 0.5) == (scored["prediction"].astype(str) == "True")).all()


def test_predict_regression_ignores_extra_columns(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = cli(demo, capsys, "predict", "house-price", str(demo / "data/housing.csv"))
    assert code == 0
    prices = [row["prediction"] for row in data["predictions"]]
    assert len(prices) == 4000 and all(20_000 < p < 3_000_000 for p in prices)


def test_predict_refuses_a_tampered_model(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    onnx = demo / "models/churn-classifier/versions/1/model.onnx"
    onnx.write_bytes(onnx.read_bytes()[:-10] + b"0123456789")
    code, data = cli(
        demo, capsys, "predict", "churn-classifier", str(demo / "data/churn_current.csv")
    )
    assert code == 1
    assert "sha256" in data["error"]


def test_predict_names_the_bad_column(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(demo / "data/churn_current.csv")
    frame["contract"] = frame["contract"].astype(object)
    frame.loc[3, "contract"] = "lifetime"
    frame.to_csv(tmp_path / "odd.csv", index=False)
    code, data = cli(demo, capsys, "predict", "churn-classifier", str(tmp_path / "odd.csv"))
    assert code == 1
    assert "contract: values on 1 rows (e.g. line 5: 'lifetime')" in data["error"]


def test_predict_bad_arguments_exit_2(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(demo, capsys, "predict", "churn-classifier", "nowhere.csv")[0] == 2
    assert (
        cli(demo, capsys, "predict", "churn-classifier", "data/churn.csv", "-o", "out.txt")[0] == 2
    )
    (demo / "models/penguin-species/production.yaml").unlink()
    code, data = cli(demo, capsys, "predict", "penguin-species", str(demo / "data/penguins.csv"))
    assert code == 2 and "no production version" in data["error"]
    code, data = cli(
        demo,
        capsys,
        "predict",
        "penguin-species",
        str(demo / "data/penguins.csv"),
        "--version",
        "1",
    )
    assert code == 0 and data["version"] == 1


def test_status_lists_versions_and_last_runs(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (demo / "models/house-price/production.yaml").unlink()
    code, data = cli(demo, capsys, "status")
    assert code == 0
    rows = {row["model"]: row for row in data["models"]}
    assert list(rows) == MODELS
    assert rows["churn-classifier"]["production"] == 1
    assert rows["churn-classifier"]["production_digest"] == "ok"
    assert rows["house-price"]["production"] is None and rows["house-price"]["latest"] == 1
    assert rows["penguin-species"]["last_run"] == "never run here"


def test_release_verifies_and_bundles(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = cli(demo, capsys, "release", "--no-publish", "--output", "dist/release")
    assert code == 0, data
    assert [(m["model"], m["status"]) for m in data["models"]] == [
        (m, "smoke-tested") for m in MODELS
    ]
    bundle = demo / "dist/release/churn-classifier-v1"
    release = json.loads((bundle / "release.json").read_text())
    assert release["version"] == 1 and "model.onnx" in release["sha256"]
    assert (bundle / "model.onnx").read_bytes() == (
        demo / "models/churn-classifier/versions/1/model.onnx"
    ).read_bytes()


def test_release_fails_on_a_tampered_artifact_and_says_which(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = demo / "models/house-price/versions/1/card.md"
    card.write_text(card.read_text() + "edited by hand\n")
    code, data = cli(demo, capsys, "release", "--verify-only")
    assert code == 1
    failed = [m for m in data["models"] if m["status"] == "failed"]
    assert [m["model"] for m in failed] == ["house-price"]
    assert "card.md" in failed[0]["message"]
    assert not (demo / "dist").exists()


def test_release_fails_when_production_yaml_names_another_digest(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pointer = demo / "models/penguin-species/production.yaml"
    text = pointer.read_text()
    digest = text.split("sha256: ")[1].split()[0]
    # unquoted, 64 zeros are a YAML number: a bad file, named with its line and column
    pointer.write_text(text.replace(digest, "0" * 64))
    code, data = cli(demo, capsys, "release", "penguin-species", "--verify-only")
    assert code == 2
    assert data["error"].startswith("models/penguin-species/production.yaml:2:9: sha256:")
    pointer.write_text(text.replace(digest, repr("0" * 64)))
    code, data = cli(demo, capsys, "release", "penguin-species", "--verify-only")
    assert code == 1
    assert "production.yaml names sha256 000000000000" in data["models"][0]["message"]
