"""The search: each strategy on real scikit-learn fits, seeded, with timeouts and failures recorded."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from tune.searches import C_RANGE, search_inputs

from mlgitops.errors import BadInputError
from mlgitops.tune.search import SearchInputs, run_search


@pytest.mark.parametrize("strategy", ["random", "halving", "tpe"])
def test_a_strategy_is_seeded_and_chooses_its_best_trial(strategy: str) -> None:
    inputs = search_inputs(
        {"strategy": strategy, "metric": "accuracy", "trials": 6, "space": C_RANGE}
    )
    first, second = run_search(inputs), run_search(inputs)
    assert first.model_dump(exclude={"seconds", "trials"}) == second.model_dump(
        exclude={"seconds", "trials"}
    )
    assert [(t.params, t.mean, t.std) for t in first.trials] == [
        (t.params, t.mean, t.std) for t in second.trials
    ]
    assert first.trials_run == 6 and not first.cut_short
    values = [t.params["C"] for t in first.trials]
    assert all(0.001 <= v <= 10.0 for v in values) and len(set(values)) > 1
    pool = first.trials
    if strategy == "halving":  # the last round decides
        last = max(t.iteration or 0 for t in pool)
        pool = [t for t in pool if t.iteration == last]
        assert len(first.trials) > 6  # later rounds re-score the survivors on more rows
    best = max(t.mean for t in pool if t.mean is not None)
    assert first.best_score == best
    assert any(t.params == first.best_params and t.mean == best for t in pool)


def test_another_seed_draws_other_trials() -> None:
    space = {"strategy": "random", "metric": "accuracy", "trials": 4, "space": C_RANGE}
    a = run_search(search_inputs(space))
    b = run_search(search_inputs({**space, "seed": 8}))
    assert [t.params for t in a.trials] != [t.params for t in b.trials]


def test_grid_tries_every_point_once() -> None:
    space = {"C": {"choice": [0.1, 1.0, 10.0]}, "max_iter": {"int": [100, 300], "step": 100}}
    result = run_search(
        search_inputs({"strategy": "grid", "metric": "accuracy", "trials": 9, "space": space})
    )
    tried = sorted((t.params["C"], t.params["max_iter"]) for t in result.trials)
    assert tried == sorted(itertools.product([0.1, 1.0, 10.0], [100, 200, 300]))
    assert result.trials_planned == 9 and result.trials_run == 9


def test_a_loss_is_minimised() -> None:
    inputs = search_inputs(
        {
            "strategy": "random",
            "metric": "rmse",
            "trials": 5,
            "space": {"alpha": {"float": [0.01, 100.0], "log": True}},
        },
        regression=True,
    )
    result = run_search(inputs)
    assert not result.higher_is_better
    scores = [t.mean for t in result.trials if t.mean is not None]
    assert result.best_score == min(scores) and min(scores) < max(scores)
    assert all(s > 0 for s in scores)  # rmse in its own terms, not negated


def test_a_timeout_stops_the_search_and_says_so() -> None:
    ticks = itertools.count(step=600.0)  # every look at the clock: ten more minutes

    inputs = search_inputs(
        {
            "strategy": "random",
            "metric": "accuracy",
            "trials": 8,
            "timeout_minutes": 1,
            "space": C_RANGE,
        }
    )
    result = run_search(inputs, clock=lambda: next(ticks))
    assert result.cut_short
    assert 0 < result.trials_run < result.trials_planned == 8


def test_failing_parameter_sets_are_recorded_and_passed_over() -> None:
    # liblinear fits no multiclass model: its trials fail, lbfgs decides
    space = {"solver": {"choice": ["liblinear", "lbfgs"]}}
    inputs = search_inputs({"strategy": "grid", "metric": "accuracy", "trials": 2, "space": space})
    result = run_search(inputs)
    failed = [t for t in result.trials if t.mean is None]
    assert [t.params["solver"] for t in failed] == ["liblinear"]
    assert failed[0].error == "3 of 3 fold(s) failed"
    assert result.best_params == {"solver": "lbfgs"}


def test_every_trial_failing_is_bad_input() -> None:
    space = {"solver": {"choice": ["liblinear"]}}
    inputs = search_inputs({"strategy": "grid", "metric": "accuracy", "trials": 1, "space": space})
    with pytest.raises(BadInputError, match="every fit of the search failed: The 'liblinear'"):
        run_search(inputs)


def test_too_few_rows_of_a_class_for_the_folds() -> None:
    inputs = search_inputs(
        {"strategy": "random", "metric": "accuracy", "trials": 2, "cv": 50, "space": C_RANGE}
    )
    with pytest.raises(BadInputError, match="cv 50"):
        run_search(inputs)


def test_rows_ordered_by_time_use_forward_folds() -> None:
    inputs = search_inputs(
        {"strategy": "random", "metric": "accuracy", "trials": 2, "space": C_RANGE}
    )
    order = np.random.default_rng(0).permutation(len(inputs.y))  # when each row arrived
    timed = SearchInputs(inputs.tuning, inputs.task, inputs.pipeline, inputs.x, inputs.y, order)
    assert run_search(timed).cv_kind == "time"
    assert run_search(inputs).cv_kind == "stratified"
