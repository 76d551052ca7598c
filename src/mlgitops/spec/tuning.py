"""Check a model's `tuning` section before anything trains.

Two kinds of check. Light ones (the metric, the extras a strategy needs) need
no scikit-learn. The space is checked against the estimator's own parameters
and constraints: every key must be a parameter (with "did you mean"), and
every value the search can draw (both bounds of a range, each choice) must be
one the estimator accepts, so a search never fails on trial 17 of 40.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from .. import yamlio
from ..errors import Diagnostic
from ..registries import CLASSIFICATION_METRICS, REGRESSION_METRICS
from ..text import suggest
from .models import ChoiceSpec, FloatRangeSpec, IntRangeSpec, ModelSpec, TuningSpec

# The optional packages each choice needs, and the extra that installs them.
TUNING_EXTRA = "mlgitops[tuning]"
_NEEDS = {"tpe": ("optuna", "Optuna"), "dask": ("distributed", "dask.distributed")}


def check_tuning_settings(
    model: ModelSpec, doc: yamlio.LocatedDocument, loc: yamlio.Loc
) -> list[Diagnostic]:
    """The metric and the extras (no scikit-learn import)."""
    tuning = model.tuning
    if tuning is None:
        return []
    out: list[Diagnostic] = []
    allowed = CLASSIFICATION_METRICS if model.task == "classification" else REGRESSION_METRICS
    if tuning.metric not in allowed:
        out.append(
            doc.diagnostic(
                (*loc, "metric"),
                f"'{tuning.metric}' is not a {model.task} metric; choose from {', '.join(allowed)}",
            )
        )
    elif model.metrics and tuning.metric not in model.metrics:
        out.append(
            doc.diagnostic(
                (*loc, "metric"),
                f"tuning metric '{tuning.metric}' is not in the model's metrics"
                + suggest(tuning.metric, model.metrics)
                + f"; add '{tuning.metric}' to metrics or pick one of {', '.join(model.metrics)}",
            )
        )
    out += _strategy_fits(tuning, doc, loc)
    for choice, field in ((tuning.strategy, "strategy"), (tuning.backend, "backend")):
        if choice in _NEEDS:
            module, label = _NEEDS[choice]
            if importlib.util.find_spec(module) is None:
                out.append(
                    doc.diagnostic(
                        (*loc, field),
                        f"{field} {choice} needs {label}, which is not installed; "
                        f"install the extra: pip install '{TUNING_EXTRA}'",
                    )
                )
    return out


def _strategy_fits(
    tuning: TuningSpec, doc: yamlio.LocatedDocument, loc: yamlio.Loc
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if tuning.backend == "dask" and tuning.scheduler is None:
        out.append(
            doc.diagnostic(
                (*loc, "backend"),
                "backend: dask needs scheduler: the address of the Dask scheduler "
                "(tcp://host:8786)",
            )
        )
    if tuning.backend == "dask" and tuning.strategy == "tpe":
        out.append(
            doc.diagnostic(
                (*loc, "backend"),
                "tpe trials run one after another (each learns from the last), so they do not "
                "fan out on Dask; use random, grid or halving with backend: dask",
            )
        )
    if tuning.strategy != "grid":
        return out
    for name, param in tuning.space.items():
        if isinstance(param, FloatRangeSpec) and param.step is None:
            out.append(
                doc.diagnostic(
                    (*loc, "space", name),
                    "a grid needs a step on float ranges ({float: [low, high], step: s}) "
                    "or a choice list",
                )
            )
        elif not isinstance(param, ChoiceSpec) and param.log:
            out.append(
                doc.diagnostic(
                    (*loc, "space", name),
                    "a grid has no log scale; list the values with choice: [...]",
                )
            )
    points = grid_points(tuning)
    if points is not None and points > tuning.trials:
        out.append(
            doc.diagnostic(
                (*loc, "trials"),
                f"the grid has {points:,} points, more than trials ({tuning.trials}); "
                f"raise trials to {points} or narrow the space",
            )
        )
    return out


def grid_points(tuning: TuningSpec) -> int | None:
    """How many points the grid has (None when a float range has no step)."""
    points = 1
    for param in tuning.space.values():
        if isinstance(param, ChoiceSpec):
            points *= len(param.values)
        elif isinstance(param, IntRangeSpec):
            low, high = param.bounds
            points *= len(range(low, high + 1, param.step))
        elif param.step is None:
            return None
        else:
            low_f, high_f = param.bounds
            points *= int((high_f - low_f) / param.step + 1e-9) + 1
    return points


def check_space(
    tuning: TuningSpec,
    estimator_class: type[Any],
    doc: yamlio.LocatedDocument,
    loc: yamlio.Loc,
) -> list[Diagnostic]:
    """Every space key is a parameter of the estimator, and every value it may draw is valid."""
    from .estimators import _invalid_params, _parameters

    known, _ = _parameters(estimator_class)
    name = estimator_class.__name__
    out: list[Diagnostic] = []
    for param, values in tuning.space.items():
        where = (*loc, "space", param)
        if param not in known:
            out.append(
                doc.diagnostic(
                    where, f"'{name}' has no parameter '{param}'{suggest(param, known)}", key=True
                )
            )
            continue
        for label, value in _probe_values(values):
            problem = _invalid_params(estimator_class, {param: value}).get(param)
            if problem:
                out.append(doc.diagnostic(where, f"{label} {value!r} is not valid: {problem}"))
    return out


def _probe_values(values: FloatRangeSpec | IntRangeSpec | ChoiceSpec) -> list[tuple[str, Any]]:
    """The values worth checking: a range's two ends, or every choice."""
    if isinstance(values, ChoiceSpec):
        return [("choice", v) for v in values.values]
    low, high = values.bounds
    return [("low", low), ("high", high)]
