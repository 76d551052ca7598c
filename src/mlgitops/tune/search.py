"""Run a declared hyperparameter search on the training rows; return what it tried and chose.

grid, random and halving are scikit-learn's own searches (`GridSearchCV` over
the drawn candidates, `HalvingRandomSearchCV`); tpe is Optuna's TPE sampler,
seeded and sequential (each trial depends on the ones before, so running them
in parallel would break the promise that a commit gives the same trials).

Determinism: the candidates are drawn up front from `tuning.seed`, the folds
come from a seeded splitter, and each fit is independent, so the same inputs
give the same scores whether fits run one at a time, on several local
processes (`n_jobs`) or on a Dask cluster. Only a timeout can change the
outcome (fewer trials), which is why it is recorded as `cut_short`.

The holdout is never seen: the search cross-validates on the training part
of the split, and training then fits the best parameters on all of it.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..errors import BadInputError, ExternalError
from ..evidence import TrialEvidence, TuningEvidence
from ..registries import HIGHER_IS_BETTER
from ..spec.models import TuningSpec
from .space import distribution, grid_values, prefixed, suggest, unprefixed

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from ..spec.models import Task

Clock = Callable[[], float]
# How long to wait for a Dask scheduler before calling it unreachable.
SCHEDULER_TIMEOUT = "10s"
CvKind = Literal["stratified", "kfold", "time"]


@dataclass(frozen=True)
class SearchInputs:
    """What a search reads: the spec, the unfitted pipeline and the training rows."""

    tuning: TuningSpec
    task: Task
    pipeline: Pipeline  # unfitted, with the declared params
    x: pd.DataFrame  # the training rows' feature columns
    y: np.ndarray
    time_order: np.ndarray | None = None  # positions that sort the rows by time, when known
    positive: str | None = None  # the positive class of a binary task, as its label text


class MetricScorer:
    """A scikit-learn scorer from an mlgitops metric: larger is better (losses negated).

    A class rather than a closure so worker processes and Dask workers can unpickle it.
    """

    def __init__(self, metric: str, task: Task, positive: str | None = None) -> None:
        self.metric = metric
        self.task = task
        self.positive = positive  # what precision, recall and f1 are about, as in training
        self.sign = 1.0 if metric in HIGHER_IS_BETTER else -1.0

    def __call__(self, estimator: Any, x: Any, y: np.ndarray) -> float:
        from ..train.metrics import METRICS

        metric = METRICS[self.metric]
        # the pipeline's transforms run once, not once per predict call: they cost more
        # than the final estimator's predict and predict_proba together
        final, features = _final_step(estimator, x)
        y_pred = np.asarray(final.predict(features))
        proba = np.asarray(final.predict_proba(features)) if metric.needs_proba else None
        classes = [str(c) for c in estimator.classes_] if self.task == "classification" else []
        positive = self.positive if self.positive in classes else None
        return self.sign * metric(np.asarray(y), y_pred, proba, classes, positive)


def _final_step(estimator: Any, x: Any) -> tuple[Any, Any]:
    """The estimator that predicts and the rows it reads: a pipeline's last step, after
    its transforms (what `Pipeline.predict` does), or the estimator itself and `x`."""
    from sklearn.pipeline import Pipeline

    if not isinstance(estimator, Pipeline) or len(estimator.steps) < 2:
        return estimator, x
    return estimator[-1], estimator[:-1].transform(x)


@dataclass(frozen=True)
class _Search:
    """What every strategy fits on: the rows (in time order when known), folds, scorer, fan-out."""

    pipeline: Pipeline
    x: pd.DataFrame
    y: np.ndarray
    splitter: Any
    scorer: MetricScorer
    tuning: TuningSpec
    n_jobs: int


def run_search(inputs: SearchInputs, clock: Clock = time.monotonic) -> TuningEvidence:
    tuning = inputs.tuning
    started = clock()
    x, y = inputs.x, inputs.y
    if inputs.time_order is not None:
        x, y = x.iloc[inputs.time_order], y[inputs.time_order]
    splitter, cv_kind = _splitter(tuning, inputs.task, y, inputs.time_order is not None)
    scorer = MetricScorer(tuning.metric, inputs.task, inputs.positive)
    with warnings.catch_warnings(), _backend(tuning) as n_jobs:
        warnings.simplefilter("ignore")  # convergence notices per fold would flood the log
        search = _Search(inputs.pipeline, x, y, splitter, scorer, tuning, n_jobs)
        if tuning.strategy == "tpe":
            trials, planned = _tpe(search)
        elif tuning.strategy == "halving":
            trials, planned = _halving(search)
        else:
            trials, planned = _candidates_search(search, clock, started)
    higher = tuning.metric in HIGHER_IS_BETTER
    best = _best(trials, higher, last_round_only=tuning.strategy == "halving")
    if best is None or best.mean is None:
        errors = sorted({t.error for t in trials if t.error})
        raise BadInputError(
            f"tuning: every one of {len(trials)} trial(s) failed"
            + (f" ({errors[0]})" if errors else ""),
            hint="narrow tuning.space to values the estimator accepts on this data",
        )
    distinct = len({t.number for t in trials})
    return TuningEvidence(
        strategy=tuning.strategy,
        metric=tuning.metric,
        higher_is_better=higher,
        cv=tuning.cv,
        cv_kind=cv_kind,
        seed=tuning.seed,
        backend=tuning.backend,
        trials_planned=planned,
        trials_run=distinct,
        cut_short=distinct < planned,
        timeout_minutes=tuning.timeout_minutes,
        best_params=dict(best.params),
        best_score=best.mean,
        trials=trials,
        seconds=round(clock() - started, 3),
    )


def _splitter(tuning: TuningSpec, task: Task, y: np.ndarray, by_time: bool) -> tuple[Any, CvKind]:
    from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit

    if len(y) < 2 * tuning.cv:
        raise BadInputError(
            f"tuning: {len(y)} training row(s) are too few for cv {tuning.cv}",
            hint="lower tuning.cv or add rows",
        )
    if by_time:
        return TimeSeriesSplit(n_splits=tuning.cv), "time"
    if task == "classification":
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < tuning.cv:
            raise BadInputError(
                f"tuning: the rarest class has {counts.min()} training row(s), fewer than "
                f"cv {tuning.cv} folds",
                hint=f"lower tuning.cv to at most {counts.min()} or add rows of that class",
            )
        return StratifiedKFold(n_splits=tuning.cv, shuffle=True, random_state=tuning.seed), (
            "stratified"
        )
    return KFold(n_splits=tuning.cv, shuffle=True, random_state=tuning.seed), "kfold"


@contextlib.contextmanager
def _backend(tuning: TuningSpec) -> Iterator[int]:
    """The joblib backend the fits run on; yields the n_jobs to give scikit-learn."""
    if tuning.backend != "dask":
        yield tuning.n_jobs
        return
    import joblib
    from distributed import Client

    try:
        client = Client(tuning.scheduler, timeout=SCHEDULER_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ExternalError(
            f"tuning: cannot reach the Dask scheduler at {tuning.scheduler}: {exc}",
            hint="start the cluster, or check tuning.scheduler (tcp://host:8786)",
        ) from None
    try:
        with joblib.parallel_backend("dask", client=client):
            yield -1  # as many fits at once as the cluster has worker threads
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _candidates(tuning: TuningSpec) -> list[dict[str, Any]]:
    """The parameter sets grid and random try, in a fixed order drawn from the seed."""
    from sklearn.model_selection import ParameterGrid, ParameterSampler

    if tuning.strategy == "grid":
        grid = list(ParameterGrid({k: grid_values(v) for k, v in tuning.space.items()}))
        if len(grid) > tuning.trials:
            raise BadInputError(
                f"tuning: the grid has {len(grid)} points, more than trials ({tuning.trials})",
                hint=f"raise tuning.trials to {len(grid)} or narrow the space",
            )
        return grid
    dists = {k: distribution(v) for k, v in tuning.space.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a small all-list space yields fewer sets: fine
        sampled = ParameterSampler(dists, n_iter=tuning.trials, random_state=tuning.seed)
        return [unprefixed(p) for p in sampled]


def _candidates_search(
    search: _Search, clock: Clock, started: float
) -> tuple[list[TrialEvidence], int]:
    """grid and random: scikit-learn's GridSearchCV over the drawn sets, in timed chunks."""
    tuning = search.tuning
    candidates = _candidates(tuning)
    # without a timeout the whole list is one search; with one, check the clock between chunks
    chunk = len(candidates) if tuning.timeout_minutes is None else max(2, abs(search.n_jobs))
    trials: list[TrialEvidence] = []
    for start in range(0, len(candidates), chunk):
        timed_out = (
            tuning.timeout_minutes is not None
            and bool(trials)
            and clock() - started >= tuning.timeout_minutes * 60
        )
        if timed_out:
            break
        part = candidates[start : start + chunk]
        trials += _grid_search(search, part, first=start)
    return trials, len(candidates)


