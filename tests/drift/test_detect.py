"""Streaming detection: verdicts a reviewer can trust."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from mlgitops.drift.detect import DriftReport, detect_drift
from mlgitops.drift.profile import Profile, build_profile
from mlgitops.errors import BadInputError
from mlgitops.evidence import DriftEvidence
from mlgitops.spec.models import DriftSpec

FrameMaker = Callable[..., pd.DataFrame]
SHIFTED = {"age": 0.5, "income": 0.3, "plan": 0.4}


def chunks(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    return [frame.iloc[start : start + size] for start in range(0, len(frame), size)]


@pytest.mark.parametrize("seed", [101, 202, 303, 404, 505])
def test_unshifted_data_flags_nothing(
    reference_profile: Profile, frame_maker: FrameMaker, seed: int
) -> None:
    report = detect_drift(
        reference_profile, chunks(frame_maker(5000, seed), 1000), DriftSpec(), None
    )
    assert report.drifted_features == []
    assert not report.dataset_drifted and report.drift_share == 0.0
    assert {f.method for f in report.features} == {"wasserstein", "jensenshannon"}
    assert max(f.severity for f in report.features) < 0.6  # well inside the thresholds, not at them


def test_three_shifted_features_are_exactly_the_ones_flagged(
    reference_profile: Profile, frame_maker: FrameMaker
) -> None:
    current = frame_maker(5000, seed=7, shifts=SHIFTED)
    report = detect_drift(
        reference_profile, chunks(current, 1000), DriftSpec(drift_share=0.3), None
    )
    assert sorted(report.drifted_features) == sorted(SHIFTED)
    assert report.drift_share == pytest.approx(3 / 8)
    assert report.dataset_drifted
    assert [f.feature for f in report.features[:3]] == sorted(
        SHIFTED, key=lambda n: -report_severity(report, n)
    )
    assert all(f.drifted for f in report.features[:3]) and not any(
        f.drifted for f in report.features[3:]
    )


def report_severity(report, name: str) -> float:  # type: ignore[no-untyped-def]
    return next(f.severity for f in report.features if f.feature == name)


@pytest.mark.parametrize(
    ("drift_share", "dataset_drifted"), [(0.3, True), (3 / 8, True), (0.4, False), (0.5, False)]
)
def test_dataset_drifts_when_the_share_reaches_drift_share(
    reference_profile: Profile, frame_maker: FrameMaker, drift_share: float, dataset_drifted: bool
) -> None:
    current = frame_maker(4000, seed=9, shifts=SHIFTED)
    report = detect_drift(reference_profile, [current], DriftSpec(drift_share=drift_share), None)
    assert len(report.drifted_features) == 3
    assert report.dataset_drifted is dataset_drifted


@pytest.mark.parametrize("method", ["psi", "ks", "wasserstein", "jensenshannon", "chi2"])
def test_every_method_separates_shifted_from_unshifted(
    reference_profile: Profile, frame_maker: FrameMaker, method: str
) -> None:
    current = frame_maker(3000, seed=12, shifts={"age": 0.6, "tenure": 1.0, "plan": 0.6})
    report = detect_drift(reference_profile, [current], DriftSpec(method=method), None)
    flagged = set(report.drifted_features)
    assert {"age", "tenure", "plan"} <= flagged
    if method in ("psi", "wasserstein", "jensenshannon"):  # p-value tests may flag 5% by chance
        assert flagged == {"age", "tenure", "plan"}


def test_negligible_shift_on_large_samples_flags_ks_but_not_the_defaults(
    frame_maker: FrameMaker,
) -> None:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 200_000)})
    profile = build_profile(reference, ["x"], [], None, "regression")
    current = pd.DataFrame({"x": rng.normal(0.02, 1, 200_000)})  # 0.02 standard deviations
    ks = detect_drift(profile, chunks(current, 50_000), DriftSpec(method="ks"), None)
    auto = detect_drift(profile, chunks(current, 50_000), DriftSpec(), None)
    assert (
        ks.features[0].drifted
        and ks.features[0].statistic is not None
        and ks.features[0].statistic < 1e-3
    )
    assert not auto.features[0].drifted and auto.features[0].method == "wasserstein"
    assert auto.features[0].statistic == pytest.approx(0.02, abs=0.01)


def test_streaming_gives_the_same_result_as_one_batch(
    reference_profile: Profile, frame_maker: FrameMaker
) -> None:
    current = frame_maker(2000, seed=21, shifts={"age": 0.3})
    whole = detect_drift(reference_profile, [current], DriftSpec(), None)
    streamed = detect_drift(reference_profile, chunks(current, 7), DriftSpec(), None)
    assert streamed.rows == whole.rows == 2000
    for a, b in zip(whole.features, streamed.features, strict=True):
        assert (a.feature, a.method, a.drifted) == (b.feature, b.method, b.drifted)
        assert a.statistic == pytest.approx(b.statistic, rel=1e-9, abs=1e-12)
        assert (
            a.current == pytest.approx(b.current) if a.kind == "numeric" else a.current == b.current
        )


def test_unseen_categories_land_in_other_and_are_named(
    reference_profile: Profile, frame_maker: FrameMaker
) -> None:
    current = frame_maker(3000, seed=5)
    current.loc[:449, "region"] = "atlantis"  # 15% of rows in a region never seen in training
    current.loc[450:479, "region"] = "mu"
    report = detect_drift(reference_profile, [current], DriftSpec(), None)
    region = next(f for f in report.features if f.feature == "region")
    assert region.drifted and report.drifted_features == ["region"]
    assert region.current["other_values"] == [["atlantis", 450], ["mu", 30]]
    share = 480 / region.current["values"]  # of the non-missing values
    assert (
        region.note
        == f"{share:.1%} of current values are categories the reference never saw: 'atlantis', 'mu'"
    )


def test_nulls_are_left_out_of_distributions_and_reported(
    reference_profile: Profile, frame_maker: FrameMaker
) -> None:
    current = frame_maker(3000, seed=6)
    current.loc[:899, "balance"] = np.nan  # 30% missing instead of 5%, same distribution otherwise
    report = detect_drift(reference_profile, [current], DriftSpec(), None)
    balance = next(f for f in report.features if f.feature == "balance")
    assert not balance.drifted
    assert balance.current["null_fraction"] == pytest.approx(0.3 + 0.7 * 0.05, abs=0.02)
    assert balance.reference["null_fraction"] == pytest.approx(0.05, abs=0.01)
    current["balance"] = np.nan
    report = detect_drift(reference_profile, [current], DriftSpec(), None)
    balance = next(f for f in report.features if f.feature == "balance")
    assert (
        balance.drifted
        and balance.statistic is None
        and balance.note == "every current value is missing"
    )
    assert report.features[0].feature == "balance"  # the worst first


def test_prediction_drift_is_reported_beside_feature_drift(frame_maker: FrameMaker) -> None:
    def scorer(frame: pd.DataFrame) -> np.ndarray:
        return 1 / (1 + np.exp(-(frame["age"].to_numpy() - 40) / 10))

    reference = frame_maker(4000, seed=1)
    profile = build_profile(
        reference, ["age", "tenure"], ["plan"], scorer(reference), "classification"
    )
    same = detect_drift(profile, chunks(frame_maker(3000, seed=2), 500), DriftSpec(), scorer)
    assert (
        same.prediction is not None and not same.prediction.drifted and same.prediction_note is None
    )
    shifted = detect_drift(
        profile, [frame_maker(3000, seed=2, shifts={"age": 0.8})], DriftSpec(), scorer
    )
    assert shifted.prediction is not None and shifted.prediction.drifted
    assert shifted.prediction.feature == "prediction" and shifted.prediction.method == "wasserstein"
    assert "prediction" not in shifted.drifted_features  # beside the features, not in the share
    no_model = detect_drift(
        profile, [frame_maker(100, seed=2)], DriftSpec(), None, prediction_note="no model.onnx"
    )
    assert no_model.prediction is None and no_model.prediction_note == "no model.onnx"


def test_a_scorer_that_fails_leaves_feature_drift_standing(frame_maker: FrameMaker) -> None:
    def broken(frame: pd.DataFrame) -> np.ndarray:
        raise BadInputError("the data lacks column(s) the model reads: x")

    reference = frame_maker(2000, seed=1)
    profile = build_profile(
        reference, ["age"], [], np.random.default_rng(0).random(400), "classification"
    )
    report = detect_drift(profile, [frame_maker(500, seed=3)], DriftSpec(), broken)
    assert report.prediction is None
    assert (
        report.prediction_note
        == "the model could not score the current data: the data lacks column(s) the model reads: x"
    )
    assert [f.feature for f in report.features] == ["age"]


def test_missing_feature_columns_and_empty_data_are_bad_input(
    reference_profile: Profile, frame_maker: FrameMaker
) -> None:
    with pytest.raises(BadInputError, match="lacks feature column\\(s\\) age, plan"):
        detect_drift(
            reference_profile,
            [frame_maker(10, seed=1).drop(columns=["age", "plan"])],
            DriftSpec(),
            None,
        )
    with pytest.raises(BadInputError, match="no rows"):
        detect_drift(reference_profile, [], DriftSpec(), None)


def test_json_and_evidence(reference_profile: Profile, frame_maker: FrameMaker) -> None:
    report = detect_drift(
        reference_profile,
        [frame_maker(2000, seed=3, shifts=SHIFTED)],
        DriftSpec(drift_share=0.3),
        None,
    )
    data = json.loads(report.to_json())
    assert data["status"] == "drift" and data["dataset_drifted"] is True
    assert data["drifted_features"] == report.drifted_features and data["features_checked"] == 8
    assert data["prediction"] == {
        "computed": False,
        "reason": "the reference profile holds no holdout scores",
    }
    assert [f["feature"] for f in data["features"]] == [f.feature for f in report.features]
    evidence = report.to_evidence()
    assert isinstance(evidence, DriftEvidence)
    assert DriftEvidence.model_validate_json(evidence.model_dump_json()) == evidence
    assert evidence.dataset_drifted and sorted(evidence.drifted_features) == sorted(SHIFTED)
    assert {f.feature for f in evidence.features if f.drifted} == set(SHIFTED)


def test_a_saved_report_reads_back_to_the_same_text(
    reference_profile: Profile, frame_maker: FrameMaker
) -> None:
    current = frame_maker(2000, seed=3, shifts=SHIFTED)
    current["balance"] = np.nan  # a drifted feature with no statistic and infinite severity
    report = detect_drift(reference_profile, [current], DriftSpec(drift_share=1 / 3), None)
    report.model, report.version, report.source = "m", 2, "data/current.csv"
    again = DriftReport.from_dict(json.loads(report.to_json()))
    assert again.to_markdown() == report.to_markdown()
    assert again.dataset_drifted is report.dataset_drifted is True
    assert again.to_evidence() == report.to_evidence()
    with pytest.raises(ValueError, match="not a drift report"):
        DriftReport.from_dict({"status": "invalid-data"})


def test_a_boolean_arrow_column_counts_as_its_values_would() -> None:
    """Arrow booleans are counted from two value counts; the histogram matches binning them."""
    import pyarrow as pa

    rng = np.random.default_rng(7)
    reference = pd.DataFrame({"flag": (rng.random(3000) < 0.3).astype(np.float64)})
    profile = build_profile(reference, ["flag"], [], None, "classification")
    flags = rng.random(2500) < 0.45
    as_arrow = detect_drift(profile, [pa.table({"flag": pa.array(flags)})], DriftSpec(), None)
    as_numbers = detect_drift(
        profile, [pd.DataFrame({"flag": flags.astype(np.float64)})], DriftSpec(), None
    )
    (a,), (b,) = as_arrow.features, as_numbers.features
    assert (a.method, a.drifted) == (b.method, b.drifted)
    assert a.statistic == pytest.approx(b.statistic, rel=1e-9, abs=1e-12)
    assert a.current == pytest.approx(b.current)
    np.testing.assert_array_equal(
        as_arrow.current_histograms["flag"].counts, as_numbers.current_histograms["flag"].counts
    )
