"""Metrics and their seeded bootstrap, vectorised over resamples.

A bootstrap resample draws the holdout's rows with replacement; what a
metric sees of a resample is how often each row was drawn. Two exact
shortcuts keep this cheap:

- Label metrics (accuracy, balanced_accuracy, precision, recall, f1) depend
  only on how many rows fall in each (true class, predicted class per model)
  cell. Drawing n rows with replacement puts Multinomial(n, cell shares) rows
  in the cells, so the cell counts are drawn directly: O(cells) per resample
  instead of O(rows), and the same distribution as resampling rows.
- Score metrics (roc_auc, log_loss, the regression errors) need row weights;
  they are drawn in chunks of resamples (`np.bincount` of random row indices)
  and every metric of every model reads the same weights.
- Above `EXACT_CELLS` rows x resamples (a million-row holdout), drawing row
  weights would take minutes, so score metrics are resampled on cells
  instead: rows are grouped by quantile bins of each model's score (and the
  class), cell counts are drawn exactly as above, and each cell carries the
  mean of its rows' losses. The interval is that of the cells' statistic,
  centred on the exact point value (`Resampled.points`); `binned` says so.
  Tests compare it with the row-level interval.

Every model is scored on the same resamples, so a difference of two models'
metrics is a paired difference. Point values are the same functions at unit
weights (roc_auc's counted in whole numbers over one sort of the scores, which
the score bins reuse) and agree with scikit-learn's (tests check to 1e-9).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

LABEL_METRICS = frozenset({"accuracy", "balanced_accuracy", "precision", "recall", "f1"})
PROBA_METRICS = frozenset({"roc_auc", "log_loss"})
REGRESSION_METRICS = frozenset({"rmse", "mae", "r2", "mape"})
# Row-weight matrices are built this many cells at a time (4 resamples of 1M rows: 32 MB).
_CHUNK_CELLS = 4_000_000
# Up to this many rows x resamples, score metrics are resampled row by row.
EXACT_CELLS = 20_000_000
# Cells (class x score bins of every model) when score metrics are resampled on cells.
_MAX_CELLS = 2048


@dataclass(frozen=True)
class Truth:
    """The rows' true values: class indices into `classes`, or numbers for regression."""

    task: str  # classification | regression
    y: np.ndarray  # int64 class index, or float64
    classes: tuple[str, ...] = ()
    positive: int | None = None  # index of the positive class (binary classification)

    @property
    def rows(self) -> int:
        return len(self.y)

    def subset(self, mask: np.ndarray) -> Truth:
        return Truth(self.task, self.y[mask], self.classes, self.positive)


@dataclass(frozen=True)
class Outputs:
    """One model's outputs on the same rows: class indices (-1: a class outside
    `Truth.classes`) or numbers, and probabilities in `Truth.classes` order."""

    pred: np.ndarray
    proba: np.ndarray | None = None

    def subset(self, mask: np.ndarray) -> Outputs:
        return Outputs(self.pred[mask], None if self.proba is None else self.proba[mask])


@dataclass(frozen=True)
class Resampled:
    """Point values and bootstrap draws, per model (in the order given) and metric."""

    points: list[dict[str, float]]
    draws: list[dict[str, np.ndarray]]  # metric -> (resamples,), NaN where undefined
    rows: int
    resamples: int
    binned: bool = False  # score metrics were resampled on score bins (large holdouts)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def resample_metrics(
    truth: Truth,
    models: Sequence[Outputs],
    names: Sequence[str],
    resamples: int,
    seed: int,
) -> Resampled:
    """Point values and `resamples` seeded bootstrap draws of `names` for every model."""
    label = [name for name in names if name in LABEL_METRICS]
    scored = [name for name in names if name not in LABEL_METRICS]
    label_rng, score_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    points: list[dict[str, float]] = [{} for _ in models]
    draws: list[dict[str, np.ndarray]] = [{} for _ in models]
    if label:
        full, sampled = _label_counts(truth, models, resamples, label_rng)
        for i in range(len(models)):
            for name, values in _label_metrics(_confusion(full, truth, models, i), label, truth):
                points[i][name] = float(values[0])
            for name, values in _label_metrics(_confusion(sampled, truth, models, i), label, truth):
                draws[i][name] = values
    binned = bool(scored) and truth.rows * resamples > EXACT_CELLS and _binnable(truth, scored)
    # a binary model's scores sorted once: its point roc_auc and its score bins read them
    ranked = binned or "roc_auc" in scored
    rankings = [_binary_ranking(truth, model) if ranked else None for model in models]
    if scored:
        ones = np.ones((1, truth.rows))
        weighted = [name for name in scored if name != "roc_auc"]
        for i, model in enumerate(models):
            for name, values in _score_metrics(truth, model, ones, weighted).items():
                points[i][name] = float(values[0])
            if "roc_auc" in scored:
                points[i]["roc_auc"] = _point_auc(truth, model, rankings[i])
    if binned:
        cell_draws = _binned_draws(truth, models, scored, resamples, score_rng, rankings)
        for i in range(len(models)):
            for name in scored:
                draws[i][name] = cell_draws[i][name] + points[i][name]
    elif scored:
        chunks: list[list[dict[str, np.ndarray]]] = [[] for _ in models]
        for weights in _row_weights(truth.rows, resamples, score_rng):
            for i, model in enumerate(models):
                chunks[i].append(_score_metrics(truth, model, weights, scored))
        for i in range(len(models)):
            for name in scored:
                draws[i][name] = (
                    np.concatenate([c[name] for c in chunks[i]]) if chunks[i] else np.empty(0)
                )
    ordered_points = [{name: p[name] for name in names if name in p} for p in points]
    return Resampled(ordered_points, draws, truth.rows, resamples, binned)


