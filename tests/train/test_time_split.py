"""split.by: time holds out the newest days, so no model is tested on rows older than its
training rows."""

from __future__ import annotations

import numpy as np
import pytest

from mlgitops.errors import BadInputError
from mlgitops.spec.models import SplitSpec
from mlgitops.train.split import split_rows


def test_the_newest_days_are_the_holdout() -> None:
    days = np.array([5, 1, 9, 3, 10, 7, 2, 8], dtype="datetime64[D]").astype("datetime64[ns]")
    times = np.datetime64("2026-01-01", "ns") + (days - np.datetime64(0, "D"))
    split = SplitSpec.model_validate({"by": "time", "test": {"days": 3}})
    parts = split_rows(np.zeros(len(times)), split, "classification", times)
    # newest is day 10: the holdout is days 8, 9, 10 (newer than day 7)
    held_out = (times[parts.test] - np.datetime64("2026-01-01", "ns")) // np.timedelta64(1, "D")
    assert sorted(held_out.tolist()) == [8, 9, 10]
    assert times[parts.train].max() < times[parts.test].min()
    assert not parts.stratified


def test_a_time_split_that_leaves_a_part_empty_is_an_error() -> None:
    times = np.array(["2026-01-01", "2026-01-02"], dtype="datetime64[ns]")
    split = SplitSpec.model_validate({"by": "time", "test": {"days": 30}})
    with pytest.raises(BadInputError, match="leaves the training part empty"):
        split_rows(np.zeros(2), split, "regression", times)


def test_a_time_split_needs_its_days_and_a_random_split_refuses_them() -> None:
    with pytest.raises(ValueError, match="needs test"):
        SplitSpec.model_validate({"by": "time"})
    with pytest.raises(ValueError, match=r"applies to split\.by: time"):
        SplitSpec.model_validate({"test": {"days": 3}})
