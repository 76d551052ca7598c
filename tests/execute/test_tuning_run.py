"""A tuned model through `mlgitops run`: every strategy end to end, reproducible, cached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import write_file, write_spec
from execute.test_run import run_cli

from mlgitops.registry import Registry

STRATEGIES = {
    "grid": "C: {choice: [0.05, 0.5, 5.0]}",
    "random": "C: {float: [0.01, 10.0], log: true}",
    "halving": "C: {float: [0.01, 10.0], log: true}",
    "tpe": "C: {float: [0.01, 10.0], log: true}",
}


def _project(root: Path) -> Path:
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True).frame
    iris.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    iris["species"] = iris["species"].map({0: "setosa", 1: "versicolor", 2: "virginica"})
    (root / "data").mkdir(parents=True, exist_ok=True)
    iris.to_csv(root / "data/iris.csv", index=False)
    write_file(
        root,
        "pipelines/iris.yaml",
        """
        estimator:
          class: sklearn.linear_model.LogisticRegression
          params: {max_iter: 300}
        """,
    )
    models = "".join(
        f"""
          iris-{strategy}:
            dataset: iris
            task: classification
            pipeline: pipelines/iris.yaml
            metrics: [accuracy, log_loss]
            gates:
              accuracy: {{min: 0.8}}
            tuning:
              strategy: {strategy}
              metric: log_loss
              trials: 6
              cv: 3
              seed: 1
              space:
                {space}
        """
        for strategy, space in STRATEGIES.items()
    )
    write_spec(
        root,
        """
        version: 1
        project: tuned
        datasets:
          iris:
            path: data/iris.csv
            target: species
            columns:
              sepal_length: {type: number, min: 0}
              sepal_width: {type: number, min: 0}
              petal_length: {type: number, min: 0}
              petal_width: {type: number, min: 0}
              species: {type: category, values: [setosa, versicolor, virginica]}
        models:"""
        + models,
    )
    return root


@pytest.fixture(scope="module")
def two_clones(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict]]:  # type: ignore[type-arg]
    clones = []
    for name in ("a", "b"):
        root = _project(tmp_path_factory.mktemp(name))
        code, data = run_cli(root, "run")
        assert code == 0, json.dumps(data, indent=2)[:3000]
        clones.append((root, data))
    return clones


def test_every_strategy_runs_end_to_end_and_trains_its_best_params(
    two_clones: list[tuple[Path, dict]],  # type: ignore[type-arg]
) -> None:
    root, data = two_clones[0]
    registry = Registry(root)
    for strategy in STRATEGIES:
        name = f"iris-{strategy}"
        run = next(m for m in data["models"] if m["model"] == name)
        assert run["passed"] and run["registered"] == "new"
        assert {s["name"]: s["status"] for s in run["stages"]}["tune"] == "ran"
        evidence = registry.evidence(registry.ref(name, 1))
        assert evidence.tuning is not None and evidence.tuning.strategy == strategy
        assert evidence.tuning.trials_run >= 3 and not evidence.tuning.cut_short
        # the trained params are the search's best, over the declared ones
        assert evidence.training.params["C"] == evidence.tuning.best_params["C"]
        assert evidence.training.params["max_iter"] == 300
        lineage = json.loads((root / f"models/{name}/versions/1/lineage.json").read_text())
        assert lineage["params"]["C"] == evidence.tuning.best_params["C"]
        card = (root / f"models/{name}/versions/1/card.md").read_text()
        assert f"## Tuning: {strategy}, log_loss" in card and "```mermaid" in card


def test_two_clean_clones_choose_the_same_params_and_bytes(
    two_clones: list[tuple[Path, dict]],  # type: ignore[type-arg]
) -> None:
    chosen = []
    for root, data in two_clones:
        registry = Registry(root)
        chosen.append(
            {
                m["model"]: (
                    registry.evidence(registry.ref(m["model"], 1)).tuning.best_params,  # type: ignore[union-attr]
                    m["onnx"]["sha256"],
                )
                for m in data["models"]
            }
        )
    assert chosen[0] == chosen[1]


def test_where_fits_run_is_not_a_new_search(two_clones: list[tuple[Path, dict]]) -> None:  # type: ignore[type-arg]
    root, _ = two_clones[0]
    spec = root / "mlops.yaml"
    spec.write_text(spec.read_text().replace("      cv: 3\n", "      cv: 3\n      n_jobs: 2\n"))
    code, data = run_cli(root, "run", "iris-random")
    assert code == 0, data
    (run,) = data["models"]
    stages = {s["name"]: s["status"] for s in run["stages"]}
    assert stages["tune"] == stages["train"] == "cached"
    assert run["registered"] == "existing" and run["version"] == 1
