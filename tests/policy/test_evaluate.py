from __future__ import annotations

import datetime as dt
from pathlib import Path

from policy.builders import evidence, project

from mlgitops.policy.evaluate import evaluate_policies, normalise, rule_variables
from mlgitops.policy.report import RuleResult

TODAY = dt.date(2026, 11, 20)


def _by_rule(results: tuple[RuleResult, ...]) -> dict[str, RuleResult]:
    return {result.rule: result for result in results}


def test_passing_and_failing_rules_show_the_values_they_read(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: auc-floor
            rule: candidate.metrics.roc_auc >= 0.8
          - name: model-size
            rule: candidate.onnx.size_bytes <= 20 * 1024 * 1024
    """,
    )
    report = evaluate_policies(
        proj, "churn", evidence(onnx__size_bytes=30 * 1024 * 1024), None, TODAY
    )
    results = _by_rule(report.results)
    assert results["auc-floor"].status == "passed"
    assert results["auc-floor"].message == "candidate.metrics.roc_auc = 0.91"
    assert results["model-size"].status == "failed"
    assert results["model-size"].message == "candidate.onnx.size_bytes = 31457280"
    assert results["model-size"].values == {"candidate.onnx.size_bytes": 31457280.0}
    assert results["model-size"].blocking
    assert not report.passed


def test_a_failed_error_rule_blocks_and_a_failed_warning_does_not(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: latency
            severity: warning
            rule: candidate.onnx.latency.single_row_p99_ms <= 0.01
          - name: auc-floor
            rule: candidate.metrics.roc_auc >= 0.8
    """,
    )
    report = evaluate_policies(proj, "churn", evidence(), None, TODAY)
    latency = _by_rule(report.results)["latency"]
    assert (latency.status, latency.severity, latency.blocking) == ("failed", "warning", False)
    assert latency.label() == "failed (warning)"
    assert report.passed

    failing = evaluate_policies(
        proj, "churn", evidence(metrics={"roc_auc": 0.7, "accuracy": 0.8}), None, TODAY
    )
    assert not failing.passed
    assert [r.rule for r in failing.blocking()] == ["auc-floor"]


def test_a_missing_metric_is_an_error_never_a_pass(tmp_path: Path) -> None:
    # evidence holding accuracy only (validate refuses a rule reading a metric the spec
    # does not list; evidence from elsewhere may still lack one): roc_auc cannot be evaluated
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: auc-floor
            severity: warning
            rule: candidate.metrics.roc_auc >= 0.8
    """,
    )
    report = evaluate_policies(proj, "other", evidence(metrics={"accuracy": 0.9}), None, TODAY)
    (result,) = report.results
    assert result.status == "error"
    assert result.blocking  # even though the rule is only a warning
    assert result.message == (
        "cannot be evaluated: candidate.metrics.roc_auc does not exist "
        "(candidate.metrics holds: accuracy); guard the rule with "
        "has(candidate.metrics.roc_auc)"
    )
    assert not report.passed


def test_null_production_explains_itself_and_the_guarded_form_passes(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: unguarded
            rule: candidate.metrics.roc_auc >= production.metrics.roc_auc - 0.01
          - name: guarded
            rule: production == null || candidate.metrics.roc_auc >= production.metrics.roc_auc - 0.01
    """,
    )
    report = evaluate_policies(proj, "churn", evidence(), None, TODAY)
    results = _by_rule(report.results)
    assert results["unguarded"].status == "error"
    assert (
        "production is null, so production.metrics.roc_auc cannot be read"
        in results["unguarded"].message
    )
    assert "production == null ||" in results["unguarded"].message
    assert results["guarded"].status == "passed"
    assert results["guarded"].message == "production = null; candidate.metrics.roc_auc = 0.91"

    production = evidence(version=3, metrics={"roc_auc": 0.95, "accuracy": 0.9})
    against = evaluate_policies(proj, "churn", evidence(), production, TODAY)
    guarded = _by_rule(against.results)["guarded"]
    assert guarded.status == "failed"
    assert guarded.message == "candidate.metrics.roc_auc = 0.91; production.metrics.roc_auc = 0.95"
    assert against.production_version == 3


def test_a_rule_that_gives_a_non_boolean_at_run_time_is_an_error(tmp_path: Path) -> None:
    # `dyn` hides the type from the checker; the evaluator's answer must be a bool
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: not-a-bool
            rule: dyn(candidate.metrics.roc_auc)
    """,
    )
    (result,) = evaluate_policies(proj, "churn", evidence(), None, TODAY).results
    assert result.status == "error"
    assert result.message.startswith(
        "cannot be evaluated: the rule gives 0.91 (double), not true or false"
    )


def test_type_errors_at_run_time_are_errors(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: drift-share
            rule: candidate.drift.drift_share < 0.3
          - name: out-of-range
            rule: candidate.features[10] == 'x'
    """,
    )
    results = _by_rule(evaluate_policies(proj, "churn", evidence(), None, TODAY).results)
    assert results["drift-share"].status == "error"
    assert (
        "candidate.drift is null, so candidate.drift.drift_share cannot be read"
        in results["drift-share"].message
    )
    assert results["out-of-range"].status == "error"
    assert "index out of bounds" in results["out-of-range"].message


