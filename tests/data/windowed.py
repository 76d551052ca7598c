"""A windowed dataset for the tests: daily Parquet (or CSV) partitions of churn-like events."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from tests.builders import write_spec

START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def events(day: int, rows: int, *, shift: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """One day's rows; `shift` moves the charges up (in standard deviations) and the labels with them."""
    rng = np.random.default_rng(seed * 1000 + day)
    seconds = np.sort(rng.integers(0, 86_400, size=rows))
    times = [START + dt.timedelta(days=day, seconds=int(s)) for s in seconds]
    tenure = rng.integers(0, 72, size=rows)
    charges = np.round(rng.normal(65 + 25 * shift, 25, size=rows).clip(10, 300), 2)
    plan = rng.choice(["monthly", "yearly"], size=rows, p=[0.6, 0.4])
    logit = -0.5 - 0.05 * (tenure - 30) + 0.04 * (charges - 65) + 0.8 * (plan == "monthly")
    if shift:
        logit = -logit  # the relation itself moves: the old model is wrong now
    churned = rng.random(rows) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "event_time": pd.to_datetime(times, utc=True),
            "tenure": tenure.astype("int64"),
            "charges": charges,
            "plan": plan,
            "churned": churned,
        }
    )


def write_days(
    root: Path,
    days: range,
    rows: int = 60,
    *,
    shift: float = 0.0,
    folder: str = "data/events",
    fmt: str = "parquet",
    unlabelled: bool = False,
) -> list[Path]:
    out = []
    for day in days:
        frame = events(day, rows, shift=shift)
        if unlabelled:
            frame["churned"] = pd.array([None] * len(frame), dtype="boolean")
        path = root / folder / f"{(START + dt.timedelta(days=day)).date().isoformat()}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.assign(event_time=frame["event_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(
                path, index=False
            )
        out.append(path)
    return out


def write_windowed_spec(
    root: Path,
    *,
    source: str = "data/events/",
    fmt: str = "parquet",
    windows: str = "{train: {days: 20}, current: {days: 5}, label_delay: {days: 3}}",
    extra: str = "",
) -> Path:
    return write_spec(
        root,
        f"""
        version: 1
        project: windowed
        datasets:
          events:
            source: {source}
            format: {fmt}
            timestamp: event_time
            target: churned
            columns:
              event_time: {{type: datetime}}
              tenure: {{type: integer, min: 0}}
              charges: {{type: number, min: 0}}
              plan: {{type: category, values: [monthly, yearly]}}
              churned: {{type: boolean}}
            windows: {windows}
        {extra}
        models:
          events-churn:
            dataset: events
            task: classification
            estimator:
              class: sklearn.linear_model.LogisticRegression
              params: {{max_iter: 500}}
            split: {{test_size: 0.25, seed: 1}}
            metrics: [roc_auc, accuracy]
            gates:
              roc_auc: {{min: 0.55}}
            evaluation: {{bootstrap: 50, importance: false}}
            drift:
              method: psi
              threshold: 0.1
              drift_share: 0.3
        """,
    )
