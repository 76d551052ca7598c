"""The drift methods, behind one small interface, registered in `METHODS`.

Every method compares a reference histogram with a current one on the
profile's bins and returns one number. Distance methods drift when the
number reaches the threshold; p-value tests drift when it falls below.

| method        | numeric features                     | categorical features | default     |
|---------------|--------------------------------------|----------------------|-------------|
| psi           | coarse bins (deciles)                | categories + other   | 0.1         |
| jensenshannon | coarse bins (deciles), natural log   | categories + other   | 0.1         |
| wasserstein   | fine bins, divided by reference std  | (jensenshannon)      | 0.1         |
| ks            | fine bins (percentiles), p-value     | (chi2)               | p < 0.05    |
| chi2          | coarse bins, 2×k contingency p-value | categories + other   | p < 0.05    |

`auto` chooses like Evidently: with more than 1,000 reference values,
Wasserstein for numeric features and Jensen–Shannon for categorical ones and
numeric ones with at most 5 values; otherwise Kolmogorov–Smirnov and
chi-square. p-value tests are kept for small samples because at a million
rows they call a negligible shift significant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from .accumulate import Histogram, NumericHistogram
from .profile import CategoricalProfile, NumericProfile

TestKind = Literal["distance", "p_value"]
SMALL_SAMPLE = 1000  # reference values at or below which `auto` uses p-value tests
FEW_VALUES = 5  # numeric features with at most this many values are compared like categories
ZERO_SHARE = 1e-4  # PSI: an empty bin counts as this share (as Evidently does), so logs stay finite
MIN_STD = 1e-3  # Wasserstein: the normaliser of a constant reference feature


@dataclass(frozen=True)
class MethodResult:
    statistic: float  # a distance, or a p-value
    details: dict[str, float] = field(default_factory=dict)


class DriftMethod(Protocol):
    name: str
    title: str
    test: TestKind
    default_threshold: float
    categorical_substitute: str | None  # the method used for categorical features instead, if any

    def compute(self, reference: Histogram, current: Histogram) -> MethodResult: ...


def drifted(test: TestKind, statistic: float, threshold: float) -> bool:
    return statistic < threshold if test == "p_value" else statistic >= threshold


def severity(test: TestKind, statistic: float, threshold: float) -> float:
    """How far past its threshold a result is: 1.0 at the threshold, larger is worse."""
    if test == "distance":
        return statistic / threshold
    p = min(max(statistic, 1e-300), 1.0)
    return math.log(p) / math.log(threshold)


# --- shared arithmetic -----------------------------------------------------------


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else np.zeros(counts.size)


def _binned(reference: Histogram, current: Histogram) -> tuple[np.ndarray, np.ndarray]:
    """Counts on the bins PSI, Jensen–Shannon and chi-square compare."""
    if isinstance(reference, NumericHistogram) and isinstance(current, NumericHistogram):
        return reference.coarse_counts(), current.coarse_counts()
    return reference.counts, current.counts


def _numeric(
    reference: Histogram, current: Histogram, method: str
) -> tuple[NumericHistogram, NumericHistogram]:
    if not (isinstance(reference, NumericHistogram) and isinstance(current, NumericHistogram)):
        raise TypeError(f"{method} compares numeric features only")
    return reference, current


# --- the methods -----------------------------------------------------------------


class Psi:
    name: str = "psi"
    title: str = "population stability index"
    test: TestKind = "distance"
    default_threshold: float = 0.1
    categorical_substitute: str | None = None

    def compute(self, reference: Histogram, current: Histogram) -> MethodResult:
        ref_counts, cur_counts = _binned(reference, current)
        p = np.where(ref_counts > 0, _shares(ref_counts), ZERO_SHARE)
        q = np.where(cur_counts > 0, _shares(cur_counts), ZERO_SHARE)
        both_empty = (ref_counts == 0) & (cur_counts == 0)
        terms = np.where(both_empty, 0.0, (q - p) * np.log(q / p))
        return MethodResult(float(terms.sum()), {"bins": float(ref_counts.size)})


class JensenShannon:
    name: str = "jensenshannon"
    title: str = "Jensen–Shannon distance"
    test: TestKind = "distance"
    default_threshold: float = 0.1
    categorical_substitute: str | None = None

    def compute(self, reference: Histogram, current: Histogram) -> MethodResult:
        ref_counts, cur_counts = _binned(reference, current)
        p, q = _shares(ref_counts), _shares(cur_counts)
        m = (p + q) / 2
        divergence = (_kl(p, m) + _kl(q, m)) / 2
        return MethodResult(
            float(math.sqrt(max(divergence, 0.0))), {"bins": float(ref_counts.size)}
        )


def _kl(p: np.ndarray, m: np.ndarray) -> float:
    present = p > 0
    return float(np.sum(p[present] * np.log(p[present] / m[present])))


class ChiSquare:
    name: str = "chi2"
    title: str = "chi-square test"
    test: TestKind = "p_value"
    default_threshold: float = 0.05
    categorical_substitute: str | None = None

    def compute(self, reference: Histogram, current: Histogram) -> MethodResult:
        from scipy.stats import chi2

        table = np.vstack(_binned(reference, current)).astype(np.float64)
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] < 2 or np.any(table.sum(axis=1) == 0):
            return MethodResult(1.0, {"chi2": 0.0, "dof": 0.0})
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
        statistic = float(np.sum((table - expected) ** 2 / expected))
        dof = table.shape[1] - 1
        return MethodResult(float(chi2.sf(statistic, dof)), {"chi2": statistic, "dof": float(dof)})


class KolmogorovSmirnov:
    name: str = "ks"
    title: str = "Kolmogorov–Smirnov test"
    test: TestKind = "p_value"
    default_threshold: float = 0.05
    categorical_substitute: str | None = "chi2"

    def compute(self, reference: Histogram, current: Histogram) -> MethodResult:
        from scipy.stats import kstwo

        ref, cur = _numeric(reference, current, self.name)
        # The empirical CDFs agree with the true ones at every edge; the largest gap there is D.
        gap = np.abs(np.cumsum(_shares(ref.counts)) - np.cumsum(_shares(cur.counts)))
        d = float(gap.max()) if gap.size else 0.0
        n, m = ref.valid, cur.valid
        effective = round(n * m / (n + m))  # as scipy's ks_2samp(method="asymp")
        return MethodResult(float(kstwo.sf(d, max(effective, 1))), {"d": d})


class Wasserstein:
    name: str = "wasserstein"
    title: str = "Wasserstein distance (normed)"
    test: TestKind = "distance"
    default_threshold: float = 0.1
    categorical_substitute: str | None = "jensenshannon"

    def compute(self, reference: Histogram, current: Histogram) -> MethodResult:
        ref, cur = _numeric(reference, current, self.name)
        distance = wasserstein_distance(ref, cur)
        scale = max(ref.std or 0.0, MIN_STD)
        return MethodResult(distance / scale, {"distance": distance})


def wasserstein_distance(ref: NumericHistogram, cur: NumericHistogram) -> float:
    """∫|F − G| dx, from two histograms on the same bins.

    Each bin's count and sum of values give ∫(F − G) over that bin exactly,
    which is ∫|F − G| wherever F − G keeps its sign across the bin: every bin
    but the few where the two CDFs cross, where it is a slight underestimate
    (the CDFs are close there). Outside the reference range only the current
    data has values, so the tails are exact too.
    """
    edges = ref.edges
    if edges.size == 0:
        return 0.0
    p, q = _shares(ref.counts), _shares(cur.counts)
    part_r = ref.sums / ref.valid if ref.valid else np.zeros(p.size)  # E[X; bin]
    part_c = cur.sums / cur.valid if cur.valid else np.zeros(q.size)
    # ∫ F over (-inf, e0) is E[(e0 − X)+]; ∫ (1 − F) over [e_last, inf) is E[(X − e_last)+]
    below = abs((p[0] * edges[0] - part_r[0]) - (q[0] * edges[0] - part_c[0]))
    above = abs((part_r[-1] - p[-1] * edges[-1]) - (part_c[-1] - q[-1] * edges[-1]))
    if edges.size < 2:
        return float(below + above)
    left = (np.cumsum(p) - np.cumsum(q))[:-2]  # F − G at the left end of each interior bin
    # ∫ F over [a, b) = F(a)·(b − a) + P(a <= X < b)·b − E[X; a <= X < b]
    inner = left * np.diff(edges) + (p[1:-1] - q[1:-1]) * edges[1:] - (part_r[1:-1] - part_c[1:-1])
    return float(below + np.abs(inner).sum() + above)


METHODS: dict[str, DriftMethod] = {
    method.name: method
    for method in (Psi(), KolmogorovSmirnov(), Wasserstein(), JensenShannon(), ChiSquare())
}


@dataclass(frozen=True)
class Choice:
    method: DriftMethod
    threshold: float
    note: str | None = None


def choose(
    spec_method: str, spec_threshold: float | None, profile: NumericProfile | CategoricalProfile
) -> Choice:
    """The method and threshold for one feature.

    A `threshold` in the spec applies to the method named; under `auto` it
    applies to the distance methods only, as p-values live on another scale.
    """
    note = None
    if spec_method == "auto":
        name = _auto(profile)
    else:
        name = spec_method
        substitute = METHODS[name].categorical_substitute
        if substitute and _compared_as_categories(profile):
            note = f"{name} compares numbers; {substitute} is used for this feature"
            name = substitute
    method = METHODS[name]
    threshold = method.default_threshold
    if spec_threshold is not None and not (spec_method == "auto" and method.test == "p_value"):
        threshold = spec_threshold
    return Choice(method, threshold, note)


def _compared_as_categories(profile: NumericProfile | CategoricalProfile) -> bool:
    return isinstance(profile, CategoricalProfile)


def _auto(profile: NumericProfile | CategoricalProfile) -> str:
    small = profile.valid <= SMALL_SAMPLE
    few_values = isinstance(profile, CategoricalProfile) or (
        profile.discrete and len(profile.edges) <= FEW_VALUES
    )
    if small:
        return "chi2" if few_values else "ks"
    return "jensenshannon" if few_values else "wasserstein"
