from __future__ import annotations

import pytest

from mlgitops.policy import syntax
from mlgitops.policy.worker import load_cel

# Our parser and the evaluator must agree on what is a rule: both accept these...
VALID = [
    "candidate.metrics.roc_auc >= 0.8",
    "production == null || candidate.metrics.roc_auc >= production.metrics.roc_auc - 0.01",
    "!candidate.features.exists(f, f in ['gender', 'age'])",
    "a ? b : c ? d : e",
    "-1 < --2",
    "!!a",
    "'abc' + \"def\" + '''multi\nline''' + r'\\d' + b'x'.size()",
    '"a\\"b\\x41\\u00e9\\101"',
    "0x1F + 1u + .5 + 1e-4 + 1.5e3",
    "[1, 2,].size() + {'a': 1,}.size() + {}.size() + [].size()",
    "a[0]['x'].y(b, c)[d.e]",
    "f() && .a.b",
    "a // a comment\n && b",
    "1 < 2 == true",
    "x.map(a, a > 1, a * 2)",
    "a.if && a.as",  # reserved words may name fields
    "timestamp('2024-01-01T00:00:00Z').getFullYear() > 2000",
    "'é' == 'é'",
]
# ...and both reject these.
INVALID = [
    "1 +",
    "a.b.c(",
    "1.",
    "a = b",
    "a and b",
    "a & b",
    "(a",
    "a)",
    "'unterminated",
    "x.?y",
    "in",
    "a.in",
    "'\\q'",
    "[1,,2]",
    "a ? b",
    "1abc",
    "if",
    "",
]


@pytest.mark.parametrize("source", VALID)
def test_both_parsers_accept(source: str) -> None:
    load_cel().compile(source)
    syntax.parse(source)


@pytest.mark.parametrize("source", INVALID)
def test_both_parsers_reject(source: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 — the evaluator raises ValueError, we CelSyntaxError
        load_cel().compile(source)
    with pytest.raises(syntax.CelSyntaxError):
        syntax.parse(source)


def test_message_literals_are_refused_though_the_evaluator_parses_them() -> None:
    load_cel().compile("Foo{a: 1}")
    with pytest.raises(syntax.CelSyntaxError, match="message literals"):
        syntax.parse("Foo{a: 1}")


@pytest.mark.parametrize(
    ("source", "offset", "message"),
    [
        ("candidate.x >= ", 15, "the rule ends where a value is expected"),
        (
            "a and b",
            2,
            "unexpected 'and' after a complete expression (CEL writes and, or, not as &&, ||, !)",
        ),
        ("a = b", 2, "unexpected character '=' (compare with ==)"),
        ("a || (b && 'x", 11, "this string is not closed"),
        (
            "a.?b",
            1,
            "optional selection '.?' is not supported; use has(...) to test whether a field exists",
        ),
        ("[1, 2", 5, "expected ',' between list items, found the end of the rule"),
    ],
)
def test_syntax_errors_have_offsets_and_plain_messages(
    source: str, offset: int, message: str
) -> None:
    with pytest.raises(syntax.CelSyntaxError) as info:
        syntax.parse(source)
    assert (info.value.offset, info.value.message) == (offset, message)


def test_tree_keeps_offsets_and_literal_values() -> None:
    tree = syntax.parse("candidate.metrics['roc_auc'] >= -0.8")
    assert isinstance(tree, syntax.Binary)
    assert (tree.op, tree.op_start) == (">=", 29)
    assert isinstance(tree.right, syntax.Literal)
    assert (tree.right.kind, tree.right.value) == ("double", -0.8)
    index = tree.left
    assert isinstance(index, syntax.Index)
    assert isinstance(index.operand, syntax.Select)
    assert (index.operand.field, index.operand.field_start) == ("metrics", 10)
    assert isinstance(index.index, syntax.Literal) and index.index.value == "roc_auc"
    escaped = syntax.parse('"a\\"b\\x41\\u00e9\\101"')
    assert isinstance(escaped, syntax.Literal) and escaped.value == 'a"bAéA'


def test_nesting_is_bounded() -> None:
    with pytest.raises(syntax.CelSyntaxError, match="nests deeper than"):
        syntax.parse("(" * 200 + "1" + ")" * 200)
    with pytest.raises(syntax.CelSyntaxError, match="nests deeper than"):
        syntax.parse("!" * 200 + "true")
