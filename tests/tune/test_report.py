"""The search as the card and pull request show it."""

from __future__ import annotations

import re

from golden_util import assert_golden

from mlgitops.evidence import TrialEvidence, TuningEvidence
from mlgitops.tune.report import tuning_markdown


def _evidence(**changes: object) -> TuningEvidence:
    trials = [
        TrialEvidence(
            number=0, params={"C": 0.01, "solver": "lbfgs"}, mean=0.81, std=0.02, seconds=0.4
        ),
        TrialEvidence(
            number=1, params={"C": 1.0, "solver": "lbfgs"}, mean=0.86, std=0.01, seconds=0.5
        ),
        TrialEvidence(
            number=2,
            params={"C": 3.0, "solver": "x|`y`"},
            mean=None,
            std=None,
            seconds=0.1,
            error="3 of 3 fold(s) failed",
        ),
        TrialEvidence(
            number=3, params={"C": 0.3, "solver": "lbfgs"}, mean=0.84, std=0.03, seconds=0.4
        ),
    ]
    base: dict[str, object] = {
        "strategy": "random",
        "metric": "roc_auc",
        "higher_is_better": True,
        "cv": 3,
        "cv_kind": "stratified",
        "seed": 0,
        "backend": "local",
        "trials_planned": 4,
        "trials_run": 4,
        "cut_short": False,
        "timeout_minutes": None,
        "best_params": {"C": 1.0, "solver": "lbfgs"},
        "best_score": 0.86,
        "trials": trials,
        "seconds": 1.4,
    }
    return TuningEvidence.model_validate({**base, **changes})


def test_the_review_shows_top_trials_chosen_params_and_a_chart() -> None:
    text = tuning_markdown(_evidence(), {"C": 0.5, "solver": "lbfgs", "max_iter": 300})
    assert_golden("tune/review.md", text)


def test_a_search_cut_short_is_warned_about() -> None:
    text = tuning_markdown(_evidence(cut_short=True, trials_planned=40, timeout_minutes=1.0), None)
    assert "timeout stopped the search after 4 of 40 trials" in text
    assert "| `C` | `1` | — |" in text  # no production version: nothing to compare


def test_the_chart_is_a_well_formed_xychart() -> None:
    text = tuning_markdown(_evidence(), None)
    block = re.search(r"```mermaid\n(.*?)```", text, re.S)
    assert block is not None
    lines = [line.strip() for line in block.group(1).splitlines()]
    assert lines[0] == "xychart-beta"
    axis = re.fullmatch(r'x-axis "trial" \[(.*)\]', lines[2])
    assert axis is not None and axis.group(1) == "0, 1, 3"  # the failed trial has no score
    low, high = map(float, re.fullmatch(r'y-axis "roc_auc" (\S+) --> (\S+)', lines[3]).groups())  # type: ignore[union-attr]
    bars = [float(v) for v in re.fullmatch(r"bar \[(.*)\]", lines[4]).group(1).split(", ")]  # type: ignore[union-attr]
    best = [float(v) for v in re.fullmatch(r"line \[(.*)\]", lines[5]).group(1).split(", ")]  # type: ignore[union-attr]
    assert bars == [0.81, 0.86, 0.84] and best == [0.81, 0.86, 0.86]
    assert low < min(bars) and high > max(bars)


def test_a_loss_ranks_lowest_first() -> None:
    evidence = _evidence(
        metric="log_loss",
        higher_is_better=False,
        best_params={"C": 0.01, "solver": "lbfgs"},
        best_score=0.81,
    )
    text = tuning_markdown(evidence, None)
    rows = [line for line in text.splitlines() if re.match(r"\| \d+ \|", line)]
    assert [row.split("|")[1].strip() for row in rows] == ["0", "3", "1"]
    assert "line [0.8100, 0.8100, 0.8100]" in text
