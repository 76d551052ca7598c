"""Static checks of one rule: syntax, names, types and the bounds on its cost.

A rule is checked before anything trains, so a misspelt field
(`candidate.metrics.roc_aoc`) or an int/double mix (`rows - 100`) fails
`mlgitops validate` with the column of the mistake instead of failing (or,
worse, silently not matching) at evaluation time.

Bounded evaluation time, part one: a rule is at most `MAX_RULE_CHARS` long
and nests comprehensions (`all`, `exists`, `map`, ...) at most
`MAX_COMPREHENSION_DEPTH` deep, so its cost is a small polynomial in the size
of the evidence. Part two is the wall-clock limit in `sandbox.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..text import suggest
from . import syntax
from .shapes import (
    BOOL,
    BYTES,
    DOUBLE,
    DURATION,
    DYN,
    INT,
    NULL,
    STRING,
    TIMESTAMP,
    TYPE,
    UINT,
    Shape,
    list_of,
    map_of,
)

MAX_RULE_CHARS = 2000
MAX_COMPREHENSION_DEPTH = 2

MACROS = ("all", "exists", "exists_one", "map", "filter")
TYPE_NAMES = (
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
)
_NUMERIC = frozenset({"int", "uint", "double"})
_LITERAL_SHAPES = {
    "int": INT,
    "uint": UINT,
    "double": DOUBLE,
    "string": STRING,
    "bytes": BYTES,
    "bool": BOOL,
    "null": NULL,
}


@dataclass(frozen=True)
class _Function:
    result: Shape
    subjects: frozenset[str] | None  # kinds the receiver (or first argument) may have
    arity: tuple[int, int]  # arguments counting the receiver


_TIME_PARTS = (
    "getFullYear",
    "getMonth",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
)
# The functions the evaluator provides (its standard library); anything else is a typo.
FUNCTIONS: dict[str, _Function] = {
    "size": _Function(INT, frozenset({"list", "map", "string", "bytes", "object"}), (1, 1)),
    "int": _Function(INT, None, (1, 1)),
    "uint": _Function(UINT, None, (1, 1)),
    "double": _Function(DOUBLE, None, (1, 1)),
    "string": _Function(STRING, None, (1, 1)),
    "bytes": _Function(BYTES, None, (1, 1)),
    "type": _Function(TYPE, None, (1, 1)),
    "dyn": _Function(DYN, None, (1, 1)),
    "timestamp": _Function(TIMESTAMP, frozenset({"string", "timestamp"}), (1, 1)),
    "duration": _Function(DURATION, frozenset({"string", "duration"}), (1, 1)),
    **{
        name: _Function(BOOL, frozenset({"string"}), (2, 2))
        for name in ("contains", "startsWith", "endsWith", "matches")
    },
    **{name: _Function(INT, frozenset({"timestamp", "duration"}), (1, 2)) for name in _TIME_PARTS},
}
_CALLABLE = (*FUNCTIONS, *MACROS, "has")


@dataclass(frozen=True)
class Problem:
    offset: int  # into the rule text
    message: str


@dataclass
class CheckedRule:
    source: str
    tree: syntax.Node | None  # None when the rule does not parse
    problems: list[Problem] = field(default_factory=list)


@functools.lru_cache(maxsize=256)
def _parsed(source: str) -> syntax.Node:
    """The tree of a rule, parsed once per process: a rule of a file several models share is
    checked once for the file and again for each model. Trees are frozen, so sharing is safe;
    a syntax error is raised afresh each time (exceptions are not cached)."""
    return syntax.parse(source)


def check_rule(source: str, roots: Mapping[str, Shape]) -> CheckedRule:
    """Parse `source` and check it against the shapes of the names a rule reads."""
    if len(source) > MAX_RULE_CHARS:
        return CheckedRule(
            source,
            None,
            [
                Problem(
                    0,
                    f"the rule is {len(source)} characters long; "
                    f"at most {MAX_RULE_CHARS} are allowed, split it",
                )
            ],
        )
    try:
        tree = _parsed(source)
    except syntax.CelSyntaxError as exc:
        return CheckedRule(source, None, [Problem(exc.offset, f"syntax error: {exc.message}")])
    checker = _Checker(source, roots)
    result = checker.visit(tree, {}, 0)
    if result.kind not in ("bool", "dyn"):
        hint = " (compare it, e.g. `... >= 0.8`)" if result.kind in _NUMERIC else ""
        checker.report(0, f"a rule must be true or false; this one gives {_a(result)}{hint}")
    return CheckedRule(source, tree, checker.problems)


def _a(shape: Shape) -> str:
    names = {
        "double": "a number (double)",
        "int": "an integer",
        "uint": "an unsigned integer",
        "string": "a string",
        "bool": "true/false",
        "list": "a list",
        "map": "a map",
        "object": "an object",
        "null": "null",
        "bytes": "bytes",
        "timestamp": "a timestamp",
        "duration": "a duration",
        "type": "a type",
    }
    return names.get(shape.kind, "a value")


class _Checker:
    def __init__(self, source: str, roots: Mapping[str, Shape]) -> None:
        self.source = source
        self.roots = roots
        self.problems: list[Problem] = []

    def report(self, offset: int, message: str) -> None:
        self.problems.append(Problem(offset, message))

    def text(self, node: syntax.Node) -> str:
        return self.source[node.start : node.end]

    def visit(self, node: syntax.Node, scope: Mapping[str, Shape], depth: int) -> Shape:
        if isinstance(node, syntax.Literal):
            return _LITERAL_SHAPES[node.kind]
        if isinstance(node, syntax.Ident):
            return self.ident(node, scope)
        if isinstance(node, syntax.Select):
            return self.member(
                self.visit(node.operand, scope, depth), node.field, node.field_start, node.operand
            )
        if isinstance(node, syntax.Index):
            return self.index(node, scope, depth)
        if isinstance(node, syntax.Call):
            return self.call(node, scope, depth)
        if isinstance(node, syntax.ListLit):
            items = [self.visit(item, scope, depth) for item in node.items]
            kinds = {item.kind for item in items}
            return list_of(items[0] if len(kinds) == 1 else DYN)
        if isinstance(node, syntax.MapLit):
            for key, value in node.entries:
                self.visit(key, scope, depth)
                self.visit(value, scope, depth)
            return map_of(DYN)
        if isinstance(node, syntax.Unary):
            operand = self.visit(node.operand, scope, depth)
            if node.op == "!":
                self.expect_bool(operand, node.operand, "!")
                return BOOL
            if operand.kind not in (*_NUMERIC, "dyn", "duration"):
                self.report(
                    node.start, f"'-' needs a number; {self.text(node.operand)} is {_a(operand)}"
                )
            return operand
        if isinstance(node, syntax.Binary):
            return self.binary(node, scope, depth)
        if isinstance(node, syntax.Ternary):
            self.expect_bool(self.visit(node.cond, scope, depth), node.cond, "?")
            then = self.visit(node.then, scope, depth)
            otherwise = self.visit(node.otherwise, scope, depth)
            return then if then.kind == otherwise.kind else DYN
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def ident(self, node: syntax.Ident, scope: Mapping[str, Shape]) -> Shape:
        if node.name in scope:
            return scope[node.name]
        if node.name in self.roots:
            return self.roots[node.name]
        if node.name in TYPE_NAMES:
            return TYPE
        known = [*self.roots, *scope]
        self.report(
            node.start,
            f"unknown name '{node.name}'{suggest(node.name, known)}; "
            f"a rule reads {', '.join(self.roots)}"
            + (f" and the comprehension variable(s) {', '.join(scope)}" if scope else ""),
        )
        return DYN

    def member(self, shape: Shape, name: str, offset: int, operand: syntax.Node) -> Shape:
        where = self.text(operand)
        if shape.kind == "object":
            if name in shape.fields:
                return shape.fields[name]
            self.report(
                offset,
                f"{where} has no field '{name}'{suggest(name, shape.fields)}; "
                f"it has: {', '.join(shape.fields)}",
            )
            return DYN
        if shape.kind == "map":
            if shape.keys is not None and name not in shape.keys:
                self.report(
                    offset,
                    f"'{name}' is not a {shape.keys_label}{suggest(name, shape.keys)}; "
                    f"{where} can hold: {', '.join(shape.keys)}",
                )
            return shape.item or DYN
        if shape.kind == "dyn":
            return DYN
        self.report(offset, f"{where} is {_a(shape)}; it has no field '{name}'")
        return DYN

    def index(self, node: syntax.Index, scope: Mapping[str, Shape], depth: int) -> Shape:
        shape = self.visit(node.operand, scope, depth)
        key = self.visit(node.index, scope, depth)
        if shape.kind == "list":
            if key.kind not in ("int", "uint", "dyn"):
                self.report(
                    node.index.start,
                    f"a list index must be an integer; {self.text(node.index)} is {_a(key)}",
                )
            return shape.item or DYN
        if shape.kind in ("map", "object"):
            if isinstance(node.index, syntax.Literal) and node.index.kind == "string":
                return self.member(shape, str(node.index.value), node.index.start, node.operand)
            return shape.item or DYN if shape.kind == "map" else DYN
        if shape.kind != "dyn":
            self.report(
                node.index.start, f"{self.text(node.operand)} is {_a(shape)}; it cannot be indexed"
            )
        return DYN

    def call(self, node: syntax.Call, scope: Mapping[str, Shape], depth: int) -> Shape:
        if node.name in MACROS and node.target is not None:
            return self.comprehension(node, scope, depth)
        if node.name == "has" and node.target is None:
            (arg,) = node.args if len(node.args) == 1 else (None,)
            if not isinstance(arg, syntax.Select):
                self.report(
                    node.name_start, "has() takes one field selection, like has(candidate.drift)"
                )
                for other in node.args:
                    self.visit(other, scope, depth)
                return BOOL
            self.member(
                self.visit(arg.operand, scope, depth), arg.field, arg.field_start, arg.operand
            )
            return BOOL
        function = FUNCTIONS.get(node.name)
        if function is None:
            self.report(
                node.name_start,
                f"unknown function '{node.name}'{suggest(node.name, _CALLABLE)}; "
                f"rules can call: {', '.join(sorted(_CALLABLE))}",
            )
            for part in syntax.children(node):
                self.visit(part, scope, depth)
            return DYN
        parts = syntax.children(node)
        shapes = [self.visit(part, scope, depth) for part in parts]
        low, high = function.arity
        if not low <= len(parts) <= high:
            self.report(
                node.name_start,
                f"{node.name}() takes {low if low == high else f'{low} or {high}'} "
                f"argument(s) counting the receiver; it has {len(parts)}",
            )
        elif function.subjects is not None and shapes[0].kind not in (*function.subjects, "dyn"):
            hint = ""
            if node.name == "contains" and shapes[0].kind in ("list", "map"):
                hint = f"; to test membership write `x in {self.text(parts[0])}`"
            self.report(
                node.name_start,
                f"{node.name}() applies to {' or '.join(sorted(function.subjects))}; "
                f"{self.text(parts[0])} is {_a(shapes[0])}{hint}",
            )
        return function.result

    def comprehension(self, node: syntax.Call, scope: Mapping[str, Shape], depth: int) -> Shape:
        assert node.target is not None
        target = self.visit(node.target, scope, depth)
        arity = (2, 3) if node.name == "map" else (2, 2)
        if not (arity[0] <= len(node.args) <= arity[1]) or not isinstance(
            node.args[0], syntax.Ident
        ):
            form = (
                f"{node.name}(x, predicate)"
                if node.name != "map"
                else "map(x, value) or map(x, filter, value)"
            )
            self.report(node.name_start, f"{node.name}() is written as {form}")
            return DYN
        if depth + 1 > MAX_COMPREHENSION_DEPTH:
            self.report(
                node.name_start,
                f"comprehensions nest {depth + 1} deep here; at most "
                f"{MAX_COMPREHENSION_DEPTH} are allowed, to bound evaluation time",
            )
        if target.kind == "list":
            element = target.item or DYN
        elif target.kind in ("map", "object"):
            element = STRING  # comprehensions over a map range over its keys
        elif target.kind == "dyn":
            element = DYN
        else:
            self.report(
                node.name_start,
                f"{node.name}() ranges over a list or map; "
                f"{self.text(node.target)} is {_a(target)}",
            )
            element = DYN
        inner = {**scope, node.args[0].name: element}
        results = [self.visit(arg, inner, depth + 1) for arg in node.args[1:]]
        if node.name in ("all", "exists", "exists_one", "filter"):
            self.expect_bool(results[0], node.args[1], f"{node.name}()")
        if node.name == "map":
            if len(results) == 2:
                self.expect_bool(results[0], node.args[1], "map()'s filter")
            return list_of(results[-1])
        if node.name == "filter":
            return list_of(element)
        return BOOL

    def binary(self, node: syntax.Binary, scope: Mapping[str, Shape], depth: int) -> Shape:
        left = self.visit(node.left, scope, depth)
        right = self.visit(node.right, scope, depth)
        op = node.op
        if op in ("&&", "||"):
            self.expect_bool(left, node.left, op)
            self.expect_bool(right, node.right, op)
            return BOOL
        if op in ("==", "!="):
            return BOOL
        if op == "in":
            if right.kind not in ("list", "map", "dyn"):
                hint = "; to find text in a string use contains()" if right.kind == "string" else ""
                self.report(
                    node.op_start,
                    f"'in' needs a list or map on its right; "
                    f"{self.text(node.right)} is {_a(right)}{hint}",
                )
            return BOOL
        if op in ("<", "<=", ">", ">="):
            if _family(left) and _family(right) and _family(left) != _family(right):
                self.report(
                    node.op_start,
                    f"'{op}' compares {self.text(node.left)}, {_a(left)}, with "
                    f"{self.text(node.right)}, {_a(right)}",
                )
            return BOOL
        return self.arithmetic(node, left, right)

    def arithmetic(self, node: syntax.Binary, left: Shape, right: Shape) -> Shape:
        op = node.op
        if left.kind in _NUMERIC and right.kind in _NUMERIC and left.kind != right.kind:
            self.report(
                node.op_start,
                f"'{op}' mixes {self.text(node.left)}, {_a(left)}, with "
                f"{self.text(node.right)}, {_a(right)}; CEL does not convert between them. "
                f"Evidence numbers are doubles: {self.fix(node, left)}",
            )
            return DOUBLE
        if op == "%" and DOUBLE.kind in (left.kind, right.kind):
            self.report(node.op_start, "'%' works on integers only; convert with int(...)")
            return INT
        known = {left.kind, right.kind} - {"dyn"}
        if len(known) == 2 and op == "+" and known != {"timestamp", "duration"}:
            self.report(
                node.op_start,
                f"'+' cannot add {self.text(node.left)}, {_a(left)}, and "
                f"{self.text(node.right)}, {_a(right)}",
            )
            return DYN
        if left.kind == "list" and right.kind == "list" and op == "+":
            return list_of(
                left.item
                if (left.item and right.item and left.item.kind == right.item.kind)
                else DYN
            )
        return left if left.kind == right.kind else DYN

    def fix(self, node: syntax.Binary, left: Shape) -> str:
        for side in (node.left, node.right):
            if isinstance(side, syntax.Literal) and side.kind == "int":
                return f"write {side.value}.0 instead of {side.value}"
        int_side = node.right if left.kind == "double" else node.left
        return f"write double({self.text(int_side)})"

    def expect_bool(self, shape: Shape, node: syntax.Node, where: str) -> None:
        if shape.kind not in ("bool", "dyn"):
            self.report(node.start, f"{where} needs true/false; {self.text(node)} is {_a(shape)}")


def _family(shape: Shape) -> str | None:
    """Kinds that `<` can compare with each other (None: unknown or anything)."""
    if shape.kind in _NUMERIC:
        return "number"
    if shape.kind in (
        "string",
        "bytes",
        "bool",
        "timestamp",
        "duration",
        "list",
        "map",
        "object",
        "null",
    ):
        return shape.kind
    return None
