"""What reviewers read: the Markdown report, the terminal table, the plots."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from golden_util import assert_golden
from rich.console import Console

from mlgitops.drift.detect import detect_drift
from mlgitops.drift.plots import plot_top
from mlgitops.drift.profile import Profile, build_profile
from mlgitops.drift.report import DriftReport
from mlgitops.spec.models import DriftSpec

FrameMaker = Callable[..., pd.DataFrame]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def shifted_report(frame_maker: FrameMaker) -> tuple[Profile, DriftReport]:
    reference = frame_maker(5000, seed=0)
    scores = 1 / (1 + np.exp(-(reference["age"].to_numpy() - 40) / 10))
    profile = build_profile(
        reference,
        ["age", "income", "tenure", "calls", "flag", "balance"],
        ["plan", "region"],
        scores[:1000],
        "classification",
    )
    current = frame_maker(4000, seed=1, shifts={"age": 0.5, "income": 0.3, "plan": 0.4})
    current.loc[:199, "region"] = "atlantis|east"  # an unseen category with a pipe in its name
    report = detect_drift(
        profile,
        [current],
        DriftSpec(drift_share=0.3),
        lambda frame: 1 / (1 + np.exp(-(frame["age"].to_numpy() - 40) / 10)),
    )
    report.model, report.version, report.source = "churn-classifier", 4, "data/current/*.parquet"
    return profile, report


def test_markdown_report(shifted_report: tuple[Profile, DriftReport]) -> None:
    _, report = shifted_report
    markdown = report.to_markdown()
    assert_golden("drift/report.md", markdown)
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "---" not in line][
        1:
    ]
    assert [row.split(" | ")[0][2:] for row in rows[:4]] == [f.feature for f in report.features[:4]]
    assert "atlantis\\|east" in markdown  # pipes in values cannot break the table


def test_terminal_table(shifted_report: tuple[Profile, DriftReport]) -> None:
    _, report = shifted_report
    console = Console(width=130, record=True, color_system=None, file=io.StringIO())
    console.print(report.to_table())
    assert_golden("drift/table.txt", console.export_text())


def test_plots_of_the_most_drifted_features(
    shifted_report: tuple[Profile, DriftReport], tmp_path: Path
) -> None:
    profile, report = shifted_report
    paths = plot_top(report, profile, None, tmp_path, top=3)
    expected = [f"drift-{f.feature}.png" for f in report.features[:3]]
    if report.prediction is not None:
        expected.append("prediction-drift.png")  # the model's scores, when they were compared
    assert [p.name for p in paths] == expected
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000
    again = plot_top(report, profile, report.current_histograms, tmp_path / "again", top=3)
    assert [p.read_bytes() for p in again] == [
        p.read_bytes() for p in paths
    ]  # same report, same bytes
    everything = plot_top(report, profile, None, tmp_path / "all", top=20)
    # numeric, discrete and categorical all draw
    assert len(everything) == len(report.features) + (report.prediction is not None)


def test_plots_bin_over_both_distributions() -> None:
    """A current distribution shifted past the reference's maximum keeps its shape: it is
    not one block in the reference's open outer bin."""
    from mlgitops.drift.accumulate import NumericAccumulator, reference_histogram
    from mlgitops.drift.plots import PLOT_BINS, plot_bins
    from mlgitops.drift.profile import numeric_profile

    rng = np.random.default_rng(0)
    reference_values = rng.normal(0.0, 1.0, 5000)
    shifted = rng.normal(6.0, 1.0, 5000)  # beyond nearly every reference value
    numeric = numeric_profile(reference_values)
    accumulator = NumericAccumulator(numeric)
    accumulator.add(shifted)
    current = accumulator.histogram()
    reference = reference_histogram(numeric)
    low, high = float(reference_values.min()), float(shifted.max())
    top = float(reference_values.max())
    for values in (shifted, None):  # from the values, or spread from the histogram
        bounds, ref_counts, cur_counts = plot_bins(reference, current, values, low, high)
        assert len(bounds) == PLOT_BINS + 1 and bounds[0] == low and bounds[-1] == high
        assert ref_counts.sum() == pytest.approx(5000) and cur_counts.sum() == pytest.approx(5000)
        assert ref_counts[bounds[:-1] > top].sum() == pytest.approx(0)  # none past its maximum
    bounds, _, cur_counts = plot_bins(reference, current, shifted, low, high)
    beyond = cur_counts[bounds[:-1] >= top]
    assert (beyond > 0).sum() >= 10  # a bell over many bins, not a single block
    assert beyond.max() < 0.3 * beyond.sum()
