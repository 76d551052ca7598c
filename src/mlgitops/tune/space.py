"""A declared search space in the three forms the strategies take.

- grid: every combination, as lists (float ranges need a step);
- random and halving: scikit-learn's `ParameterSampler` distributions (anything
  with `rvs(random_state=...)`), so the draws follow the search's own seed;
- tpe: Optuna `trial.suggest_*` calls.

Values are returned as plain Python numbers, so evidence and lineage hold
exactly what was trained and JSON keeps it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..spec.models import ChoiceSpec, FloatRangeSpec, IntRangeSpec, SpaceParamSpec

if TYPE_CHECKING:
    import optuna

# Parameters of the pipeline's estimator step are addressed as `estimator__<name>`.
ESTIMATOR_PREFIX = "estimator__"
MAX_GRID_POINTS = 100_000


def plain(value: Any) -> Any:
    """numpy scalars as Python numbers (json and repr stay stable)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def grid_values(param: SpaceParamSpec) -> list[Any]:
    """The values a grid tries for one parameter, low to high."""
    if isinstance(param, ChoiceSpec):
        return list(param.values)
    low, high = param.bounds
    if isinstance(param, IntRangeSpec):
        return list(range(int(low), int(high) + 1, param.step))
    assert param.step is not None  # the spec requires a step for grid float ranges
    count = math.floor((high - low) / param.step + 1e-9) + 1
    return [round(low + i * param.step, 12) for i in range(count)]


def grid_size(space: dict[str, SpaceParamSpec]) -> int:
    size = 1
    for param in space.values():
        size *= len(grid_values(param))
        if size > MAX_GRID_POINTS:
            return size
    return size


class _IntLogUniform:
    """Integers drawn log-uniformly from [low, high] (scipy has no such distribution)."""

    def __init__(self, low: int, high: int) -> None:
        from scipy.stats import loguniform

        self.low, self.high = low, high
        self._dist = loguniform(low, high + 1)

    def rvs(self, random_state: Any = None) -> int:
        value = math.floor(float(self._dist.rvs(random_state=random_state)))
        return min(max(value, self.low), self.high)


def distribution(param: SpaceParamSpec) -> Any:
    """A list (sampled uniformly) or a scipy-style distribution, for ParameterSampler."""
    from scipy.stats import loguniform, uniform

    if isinstance(param, ChoiceSpec):
        return list(param.values)
    low, high = param.bounds
    if isinstance(param, IntRangeSpec):
        if param.log:
            return _IntLogUniform(int(low), int(high))
        return list(range(int(low), int(high) + 1, param.step))
    if param.step is not None:
        return grid_values(param)
    if param.log:
        return loguniform(low, high)
    return uniform(low, high - low)


def suggest(trial: optuna.Trial, name: str, param: SpaceParamSpec) -> Any:
    """One Optuna suggestion for `name`."""
    if isinstance(param, ChoiceSpec):
        return trial.suggest_categorical(name, list(param.values))
    low, high = param.bounds
    if isinstance(param, IntRangeSpec):
        return trial.suggest_int(name, int(low), int(high), step=param.step, log=param.log)
    assert isinstance(param, FloatRangeSpec)
    return trial.suggest_float(name, low, high, step=param.step, log=param.log)


def prefixed(params: dict[str, Any]) -> dict[str, Any]:
    return {f"{ESTIMATOR_PREFIX}{k}": v for k, v in params.items()}


def unprefixed(params: dict[str, Any]) -> dict[str, Any]:
    return {k.removeprefix(ESTIMATOR_PREFIX): plain(v) for k, v in params.items()}