def _grid_search(
    search: _Search, candidates: Sequence[dict[str, Any]], *, first: int
) -> list[TrialEvidence]:
    pipeline, x, y, splitter = search.pipeline, search.x, search.y, search.splitter
    scorer, n_jobs = search.scorer, search.n_jobs
    from sklearn.model_selection import GridSearchCV

    grid = GridSearchCV(
        pipeline,
        [{k: [v] for k, v in prefixed(c).items()} for c in candidates],
        scoring=scorer,
        cv=splitter,
        n_jobs=n_jobs,
        refit=False,
        error_score=np.nan,
    )
    _fit(grid, x, y)
    return _trials(grid.cv_results_, splitter.get_n_splits(), scorer.sign, first=first)


def _halving(search: _Search) -> tuple[list[TrialEvidence], int]:
    """Successive halving: many sets on few rows, the best third on three times as many."""
    pipeline, x, y, splitter = search.pipeline, search.x, search.y, search.splitter
    scorer, tuning, n_jobs = search.scorer, search.tuning, search.n_jobs
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    dists = {k: distribution(v) for k, v in prefixed(dict(tuning.space)).items()}
    halving = HalvingRandomSearchCV(
        pipeline,
        dists,
        n_candidates=tuning.trials,
        factor=3,
        min_resources="exhaust",  # the last round trains on every training row
        scoring=scorer,
        cv=splitter,
        random_state=tuning.seed,
        n_jobs=n_jobs,
        refit=False,
        error_score=np.nan,
    )
    _fit(halving, x, y)
    trials = _trials(halving.cv_results_, splitter.get_n_splits(), scorer.sign, first=0)
    # a candidate keeps its number across rounds: the one it had in the first round
    numbering: dict[str, int] = {}
    renumbered = []
    for trial in trials:
        key = repr(sorted(trial.params.items()))
        number = numbering.setdefault(key, len(numbering))
        renumbered.append(trial.model_copy(update={"number": number}))
    return renumbered, tuning.trials


