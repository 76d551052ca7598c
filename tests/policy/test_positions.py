from __future__ import annotations

import pytest

from mlgitops import yamlio
from mlgitops.policy.positions import locate, offset_of


def _where(text: str, word: str) -> tuple[int, int]:
    """Where `word` (in the rule) lands in the file, found through YAML's own reading."""
    doc = yamlio.parse_text(text, "p.yaml")
    rule = doc.data["rule"]
    mark = doc.mark(("rule",))
    return locate(text, mark.line, mark.col, rule, rule.index(word))


def _find(text: str, word: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines(), start=1):
        if word in line:
            return number, line.index(word) + 1
    raise AssertionError(word)


@pytest.mark.parametrize(
    "text",
    [
        "rule: candidate.onnx.passed && target\n",
        'rule: "candidate.onnx.passed && target"\n',
        'rule: "candidate.task == \\"x\\" && target"\n',
        "rule: 'candidate.task == ''x'' && target'\n",
        "rule: >-\n  candidate.onnx.passed\n    && target\n",
        "rule: |\n  // comment\n  candidate.onnx.passed\n  && target\n",
        "rule: candidate.onnx.passed\n  && target\n",  # a multi-line plain scalar
        "rule:   >-   # comment\n\n  candidate.onnx.passed\n\n  && target\n",
    ],
)
def test_an_offset_in_the_rule_is_found_in_the_file(text: str) -> None:
    assert _where(text, "target") == _find(text, "target")


def test_the_end_of_the_rule_is_just_after_its_last_character() -> None:
    text = "rule: candidate.onnx.passed &&\nnext: 1\n"
    doc = yamlio.parse_text(text, "p.yaml")
    rule = doc.data["rule"]
    assert locate(text, 1, 7, rule, len(rule)) == (1, 31)
    quoted = 'rule: "a &&  "\n'
    assert locate(quoted, 1, 7, "a &&  ", 6) == (1, 12)


def test_offset_of_reads_the_evaluators_line_and_column() -> None:
    rule = "a &&\n  (b"
    assert offset_of(rule, 1, 1) == 0
    assert offset_of(rule, 2, 3) == rule.index("(")
    assert offset_of(rule, 9, 99) == len(rule)
