from __future__ import annotations

import pytest

from mlgitops.policy.checker import MAX_RULE_CHARS, check_rule
from mlgitops.policy.shapes import rule_roots


def _problems(source: str) -> list[tuple[int, str]]:
    return [(p.offset, p.message) for p in check_rule(source, rule_roots()).problems]


@pytest.mark.parametrize(
    "source",
    [
        "candidate.metrics.roc_auc >= 0.8",
        "candidate.onnx.size_bytes <= 20 * 1024 * 1024",
        "candidate.onnx.max_abs_diff <= 1e-4 && candidate.onnx.label_agreement == 1.0",
        "candidate.data.rows >= production.data.rows * 0.9",
        "candidate.training.rows_train + candidate.training.rows_test >= 1000",
        "candidate.gates.all(g, g.status == 'passed' || g.bound == 'max_drop')",
        "candidate.drift == null || !candidate.drift.dataset_drifted",
        "candidate.data.failures.size() == 0 && candidate.data.null_fraction.all(c, c != '')",
        "has(candidate.metrics.f1) && candidate.metrics.f1 > 0.5",
        "candidate.metrics.filter(m, m.startsWith('roc')).size() > 0",
        "candidate.features.map(f, f.size()).all(n, n < 64)",
        "type(candidate.version) == double || candidate.version == null",
        "spec.name == 'churn' && spec.task == 'classification' && 'roc_auc' in spec.metrics",
        "spec.gates.roc_auc.min >= 0.8 && spec.split.test_size <= 0.3",
        "spec.estimator == null || spec.estimator['class'] != ''",
        "spec.runs_on == null || spec.runs_on != ''",
        "candidate.lineage.library_versions['scikit-learn'].startsWith('1.')",
        "int(candidate.onnx.opset) >= 17 && candidate.features[0] != ''",
        "candidate.tuning == null || !candidate.tuning.cut_short",
        "candidate.tuning.trials.all(t, t.mean == null || t.std < 0.05)",
        "candidate.tuning.best_params['C'] <= 10.0 && spec.tuning.trials >= 20",
    ],
)
def test_valid_rules_have_no_problems(source: str) -> None:
    assert _problems(source) == []


def test_unknown_names_suggest_close_ones() -> None:
    assert _problems("candidate.onnx.sizebytes < 1.0") == [
        (
            15,
            "candidate.onnx has no field 'sizebytes' (did you mean 'size_bytes'?); it has: opset, "
            "size_bytes, sha256, tolerance, rows_checked, label_agreement, max_abs_diff, worst_rows, "
            "passed, latency",
        )
    ]
    assert _problems("cndidate.onnx.passed")[0] == (
        0,
        "unknown name 'cndidate' (did you mean 'candidate'?); a rule reads candidate, production, spec",
    )
    assert _problems("production.metrics['rocauc'] > 0.5")[0][0] == 19
    assert "did you mean 'roc_auc'" in _problems("production.metrics['rocauc'] > 0.5")[0][1]
    assert (
        "g has no field 'stats' (did you mean 'status'?)"
        in _problems("candidate.gates.all(g, g.stats == 'passed')")[0][1]
    )
    assert (
        "unknown function 'sise' (did you mean 'size'?)"
        in _problems("candidate.features.sise() > 1")[0][1]
    )
    assert "spec.gates" in _problems("spec.gates.aucc.min > 0.5")[0][1]
    assert (
        "candidate.tuning has no field 'cutshort' (did you mean 'cut_short'?)"
        in _problems("!candidate.tuning.cutshort")[0][1]
    )


def test_type_mistakes_are_caught_before_evaluation() -> None:
    (mix,) = _problems("candidate.features.size() * 0.5 > 1.0")
    assert mix[1].endswith("write double(candidate.features.size())")
    assert (
        _problems("candidate.data.rows % 2.0 == 0.0")[0][1]
        == "'%' works on integers only; convert with int(...)"
    )
    assert (
        "to find text in a string use contains()"
        in _problems("candidate.task in 'regression'")[0][1]
    )
    assert (
        "to test membership write `x in candidate.features`"
        in _problems("candidate.features.contains('age')")[0][1]
    )
    assert (
        "'<' compares candidate.task, a string, with 1, an integer"
        in _problems("candidate.task < 1")[0][1]
    )
    assert "a list index must be an integer" in _problems("candidate.features[0.0] == 'a'")[0][1]
    assert (
        "&& needs true/false; candidate.metrics.roc_auc is a number"
        in _problems("candidate.metrics.roc_auc && true")[0][1]
    )
    assert "it has no field 'x'" in _problems("candidate.task.x == 1")[0][1]
    assert "has() takes one field selection" in _problems("has(candidate)")[0][1]


def test_a_rule_must_be_boolean() -> None:
    assert _problems("candidate.metrics.roc_auc") == [
        (
            0,
            "a rule must be true or false; this one gives a number (double) (compare it, e.g. `... >= 0.8`)",
        )
    ]
    assert _problems("candidate.task") == [
        (0, "a rule must be true or false; this one gives a string")
    ]
    assert _problems("dyn(candidate.task)") == []  # dyn defers the question to evaluation


def test_cost_is_bounded() -> None:
    deep = "candidate.features.all(a, candidate.features.all(b, candidate.features.all(c, a != c)))"
    assert _problems(deep) == [
        (71, "comprehensions nest 3 deep here; at most 2 are allowed, to bound evaluation time")
    ]
    # sequential comprehensions are fine
    assert (
        _problems("candidate.features.all(a, a != '') && candidate.features.exists(b, b == 'x')")
        == []
    )
    long_rule = "candidate.onnx.passed" + " && candidate.onnx.passed" * (MAX_RULE_CHARS // 20)
    (problem,) = _problems(long_rule)
    assert problem[1].startswith(
        f"the rule is {len(long_rule)} characters long; at most {MAX_RULE_CHARS}"
    )


def test_comprehension_variables_shadow_and_scope() -> None:
    # the variable exists only inside its comprehension
    assert "unknown name 'f'" in _problems("candidate.features.all(f, f != '') && f == ''")[0][1]
    # map keys are strings
    assert "'-' needs a number" in _problems("candidate.metrics.all(m, -m == '')")[0][1]


@pytest.mark.parametrize(
    "source",
    [
        "candidate.metrics.roc_auc >= 0.8",
        "candidate.metrics.rocauc >= 0.8",  # a problem found by the checker
        "candidate.metrics.roc_auc >= ",  # a syntax error, raised afresh each time
        "candidate.metrics.roc_auc",  # not a boolean
        "",
    ],
)
def test_a_rule_checked_again_gives_what_a_fresh_parse_gives(source: str) -> None:
    from mlgitops.policy import checker, syntax

    first = check_rule(source, rule_roots())
    again = check_rule(source, rule_roots())
    try:
        fresh_tree: syntax.Node | None = syntax.parse(source)
    except syntax.CelSyntaxError:
        fresh_tree = None
    assert again.tree == first.tree == fresh_tree
    assert again.problems == first.problems
    checker._parsed.cache_clear()
    assert check_rule(source, rule_roots()).problems == first.problems
