"""A deterministic train/holdout split from a SplitSpec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import BadInputError

if TYPE_CHECKING:
    from ..spec.models import SplitSpec, Task


@dataclass(frozen=True)
class SplitResult:
    train: np.ndarray  # row positions, sorted
    test: np.ndarray
    stratified: bool
    note: str | None = None  # why a requested stratified split was not used


def split_rows(
    y: np.ndarray, split: SplitSpec, task: Task, times: np.ndarray | None = None
) -> SplitResult:
    """Split row positions; the same labels and seed always give the same split.

    Stratification applies to classification only (regression ignores the
    flag), and only when every class has at least two rows and both parts can
    hold one row of each class. A time split (`times` given) holds out the
    rows of the newest `split.test.days` days, counted back from the newest
    timestamp, so no model is tested on rows older than some it learnt from.
    """
    from sklearn.model_selection import train_test_split

    if split.by == "time":
        assert times is not None and split.test is not None
        return _split_by_time(times, split.test.days)

    rows = len(y)
    n_test = int(np.ceil(rows * split.test_size))
    if rows < 2 or n_test >= rows:
        raise BadInputError(
            f"cannot split {rows} row(s) with test_size {split.test_size}: "
            "both the training and the holdout part need rows",
            hint="add rows to the dataset or change split.test_size",
        )
    stratify, note = None, None
    if split.stratify and task == "classification":
        note = _why_not_stratified(y, n_test, rows - n_test)
        if note is None:
            stratify = y
    train, test = train_test_split(
        np.arange(rows),
        test_size=split.test_size,
        random_state=split.seed,
        shuffle=True,
        stratify=stratify,
    )
    return SplitResult(np.sort(train), np.sort(test), stratified=stratify is not None, note=note)


def _why_not_stratified(y: np.ndarray, n_test: int, n_train: int) -> str | None:
    labels, counts = np.unique(y, return_counts=True)
    rare = [str(label) for label, count in zip(labels, counts, strict=True) if count < 2]
    if rare:
        shown = ", ".join(f"'{label}'" for label in rare[:5]) + (", ..." if len(rare) > 5 else "")
        return (
            f"split not stratified: class {shown} has a single row; stratifying needs at least "
            "2 rows per class"
        )
    if min(n_test, n_train) < len(labels):
        return (
            f"split not stratified: {len(labels)} classes do not fit in a holdout of {n_test} and a "
            f"training part of {n_train} rows"
        )
    return None


def _split_by_time(times: np.ndarray, days: int) -> SplitResult:
    newest = times.max()
    cut = newest - np.timedelta64(days, "D")
    test = np.flatnonzero(times > cut)
    train = np.flatnonzero(times <= cut)
    if len(test) == 0 or len(train) == 0:
        empty = "holdout" if len(test) == 0 else "training part"
        raise BadInputError(
            f"split.by: time with test: {{days: {days}}} leaves the {empty} empty "
            f"({len(train)} training and {len(test)} holdout rows)",
            hint="change split.test.days so both parts hold rows",
        )
    return SplitResult(train, test, stratified=False)
