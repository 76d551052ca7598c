"""Metrics by name: `METRICS` is the plugin dict; `registries.METRIC_NAMES` and the
spec's allowed values are its keys.

Classification labels are strings; `classes` is their sorted order, which is
also the order of the probability columns. For binary tasks the positive class
is the model's `positive_class` (see `evaluate/positive.py`), the last class
when none is given; multiclass precision, recall and f1 are macro averages and
roc_auc is one-vs-rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..errors import BadInputError

if TYPE_CHECKING:  # numpy and scikit-learn load inside functions: the spec imports this dict
    import numpy as np

    from ..spec.models import Task


class Metric(Protocol):
    @property
    def task(self) -> Task: ...

    @property
    def needs_proba(self) -> bool: ...

    @property
    def higher_is_better(self) -> bool: ...

    def __call__(
        self,
        y_true: np.ndarray,
        y_pred: np.ndarray,
        proba: np.ndarray | None,
        classes: Sequence[str],
        positive: str | None = None,
    ) -> float: ...


@dataclass(frozen=True)
class _Metric:
    task: Task
    needs_proba: bool
    higher_is_better: bool  # False: a loss
    compute: Callable[[np.ndarray, np.ndarray, np.ndarray | None, Sequence[str], str], float]

    def __call__(
        self,
        y_true: np.ndarray,
        y_pred: np.ndarray,
        proba: np.ndarray | None,
        classes: Sequence[str],
        positive: str | None = None,
    ) -> float:
        chosen = positive if positive is not None else (classes[-1] if classes else "")
        return self.compute(y_true, y_pred, proba, classes, chosen)


def _accuracy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    classes: Sequence[str],
    positive: str,
) -> float:
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred))


def _balanced_accuracy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    classes: Sequence[str],
    positive: str,
) -> float:
    from sklearn.metrics import balanced_accuracy_score

    return float(balanced_accuracy_score(y_true, y_pred))


def _averaged(
    name: str,
) -> Callable[[np.ndarray, np.ndarray, np.ndarray | None, Sequence[str], str], float]:
    def compute(
        y_true: np.ndarray,
        y_pred: np.ndarray,
        proba: np.ndarray | None,
        classes: Sequence[str],
        positive: str,
    ) -> float:
        from sklearn import metrics

        score = getattr(metrics, f"{name}_score")
        if len(classes) == 2:
            return float(
                score(y_true, y_pred, average="binary", pos_label=positive, zero_division=0)
            )
        return float(score(y_true, y_pred, average="macro", labels=list(classes), zero_division=0))

    return compute


def _roc_auc(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    classes: Sequence[str],
    positive: str,
) -> float:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    assert proba is not None
    present = set(np.unique(y_true).tolist())
    if len(present) < 2:
        raise BadInputError(
            f"roc_auc is undefined: the holdout holds only class {sorted(present)}",
            hint="add rows, raise split.test_size or keep split.stratify on",
        )
    if len(classes) == 2:
        return float(roc_auc_score(y_true == positive, proba[:, list(classes).index(positive)]))
    if len(present) < len(classes):
        missing = sorted(set(classes) - present)
        raise BadInputError(
            f"roc_auc is undefined: the holdout has no rows of class {missing}",
            hint="add rows, raise split.test_size or keep split.stratify on",
        )
    return float(
        roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=list(classes))
    )


def _log_loss(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    classes: Sequence[str],
    positive: str,
) -> float:
    from sklearn.metrics import log_loss

    assert proba is not None
    return float(log_loss(y_true, proba, labels=list(classes)))


def _regression(
    name: str,
) -> Callable[[np.ndarray, np.ndarray, np.ndarray | None, Sequence[str], str], float]:
    def compute(
        y_true: np.ndarray,
        y_pred: np.ndarray,
        proba: np.ndarray | None,
        classes: Sequence[str],
        positive: str,
    ) -> float:
        from sklearn import metrics

        return float(getattr(metrics, name)(y_true, y_pred))

    return compute


METRICS: dict[str, Metric] = {
    "accuracy": _Metric("classification", False, True, _accuracy),
    "balanced_accuracy": _Metric("classification", False, True, _balanced_accuracy),
    "precision": _Metric("classification", False, True, _averaged("precision")),
    "recall": _Metric("classification", False, True, _averaged("recall")),
    "f1": _Metric("classification", False, True, _averaged("f1")),
    "roc_auc": _Metric("classification", True, True, _roc_auc),
    "log_loss": _Metric("classification", True, False, _log_loss),
    "rmse": _Metric("regression", False, False, _regression("root_mean_squared_error")),
    "mae": _Metric("regression", False, False, _regression("mean_absolute_error")),
    "r2": _Metric("regression", False, True, _regression("r2_score")),
    "mape": _Metric("regression", False, False, _regression("mean_absolute_percentage_error")),
}


def default_metric_names(task: Task, has_proba: bool) -> list[str]:
    """Every metric of the task that can be computed (used when a model lists none)."""
    return [
        name
        for name, metric in METRICS.items()
        if metric.task == task and (has_proba or not metric.needs_proba)
    ]


def compute_metrics(
    task: Task,
    names: Sequence[str],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    classes: Sequence[str],
    positive: str | None = None,
) -> dict[str, float]:
    """The named metrics on the holdout, in the order given."""
    out: dict[str, float] = {}
    for name in names:
        metric = METRICS.get(name)
        if metric is None or metric.task != task:
            raise BadInputError(
                f"'{name}' is not a {task} metric",
                hint=f"choose from {', '.join(default_metric_names(task, True))}",
            )
        if metric.needs_proba and proba is None:
            raise BadInputError(
                f"{name} needs class probabilities, and this estimator has no predict_proba",
                hint=f"drop {name} from metrics or choose an estimator with predict_proba",
            )
        value = metric(y_true, y_pred, proba, classes, positive)
        if not math.isfinite(value):
            raise BadInputError(
                f"{name} is not a finite number on the holdout ({value}); "
                f"the holdout has {len(y_true)} row(s)",
                hint="add rows or raise split.test_size",
            )
        out[name] = value
    return out
