"""The evaluate stage end to end: after the data changed, production is re-scored on the
candidate's holdout, with intervals, and max_drop decides on those numbers; the card and
the pull request body show it, their Mermaid parses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import write_spec
from mermaid_check import blocks, mermaid_parse, shape_problems

from mlgitops.cli import main
from mlgitops.evidence import CandidateEvidence
from mlgitops.promote.body import BodyInputs, render_body
from mlgitops.registry import Registry

MODEL = "churn"
SPEC = """
    version: 1
    project: evaluate-test
    datasets:
      customers:
        path: data/train.csv
        target: outcome
        columns:
          age: {type: number, min: 0}
          tenure: {type: integer, min: 0}
          plan: {type: category, values: [basic, plus, pro]}
          outcome: {type: category, values: [stays, leaves]}
        current: data/current.csv
    models:
      churn:
        dataset: customers
        task: classification
        positive_class: leaves
        estimator:
          class: sklearn.linear_model.LogisticRegression
          params: {max_iter: 500}
        metrics: [roc_auc, accuracy, recall]
        gates:
          accuracy: {min: 0.5, max_drop: 0.2}
        evaluation: {slices: [plan], min_slice_rows: 40, bootstrap: 200}
"""


def customers(rows: int, seed: int, *, age_effect: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(45, 12, rows).clip(18, 95).round(1)
    plan = rng.choice(["basic", "plus", "pro"], rows, p=[0.5, 0.3, 0.2])
    logit = age_effect * (age - 45) / 10 + np.where(plan == "basic", 0.8, -0.4)
    leaves = rng.random(rows) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "age": age,
            "tenure": rng.integers(0, 60, rows),
            "plan": plan,
            "outcome": np.where(leaves, "leaves", "stays"),
        }
    )


def run(root: Path) -> int:
    return main(["-C", str(root), "run", MODEL, "--json"], environ={})


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1 in production; then the data changed and v2 was trained on it."""
    root = tmp_path_factory.mktemp("evaluate")
    write_spec(root, SPEC)
    (root / "data").mkdir()
    customers(600, seed=1).to_csv(root / "data" / "train.csv", index=False)
    customers(300, seed=2).to_csv(root / "data" / "current.csv", index=False)
    assert run(root) == 0
    Registry(root).set_production(MODEL, 1)
    # the data changed: more rows, and age matters less than it did
    customers(900, seed=3, age_effect=0.4).to_csv(root / "data" / "train.csv", index=False)
    assert run(root) == 0
    assert Registry(root).versions(MODEL) == [1, 2]
    return root


def evidence(root: Path, version: int) -> CandidateEvidence:
    return Registry(root).evidence(Registry(root).ref(MODEL, version))


def test_production_is_re_scored_on_the_candidate_s_holdout(changed: Path) -> None:
    v1, v2 = evidence(changed, 1), evidence(changed, 2)
    assert v2.comparison is not None and v2.comparison_production_version == 1
    holdout_rows = v2.training.rows_test
    for name, c in v2.comparison.items():
        assert c.rows == holdout_rows and c.candidate == pytest.approx(v2.metrics[name], abs=1e-12)
        assert c.ci_low <= c.delta <= c.ci_high
        assert c.within_noise == (c.ci_low <= 0 <= c.ci_high)
        assert c.delta == pytest.approx(c.candidate - c.production, abs=1e-12)
    # production's numbers on these rows are not its own stored holdout metrics
    stored = json.loads((changed / f"models/{MODEL}/versions/1/metrics.json").read_text())
    assert holdout_rows != v1.training.rows_test
    assert any(
        abs(v2.comparison[name].production - stored["metrics"][name]["value"]) > 1e-6
        for name in v2.comparison
    )
    # today's data: both models on the labelled current rows
    assert v2.comparison_current is not None
    assert {c.rows for c in v2.comparison_current.values()} == {300}
    assert v2.evaluation is not None and v2.evaluation.current_rows == 300


