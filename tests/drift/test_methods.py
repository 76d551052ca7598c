"""Each method on known distributions, checked against scipy on the same data or bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from mlgitops.drift.accumulate import (
    CategoricalAccumulator,
    NumericAccumulator,
    NumericHistogram,
    reference_histogram,
)
from mlgitops.drift.methods import METHODS, SMALL_SAMPLE, choose, drifted, severity
from mlgitops.drift.profile import categorical_profile, numeric_profile
from mlgitops.registries import DRIFT_METHOD_NAMES


def numeric_pair(
    reference: np.ndarray, current: np.ndarray
) -> tuple[NumericHistogram, NumericHistogram]:
    profile = numeric_profile(reference)
    accumulator = NumericAccumulator(profile)
    accumulator.add(current)
    ref = reference_histogram(profile)
    assert isinstance(ref, NumericHistogram)
    return ref, accumulator.histogram()


def test_registry_matches_the_spec_names() -> None:
    assert set(METHODS) == set(DRIFT_METHOD_NAMES) - {"auto"}
    assert all(name == method.name for name, method in METHODS.items())


@pytest.mark.parametrize(
    ("make", "shift"),
    [
        (lambda rng, n, s: rng.normal(s, 1.0, n), 0.2),
        (lambda rng, n, s: rng.normal(s, 1.0, n), 0.5),
        (lambda rng, n, s: rng.exponential(2.0, n) + s * 2.0, 0.3),
        (lambda rng, n, s: rng.lognormal(0, 1.0, n) * (1 + s), 0.4),
    ],
)
def test_wasserstein_matches_scipy_on_raw_values(make, shift: float) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    reference, current = make(rng, 8000, 0.0), make(rng, 20_000, shift)
    ref, cur = numeric_pair(reference, current)
    expected = stats.wasserstein_distance(reference, current) / reference.std()
    result = METHODS["wasserstein"].compute(ref, cur)
    # exact wherever the two CDFs do not cross inside a bin
    assert result.statistic == pytest.approx(expected, rel=0.005)


def test_wasserstein_is_exact_for_discrete_values() -> None:
    rng = np.random.default_rng(5)
    reference = rng.integers(0, 10, 3000).astype(np.float64)
    current = rng.integers(2, 14, 3000).astype(np.float64)  # also values the reference never had
    ref, cur = numeric_pair(reference, current)
    expected = stats.wasserstein_distance(reference, current) / reference.std()
    assert METHODS["wasserstein"].compute(ref, cur).statistic == pytest.approx(expected, rel=1e-9)


def test_ks_matches_scipy() -> None:
    rng = np.random.default_rng(8)
    reference, current = rng.normal(0, 1, 800), rng.normal(0.25, 1, 600)
    ref, cur = numeric_pair(reference, current)
    result = METHODS["ks"].compute(ref, cur)
    scipy = stats.ks_2samp(reference, current, method="asymp")
    # D is taken at the 101 percentile edges: at most one bin's share below the exact sup
    assert scipy.statistic - 0.02 <= result.details["d"] <= scipy.statistic + 1e-12
    assert result.statistic < 0.05 and scipy.pvalue < 0.05
    discrete_ref = rng.integers(0, 6, 700).astype(np.float64)
    discrete_cur = rng.integers(0, 6, 500).astype(np.float64)
    ref, cur = numeric_pair(discrete_ref, discrete_cur)
    d = METHODS["ks"].compute(ref, cur).details["d"]
    assert d == pytest.approx(stats.ks_2samp(discrete_ref, discrete_cur).statistic, abs=1e-12)


def test_psi_jensenshannon_and_chi2_on_the_coarse_bins() -> None:
    rng = np.random.default_rng(2)
    reference, current = rng.normal(0, 1, 5000), rng.normal(0.3, 1.2, 4000)
    ref, cur = numeric_pair(reference, current)
    edges = ref.coarse_edges
    p = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=edges.size + 1)
    q = np.bincount(np.searchsorted(edges, current, side="right"), minlength=edges.size + 1)
    assert np.array_equal(ref.coarse_counts(), p) and np.array_equal(cur.coarse_counts(), q)
    ps, qs = p / p.sum(), q / q.sum()
    assert METHODS["psi"].compute(ref, cur).statistic == pytest.approx(
        np.sum((qs - ps) * np.log(qs / ps))
    )
    assert METHODS["jensenshannon"].compute(ref, cur).statistic == pytest.approx(
        distance.jensenshannon(ps, qs)
    )
    chi2 = stats.chi2_contingency(np.vstack([p, q]), correction=False)
    result = METHODS["chi2"].compute(ref, cur)
    assert result.statistic == pytest.approx(chi2.pvalue, rel=1e-9, abs=1e-300)
    assert result.details["chi2"] == pytest.approx(chi2.statistic)


def test_identical_distributions_score_zero() -> None:
    values = np.random.default_rng(0).normal(size=2000)
    ref, cur = numeric_pair(values, values)
    for name in ("psi", "jensenshannon", "wasserstein"):
        assert METHODS[name].compute(ref, cur).statistic == pytest.approx(0.0, abs=1e-12), name
    for name in ("ks", "chi2"):
        assert METHODS[name].compute(ref, cur).statistic == pytest.approx(1.0), name


def test_categorical_methods_count_unseen_values_as_other() -> None:
    reference = pd.Series(["a"] * 500 + ["b"] * 300 + ["c"] * 200, dtype=object)
    current = pd.Series(["a"] * 300 + ["b"] * 300 + ["c"] * 200 + ["zz"] * 200, dtype=object)
    profile = categorical_profile(reference)
    accumulator = CategoricalAccumulator(profile)
    accumulator.add(current)
    ref, cur = reference_histogram(profile), accumulator.histogram()
    assert cur.counts.tolist() == [300, 300, 200, 200] and cur.other_values == {"zz": 200}
    p, q = np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.3, 0.3, 0.2, 0.2])
    assert METHODS["jensenshannon"].compute(ref, cur).statistic == pytest.approx(
        distance.jensenshannon(p, q)
    )
    p_psi = np.where(p > 0, p, 1e-4)
    assert METHODS["psi"].compute(ref, cur).statistic == pytest.approx(
        np.sum((q - p_psi) * np.log(q / p_psi))
    )
    table = np.array([[500, 300, 200, 0], [300, 300, 200, 200]])
    assert METHODS["chi2"].compute(ref, cur).statistic == pytest.approx(
        stats.chi2_contingency(table, correction=False).pvalue, abs=1e-300
    )


def test_auto_chooses_like_evidently() -> None:
    rng = np.random.default_rng(0)
    big, small = SMALL_SAMPLE + 1, SMALL_SAMPLE
    continuous = numeric_profile(rng.normal(size=big))
    assert choose("auto", None, continuous).method.name == "wasserstein"
    assert choose("auto", None, numeric_profile(rng.normal(size=small))).method.name == "ks"
    few_values = numeric_profile(rng.integers(0, 5, big).astype(np.float64))
    assert choose("auto", None, few_values).method.name == "jensenshannon"
    assert (
        choose(
            "auto", None, numeric_profile(rng.integers(0, 5, small).astype(np.float64))
        ).method.name
        == "chi2"
    )
    six_values = numeric_profile(rng.integers(0, 6, big).astype(np.float64))
    assert choose("auto", None, six_values).method.name == "wasserstein"
    categories = pd.Series(rng.choice(["x", "y"], big), dtype=object)
    assert choose("auto", None, categorical_profile(categories)).method.name == "jensenshannon"
    assert choose("auto", None, categorical_profile(categories[:small])).method.name == "chi2"


def test_thresholds_defaults_and_overrides() -> None:
    continuous = numeric_profile(np.random.default_rng(0).normal(size=5000))
    small = numeric_profile(np.random.default_rng(0).normal(size=500))
    assert choose("auto", None, continuous).threshold == 0.1
    assert choose("auto", 0.2, continuous).threshold == 0.2
    # under auto a threshold is a distance; p-value tests keep their 0.05
    assert choose("auto", 0.2, small).threshold == 0.05
    assert choose("ks", 0.01, small).threshold == 0.01
    assert choose("psi", None, continuous).threshold == 0.1


def test_numeric_only_methods_substitute_for_categorical_features() -> None:
    profile = categorical_profile(pd.Series(["x", "y", "y"], dtype=object))
    ks = choose("ks", None, profile)
    assert (
        ks.method.name == "chi2" and ks.note == "ks compares numbers; chi2 is used for this feature"
    )
    assert choose("wasserstein", 0.3, profile).method.name == "jensenshannon"
    assert choose("wasserstein", 0.3, profile).threshold == 0.3


def test_verdict_and_severity() -> None:
    assert drifted("distance", 0.1, 0.1) and not drifted("distance", 0.099, 0.1)
    assert drifted("p_value", 0.049, 0.05) and not drifted("p_value", 0.05, 0.05)
    assert severity("distance", 0.2, 0.1) == pytest.approx(2.0)
    assert severity("p_value", 0.05, 0.05) == pytest.approx(1.0)
    assert (
        severity("p_value", 1e-6, 0.05)
        > severity("p_value", 0.01, 0.05)
        > 1.0
        > severity("p_value", 0.5, 0.05)
    )
    assert np.isfinite(severity("p_value", 0.0, 0.05))
