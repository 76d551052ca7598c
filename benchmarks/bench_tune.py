"""Benchmark: a 20-trial random search through mlgitops against RandomizedSearchCV called directly.

Both search the same space with the same seed, folds and pipeline on the same
training rows (a synthetic churn-like table), so they fit the same 20 x cv
models; the difference is what mlgitops adds (drawing and recording trials,
its metric scorer, evidence). The two alternate, each run `repeat` times, and
the medians are compared. Goal: mlgitops's overhead under 10 %.

    python benchmarks/bench_tune.py [--quick] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row, Settings, at_most, fmt_value, paired

TRIALS = 20
CV = 3
SEED = 0
GOAL_OVERHEAD = 0.10


def _data(rows: int) -> tuple[Any, Any]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SEED)
    tenure = rng.integers(0, 72, rows).astype(np.float64)
    monthly = rng.uniform(20, 120, rows)
    contract = rng.choice(["month-to-month", "one-year", "two-year"], rows)
    logit = -1.0 + 0.03 * monthly - 0.05 * tenure + (contract == "month-to-month") * 1.2
    churned = rng.random(rows) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "contract": pd.Series(contract, dtype=object),
            "churned": churned,
        }
    )
    return frame, churned


def _specs() -> tuple[Any, Any, Any, Any]:
    from mlgitops.spec.models import DatasetSpec, ModelSpec, PipelineSpec, TuningSpec

    dataset = DatasetSpec.model_validate(
        {
            "path": "data/churn.csv",
            "target": "churned",
            "columns": {
                "tenure_months": {"type": "number"},
                "monthly_charges": {"type": "number"},
                "contract": {
                    "type": "category",
                    "values": ["month-to-month", "one-year", "two-year"],
                },
                "churned": {"type": "boolean"},
            },
        }
    )
    estimator = {
        "class": "sklearn.linear_model.LogisticRegression",
        "params": {"max_iter": 500},
    }
    model = ModelSpec.model_validate(
        {"dataset": "churn", "task": "classification", "estimator": estimator}, by_name=False
    )
    pipeline = PipelineSpec.model_validate({"estimator": estimator}, by_name=False)
    tuning = TuningSpec.model_validate(
        {
            "strategy": "random",
            "metric": "roc_auc",
            "trials": TRIALS,
            "cv": CV,
            "seed": SEED,
            "space": {"C": {"float": [0.001, 10.0], "log": True}, "tol": {"float": [1e-5, 1e-3]}},
        },
        by_name=False,
    )
    return dataset, model, pipeline, tuning


def _searches(rows: int) -> tuple[Any, Any]:
    """The two actions, over the same rows: (through mlgitops, RandomizedSearchCV directly)."""
    from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold

    from mlgitops.train.fit import prepare_training
    from mlgitops.tune.search import SearchInputs, run_search
    from mlgitops.tune.space import distribution, prefixed

    frame, _ = _data(rows)
    dataset, model, pipeline, tuning = _specs()
    prepared = prepare_training(frame, dataset, model, pipeline)
    inputs = SearchInputs(
        tuning, "classification", prepared.pipeline, prepared.X_train, prepared.y_train
    )

    def ours() -> int:
        return run_search(inputs).trials_run

    def direct() -> int:
        search = RandomizedSearchCV(
            prepared.pipeline,
            {k: distribution(v) for k, v in prefixed(dict(tuning.space)).items()},
            n_iter=TRIALS,
            scoring="roc_auc",
            cv=StratifiedKFold(n_splits=CV, shuffle=True, random_state=SEED),
            random_state=SEED,
            refit=False,
        )
        search.fit(prepared.X_train, prepared.y_train)
        return len(search.cv_results_["params"])

    return ours, direct


def rows(settings: Settings) -> list[Row]:
    """The harness's row: mlgitops's search time over RandomizedSearchCV's (goal: < 1.10)."""
    size = 2_000 if settings.quick else 20_000
    ours, direct = _searches(size)
    ours_s, direct_s, tried, theirs_tried = paired(settings.repeat, ours, direct)
    assert tried == theirs_tried == TRIALS  # both fit the same candidates
    return [
        Row(
            what=f"random search, {TRIALS} trials x {CV} folds, {size:,} rows",
            ours=fmt_value(ours_s, "s"),
            theirs=f"RandomizedSearchCV {fmt_value(direct_s, 's')}",
            value=ours_s / direct_s,
            goal=at_most(1 + GOAL_OVERHEAD, "x"),
            note="mlgitops's time over scikit-learn's (overhead under 10 %)",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for row in rows(Settings(quick=args.quick, repeat=args.repeat)):
        verdict = "met" if row.goal.met(row.value) else "NOT met"
        print(
            f"{row.what}: {row.ours} vs {row.theirs}: {row.value:.3f} ({row.goal.text()}: {verdict})"
        )


if __name__ == "__main__":
    main()