def test_comprehensions_lists_and_spec(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: protected
            rule: "!candidate.features.exists(f, f in ['gender', 'age'])"
          - name: gates-passed
            rule: candidate.gates.all(g, g.status == 'passed')
          - name: gated
            rule: spec.gates.size() > 0 && spec.name == 'churn'
          - name: no-regression
            rule: >-
              production == null || candidate.metrics.all(m, !(m in production.metrics)
                || candidate.metrics[m] >= production.metrics[m] - 0.01)
    """,
    )
    report = evaluate_policies(
        proj,
        "churn",
        evidence(features=["age", *evidence().features]),
        evidence(metrics={"roc_auc": 0.9, "accuracy": 0.9}),
        TODAY,
    )
    results = _by_rule(report.results)
    assert results["protected"].status == "failed"
    assert results["protected"].message.startswith("candidate.features = ['age', 'tenure_months'")
    assert results["gates-passed"].status == "passed"
    assert results["gated"].status == "passed"
    assert results["gated"].message == (
        "spec.gates = {roc_auc: {min: 0.8, max: null, max_drop: null}}; spec.name = 'churn'"
    )
    assert results["no-regression"].status == "failed"  # accuracy 0.84 < 0.9 - 0.01
    assert "production.metrics = {roc_auc: 0.9, accuracy: 0.9}" in results["no-regression"].message


def test_integers_in_the_evidence_are_doubles(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: rows
            rule: candidate.data.rows >= 1000 && candidate.data.rows * 0.5 >= 600.0
          - name: version
            rule: type(candidate.training.rows_train) == double
    """,
    )
    results = _by_rule(evaluate_policies(proj, "churn", evidence(), None, TODAY).results)
    assert results["rows"].status == "passed"
    assert results["version"].status == "passed"
    variables = rule_variables(proj, "churn", evidence(), None)
    assert variables["candidate"]["onnx"]["opset"] == 17.0
    assert variables["candidate"]["onnx"]["passed"] is True
    assert variables["spec"]["name"] == "churn"
    assert normalise({"a": [1, True, None, 2.5, "x"]}) == {"a": [1.0, True, None, 2.5, "x"]}


def test_active_waiver_turns_a_failure_into_waived(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: model-size
            rule: candidate.onnx.size_bytes <= 1024
        waivers:
          - rule: model-size
            model: churn
            until: 2026-12-31
            reason: batch scoring only
    """,
    )
    big = evidence()
    report = evaluate_policies(proj, "churn", big, None, TODAY)
    (result,) = report.results
    assert result.status == "waived"
    assert result.label() == "waived until 2026-12-31"
    assert result.waiver is not None and result.waiver.reason == "batch scoring only"
    assert not result.blocking
    assert report.passed
    # the last day is still covered
    assert evaluate_policies(proj, "churn", big, None, dt.date(2026, 12, 31)).passed
    # the waiver names one model: the other model fails the same rule
    other = evaluate_policies(proj, "other", evidence(metrics={"accuracy": 0.9}), None, TODAY)
    assert other.results[0].status == "failed"
    assert not other.passed


def test_expired_waiver_is_an_error_even_when_the_rule_passes(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: model-size
            rule: candidate.onnx.size_bytes <= 1024
        waivers:
          - rule: model-size
            model: churn
            until: 2026-11-19
            reason: batch scoring only
    """,
    )
    (failing,) = evaluate_policies(proj, "churn", evidence(), None, TODAY).results
    assert failing.status == "error"
    assert failing.blocking
    assert failing.message == (
        "waiver expired on 2026-11-19 (batch scoring only); renew or remove it in "
        "policies/team.yaml — the rule fails: candidate.onnx.size_bytes = 4096"
    )
    small = evidence(onnx__size_bytes=512)
    report = evaluate_policies(proj, "churn", small, None, TODAY)
    assert report.results[0].status == "error"
    assert "the rule passes" in report.results[0].message
    assert not report.passed


def test_a_slow_rule_is_stopped_and_the_others_still_run(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        """
        policy: team
        rules:
          - name: quick
            rule: candidate.metrics.roc_auc >= 0.8
          - name: slow
            rule: candidate.features.all(a, candidate.features.filter(b, b == a).size() == 1)
          - name: after
            rule: candidate.metrics.accuracy >= 0.8
    """,
    )
    many = evidence(features=[f"f{i}" for i in range(4000)])
    report = evaluate_policies(proj, "churn", many, None, TODAY, timeout=0.3)
    results = _by_rule(report.results)
    assert results["quick"].status == "passed"
    assert results["slow"].status == "error"
    assert "took longer than 0.3 s and was stopped" in results["slow"].message
    assert results["after"].status == "passed"


def test_a_model_without_policy_files_passes_with_no_results(tmp_path: Path) -> None:
    spec_without = """
        version: 1
        project: demo
        datasets:
          churn:
            path: data/churn.csv
            target: churned
            columns:
              tenure_months: {type: integer}
              monthly_charges: {type: number}
              contract: {type: category, values: [monthly, yearly]}
              churned: {type: boolean}
        models:
          churn:
            dataset: churn
            task: classification
            estimator: {class: sklearn.linear_model.LogisticRegression}
    """
    proj = project(
        tmp_path, "policy: unused\nrules: [{name: x, rule: 'true'}]\n", spec=spec_without
    )
    report = evaluate_policies(proj, "churn", evidence(), None, TODAY)
    assert report.results == ()
    assert report.passed
