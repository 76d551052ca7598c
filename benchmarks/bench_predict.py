"""onnxruntime (through OnnxScorer) against scikit-learn's own predict_proba.

Single rows and 10,000-row batches for LogisticRegression, RandomForest and
HistGradientBoosting trained on a synthetic churn-like frame (numeric,
nullable, categorical and boolean columns). Each side gets its natural
input: scikit-learn a DataFrame, onnxruntime the same DataFrame through
`OnnxScorer.predict` (feeds built per call) and prepared feeds
(`OnnxScorer.run`, the model alone).

    python benchmarks/bench_predict.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from harness import Row, Settings, at_least, fmt_seconds

TRAIN_ROWS = 5_000
BATCH_ROWS = 10_000
SINGLE_RUNS = 300
BATCH_RUNS = 5
ESTIMATORS = {
    "LogisticRegression": ("sklearn.linear_model.LogisticRegression", {"max_iter": 500}),
    "RandomForest": ("sklearn.ensemble.RandomForestClassifier", {"n_estimators": 100}),
    "HistGradientBoosting": ("sklearn.ensemble.HistGradientBoostingClassifier", {"max_iter": 100}),
}


def churn_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    contract = rng.choice(["month-to-month", "one-year", "two-year"], size=rows, p=[0.5, 0.3, 0.2])
    tenure = rng.integers(0, 72, size=rows).astype(np.float64)
    monthly = np.round(rng.uniform(20, 120, size=rows), 2)
    total = np.round(tenure * monthly, 2)
    total[rng.random(rows) < 0.05] = np.nan
    region = rng.choice(["north", "south", "east", "west"], size=rows).astype(object)
    region[rng.random(rows) < 0.05] = None
    paperless = rng.random(rows) < 0.6
    score = (
        1.5 * (contract == "month-to-month")
        - 0.04 * tenure
        + 0.015 * monthly
        + 0.4 * paperless
        + rng.normal(0, 0.7, size=rows)
    )
    return pd.DataFrame(
        {
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": total,
            "contract": pd.Series(contract, dtype=object),
            "region": pd.Series(region, dtype=object),
            "paperless": paperless,
            "churned": score > np.median(score),
        }
    )


def _dataset() -> Any:
    from mlgitops.spec.models import DatasetSpec

    return DatasetSpec.model_validate(
        {
            "path": "data/churn.csv",
            "target": "churned",
            "columns": {
                "tenure_months": {"type": "integer"},
                "monthly_charges": {"type": "number"},
                "total_charges": {"type": "number", "nullable": True},
                "contract": {
                    "type": "category",
                    "values": ["month-to-month", "one-year", "two-year"],
                },
                "region": {
                    "type": "category",
                    "values": ["north", "south", "east", "west"],
                    "nullable": True,
                },
                "paperless": {"type": "boolean"},
                "churned": {"type": "boolean"},
            },
        }
    )


def _paired_medians(calls: list[Callable[[], object]], runs: int) -> list[float]:
    """Median seconds per call of each action, run in turn (A B C A B C ...) after a warm-up."""
    for call in calls:
        for _ in range(min(10, runs)):
            call()
    timings: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for index, call in enumerate(calls):
            start = time.perf_counter()
            call()
            timings[index].append(time.perf_counter() - start)
    return [statistics.median(t) for t in timings]


def run(single_runs: int = SINGLE_RUNS, batch_runs: int = BATCH_RUNS) -> list[dict[str, Any]]:
    """One row per estimator and size: seconds per call for each side and the ratios."""
    from mlgitops.onnx.convert import convert
    from mlgitops.onnx.score import OnnxScorer
    from mlgitops.spec.models import ModelSpec, PipelineSpec
    from mlgitops.train.fit import train_model

    frame = churn_frame(TRAIN_ROWS)
    batch = churn_frame(BATCH_ROWS, seed=1).drop(columns=["churned"])
    single = batch.iloc[:1]
    out: list[dict[str, Any]] = []
    for name, (class_path, params) in ESTIMATORS.items():
        model = ModelSpec.model_validate(
            {"dataset": "churn", "task": "classification", "estimator": {"class": class_path}}
        )
        pipeline = PipelineSpec.model_validate(
            {"estimator": {"class": class_path, "params": params}}
        )
        result = train_model(frame, _dataset(), model, pipeline)
        scorer = OnnxScorer(convert(result, 17))
        for size, rows, runs in (
            ("1 row", single, single_runs),
            (f"{BATCH_ROWS:,} rows", batch, batch_runs),
        ):
            feeds = scorer.feeds(rows)
            sklearn_s, predict_s, run_s = _paired_medians(
                [
                    partial(result.pipeline.predict_proba, rows),
                    partial(scorer.predict, rows),
                    partial(scorer.run, feeds),
                ],
                runs,
            )
            out.append(
                {
                    "estimator": name,
                    "size": size,
                    "sklearn_ms": sklearn_s * 1e3,
                    "onnx_predict_ms": predict_s * 1e3,
                    "onnx_run_ms": run_s * 1e3,
                    "ratio_predict": sklearn_s / predict_s,
                    "ratio_run": sklearn_s / run_s,
                }
            )
    return out


def rows(settings: Settings) -> list[Row]:
    out = []
    for r in run(20, 2) if settings.quick else run():
        if r["size"] != "1 row":  # batches: printed by this module's own main, no goal here
            continue
        out.append(
            Row(
                f"score {r['size']}, {r['estimator']} (ONNX from a DataFrame)",
                fmt_seconds(r["onnx_predict_ms"] / 1000),
                f"scikit-learn predict_proba {fmt_seconds(r['sklearn_ms'] / 1000)}",
                r["ratio_predict"],
                at_least(20),
                f"the model alone (prepared feeds) {fmt_seconds(r['onnx_run_ms'] / 1000)}",
            )
        )
    return out


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title="predict_proba: scikit-learn vs onnxruntime (median ms per call, 1 thread for ORT)"
    )
    for column in (
        "estimator",
        "size",
        "sklearn ms",
        "ORT predict(frame) ms",
        "ORT run(feeds) ms",
        "sklearn / predict",
        "sklearn / run",
    ):
        table.add_column(column, justify="left" if column in ("estimator", "size") else "right")
    for row in run():
        table.add_row(
            row["estimator"],
            row["size"],
            f"{row['sklearn_ms']:.3f}",
            f"{row['onnx_predict_ms']:.3f}",
            f"{row['onnx_run_ms']:.3f}",
            f"{row['ratio_predict']:.1f}x",
            f"{row['ratio_run']:.1f}x",
        )
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
