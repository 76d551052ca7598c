"""`validate` checks positive_class, slice columns, the time split and performance monitoring."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import write_file, write_spec

from mlgitops.errors import SpecError
from mlgitops.spec import load_project

SPEC = """
    version: 1
    project: evaluation
    datasets:
      people:
        path: data/people.csv
        target: {target}
        columns:
          age: {{type: number, min: 0}}
          plan: {{type: category, values: [basic, pro]}}
          leaves: {{type: boolean}}
          outcome: {{type: category, values: [stays, leaves]}}
          grade: {{type: category, values: [a, b, c]}}
          flag: {{type: category, values: [0, 1]}}
    models:
      m:
        dataset: people
        task: classification
        features: {{include: [age, plan]}}
        estimator: {{class: sklearn.linear_model.LogisticRegression}}
{extra}
"""
DATA = "age,plan,leaves,outcome,grade,flag\n30,basic,true,stays,a,0\n40,pro,false,leaves,b,1\n"


def problems(tmp_path: Path, target: str, extra: str = "") -> list[str]:
    write_spec(tmp_path, SPEC.format(target=target, extra=extra))
    write_file(tmp_path, "data/people.csv", DATA)
    try:
        load_project(tmp_path, check_estimators=False)
    except SpecError as exc:
        return [str(d) for d in exc.diagnostics]
    return []


@pytest.mark.parametrize("target", ["leaves", "flag", "grade"])
def test_positive_class_is_not_needed_for_boolean_zero_one_or_multiclass(
    tmp_path: Path, target: str
) -> None:
    assert problems(tmp_path, target) == []


def test_a_binary_target_of_other_labels_needs_a_positive_class(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, "outcome")
    assert problem.startswith("mlops.yaml:17:11:")  # the line of `task:`
    assert "models.m.task: binary target 'outcome' (stays, leaves): set positive_class" in problem
    assert problems(tmp_path, "outcome", "        positive_class: leaves") == []


def test_positive_class_must_be_a_declared_value(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, "outcome", "        positive_class: left")
    assert (
        "models.m.positive_class: positive_class 'left' is not one of the declared values"
        in problem
    )
    (problem,) = problems(tmp_path, "leaves", "        positive_class: 'yes'")
    assert "target 'leaves' is boolean: positive_class must be true or false" in problem
    (problem,) = problems(tmp_path, "grade", "        positive_class: a")
    assert "applies to binary classification; target 'grade' declares 3 classes" in problem


def test_slice_columns_time_split_and_performance_metric_are_checked(tmp_path: Path) -> None:
    extra = (
        "        metrics: [accuracy]\n"
        "        evaluation: {slices: [plan, plann]}\n"
        "        split: {by: time, test: {days: 7}}\n"
        "        drift: {triggers: [data, performance], performance: {metric: recall, max_drop: 0.1}}"
    )
    found = problems(tmp_path, "leaves", extra)
    assert len(found) == 3, found
    assert (
        "models.m.evaluation.slices[1]: unknown column 'plann' (did you mean 'plan'?)" in found[0]
    )
    assert "split.by: time needs a timestamp" in "\n".join(found)
    assert "models.m.drift.performance.metric: 'recall' is not in metrics" in "\n".join(found)


def test_the_performance_trigger_needs_its_settings(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, "leaves", "        drift: {triggers: [performance]}")
    assert "the performance trigger needs performance: {metric: ..., max_drop: ...}" in problem
