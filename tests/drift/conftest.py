"""Synthetic data for the drift tests: a frame shaped like coerced training data, with
numeric (continuous, skewed, integer, small-count, binary, with nulls) and
categorical features, and knobs to shift any of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pytest

from mlgitops.drift.profile import Profile, build_profile

NUMERIC = ["age", "income", "tenure", "calls", "flag", "balance"]
CATEGORICAL = ["plan", "region"]
FEATURES = NUMERIC + CATEGORICAL
PLANS = ["basic", "plus", "pro"]
PLAN_SHARES = [0.5, 0.3, 0.2]
REGIONS = ["north", "south", "east", "west", "centre", "islands"]

FrameMaker = Callable[..., pd.DataFrame]


def make_frame(rows: int, seed: int, shifts: Mapping[str, float] | None = None) -> pd.DataFrame:
    """`shifts` moves a feature: numeric ones by that many reference standard deviations
    (income: scaled by 1 + shift), categorical ones towards the last categories."""
    shifts = dict(shifts or {})
    rng = np.random.default_rng(seed)
    s = shifts.get
    balance = rng.normal(1000 + 300 * s("balance", 0.0), 300, rows)
    balance[rng.random(rows) < 0.05] = np.nan
    plan_shares = np.array(PLAN_SHARES) + s("plan", 0.0) * np.array([-0.5, 0.0, 0.5])
    region_codes = rng.integers(0, len(REGIONS), rows)
    regions = np.array(REGIONS, dtype=object)[region_codes]
    regions[rng.random(rows) < 0.02] = None
    return pd.DataFrame(
        {
            "age": rng.normal(40 + 10 * s("age", 0.0), 10, rows),
            "income": rng.lognormal(10, 0.5, rows) * (1 + s("income", 0.0)),
            "tenure": rng.integers(0, 73, rows).astype(np.float64)
            + np.round(20 * s("tenure", 0.0)),
            "calls": rng.poisson(1.5 + s("calls", 0.0), rows).astype(np.float64),
            "flag": (rng.random(rows) < 0.3 + s("flag", 0.0)).astype(np.float64),
            "balance": balance,
            "plan": pd.Series(
                np.array(PLANS, dtype=object)[rng.choice(3, rows, p=plan_shares)], dtype=object
            ),
            "region": pd.Series(regions, dtype=object),
        }
    )


def make_profile(rows: int = 5000, seed: int = 0, scores: np.ndarray | None = None) -> Profile:
    return build_profile(make_frame(rows, seed), NUMERIC, CATEGORICAL, scores, "classification")


def batches(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    return [frame.iloc[start : start + size] for start in range(0, len(frame), size)]


@pytest.fixture(scope="session")
def reference_profile() -> Profile:
    """5,000 reference rows: `auto` picks Wasserstein and Jensen–Shannon."""
    return make_profile()


@pytest.fixture(scope="session")
def frame_maker() -> FrameMaker:
    return make_frame


@pytest.fixture(scope="session")
def profile_maker() -> Callable[..., Profile]:
    return make_profile
