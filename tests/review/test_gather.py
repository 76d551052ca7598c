"""Reading the paired evidence into the review's rows: `comparison`, `comparison_current`,
`comparison_production_version` and `slices` of the candidate's evidence."""

from __future__ import annotations

from typing import Any

from promote.test_body import evidence

from mlgitops.evidence import CandidateEvidence
from mlgitops.review.gather import comparisons, data_change, slices
from mlgitops.review.model import MetricLine


def paired(**fields: Any) -> CandidateEvidence:
    return CandidateEvidence.model_validate({**evidence().model_dump(), **fields})


ACCURACY = {
    "candidate": 0.96,
    "production": 0.93,
    "delta": 0.03,
    "higher_is_better": True,
    "ci_low": -0.01,
    "ci_high": 0.07,
    "rows": 45,
    "within_noise": True,
}


def test_the_holdout_and_todays_rows_become_two_comparisons() -> None:
    found = comparisons(
        paired(
            comparison={"accuracy": ACCURACY},
            comparison_current={"accuracy": {**ACCURACY, "rows": 300, "within_noise": False}},
            comparison_production_version=4,
        )
    )
    holdout, today = found
    assert holdout.rows_label == "the candidate's holdout" and holdout.production_version == 4
    assert holdout.lines == (MetricLine("accuracy", 0.96, 0.93, 0.03, True, -0.01, 0.07, 45, True),)
    assert today.rows_label.startswith("today's data") and today.lines[0].rows == 300


def test_no_comparison_before_a_production_version() -> None:
    assert comparisons(paired()) == ()
    assert comparisons(evidence()) == ()  # evidence that predates the paired evaluation


def test_slices_keep_too_small_ones_and_their_gaps() -> None:
    (table,) = slices(
        paired(
            slices={
                "contract": [
                    {
                        "value": "two-year",
                        "rows": 80,
                        "too_small": False,
                        "metrics": {"recall": 0.7},
                        "intervals": {"recall": {"low": 0.6, "high": 0.8}},
                        "gap_to_overall": {"recall": -0.05},
                        "gap_to_production": {"recall": 0.01},
                    },
                    {"value": "one-year", "rows": 5, "too_small": True, "metrics": {}},
                ]
            }
        )
    )
    assert table.column == "contract"
    assert [(s.value, s.too_small) for s in table.lines] == [
        ("two-year", False),
        ("one-year", True),
    ]
    assert table.lines[0].gap_to_overall == {"recall": -0.05}


def test_the_data_change_compares_rows_and_digests() -> None:
    change = data_change(evidence(), evidence())
    assert not change.changed and change.production is not None
    assert data_change(evidence(), None).changed