def test_max_drop_reads_the_paired_numbers(changed: Path) -> None:
    v2 = evidence(changed, 2)
    assert v2.comparison is not None
    drop = next(g for g in v2.gates if g.bound == "max_drop")
    paired = v2.comparison["accuracy"]
    assert drop.production == paired.production and drop.rows == paired.rows
    assert drop.value == pytest.approx(-paired.delta, abs=1e-12)
    assert drop.ci_low == pytest.approx(-paired.ci_high) and drop.ci_high == pytest.approx(
        -paired.ci_low
    )
    assert f"on the same {paired.rows:,} holdout rows" in drop.message


def test_intervals_positive_class_and_slices_are_recorded(changed: Path) -> None:
    v2 = evidence(changed, 2)
    assert v2.positive_class == "leaves"
    assert set(v2.metric_intervals) == {"roc_auc", "accuracy", "recall"}
    for name, found in v2.metric_intervals.items():
        assert found.low <= v2.metrics[name] <= found.high
    metrics = json.loads((changed / f"models/{MODEL}/versions/2/metrics.json").read_text())
    assert metrics["positive_class"] == "leaves" and metrics["resamples"] == 200
    assert metrics["metrics"]["recall"]["low"] == v2.metric_intervals["recall"].low
    plans = {s.value: s for s in v2.slices["plan"]}
    assert set(plans) == {"basic", "plus", "pro"}
    assert sum(s.rows for s in plans.values()) == v2.training.rows_test
    assert all(s.too_small == (s.rows < 40) for s in plans.values())
    assert all(s.gap_to_production is not None for s in plans.values())
    assert "accuracy" in v2.slice_gaps["plan"]


def test_card_and_pull_request_body_show_it_with_charts_that_parse(changed: Path) -> None:
    version = changed / f"models/{MODEL}/versions/2"
    pngs = sorted(p.name for p in version.glob("diagnostics-*.png"))
    assert {
        "diagnostics-confusion.png",
        "diagnostics-roc.png",
        "diagnostics-calibration.png",
    } <= set(pngs)
    assert all((version / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for name in pngs)
    assert set(pngs) <= set(Registry(changed).verify(Registry(changed).ref(MODEL, 2)))
    card = (version / "card.md").read_text()
    assert "Positive class: `leaves`" in card
    assert "## Candidate vs production on the same rows" in card and "**By `plan`**" in card
    assert all(f"]({name})" in card for name in pngs)

    v1, v2 = evidence(changed, 1), evidence(changed, 2)
    body = render_body(
        BodyInputs(
            model=MODEL,
            version=2,
            registered="new",
            evidence=v2,
            production=v1,
            production_version=1,
            policy=None,
            drift=None,
            card=card,
        )
    )
    assert "Both models on the same rows" in body and "#### Paired comparison" in body
    assert "### Slices" in body and "### Diagnostics" in body
    assert ".png)" not in body  # images resolve beside card.md, not in a pull request
    diagrams = blocks(card) + blocks(body)
    assert len(blocks(body)) >= 5
    assert all(shape_problems(d) == [] for d in diagrams)
    results = mermaid_parse(diagrams)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]]


def test_a_first_version_has_intervals_and_no_comparison(changed: Path) -> None:
    v1 = evidence(changed, 1)
    assert v1.comparison is None and v1.comparison_current is None
    assert v1.metric_intervals and v1.diagnostics is not None and v1.diagnostics.importance
    gate = next(g for g in v1.gates if g.bound == "max_drop")
    assert gate.status == "no baseline" and "no production version" in gate.message


def test_the_step_summary_shows_the_paired_comparison(changed: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    assert main(["-C", str(changed), "run", MODEL], environ=environ) == 0
    text = summary.read_text()
    assert "| evaluate | cached |" in text  # nothing changed: the stage's result is reused
    assert "Both models scored on the candidate's" in text and "**By `plan`**" in text
    assert all(shape_problems(d) == [] for d in blocks(text)) and blocks(text)
