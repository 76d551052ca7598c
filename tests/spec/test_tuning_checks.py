"""Checks of the tuning section that need no training: the extras a strategy needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import write_file, write_spec

from mlgitops.errors import SpecError
from mlgitops.spec import load_project
from mlgitops.spec import tuning as tuning_checks

SPEC = """
    version: 1
    project: extras
    datasets:
      flowers:
        path: data/flowers.csv
        target: species
        columns:
          length: {type: number}
          species: {type: category, values: [a, b]}
    models:
      flowers:
        dataset: flowers
        task: classification
        positive_class: b
        estimator: {class: sklearn.linear_model.LogisticRegression}
        metrics: [accuracy]
        tuning:
          strategy: tpe
          metric: accuracy
          space:
            C: {float: [0.1, 1.0]}
"""


def test_a_strategy_whose_extra_is_missing_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_spec(tmp_path, SPEC)
    write_file(tmp_path, "data/flowers.csv", "length,species\n1,a\n2,b\n")
    load_project(tmp_path, check_estimators=False)  # Optuna is installed here: fine
    # as on a machine without the extra: the module tpe needs cannot be found
    monkeypatch.setitem(tuning_checks._NEEDS, "tpe", ("mlgitops_absent_optuna", "Optuna"))
    with pytest.raises(SpecError) as caught:
        load_project(tmp_path, check_estimators=False)
    (problem,) = caught.value.diagnostics
    assert problem.path == "models.flowers.tuning.strategy"
    assert problem.message == (
        "strategy tpe needs Optuna, which is not installed; "
        "install the extra: pip install 'mlgitops[tuning]'"
    )
