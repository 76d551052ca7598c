"""`mlgitops drift` end to end: a real registry made by `mlgitops run`, real ONNX scoring."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from builders import write_spec

from mlgitops.cli import main
from mlgitops.registry import Registry

SPEC = """
    version: 1
    project: drift-test
    datasets:
      customers:
        path: data/train.csv
        target: churned
        columns:
          customer_id: {type: string}
          age: {type: number, min: 0}
          tenure: {type: integer, min: 0}
          plan: {type: category, values: [basic, plus, pro]}
          churned: {type: boolean}
        checks: {min_rows: 100, unique: [customer_id]}
        current: data/current/*.csv
    models:
      churn:
        dataset: customers
        task: classification
        features: {exclude: [customer_id]}
        estimator:
          class: sklearn.linear_model.LogisticRegression
          params: {max_iter: 500}
        drift: {drift_share: 0.5}
      never-trained:
        dataset: customers
        task: classification
        features: {exclude: [customer_id]}
        estimator:
          class: sklearn.linear_model.LogisticRegression
"""


def customers(
    rows: int,
    seed: int,
    *,
    age_shift: float = 0.0,
    plan_shares: tuple[float, ...] = (0.5, 0.3, 0.2),
    target: bool = True,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(45 + age_shift, 12, rows).clip(18, 95).round(1)
    plan = rng.choice(["basic", "plus", "pro"], rows, p=list(plan_shares))
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{seed}-{i}" for i in range(rows)],
            "age": age,
            "tenure": rng.integers(0, 60, rows),
            "plan": plan,
        }
    )
    if target:
        logit = (age - 45) / 10 + np.where(plan == "basic", 0.8, -0.4)
        frame["churned"] = rng.random(rows) < 1 / (1 + np.exp(-logit))
    return frame


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drift-project")
    write_spec(root, SPEC)
    (root / "data" / "current").mkdir(parents=True)
    customers(3000, seed=1).to_csv(root / "data" / "train.csv", index=False)
    customers(1500, seed=2, target=False).to_csv(
        root / "data" / "current" / "day-1.csv", index=False
    )
    customers(1500, seed=3, target=False).to_csv(
        root / "data" / "current" / "day-2.csv", index=False
    )
    assert main(["-C", str(root), "run", "churn", "--json"], environ={}) == 0
    assert Registry(root).latest("churn") is not None
    return root


@pytest.fixture
def project(trained: Path, tmp_path: Path) -> Path:
    """A private copy, so a test may change data or the registry."""
    root = tmp_path / "project"
    shutil.copytree(trained, root)
    return root


def drift(
    root: Path,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    environ: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], str]:
    capsys.readouterr()
    code = main(["-C", str(root), "drift", *args, "--json"], environ=environ or {})
    out = capsys.readouterr()
    # --json prints one document; in Actions, workflow annotations follow it
    payload = (
        json.JSONDecoder().raw_decode(out.out, out.out.index("{"))[0] if "{" in out.out else {}
    )
    return code, payload, out.out + out.err


def actions_env(tmp_path: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }


def test_unshifted_current_data_is_no_drift(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = actions_env(tmp_path)
    code, data, _ = drift(project, capsys, "churn", environ=env)
    assert code == 0, data
    assert data["status"] == "no-drift" and data["drifted_features"] == [] and data["rows"] == 3000
    assert data["version"] == 1 and data["source"] == "data/current/*.csv"
    assert data["notes"] == [
        "churn has no production version; compared with the latest registered version, v1"
    ]
    assert {f["feature"] for f in data["features"]} == {"age", "tenure", "plan"}
    assert data["prediction"]["computed"] is True and data["prediction"]["drifted"] is False
    assert (tmp_path / "output").read_text() == (
        "drifted=false\ndrift_share=0.0000\nstatus=no-drift\ntriggered=\n"
        "data_drift=false\nprediction_drift=false\nperformance_drift=none\n"
    )
    assert data["triggers"]["data"] == {
        "counted": True,
        "fired": False,
        "detail": data["triggers"]["data"]["detail"],
    }
    assert data["triggers"]["performance"]["fired"] is None  # not monitored
    assert "### Drift: churn v1 vs data/current/\\*.csv" in (tmp_path / "summary.md").read_text()
    saved = json.loads((project / ".mlgitops" / "drift" / "churn.json").read_text())
    assert saved["status"] == "no-drift"  # what `mlgitops status` shows


def test_shifted_current_data_is_drift(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = customers(2000, seed=5, age_shift=8.0, plan_shares=(0.2, 0.3, 0.5), target=False)
    current.to_parquet(project / "data" / "shifted.parquet", index=False)
    env = actions_env(tmp_path)
    code, data, output = drift(
        project,
        capsys,
        "churn",
        "--current",
        "data/shifted.parquet",
        "--plots",
        "plots",
        environ=env,
    )
    assert code == 1, data
    assert data["status"] == "drift" and sorted(data["drifted_features"]) == ["age", "plan"]
    assert (
        data["prediction"]["computed"] and data["prediction"]["drifted"]
    )  # older customers churn more
    assert "drifted=true\n" in (tmp_path / "output").read_text()
    assert "::warning::churn: drift (data): DATASET DRIFT: 2 of 3 features drifted" in output
    assert sorted(data["plots"]) == [
        "plots/drift-age.png",
        "plots/drift-plan.png",
        "plots/drift-tenure.png",
        "plots/prediction-drift.png",
    ]
    assert (project / "plots" / "drift-age.png").stat().st_size > 5000
    # another file than the dataset's `current` is an ad-hoc check: kept apart from the
    # report status and promotion read
    assert data["adhoc"] is True and data["saved"] == ".mlgitops/drift/adhoc/churn.json"
    assert (project / ".mlgitops" / "drift" / "adhoc" / "churn.json").is_file()
    assert not (project / ".mlgitops" / "drift" / "churn.json").exists()


def test_broken_current_data_is_reported_as_data_not_drift(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = customers(200, seed=6, target=False).astype({"age": object})
    broken.loc[10, "age"] = "abc"
    broken.loc[20, "plan"] = "platinum"
    broken.to_csv(project / "data" / "current" / "day-3.csv", index=False)
    env = actions_env(tmp_path)
    code, data, output = drift(project, capsys, "churn", environ=env)
    assert code == 1
    assert (
        data["status"] == "invalid-data"
        and data["dataset_drifted"] is False
        and "features" not in data
    )
    [report] = data["data_validation"]
    assert report["file"] == "data/current/day-3.csv"
    failures = {(f["column"], f["check"]): f for f in report["failures"]}
    assert failures[("age", "type")]["examples"] == [{"row": 11, "value": "abc"}]
    assert failures[("plan", "values")]["examples"] == [{"row": 21, "value": "platinum"}]
    assert (
        tmp_path / "output"
    ).read_text() == "drifted=false\ndrift_share=0\nstatus=invalid-data\n"
    assert "::error file=data/current/day-3.csv,line=12::age: type:" in output
    assert "drift was not computed" in (tmp_path / "summary.md").read_text()


def test_production_version_is_the_reference(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Registry(project).set_production("churn", 1)
    code, data, _ = drift(project, capsys, "churn")
    assert code == 0 and data["notes"] == [] and data["version"] == 1


def test_a_tampered_profile_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = project / "models" / "churn" / "versions" / "1" / "profile.json"
    profile.write_bytes(profile.read_bytes().replace(b'"rows":', b'"rows": ', 1))
    code, data, _ = drift(project, capsys, "churn")
    assert code == 1 and "does not match its recorded sha256" in data["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("never-trained",), "never-trained has no registered version to compare with"),
        (("churn", "--current", "data/nothing/*.csv"), "no files match 'data/nothing/*.csv'"),
        (("nope",), "no model named 'nope'"),
    ],
)
def test_bad_input_exits_2(
    trained: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, data, _ = drift(trained, capsys, *args)
    assert code == 2 and message in data["error"]


def test_no_current_data_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = project / "mlops.yaml"
    spec.write_text(spec.read_text().replace("    current: data/current/*.csv\n", ""))
    code, data, _ = drift(project, capsys, "churn")
    assert code == 2 and data["error"] == "dataset 'customers' names no current data"
    assert "--current PATH" in data["hint"]


def test_detection_frame_holds_the_values_training_sees(tmp_path: Path) -> None:
    from mlgitops.data.read import read_table
    from mlgitops.data.validate import coerce_frame
    from mlgitops.drift.current import detection_frame
    from mlgitops.spec.models import DatasetSpec

    path = tmp_path / "current.csv"
    path.write_text(
        "id,age,flag,plan\nA,31.5,true,basic\nB,NA,false, \nC,40,,pro\nD,7,1,\n", encoding="utf-8"
    )
    dataset = DatasetSpec.model_validate(
        {
            "path": "current.csv",
            "target": "id",
            "columns": {
                "id": {"type": "string"},
                "age": {"type": "number", "nullable": True},
                "flag": {"type": "boolean", "nullable": True},
                "plan": {"type": "category", "values": ["basic", "pro"], "nullable": True},
            },
        }
    )
    frame = read_table(path, "current.csv")
    mine = detection_frame(frame, dataset, ["age", "flag"], ["plan"])
    training = coerce_frame(frame, dataset)
    assert list(mine.columns) == ["age", "flag", "plan"]
    for name in ("age", "flag"):
        np.testing.assert_array_equal(
            mine[name].to_numpy(dtype=float, na_value=np.nan),
            training[name].to_numpy(dtype=float, na_value=np.nan),
        )
    as_lists = [
        [None if pd.isna(v) else v for v in column] for column in (mine["plan"], training["plan"])
    ]
    assert as_lists[0] == as_lists[1] == ["basic", None, "pro", None]


def _monitor_performance(root: Path, triggers: str) -> None:
    spec = root / "mlops.yaml"
    block = (
        "    drift:\n"
        "      drift_share: 0.5\n"
        f"      triggers: {triggers}\n"
        "      performance: {metric: accuracy, max_drop: 0.05}\n"
    )
    text = re.sub(
        r"    drift:(?: \{drift_share: 0.5\}\n|\n(?:      .*\n)+)", block, spec.read_text(), count=1
    )
    assert triggers in text
    spec.write_text(text)


def test_wrong_labels_on_current_rows_fire_the_performance_trigger(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _monitor_performance(project, "[data, performance]")
    # the same population as training, so data and prediction do not drift; the labels flipped
    labelled = customers(1500, seed=11)
    labelled["churned"] = ~labelled["churned"]
    labelled.to_csv(project / "data" / "labelled.csv", index=False)
    env = actions_env(tmp_path)
    code, data, _ = drift(project, capsys, "churn", "--current", "data/labelled.csv", environ=env)
    assert code == 1, data
    assert data["status"] == "drift" and data["triggered"] == ["performance"]
    assert data["dataset_drifted"] is False
    assert data["triggers"]["data"]["fired"] is False
    performance = data["performance"]
    holdout = json.loads((project / "models/churn/versions/1/evidence.json").read_text())
    assert performance["holdout"] == holdout["metrics"]["accuracy"]
    assert performance["rows"] == 1500
    assert performance["current"] < performance["holdout"] - 0.05 and performance["drifted"]
    assert performance["ci_low"] <= performance["current"] <= performance["ci_high"]
    outputs = (tmp_path / "output").read_text()
    assert "drifted=true\n" in outputs and "performance_drift=true\n" in outputs
    assert "triggered=performance\n" in outputs and "data_drift=false\n" in outputs
    summary = (tmp_path / "summary.md").read_text()
    assert "| performance | yes | **drift** |" in summary


def test_right_labels_or_an_uncounted_trigger_are_not_drift(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _monitor_performance(project, "[data, performance]")
    customers(1500, seed=12).to_csv(project / "data" / "labelled.csv", index=False)
    code, data, _ = drift(project, capsys, "churn", "--current", "data/labelled.csv")
    assert code == 0, data
    assert data["triggers"]["performance"]["fired"] is False
    assert data["performance"]["rows"] == 1500

    # flipped labels, but only data drift counts: measured and shown, not a verdict
    _monitor_performance(project, "[data]")
    labelled = customers(1500, seed=13)
    labelled["churned"] = ~labelled["churned"]
    labelled.to_csv(project / "data" / "labelled.csv", index=False)
    code, data, _ = drift(project, capsys, "churn", "--current", "data/labelled.csv")
    assert code == 0, data
    assert data["triggers"]["performance"] == {
        "counted": False,
        "fired": True,
        "detail": data["triggers"]["performance"]["detail"],
    }


def test_markdown_prints_the_report_as_the_pull_request_shows_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["-C", str(project), "drift", "churn", "--markdown"], environ={}) == 0
    out = capsys.readouterr().out
    assert out.startswith("### Drift: churn v1 vs data/current/\\*.csv\n")
    assert "| feature | method | statistic | threshold | verdict | reference | current |" in out
    assert "┃" not in out  # no terminal table


def test_the_terminal_table_reads_at_80_columns(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["-C", str(project), "drift", "churn"], environ={}) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80, out
