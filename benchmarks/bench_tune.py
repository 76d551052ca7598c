"""Benchmark: a 20-trial random search through mlgitops against RandomizedSearchCV called directly.

Both search the same space with the same seed, folds and pipeline on the same
training rows (a synthetic churn-like table), so they fit the same 20 x cv
models; the difference is what mlgitops adds (drawing and recording trials,
its metric scorer, evidence). The two alternate, each run `repeat` times, and
the medians are compared. Goal: mlgitops's overhead under 10 %.

    python benchmarks/bench_tune.py [--rows 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

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


def run(rows: int = 20_000, repeat: int = 3) -> list[dict[str, Any]]:
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

    def ours() -> float:
        started = time.perf_counter()
        run_search(inputs)
        return time.perf_counter() - started

    def direct() -> float:
        search = RandomizedSearchCV(
            prepared.pipeline,
            {k: distribution(v) for k, v in prefixed(dict(tuning.space)).items()},
            n_iter=TRIALS,
            scoring="roc_auc",
            cv=StratifiedKFold(n_splits=CV, shuffle=True, random_state=SEED),
            random_state=SEED,
            refit=False,
        )
        started = time.perf_counter()
        search.fit(prepared.X_train, prepared.y_train)
        return time.perf_counter() - started

    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(repeat):  # alternate, so both see the same load
        theirs.append(direct())
        mine.append(ours())
    ours_s, direct_s = statistics.median(mine), statistics.median(theirs)
    overhead = ours_s / direct_s - 1
    return [
        {
            "case": f"random search, {TRIALS} trials x {CV} folds, {len(prepared.X_train):,} rows",
            "mlgitops_s": ours_s,
            "sklearn_s": direct_s,
            "overhead": overhead,
            "goal": f"overhead < {GOAL_OVERHEAD:.0%}",
            "met": overhead < GOAL_OVERHEAD,
            "spread_mlgitops_s": (min(mine), max(mine)),
            "spread_sklearn_s": (min(theirs), max(theirs)),
        }
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for row in run(args.rows, args.repeat):
        print(
            f"{row['case']}: mlgitops {row['mlgitops_s']:.2f} s, RandomizedSearchCV "
            f"{row['sklearn_s']:.2f} s, overhead {row['overhead']:+.1%} "
            f"({row['goal']}: {'met' if row['met'] else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
