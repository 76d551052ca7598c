from __future__ import annotations

from golden_util import assert_golden
from rich.console import Console

from mlgitops.evidence import MetricComparison
from mlgitops.registries import HIGHER_IS_BETTER
from mlgitops.spec.models import GateSpec
from mlgitops.train.gates import GateReport, evaluate_gates


def gate(**bounds: float) -> GateSpec:
    return GateSpec.model_validate(bounds)


def paired(
    candidate: dict[str, float], production: dict[str, float], rows: int = 200
) -> dict[str, MetricComparison]:
    """Production re-scored on the candidate's rows, with a +-0.02 interval around the change."""
    out = {}
    for name, value in candidate.items():
        if name in production:
            delta = value - production[name]
            out[name] = MetricComparison(
                candidate=value,
                production=production[name],
                delta=delta,
                higher_is_better=name in HIGHER_IS_BETTER,
                ci_low=delta - 0.02,
                ci_high=delta + 0.02,
                rows=rows,
                within_noise=delta - 0.02 <= 0 <= delta + 0.02,
            )
    return out


def gates_against(
    gates: dict[str, GateSpec], metrics: dict[str, float], production: dict[str, float]
) -> GateReport:
    # production's own stored metrics differ from its numbers on the candidate's rows:
    # the gate must read the paired ones
    stored = {k: v + 0.3 for k, v in production.items()}
    return evaluate_gates(gates, metrics, stored, paired(metrics, production))


def test_min_and_max_bounds() -> None:
    report = evaluate_gates(
        {"roc_auc": gate(min=0.8), "log_loss": gate(max=0.4)},
        {"roc_auc": 0.79, "log_loss": 0.3},
        None,
    )
    assert [(r.metric, r.bound, r.status) for r in report.results] == [
        ("roc_auc", "min", "failed"),
        ("log_loss", "max", "passed"),
    ]
    assert not report.passed
    assert report.results[0].message == "roc_auc 0.79 is below the minimum 0.8"


def test_max_drop_against_production_for_a_score_and_a_loss() -> None:
    gates = {"accuracy": gate(max_drop=0.01), "log_loss": gate(max_drop=0.05)}
    report = gates_against(
        gates, {"accuracy": 0.80, "log_loss": 0.40}, {"accuracy": 0.85, "log_loss": 0.30}
    )
    accuracy, loss = report.results
    assert accuracy.status == "failed" and accuracy.production == 0.85
    assert accuracy.value is not None and abs(accuracy.value - 0.05) < 1e-12
    assert accuracy.rows == 200
    assert accuracy.ci_low is not None and abs(accuracy.ci_low - 0.03) < 1e-12
    assert "fell by 0.05 from production's 0.85 to 0.8 on the same 200 holdout rows" in (
        accuracy.message
    )
    # a loss gets worse by rising
    assert loss.status == "failed"
    assert loss.value is not None and abs(loss.value - 0.10) < 1e-12
    assert "rose by 0.1" in loss.message

    better = gates_against(
        gates, {"accuracy": 0.90, "log_loss": 0.20}, {"accuracy": 0.85, "log_loss": 0.30}
    )
    assert better.passed
    assert [r.status for r in better.results] == ["passed", "passed"]


def test_a_drop_equal_to_the_bound_passes_despite_float_rounding() -> None:
    # 0.83 - 0.82 is 0.010000000000000009 in floating point
    report = gates_against(
        {"accuracy": gate(max_drop=0.01)}, {"accuracy": 0.82}, {"accuracy": 0.83}
    )
    assert report.results[0].status == "passed"


def test_max_drop_never_reads_production_s_own_holdout_metric() -> None:
    # production exists but was not scored on the candidate's rows: no baseline, not a
    # comparison of two numbers from different rows
    report = evaluate_gates({"accuracy": gate(max_drop=0.01)}, {"accuracy": 0.5}, {"accuracy": 0.9})
    result = report.results[0]
    assert (result.status, result.value) == ("no baseline", None)
    assert "could not be scored on the candidate's holdout" in result.message


def test_max_drop_without_production_is_no_baseline_never_passed() -> None:
    gates = {"accuracy": gate(min=0.5, max_drop=0.01)}
    for production in (None, {"roc_auc": 0.9}):
        report = evaluate_gates(gates, {"accuracy": 0.7}, production)
        drop = report.results[1]
        assert (drop.bound, drop.status, drop.value) == ("max_drop", "no baseline", None)
        assert report.passed  # a first model is not held back


def test_a_gate_on_a_metric_not_computed_fails() -> None:
    report = evaluate_gates({"f1": gate(min=0.5)}, {"accuracy": 0.9}, None)
    assert report.results[0].status == "failed"
    assert "f1 was not computed" in report.results[0].message


def _mixed_report() -> GateReport:
    gates = {
        "roc_auc": gate(min=0.8),
        "accuracy": gate(min=0.75, max_drop=0.01),
        "log_loss": gate(max=0.5, max_drop=0.02),
        "f1": gate(max_drop=0.05),
    }
    metrics = {"roc_auc": 0.912345, "accuracy": 0.8, "log_loss": 0.45, "f1": 0.7}
    return gates_against(gates, metrics, {"accuracy": 0.83, "log_loss": 0.44})


def test_markdown_names_gate_value_and_bound() -> None:
    report = _mixed_report()
    assert [r.status for r in report.results] == [
        "passed",
        "passed",
        "failed",
        "passed",
        "passed",
        "no baseline",
    ]
    assert_golden("train/gates.md", report.to_markdown())


def test_table_shows_every_gate() -> None:
    console = Console(width=120, record=True)
    console.print(_mixed_report().to_table())
    text = console.export_text()
    assert "max_drop 0.01" in text
    assert "0.8 (drop 0.03)" in text
    assert text.count("no baseline") == 1
