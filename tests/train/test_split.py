from __future__ import annotations

import numpy as np
import pytest

from mlgitops.errors import BadInputError
from mlgitops.spec.models import SplitSpec
from mlgitops.train.split import split_rows


def labels(counts: dict[str, int]) -> np.ndarray:
    return np.array([name for name, n in counts.items() for _ in range(n)], dtype=object)


def test_same_seed_same_split_other_seed_other_split() -> None:
    y = labels({"a": 60, "b": 40})
    first = split_rows(y, SplitSpec(seed=7), "classification")
    again = split_rows(y, SplitSpec(seed=7), "classification")
    other = split_rows(y, SplitSpec(seed=8), "classification")
    assert np.array_equal(first.test, again.test)
    assert not np.array_equal(first.test, other.test)
    assert len(first.test) == 20 and len(first.train) == 80
    assert sorted([*first.train, *first.test]) == list(range(100))


def test_stratified_split_keeps_class_shares() -> None:
    y = labels({"a": 90, "b": 10})
    result = split_rows(y, SplitSpec(test_size=0.2, seed=1), "classification")
    assert result.stratified and result.note is None
    assert list(y[result.test]).count("b") == 2


def test_a_single_row_class_turns_stratification_off_and_says_so() -> None:
    y = labels({"a": 50, "b": 49, "rare": 1})
    result = split_rows(y, SplitSpec(), "classification")
    assert not result.stratified
    assert result.note is not None and "'rare' has a single row" in result.note


def test_too_many_classes_for_the_holdout_turns_stratification_off() -> None:
    y = labels({str(i): 2 for i in range(10)})
    result = split_rows(y, SplitSpec(test_size=0.2), "classification")
    assert not result.stratified
    assert result.note is not None and "10 classes do not fit in a holdout of 4" in result.note


def test_regression_is_never_stratified_and_needs_no_note() -> None:
    result = split_rows(np.linspace(0, 1, 50), SplitSpec(stratify=True), "regression")
    assert not result.stratified and result.note is None
    unstratified = split_rows(
        labels({"a": 50, "b": 50}), SplitSpec(stratify=False), "classification"
    )
    assert not unstratified.stratified and unstratified.note is None


def test_too_few_rows_to_split() -> None:
    with pytest.raises(BadInputError, match="cannot split 1 row"):
        split_rows(labels({"a": 1}), SplitSpec(), "classification")
