"""Builders shared by the tests: small specs, data files and repositories."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlgitops.data.report import DataValidationReport


def write_file(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def edit_file(root: Path, relative: str, old: str, new: str) -> Path:
    """Replace the first `old` in a file by `new`; `old` must be there (a test edits what it means to)."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{relative} does not contain {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def write_spec(root: Path, text: str) -> Path:
    """Write `mlops.yaml` (dedented) under `root`."""
    return write_file(root, "mlops.yaml", text)


REPO_ROOT = Path(__file__).resolve().parent.parent


def copy_demo(target: Path) -> Path:
    """Copy this repository's demo (spec, data, pipelines, policies) into `target`, without the registry."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "mlops.yaml", target / "mlops.yaml")
    shutil.copy(REPO_ROOT / "mlops.lock", target / "mlops.lock")  # the events snapshot
    for folder in ("data", "pipelines", "policies"):
        shutil.copytree(
            REPO_ROOT / folder,
            target / folder,
            ignore=shutil.ignore_patterns("*.py", "__pycache__"),
        )
    return target


def write_sklearn_project(root: Path) -> Path:
    """A spec as a newcomer writes it from the design: iris (multiclass) and diabetes (regression)."""
    from sklearn.datasets import load_diabetes, load_iris

    iris = load_iris(as_frame=True).frame
    iris.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    iris["species"] = iris["species"].map({0: "setosa", 1: "versicolor", 2: "virginica"})
    (root / "data").mkdir(parents=True, exist_ok=True)
    iris.to_csv(root / "data/iris.csv", index=False)
    diabetes = load_diabetes(as_frame=True, scaled=False).frame
    diabetes.to_parquet(root / "data/diabetes.parquet", index=False)
    number = "{type: number}"
    diabetes_columns = "\n".join(f"                  {name}: {number}" for name in diabetes.columns)
    write_file(
        root,
        "pipelines/iris.yaml",
        """
        preprocess:
          numeric: {impute: median, scale: standard}
        estimator:
          class: sklearn.linear_model.LogisticRegression
          params: {C: 2.0, max_iter: 300}
        """,
    )
    write_spec(
        root,
        f"""
        version: 1
        project: newcomer
        datasets:
          iris:
            path: data/iris.csv
            target: species
            columns:
              sepal_length: {{type: number, min: 0}}
              sepal_width: {{type: number, min: 0}}
              petal_length: {{type: number, min: 0}}
              petal_width: {{type: number, min: 0}}
              species: {{type: category, values: [setosa, versicolor, virginica]}}
            checks: {{min_rows: 100}}
          diabetes:
            path: data/diabetes.parquet
            target: target
            columns:
{diabetes_columns}
        models:
          iris-species:
            dataset: iris
            task: classification
            pipeline: pipelines/iris.yaml
            split: {{test_size: 0.3, seed: 1}}
            metrics: [accuracy, f1, roc_auc]
            gates:
              accuracy: {{min: 0.85}}
          diabetes-progression:
            dataset: diabetes
            task: regression
            estimator:
              class: sklearn.ensemble.RandomForestRegressor
              params: {{n_estimators: 30, max_depth: 6, random_state: 0}}
            metrics: [r2, rmse, mae]
            gates:
              r2: {{min: 0.2, max_drop: 0.05}}
            onnx: {{opset: 17, tolerance: 1.0e-3}}
        """,
    )
    return root


def write_breast_cancer_csv(path: Path, *, blank_share: float = 0.02, seed: int = 0) -> Path:
    """scikit-learn's breast_cancer with its own column names ("mean radius", ...), a
    derived category ("size band"), a text target ("diagnosis") and ~2 % blank cells
    in a few feature columns."""
    import numpy as np
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.drop(columns="target")
    frame["size band"] = np.select(
        [frame["mean area"] < 500, frame["mean area"] < 900], ["small", "medium"], "large"
    )
    frame["diagnosis"] = [bunch.target_names[t] for t in bunch.target]
    rng = np.random.default_rng(seed)
    for column in ("mean texture", "worst smoothness", "size band"):
        blank = rng.random(len(frame)) < blank_share
        frame[column] = frame[column].astype(object).where(~blank, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def copy_version(versions: Path, source: int, target: int) -> Path:
    """Register a copy of version `source` as `target` by hand: the same artifacts, with the
    manifest naming its new version (a manifest names where it lies)."""
    import json
    import shutil

    copy = versions / str(target)
    shutil.copytree(versions / str(source), copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["version"] = target
    (copy / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return copy


def tiny_onnx(name: str = "identity") -> bytes:
    """A real, self-contained ONNX model (y = x), for tests that need valid model bytes."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], name, [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return bytes(model.SerializeToString())


def report_shape(report: DataValidationReport) -> tuple[object, ...]:
    """What a data validation report says, in a form two reports can be compared by."""
    return (
        report.rows,
        report.columns,
        dict(report.null_counts),
        sorted(
            (f.column or "", f.check, f.failing_rows, [(e.row, e.value) for e in f.examples])
            for f in report.failures
        ),
        report.passed,
    )
