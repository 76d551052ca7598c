"""Names of the pluggable parts, kept light so the spec can import them fast.

The implementations live beside their plugins (metrics in `train/metrics.py`,
drift methods in `drift/methods.py`); tests check both lists agree.
"""

from __future__ import annotations

CLASSIFICATION_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "log_loss",
)
REGRESSION_METRICS = ("rmse", "mae", "r2", "mape")
METRIC_NAMES = CLASSIFICATION_METRICS + REGRESSION_METRICS
# Metrics where a larger value is better; the rest are losses.
HIGHER_IS_BETTER = frozenset(
    {"accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc", "r2"}
)

DRIFT_METHOD_NAMES = ("auto", "psi", "ks", "wasserstein", "jensenshannon", "chi2")

# Packages whose estimators a spec may name without listing them in allow_packages.
DEFAULT_ESTIMATOR_PACKAGES = ("sklearn",)
