from __future__ import annotations

from pathlib import Path

import pytest
from golden_util import assert_golden
from policy.builders import load, write_project

from mlgitops import cli
from mlgitops.errors import EXIT_BAD_INPUT, SpecError
from mlgitops.policy.compile import _evaluator_problems, policy_check
from mlgitops.policy.memo import remembered_policy_check
from mlgitops.policy.worker import load_cel
from mlgitops.spec import load_project
from mlgitops.spec.checks import project_checks

BROKEN = """
    policy: team
    rules:
      - name: typo-metric
        rule: candidate.metrics.roc_aoc >= 0.8
      - name: typo-field
        rule: "candidate.onnx.latency.single_row_p99 <= 10.0"
      - name: syntax
        rule: candidate.metrics.accuracy >=
      - name: int-double
        rule: candidate.data.rows - 100 > 0.0
      - name: folded
        rule: >-
          production == null ||
            candidate.metrics.accuracy >= prodution.metrics.accuracy
      - name: not-a-bool
        rule: candidate.onnx.size_bytes
      - name: spec-field
        rule: spec.drift.schedul != null
      - name: deep
        rule: >-
          candidate.features.all(a, candidate.features.all(b,
            candidate.features.all(c, a != b || b != c)))
      - name: fine
        rule: candidate.gates.all(g, g.status == 'passed')
"""


def _problems(root: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load(root)
    return [str(d) for d in info.value.diagnostics]


def test_every_broken_rule_is_reported_at_its_file_line_and_column(tmp_path: Path) -> None:
    problems = _problems(write_project(tmp_path, BROKEN))
    assert problems[0] == (
        "policies/team.yaml:4:29: rules[0].rule: 'roc_aoc' is not a metric name "
        "(did you mean 'roc_auc'?); candidate.metrics can hold: accuracy, "
        "balanced_accuracy, precision, recall, f1, roc_auc, log_loss, rmse, mae, r2, mape"
    )
    # quoted scalar: the column counts the opening quote
    assert problems[1].startswith(
        "policies/team.yaml:6:35: rules[1].rule: candidate.onnx.latency has no "
        "field 'single_row_p99' (did you mean 'single_row_p99_ms'?)"
    )
    # the rule ends too early: point just after its last character
    assert problems[2] == (
        "policies/team.yaml:8:40: rules[2].rule: syntax error: "
        "the rule ends where a value is expected"
    )
    assert problems[3].startswith(
        "policies/team.yaml:10:31: rules[3].rule: '-' mixes candidate.data.rows, "
        "a number (double), with 100, an integer"
    )
    assert problems[3].endswith("write 100.0 instead of 100")
    # a folded block scalar: the second line of the rule, at the misspelt name
    assert problems[4].startswith(
        "policies/team.yaml:14:39: rules[4].rule: unknown name 'prodution' "
        "(did you mean 'production'?)"
    )
    assert problems[5].startswith(
        "policies/team.yaml:16:11: rules[5].rule: a rule must be true or false; "
        "this one gives a number (double)"
    )
    assert problems[6].startswith(
        "policies/team.yaml:18:22: rules[6].rule: spec.drift has no field "
        "'schedul' (did you mean 'schedule'?)"
    )
    assert problems[7].startswith(
        "policies/team.yaml:22:28: rules[7].rule: comprehensions nest 3 deep"
    )
    assert len(problems) == 8
    assert_golden("policy/broken_rules.txt", "\n".join(problems) + "\n")


def test_the_column_points_at_the_mistake_in_the_file(tmp_path: Path) -> None:
    write_project(tmp_path, BROKEN)
    lines = (tmp_path / "policies/team.yaml").read_text(encoding="utf-8").splitlines()
    expected_words = [
        "roc_aoc",
        "single_row_p99",
        None,
        "-",
        "prodution",
        "candidate",
        "schedul",
        "all",
    ]
    for problem, word in zip(_problems(tmp_path), expected_words, strict=True):
        where = problem.split(": ", 1)[0]
        _, line, col = where.split(":")
        if word is not None:
            assert lines[int(line) - 1][int(col) - 1 :].startswith(word), problem


def test_validate_exits_2_and_run_trains_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, BROKEN)
    assert cli.main(["validate", "-C", str(tmp_path)], environ={}) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "policies/team.yaml:4:29: rules[0].rule: 'roc_aoc' is not a metric name" in err
    assert "Traceback" not in err
    assert cli.main(["run", "-C", str(tmp_path)], environ={}) == EXIT_BAD_INPUT
    assert "policies/team.yaml:8:40: rules[2].rule: syntax error" in capsys.readouterr().err
    assert not (tmp_path / ".mlgitops" / "candidates").exists()
    assert not (tmp_path / "models").exists()


def test_valid_rules_pass_and_the_check_is_registered(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        """
        policy: team
        rules:
          - name: all-of-it
            rule: >-
              (production == null || candidate.metrics.roc_auc >= production.metrics.roc_auc - 0.01)
              && candidate.onnx.size_bytes <= 20 * 1024 * 1024
              && !candidate.features.exists(f, f in ['gender', 'age'])
              && (has(candidate.metrics.f1) ? candidate.metrics.f1 > 0.5 : true)
              && candidate.metrics['roc_auc'] > 0.5
              && spec.gates.size() > 0 && spec.estimator['class'].startsWith('sklearn.')
              && (spec.drift == null || spec.drift.schedule.matches(r'^\\S+ \\S+ \\* \\* \\S+$'))
              && timestamp('2026-01-01T00:00:00Z').getFullYear() == 2026
          - name: literal-block-with-comments
            rule: |
              // params hold any key
              candidate.lineage.params.C > 0.0
                && candidate.data.null_fraction.all(c, candidate.data.null_fraction[c] < 0.05)
    """,
    )
    project = load_project(tmp_path, check_estimators=False, extra_checks=project_checks())
    assert policy_check(project) == []
    assert remembered_policy_check in project_checks()


def test_reserved_words_are_syntax_errors(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        """
        policy: team
        rules:
          - name: reserved
            rule: candidate.metrics.accuracy > 0.5 && while
    """,
    )
    (problem,) = _problems(tmp_path)
    assert problem == (
        "policies/team.yaml:4:47: rules[0].rule: syntax error: 'while' is a reserved word in CEL"
    )


def test_the_evaluator_has_the_last_word_on_syntax() -> None:
    # our parser rejects nothing the evaluator accepts; this checks the fallback's positions
    (problem,) = _evaluator_problems(load_cel(), "candidate.x &&\n  (y ")
    assert problem.offset == len("candidate.x &&\n  (y ")
    assert problem.message == "syntax error: missing ')' at '<EOF>'"
    assert _evaluator_problems(load_cel(), "candidate.x > 1") == []


def test_shipped_production_policy_compiles_for_the_demo() -> None:
    root = Path(__file__).resolve().parents[2]
    if not (root / "mlops.yaml").is_file():
        pytest.skip("the demo spec is not in this checkout")
    project = load_project(root, check_estimators=False)
    assert "policies/production.yaml" in project.policy_files
    assert policy_check(project) == []
    names = [rule.name for rule in project.policy_files["policies/production.yaml"].rules]
    for expected in (
        "no-regression",
        "onnx-parity",
        "model-size",
        "latency-budget",
        "protected-attributes",
        "training-rows",
        "data-validated",
    ):
        assert expected in names