def interval(draws: np.ndarray, confidence: float) -> Interval | None:
    """The percentile interval of the draws that are defined (None when none is)."""
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return None
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return Interval(float(low), float(high))


# --- label metrics: exact multinomial draws of cell counts ---------------------------


def _cell_codes(truth: Truth, models: Sequence[Outputs]) -> tuple[np.ndarray, int]:
    """One integer per row naming its (true class, predicted class of each model) cell."""
    classes = len(truth.classes)
    width = classes + 1  # the last predicted "class" is any label outside `classes`
    code = truth.y.astype(np.int64)
    scale = classes
    for model in models:
        pred = np.where(model.pred < 0, classes, model.pred).astype(np.int64)
        code = code + pred * scale
        scale *= width
    return code, scale


def _label_counts(
    truth: Truth, models: Sequence[Outputs], resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    code, cells = _cell_codes(truth, models)
    counts = np.bincount(code, minlength=cells).astype(np.float64)
    sampled = (
        rng.multinomial(truth.rows, counts / counts.sum(), size=resamples).astype(np.float64)
        if resamples and truth.rows
        else np.empty((0, cells))
    )
    return counts[None, :], sampled


def _confusion(counts: np.ndarray, truth: Truth, models: Sequence[Outputs], i: int) -> np.ndarray:
    """(resamples, true class, predicted class incl. "other") counts of model i."""
    classes = len(truth.classes)
    width = classes + 1
    shape = (counts.shape[0], *([width] * len(models))[::-1], classes)
    cube = counts.reshape(shape)  # axes: resample, pred of last model … first model, truth
    pred_axis = len(models) - i  # model i's prediction axis
    other = tuple(a for a in range(1, len(models) + 1) if a != pred_axis)
    matrix = cube.sum(axis=other) if other else cube  # (resample, pred_i, truth)
    return np.swapaxes(matrix, 1, 2)


def _label_metrics(
    confusion: np.ndarray, names: Sequence[str], truth: Truth
) -> list[tuple[str, np.ndarray]]:
    classes = len(truth.classes)
    total = confusion.sum(axis=(1, 2))
    tp = confusion[:, np.arange(classes), np.arange(classes)]  # (resamples, classes)
    actual = confusion.sum(axis=2)  # rows of each true class
    predicted = confusion[:, :, :classes].sum(axis=1)  # rows predicted as each class
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1_den = actual + predicted
        f1 = np.where(f1_den > 0, 2 * tp / f1_den, 0.0)
        out: list[tuple[str, np.ndarray]] = []
        for name in names:
            if name == "accuracy":
                values = np.where(total > 0, tp.sum(axis=1) / total, np.nan)
            elif name == "balanced_accuracy":
                present = actual > 0
                values = np.where(
                    present.any(axis=1),
                    (recall * present).sum(axis=1) / present.sum(axis=1),
                    np.nan,
                )
            else:
                per_class = {"precision": precision, "recall": recall, "f1": f1}[name]
                values = (
                    per_class[:, truth.positive]
                    if truth.positive is not None and classes == 2
                    else per_class.mean(axis=1)
                )
            out.append((name, values))
    return out


# --- score metrics on cells (large holdouts) ---------------------------------------------


def _binnable(truth: Truth, names: Sequence[str]) -> bool:
    # Regression stays row by row: r2 reads the spread of the target inside each cell, which
    # cells binned on the errors lose (its interval came out a third too narrow). Multiclass
    # roc_auc reads every class's score.
    if truth.task == "regression":
        return False
    return len(truth.classes) == 2 or "roc_auc" not in names


@dataclass(frozen=True)
class _Ranked:
    """Scores sorted once: the order that sorts them (ties in any order) and the sorted values."""

    order: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, scores: np.ndarray) -> _Ranked:
        # ties are grouped wherever the ranks are read, so an unstable (faster) sort will do
        order = np.argsort(scores)
        values = scores[order]
        if len(values) and values[-1] != values[-1]:
            # NaN (sorted last) never equals itself: each is its own group, and the row
            # order among them counts; keep the stable order `weighted_auc` reads
            order = np.argsort(scores, kind="stable")
            values = scores[order]
        return cls(order, values)


