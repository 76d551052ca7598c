"""The promotion pull request's body: golden files, deltas, and GitHub's size limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from golden_util import assert_golden
from promote.support import DRIFTED

from mlgitops.drift.report import DriftReport
from mlgitops.evidence import CandidateEvidence
from mlgitops.policy.report import PolicyReport
from mlgitops.promote.body import (
    MAX_BODY_CHARS,
    BodyInputs,
    metric_rows,
    reason,
    render_body,
    title,
)


def evidence(**metrics: float) -> CandidateEvidence:
    data: dict[str, Any] = {
        "model": "iris-species",
        "task": "classification",
        "features": ["petal_length", "petal_width"],
        "metrics": metrics or {"accuracy": 0.9556, "f1": 0.9551, "log_loss": 0.121},
        "gates": [
            {
                "metric": "accuracy",
                "bound": "min",
                "limit": 0.85,
                "value": 0.9556,
                "status": "passed",
                "message": "accuracy 0.9556 >= 0.85",
            },
            {
                "metric": "accuracy",
                "bound": "max_drop",
                "limit": 0.01,
                "value": None,
                "status": "no baseline",
                "message": "no production version",
            },
        ],
        "data": {
            "path": "data/iris.csv",
            "sha256": "9" * 64,
            "rows": 150,
            "columns": 5,
            "passed": True,
        },
        "training": {
            "estimator": "sklearn.linear_model.LogisticRegression",
            "params": {"C": 2.0},
            "rows_train": 105,
            "rows_test": 45,
            "classes": ["setosa", "versicolor", "virginica"],
            "seconds": 0.05,
        },
        "onnx": {
            "opset": 17,
            "size_bytes": 1112,
            "sha256": "d" * 64,
            "tolerance": 1e-4,
            "rows_checked": 150,
            "label_agreement": 1.0,
            "max_abs_diff": 1.1e-7,
            "passed": True,
            "latency": {
                "single_row_p50_ms": 0.0071,
                "single_row_p99_ms": 0.0123,
                "batch_rows_per_second": 1.5e6,
                "batch_size": 10000,
            },
        },
        "lineage": {
            "data_sha256": "9" * 64,
            "spec_sha256": "5" * 64,
            "pipeline_sha256": "7" * 64,
            "git_commit": "c" * 40,
            "params": {"C": 2.0},
            "library_versions": {"scikit-learn": "1.9.1", "onnxruntime": "1.32.0"},
            "cache_key": "e" * 64,
        },
    }
    return CandidateEvidence.model_validate(data)


POLICY = PolicyReport.from_json(
    {
        "model": "iris-species",
        "evaluated_on": "2026-11-02",
        "production_version": 3,
        "results": [
            {
                "policy": "basic",
                "file": "policies/basic.yaml",
                "line": 3,
                "rule": "accuracy-floor",
                "severity": "error",
                "status": "passed",
                "message": "candidate.metrics.accuracy = 0.9556",
                "expression": "candidate.metrics.accuracy >= 0.8",
            },
            {
                "policy": "basic",
                "file": "policies/basic.yaml",
                "line": 5,
                "rule": "tiny-model",
                "severity": "error",
                "status": "waived",
                "message": "candidate.onnx.size_bytes = 1112",
                "expression": "candidate.onnx.size_bytes <= 10",
                "waiver": {"until": "2099-12-31", "reason": "batch scoring only", "expired": False},
            },
        ],
    }
)

CARD = "# Model card: iris-species\n\nScores iris flowers.\n"


def inputs(**changes: Any) -> BodyInputs:
    values: dict[str, Any] = {
        "model": "iris-species",
        "version": 4,
        "registered": "new",
        "evidence": evidence(),
        "production": evidence(accuracy=0.9333, f1=0.9551, log_loss=0.15),
        "production_version": 3,
        "policy": POLICY,
        "drift": DriftReport.from_dict(DRIFTED),
        "card": CARD,
    }
    values.update(changes)
    return BodyInputs(**values)


def test_body_after_drift_golden() -> None:
    body = render_body(inputs())
    assert_golden("promote/body_drift.md", body)
    assert title(inputs()) == "Promote iris-species to version 4 after drift"
    assert reason(inputs()).startswith("drift: DATASET DRIFT: 1 of 1 feature drifted")


def test_first_manual_promotion_golden() -> None:
    first = inputs(production=None, production_version=None, policy=None, drift=None, version=1)
    assert_golden("promote/body_first.md", render_body(first))
    assert title(first) == "Promote iris-species to version 1"
    assert reason(first) == "manual promotion"


def test_metric_changes_know_which_way_is_better() -> None:
    rows = {
        row.metric: row.change
        for row in metric_rows(evidence(), evidence(accuracy=0.9333, f1=0.9551, log_loss=0.15))
    }
    assert rows["accuracy"] == "▲ better +0.0223 (+2.4%)"
    assert rows["f1"] == "= unchanged"
    assert rows["log_loss"].startswith("▲ better -0.029")  # a loss that went down
    worse = {
        row.metric: row.change
        for row in metric_rows(evidence(accuracy=0.9, f1=0.9), evidence(accuracy=0.9556))
    }
    assert worse["accuracy"].startswith("▼ worse -0.0556")
    assert worse["f1"] == "new metric"


def test_a_huge_card_is_cut_to_fit_githubs_limit() -> None:
    card = "# Card\n\n```\n" + "\n".join(f"line {i} " + "x" * 60 for i in range(5000)) + "\n```\n"
    body = render_body(inputs(card=card))
    assert len(card) > MAX_BODY_CHARS and len(body) <= MAX_BODY_CHARS
    assert "shortened to fit GitHub's pull request body size limit" in body
    assert "read all of it in `models/iris-species/versions/4/card.md`" in body
    tail = body[body.index("<summary>Model card</summary>") :]
    assert tail.count("```") % 2 == 0  # the cut code block is closed, so </details> still works
    assert body.rstrip().endswith("close the pull request.</sub>")


def test_a_small_limit_still_gives_a_valid_body() -> None:
    body = render_body(inputs(card="word " * 10_000), limit=8_000)
    assert len(body) <= 8_000 and "</details>" in body


def test_dates_do_not_leak_into_the_body() -> None:
    # the body is the same whenever it is rendered, so re-runs do not churn the pull request
    assert render_body(inputs()) == render_body(inputs())
    assert dt.date.today().isoformat() not in render_body(inputs())