def _fit(search: Any, x: pd.DataFrame, y: np.ndarray) -> None:
    """Fit a scikit-learn search; when every fit failed it raises, and that is the user's space."""
    try:
        search.fit(x, y)
    except ValueError as exc:
        reasons = [line for line in str(exc).splitlines() if line.startswith("ValueError: ")]
        reason = reasons[-1].removeprefix("ValueError: ") if reasons else str(exc).splitlines()[0]
        raise BadInputError(
            f"tuning: every fit of the search failed: {reason}",
            hint="narrow tuning.space to values the estimator accepts on this data",
        ) from None


def _tpe(search: _Search) -> tuple[list[TrialEvidence], int]:
    pipeline, x, y, splitter = search.pipeline, search.x, search.y, search.splitter
    scorer, tuning, n_jobs = search.scorer, search.tuning, search.n_jobs
    import optuna
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    trials: list[TrialEvidence] = []

    def objective(trial: optuna.Trial) -> float:
        params = {name: suggest(trial, name, p) for name, p in tuning.space.items()}
        candidate = clone(pipeline).set_params(**prefixed(params))
        scores = cross_validate(
            candidate, x, y, cv=splitter, scoring=scorer, n_jobs=n_jobs, error_score=np.nan
        )
        result = _trial(
            len(trials),
            params,
            np.asarray(scores["test_score"], dtype=np.float64),
            float(np.sum(scores["fit_time"]) + np.sum(scores["score_time"])),
            scorer.sign,
        )
        trials.append(result)
        # a failed trial tells the sampler nothing: the worst score keeps it away
        return -math.inf if result.mean is None else scorer.sign * result.mean

    sampler = optuna.samplers.TPESampler(seed=tuning.seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    timeout = None if tuning.timeout_minutes is None else tuning.timeout_minutes * 60
    study.optimize(objective, n_trials=tuning.trials, timeout=timeout)
    return trials, tuning.trials


def _trials(results: dict[str, Any], folds: int, sign: float, *, first: int) -> list[TrialEvidence]:
    out = []
    for i, params in enumerate(results["params"]):
        scores = np.array(
            [results[f"split{k}_test_score"][i] for k in range(folds)], dtype=np.float64
        )
        seconds = float((results["mean_fit_time"][i] + results["mean_score_time"][i]) * folds)
        trial = _trial(first + i, unprefixed(params), scores, seconds, sign)
        if "iter" in results:
            trial = trial.model_copy(
                update={
                    "iteration": int(results["iter"][i]),
                    "resources": int(results["n_resources"][i]),
                }
            )
        out.append(trial)
    return out


def _trial(
    number: int, params: dict[str, Any], scores: np.ndarray, seconds: float, sign: float
) -> TrialEvidence:
    """Scores back in the metric's own terms (losses un-negated)."""
    finite = scores[np.isfinite(scores)]
    if len(finite) < len(scores):
        return TrialEvidence(
            number=number,
            params=params,
            mean=None,
            std=None,
            seconds=round(seconds, 4),
            error=f"{len(scores) - len(finite)} of {len(scores)} fold(s) failed",
        )
    natural = sign * finite
    return TrialEvidence(
        number=number,
        params=params,
        mean=float(np.mean(natural)),
        std=float(np.std(natural)),
        seconds=round(seconds, 4),
    )


def _best(
    trials: list[TrialEvidence], higher_is_better: bool, last_round_only: bool
) -> TrialEvidence | None:
    """The best mean score (ties: the earliest trial); for halving, among the last round."""
    pool = [t for t in trials if t.mean is not None]
    if last_round_only and pool:
        last = max(t.iteration or 0 for t in pool)
        pool = [t for t in pool if (t.iteration or 0) == last]
    if not pool:
        return None
    sign = 1.0 if higher_is_better else -1.0

    def key(t: TrialEvidence) -> tuple[float, int]:
        assert t.mean is not None
        return (sign * t.mean, -t.number)

    return max(pool, key=key)