def _binary_ranking(truth: Truth, model: Outputs) -> _Ranked | None:
    if truth.task != "classification" or len(truth.classes) != 2 or model.proba is None:
        return None
    return _Ranked.of(model.proba[:, 1 if truth.positive is None else truth.positive])


def _quantile_bins(ranked: _Ranked, bins: int) -> np.ndarray:
    """Bin index per value (in the scores' own order) by quantiles; equal values share a bin.

    The same bins as `searchsorted(edges, values, side="right")`, read off the sorted
    values: a value's bin is the number of edges at or below it.
    """
    values = ranked.values
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    first = np.searchsorted(values, edges, side="left")  # where each edge's bin starts
    in_order = np.repeat(np.arange(len(edges) + 1), np.diff(np.r_[0, first, len(values)]))
    out = np.empty(len(values), dtype=np.intp)
    out[ranked.order] = in_order
    return out


def _cells(code: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`np.unique(code, return_inverse=True, return_counts=True)` for codes in [0, size)."""
    if size > 4 * len(code) + 4096:  # a sparse code range: counting every code would cost more
        return np.unique(code, return_inverse=True, return_counts=True)
    counts = np.bincount(code, minlength=size)
    cells = np.flatnonzero(counts)
    lookup = np.zeros(size, dtype=np.intp)
    lookup[cells] = np.arange(len(cells))
    return cells, lookup[code], counts[cells]


def _binned_draws(
    truth: Truth,
    models: Sequence[Outputs],
    names: Sequence[str],
    resamples: int,
    rng: np.random.Generator,
    rankings: Sequence[_Ranked | None],
) -> list[dict[str, np.ndarray]]:
    """Per model and metric: resampled value minus its value on all cells."""
    classification = truth.task == "classification"
    classes = len(truth.classes) if classification else 1
    per_model = max(2, int((_MAX_CELLS // classes) ** (1.0 / len(models))))
    code = truth.y.astype(np.int64) if classification else np.zeros(truth.rows, dtype=np.int64)
    scale = classes
    model_bins = []
    for model, ranked in zip(models, rankings, strict=True):
        b = _quantile_bins(ranked or _Ranked.of(_bin_key(truth, model)), per_model)
        model_bins.append((b, scale))
        code = code + b * scale
        scale *= per_model
    cells, inverse, counts = _cells(code, scale)
    full = counts.astype(np.float64)[None, :]
    sampled = rng.multinomial(truth.rows, counts / counts.sum(), size=resamples).astype(np.float64)
    out: list[dict[str, np.ndarray]] = []
    for model, (_bins, bin_scale) in zip(models, model_bins, strict=True):
        cell_bin = (cells // bin_scale) % per_model
        cell_class = cells % classes if classification else None
        quantities = _cell_quantities(truth, model, inverse, counts, names)
        result = {}
        for name in names:
            at_full = _cell_metric(name, full, quantities, cell_bin, cell_class, truth, per_model)
            draw = _cell_metric(name, sampled, quantities, cell_bin, cell_class, truth, per_model)
            result[name] = draw - at_full[0]
        out.append(result)
    return out


def _bin_key(truth: Truth, model: Outputs) -> np.ndarray:
    if truth.task == "regression":
        return _errors(truth, model)
    assert model.proba is not None
    if len(truth.classes) == 2:
        return model.proba[:, 1 if truth.positive is None else truth.positive]
    return np.asarray(model.proba[np.arange(truth.rows), truth.y])  # the true class's probability


def _cell_quantities(
    truth: Truth, model: Outputs, inverse: np.ndarray, counts: np.ndarray, names: Sequence[str]
) -> dict[str, np.ndarray]:
    """Per cell, the mean of the per-row quantities the metrics add up."""
    rows: dict[str, np.ndarray] = {}
    if truth.task == "regression":
        y = np.asarray(truth.y, dtype=np.float64)
        errors = _errors(truth, model)
        centred = y - y.mean()
        eps = np.finfo(np.float64).eps
        rows = {
            "sq": errors**2,
            "abs": np.abs(errors),
            "pct": np.abs(errors) / np.maximum(np.abs(y), eps),
            "y": centred,
            "y2": centred**2,
        }
    elif "log_loss" in names:
        assert model.proba is not None
        eps = np.finfo(np.float64).eps
        p_true = np.clip(model.proba[np.arange(truth.rows), truth.y], eps, 1 - eps)
        rows = {"loss": -np.log(p_true)}
    return {k: np.bincount(inverse, weights=v) / counts for k, v in rows.items()}


def _cell_metric(
    name: str,
    k: np.ndarray,
    q: Mapping[str, np.ndarray],
    cell_bin: np.ndarray,
    cell_class: np.ndarray | None,
    truth: Truth,
    bins: int,
) -> np.ndarray:
    total = k.sum(axis=1)
    if name == "roc_auc":
        assert cell_class is not None
        positive = 1 if truth.positive is None else truth.positive
        pos = _by_bin(k, cell_bin, cell_class == positive, bins)
        neg = _by_bin(k, cell_bin, cell_class != positive, bins)
        below = np.cumsum(neg, axis=1) - neg
        n_pos, n_neg = pos.sum(axis=1), neg.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            auc = (pos * (below + 0.5 * neg)).sum(axis=1) / (n_pos * n_neg)
        return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "log_loss":
            return np.asarray(k @ q["loss"] / total)
        if name == "rmse":
            return np.asarray(np.sqrt(k @ q["sq"] / total))
        if name == "mae":
            return np.asarray(k @ q["abs"] / total)
        if name == "mape":
            return np.asarray(k @ q["pct"] / total)
        sst = k @ q["y2"] - (k @ q["y"]) ** 2 / total
        return np.asarray(1.0 - (k @ q["sq"]) / sst)


def _by_bin(k: np.ndarray, cell_bin: np.ndarray, chosen: np.ndarray, bins: int) -> np.ndarray:
    """(resamples, bins): the counts of the chosen cells added up by score bin.

    Counts are whole numbers, so the sums are exact in any order.
    """
    cols = np.flatnonzero(chosen)
    cols = cols[np.argsort(cell_bin[cols], kind="stable")]
    col_bins = cell_bin[cols]
    out = np.zeros((k.shape[0], bins))
    if len(cols) == 0:
        return out
    starts = np.flatnonzero(np.r_[True, col_bins[1:] != col_bins[:-1]])
    if len(starts) == len(cols):  # one cell per bin (a single model): nothing to add up
        out[:, col_bins] = k[:, cols]
    else:  # along the first axis of the transpose, each sum adds whole rows
        out[:, col_bins[starts]] = np.add.reduceat(k.T[cols], starts, axis=0).T
    return out


# --- score metrics: row weights ---------------------------------------------------------


def _row_weights(rows: int, resamples: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Bootstrap row counts, a (chunk, rows) float matrix per chunk of resamples."""
    if rows == 0 or resamples == 0:
        return []
    per_chunk = max(1, _CHUNK_CELLS // rows)
    out = []
    for start in range(0, resamples, per_chunk):
        size = min(per_chunk, resamples - start)
        index = rng.integers(0, rows, size=(size, rows), dtype=np.int64)
        index += (np.arange(size, dtype=np.int64) * rows)[:, None]
        out.append(np.bincount(index.ravel(), minlength=size * rows).reshape(size, rows))
    return [w.astype(np.float64) for w in out]


def _score_metrics(
    truth: Truth, model: Outputs, weights: np.ndarray, names: Sequence[str]
) -> dict[str, np.ndarray]:
    out = {}
    for name in names:
        compute = _SCORE_METRICS[name]
        out[name] = compute(truth, model, weights)
    return out


def weighted_auc(scores: np.ndarray, positive: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Area under the ROC curve per weight row (ties count one half), NaN without both classes."""
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    w = weights[:, order]
    pos_mask = positive[order]
    pos = np.add.reduceat(np.where(pos_mask, w, 0.0), starts, axis=1)
    neg = np.add.reduceat(np.where(pos_mask, 0.0, w), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    n_pos, n_neg = pos.sum(axis=1), neg.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (pos * (below + 0.5 * neg)).sum(axis=1) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def unit_auc(ranked: _Ranked, positive: np.ndarray) -> float:
    """`weighted_auc` at unit weights, counted in whole numbers: the point value of roc_auc."""
    values = ranked.values
    if len(values) == 0:
        return math.nan
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    pos_total = np.cumsum(positive[ranked.order], dtype=np.int64)
    pos = np.diff(np.r_[0, pos_total[ends - 1]])
    neg = (ends - starts) - pos
    below = np.cumsum(neg) - neg
    n_pos, n_neg = int(pos_total[-1]), len(values) - int(pos_total[-1])
    if n_pos == 0 or n_neg == 0:
        return math.nan
    # twice the area, in integers: exact; one division rounds it
    return int(np.sum(pos * (2 * below + neg))) / (2 * n_pos * n_neg)


def _point_auc(truth: Truth, model: Outputs, ranked: _Ranked | None) -> float:
    assert model.proba is not None
    if ranked is not None:  # binary
        positive = 1 if truth.positive is None else truth.positive
        return unit_auc(ranked, truth.y == positive)
    per_class = [
        unit_auc(_Ranked.of(model.proba[:, c]), truth.y == c) for c in range(len(truth.classes))
    ]
    return float(np.mean(per_class))  # NaN when any class is missing, as scikit-learn refuses


def _roc_auc(truth: Truth, model: Outputs, weights: np.ndarray) -> np.ndarray:
    assert model.proba is not None
    if len(truth.classes) == 2:
        positive = 1 if truth.positive is None else truth.positive
        return weighted_auc(model.proba[:, positive], truth.y == positive, weights)
    per_class = [
        weighted_auc(model.proba[:, c], truth.y == c, weights) for c in range(len(truth.classes))
    ]
    return np.asarray(
        np.mean(per_class, axis=0)
    )  # NaN when any class is missing, as scikit-learn refuses


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    total = weights.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, weights @ values / total, np.nan)


def _log_loss(truth: Truth, model: Outputs, weights: np.ndarray) -> np.ndarray:
    assert model.proba is not None
    eps = np.finfo(np.float64).eps
    p_true = np.clip(model.proba[np.arange(truth.rows), truth.y], eps, 1 - eps)
    return _weighted_mean(-np.log(p_true), weights)


def _errors(truth: Truth, model: Outputs) -> np.ndarray:
    return np.asarray(truth.y, dtype=np.float64) - np.asarray(model.pred, dtype=np.float64)


def _rmse(truth: Truth, model: Outputs, weights: np.ndarray) -> np.ndarray:
    return np.asarray(np.sqrt(_weighted_mean(_errors(truth, model) ** 2, weights)))


def _mae(truth: Truth, model: Outputs, weights: np.ndarray) -> np.ndarray:
    return _weighted_mean(np.abs(_errors(truth, model)), weights)


def _mape(truth: Truth, model: Outputs, weights: np.ndarray) -> np.ndarray:
    eps = np.finfo(np.float64).eps
    y = np.asarray(truth.y, dtype=np.float64)
    return _weighted_mean(np.abs(_errors(truth, model)) / np.maximum(np.abs(y), eps), weights)


def _r2(truth: Truth, model: Outputs, weights: np.ndarray) -> np.ndarray:
    y = np.asarray(truth.y, dtype=np.float64)
    centred = y - y.mean()  # centring first keeps the sums of squares accurate
    total = weights.sum(axis=1)
    sse = weights @ (_errors(truth, model) ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        sst = weights @ (centred**2) - (weights @ centred) ** 2 / total
        r2 = 1.0 - sse / sst
    # scikit-learn's convention for a constant target: 1 for a perfect fit, else 0
    tiny = sst <= 1e-12 * np.maximum(weights @ (centred**2), 1e-300)
    return np.where(tiny, np.where(sse == 0, 1.0, 0.0), r2)


_SCORE_METRICS: Mapping[str, Callable[[Truth, Outputs, np.ndarray], np.ndarray]] = {
    "roc_auc": _roc_auc,
    "log_loss": _log_loss,
    "rmse": _rmse,
    "mae": _mae,
    "mape": _mape,
    "r2": _r2,
}
SUPPORTED = LABEL_METRICS | frozenset(_SCORE_METRICS)


def brier(truth: Truth, model: Outputs) -> float | None:
    """Mean squared error of the positive class's probability (binary only)."""
    if model.proba is None or truth.positive is None or len(truth.classes) != 2:
        return None
    p = model.proba[:, truth.positive]
    return float(np.mean((p - (truth.y == truth.positive)) ** 2)) if truth.rows else None
