from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from golden_util import assert_golden
from policy.builders import evidence, project
from rich.console import Console

from mlgitops.policy.evaluate import evaluate_policies
from mlgitops.policy.report import PolicyReport

TODAY = dt.date(2026, 11, 20)

# One rule for each way a result can come out.
POLICY = """
    policy: team
    rules:
      - name: auc-floor
        description: the model ranks well
        rule: candidate.metrics.roc_auc >= 0.8
      - name: no-regression
        rule: production == null || candidate.metrics.accuracy >= production.metrics.accuracy - 0.01
      - name: latency-budget
        severity: warning
        rule: candidate.onnx.latency.single_row_p99_ms <= 0.01
      - name: model-size
        rule: candidate.onnx.size_bytes <= 1024
      - name: protected-attributes
        rule: "!candidate.features.exists(f, f in ['gender', 'age'])"
      - name: f1-floor
        rule: candidate.metrics.f1 >= 0.5
    waivers:
      - rule: model-size
        model: churn
        until: 2027-03-31
        reason: batch scoring only | no online serving
      - rule: protected-attributes
        model: churn
        until: 2026-10-31
        reason: legal review pending
"""


@pytest.fixture
def report(tmp_path: Path) -> PolicyReport:
    proj = project(tmp_path, POLICY)
    production = evidence(version=4, metrics={"roc_auc": 0.9, "accuracy": 0.9})
    return evaluate_policies(proj, "churn", evidence(), production, TODAY)


def test_every_status_appears(report: PolicyReport) -> None:
    statuses = {result.rule: result.status for result in report.results}
    assert statuses == {
        "auc-floor": "passed",
        "no-regression": "failed",
        "latency-budget": "failed",
        "model-size": "waived",
        "protected-attributes": "error",
        "f1-floor": "error",
    }
    assert report.counts() == {"passed": 1, "failed": 2, "waived": 1, "error": 2}
    assert [r.rule for r in report.blocking()] == [
        "no-regression",
        "protected-attributes",
        "f1-floor",
    ]
    assert not report.passed
    assert report.headline() == "policy failed for churn: 1 passed, 2 failed, 1 waived, 2 errors"


def test_markdown_report(report: PolicyReport) -> None:
    text = report.to_markdown()
    assert "🟡 waived until 2027-03-31" in text
    assert "batch scoring only \\| no online serving" in text  # a pipe must not split the cell
    assert_golden("policy/report.md", text)


def test_json_report_round_trips(report: PolicyReport) -> None:
    data = report.to_json()
    assert data["passed"] is False
    assert data["production_version"] == 4
    waived = next(item for item in data["results"] if item["rule"] == "model-size")
    assert waived["status"] == "waived"
    assert waived["waiver"] == {
        "until": "2027-03-31",
        "reason": "batch scoring only | no online serving",
        "expired": False,
    }
    assert waived["line"] == 12
    assert PolicyReport.from_json(json.loads(json.dumps(data))) == report
    assert_golden("policy/report.json", json.dumps(data, indent=2) + "\n")


def test_terminal_table_shows_every_rule(report: PolicyReport) -> None:
    console = Console(record=True, width=200, color_system=None)
    console.print(report.to_table())
    text = console.export_text()
    for expected in (
        "auc-floor",
        "failed (warning)",
        "waived until 2027-03-31",
        "waiver expired on 2026-10-31",
        "candidate.features = ['tenure_months', 'monthly_charges', 'contract']",
    ):
        assert expected in text


def test_a_passing_report_and_an_empty_one(tmp_path: Path) -> None:
    proj = project(tmp_path, "policy: team\nrules:\n  - {name: ok, rule: candidate.onnx.passed}\n")
    passing = evaluate_policies(proj, "churn", evidence(), None, TODAY)
    assert passing.passed
    assert passing.to_markdown().startswith(
        "### Policy: churn — ✅ passed\n\n1 passed · 0 failed · 0 waived · "
        "0 errors — evaluated on 2026-11-20 against no production version\n"
    )
    empty = PolicyReport(model="churn", evaluated_on=TODAY, results=())
    assert empty.passed
    assert "The model lists no policy files." in empty.to_markdown()


def test_terminal_table_reads_at_80_columns(report: PolicyReport) -> None:
    from mlgitops.commands.policy import policy_table
    from mlgitops.tables import render

    text = render([policy_table(report)])
    assert max(len(line) for line in text.splitlines()) <= 80
    assert_golden("policy/table_80.txt", text)
