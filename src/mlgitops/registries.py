"""Names of the pluggable parts, kept light so the spec can import them fast.

Metric names are the keys of the metric plugin dict (`train/metrics.py`, which
loads numpy and scikit-learn only when a metric is computed). Drift methods
are listed here because their module needs numpy to load; a test checks the
list against `drift/methods.py`.
"""

from __future__ import annotations

from .train.metrics import METRICS

CLASSIFICATION_METRICS = tuple(n for n, m in METRICS.items() if m.task == "classification")
REGRESSION_METRICS = tuple(n for n, m in METRICS.items() if m.task == "regression")
METRIC_NAMES = tuple(METRICS)
# Metrics where a larger value is better; the rest are losses.
HIGHER_IS_BETTER = frozenset(n for n, m in METRICS.items() if m.higher_is_better)

DRIFT_METHOD_NAMES = ("auto", "psi", "ks", "wasserstein", "jensenshannon", "chi2")

# Packages whose estimators a spec may name without listing them in allow_packages.
DEFAULT_ESTIMATOR_PACKAGES = ("sklearn",)
