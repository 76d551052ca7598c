"""The reference profile written with every model version (`profile.json`).

A few kilobytes per model, so drift never needs the training data again:

- a numeric feature keeps its fine bin edges (the reference's percentiles, or
  its distinct values when it has at most `MAX_FINE_BINS` of them) with the
  reference count in every bin, the coarse edges PSI, Jensen–Shannon and
  chi-square use (deciles, or every distinct value of a feature with at most
  `MAX_COARSE_VALUES` values), and its mean, std, min, max and null fraction;
- a categorical feature keeps the counts of its `MAX_CATEGORIES` most frequent
  categories and one "other" count for the rest;
- the model's scores on the holdout are kept as one more numeric distribution
  (see `prediction_scores` for what a score is).

Bins are half-open, `[edge[i-1], edge[i])`, with one open bin below the first
edge and one at or above the last, so a current value outside the reference
range still lands somewhere. Floats are rounded *before* counting, so the
stored edges and counts agree exactly, and the JSON is byte-for-byte
deterministic.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import BadInputError

if TYPE_CHECKING:
    import pandas as pd

MAX_FINE_BINS = 100  # percentiles: fine enough for Kolmogorov–Smirnov and Wasserstein
MAX_COARSE_VALUES = 20  # a numeric feature with this few values is binned per value for PSI/JS/chi2
COARSE_QUANTILES = 10  # otherwise deciles: few enough bins that sampling noise stays small
MAX_CATEGORIES = 50  # the rest of a categorical feature's values share the "other" bucket
SIGNIFICANT_DIGITS = 12

# classification: P(positive) for binary models, the highest class probability for multiclass ones
ScoreOutput = Literal["probability", "prediction"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NumericProfile(_Frozen):
    kind: Literal["numeric"] = "numeric"
    rows: int
    nulls: int
    null_fraction: float
    mean: float | None
    std: float | None  # population std (ddof=0), the Wasserstein normaliser
    min: float | None
    max: float | None
    discrete: bool  # edges are the distinct values themselves
    edges: list[float]
    counts: list[int]  # len(edges) + 1 bins; the first (below the minimum) is always 0
    means: list[float]  # the mean of each bin's values (0 when empty); [] when discrete (the edges)
    coarse_edges: list[float]  # a subset of edges

    @property
    def valid(self) -> int:
        return self.rows - self.nulls


class CategoricalProfile(_Frozen):
    kind: Literal["categorical"] = "categorical"
    rows: int
    nulls: int
    null_fraction: float
    distinct: int
    categories: dict[str, int]  # the most frequent categories
    other: int  # rows in every other category

    @property
    def valid(self) -> int:
        return self.rows - self.nulls


FeatureProfile = Annotated[NumericProfile | CategoricalProfile, Field(discriminator="kind")]


class PredictionProfile(_Frozen):
    output: ScoreOutput
    distribution: NumericProfile


class Profile(_Frozen):
    profile_version: Literal[1] = 1
    task: Literal["classification", "regression"]
    rows: int
    numeric: list[str]
    categorical: list[str]
    features: dict[str, FeatureProfile]
    prediction: PredictionProfile | None = None

    def to_json_bytes(self) -> bytes:
        """Deterministic, compact bytes: sorted keys, floats already rounded, a final newline."""
        return (
            json.dumps(
                self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), allow_nan=False
            )
            + "\n"
        ).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes, *, display: str = "profile.json") -> Profile:
        try:
            return cls.model_validate_json(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BadInputError(
                f"{display}: not a drift profile this version reads ({where}: {first['msg']})",
                hint="run `mlgitops run` again to write a new profile",
            ) from None


# --- building -------------------------------------------------------------------


def build_profile(
    frame: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    scores: np.ndarray | None,
    task: str,
) -> Profile:
    """Profile the training frame (already coerced: numbers float64 with NaN, categories str/None).

    `scores` are the model's holdout scores as `prediction_scores` defines
    them; None leaves prediction drift out.
    """
    features: dict[str, NumericProfile | CategoricalProfile] = {}
    for name in numeric:
        features[name] = numeric_profile(np.asarray(frame[name], dtype=np.float64))
    for name in categorical:
        features[name] = categorical_profile(frame[name])
    prediction = None
    if scores is not None:
        values = np.asarray(scores)
        if values.ndim == 1 and values.dtype.kind in "fiub":
            prediction = PredictionProfile(
                output="prediction" if task == "regression" else "probability",
                distribution=numeric_profile(values.astype(np.float64)),
            )
    return Profile(
        task="regression" if task == "regression" else "classification",
        rows=len(frame),
        numeric=list(numeric),
        categorical=list(categorical),
        features=features,
        prediction=prediction,
    )


def prediction_scores(labels: np.ndarray, proba: np.ndarray | None, task: str) -> np.ndarray:
    """The score drift watches: P(positive class) for binary classifiers, the highest class
    probability for multiclass ones (the model's confidence), the prediction for regressors.

    A classifier without probabilities gives no score (an empty array).
    """
    if task == "regression":
        return np.asarray(labels, dtype=np.float64).reshape(-1)
    if proba is None:
        return np.empty(0)
    proba = np.asarray(proba, dtype=np.float64)
    return proba[:, 1] if proba.shape[1] == 2 else proba.max(axis=1)


def round_float(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def numeric_profile(values: np.ndarray) -> NumericProfile:
    rows = int(values.size)
    finite = values[~np.isnan(values)]
    nulls = rows - int(finite.size)
    if finite.size == 0:
        return NumericProfile(
            rows=rows,
            nulls=nulls,
            null_fraction=_fraction(nulls, rows),
            mean=None,
            std=None,
            min=None,
            max=None,
            discrete=False,
            edges=[],
            counts=[0],
            means=[],
            coarse_edges=[],
        )
    distinct, multiplicity = np.unique(finite, return_counts=True)
    means = np.empty(0)
    discrete = distinct.size <= MAX_FINE_BINS
    if discrete:  # every value is an edge; count the rounded values so each keeps its own bin
        rounded = _rounded(distinct)
        edges = np.unique(rounded)
        counts = np.bincount(
            np.searchsorted(edges, rounded, side="right"),
            weights=multiplicity,
            minlength=edges.size + 1,
        ).astype(np.int64)
        if edges.size <= MAX_COARSE_VALUES:
            coarse = edges
        else:  # deciles that are actual values keep every value whole
            coarse = np.unique(
                _rounded(np.quantile(finite, _coarse_probabilities(), method="lower"))
            )
    else:
        raw = _rounded(np.quantile(finite, np.arange(MAX_FINE_BINS + 1) / MAX_FINE_BINS))
        edges = np.unique(raw)
        step = MAX_FINE_BINS // COARSE_QUANTILES
        coarse = np.unique(raw[step:MAX_FINE_BINS:step])
        bins = np.searchsorted(edges, finite, side="right")
        counts = np.bincount(bins, minlength=edges.size + 1)
        sums = np.bincount(bins, weights=finite, minlength=edges.size + 1)
        means = _rounded(np.divide(sums, counts, out=np.zeros(counts.size), where=counts > 0))
    return NumericProfile(
        rows=rows,
        nulls=nulls,
        null_fraction=_fraction(nulls, rows),
        mean=round_float(float(finite.mean())),
        std=round_float(float(finite.std())),
        min=round_float(float(finite.min())),
        max=round_float(float(finite.max())),
        discrete=discrete,
        edges=[float(e) for e in edges],
        counts=[int(c) for c in counts],
        means=[float(m) for m in means],
        coarse_edges=[float(e) for e in coarse],
    )


def categorical_profile(column: pd.Series[Any]) -> CategoricalProfile:
    rows = len(column)
    present = column[column.notna()].astype(str)
    counts = present.value_counts(sort=False)
    ranked = sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    kept = dict(ranked[:MAX_CATEGORIES])
    other = sum(count for _, count in ranked[MAX_CATEGORIES:])
    nulls = rows - len(present)
    return CategoricalProfile(
        rows=rows,
        nulls=nulls,
        null_fraction=_fraction(nulls, rows),
        distinct=len(ranked),
        categories=kept,
        other=other,
    )


def _rounded(values: np.ndarray) -> np.ndarray:
    return np.array([round_float(float(v)) for v in values], dtype=np.float64)


def _coarse_probabilities() -> np.ndarray:
    return np.arange(1, COARSE_QUANTILES) / COARSE_QUANTILES


def _fraction(part: int, whole: int) -> float:
    return round_float(part / whole) if whole else 0.0
