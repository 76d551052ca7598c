"""A parser for CEL expressions that keeps the offset of every node.

The evaluator (the `cel` package) parses rules too, but exposes no syntax
tree: we need one to check every name against the evidence schema, to point
at the column of a mistake, to bound comprehension nesting and to show the
values a rule used. The grammar follows the CEL specification
(github.com/google/cel-spec, doc/langdef.md); message literals (`Foo{a: 1}`)
and optional syntax (`.?`) are rejected because rules have no use for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal as TypingLiteral

MAX_DEPTH = 60  # nesting of parentheses/operators; keeps recursion far from Python's limit

LiteralKind = TypingLiteral["int", "uint", "double", "string", "bytes", "bool", "null"]


class CelSyntaxError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# --- syntax tree -----------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True)
class Literal(Node):
    kind: LiteralKind
    value: object


@dataclass(frozen=True)
class Ident(Node):
    name: str


@dataclass(frozen=True)
class Select(Node):
    operand: Node
    field: str
    field_start: int


@dataclass(frozen=True)
class Index(Node):
    operand: Node
    index: Node


@dataclass(frozen=True)
class Call(Node):
    target: Node | None  # the receiver of `x.f(...)`, None for `f(...)`
    name: str
    name_start: int
    args: tuple[Node, ...]


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class MapLit(Node):
    entries: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "!" or "-"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node
    op_start: int


@dataclass(frozen=True)
class Ternary(Node):
    cond: Node
    then: Node
    otherwise: Node


def children(node: Node) -> tuple[Node, ...]:
    """Direct sub-expressions, in source order."""
    if isinstance(node, Select):
        return (node.operand,)
    if isinstance(node, Index):
        return (node.operand, node.index)
    if isinstance(node, Call):
        return ((node.target,) if node.target else ()) + node.args
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, MapLit):
        return tuple(part for entry in node.entries for part in entry)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Ternary):
        return (node.cond, node.then, node.otherwise)
    return ()


# --- tokens ------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # "ident", "int", "uint", "double", "string", "bytes", "op", "eof"
    text: str
    start: int
    end: int
    value: object = None


_PUNCT = (
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "?",
    ":",
    ".",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
)
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F]+[uU]?"
    r"|(?:[0-9]+\.[0-9]+|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|[0-9]+[eE][+-]?[0-9]+"
    r"|[0-9]+[uU]?"
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_START = re.compile(r"(?:[rR][bB]?|[bB][rR]?)?(?:'''|\"\"\"|'|\")")
_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "?": "?",
}


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    n = len(source)
    while pos < n:
        char = source[pos]
        if char in " \t\n\r\f":
            pos += 1
            continue
        if source.startswith("//", pos):  # a comment runs to the end of the line
            newline = source.find("\n", pos)
            pos = n if newline < 0 else newline + 1
            continue
        string = _STRING_START.match(source, pos)
        if string:
            token = _string(source, pos, string.group())
            tokens.append(token)
            pos = token.end
            continue
        if char.isdigit() or (char == "." and pos + 1 < n and source[pos + 1].isdigit()):
            match = _NUMBER.match(source, pos)
            assert match is not None
            tokens.append(_number(match.group(), pos))
            pos = match.end()
            if pos < n and (source[pos].isalnum() or source[pos] == "_"):
                raise CelSyntaxError(
                    f"unexpected '{source[pos]}' after the number '{match.group()}'", pos
                )
            continue
        ident = _IDENT.match(source, pos)
        if ident:
            tokens.append(Token("ident", ident.group(), pos, ident.end()))
            pos = ident.end()
            continue
        for punct in _PUNCT:
            if source.startswith(punct, pos):
                tokens.append(Token("op", punct, pos, pos + len(punct)))
                pos += len(punct)
                break
        else:
            hint = " (CEL writes 'and' as && and 'or' as ||)" if char in "&|" else ""
            if char == "=":
                hint = " (compare with ==)"
            raise CelSyntaxError(f"unexpected character '{char}'{hint}", pos)
    tokens.append(Token("eof", "", n, n))
    return tokens


def _number(text: str, start: int) -> Token:
    end = start + len(text)
    lowered = text.lower()
    if lowered.startswith("0x"):
        if lowered.endswith("u"):
            return Token("uint", text, start, end, int(text[2:-1], 16))
        return Token("int", text, start, end, int(text[2:], 16))
    if "." in text or "e" in lowered:
        return Token("double", text, start, end, float(text))
    if lowered.endswith("u"):
        return Token("uint", text, start, end, int(text[:-1]))
    return Token("int", text, start, end, int(text))


def _string(source: str, start: int, opener: str) -> Token:
    prefix = opener.rstrip("'\"").lower()
    quote = opener[len(prefix) :]
    raw = "r" in prefix
    pos = start + len(opener)
    out: list[str] = []
    while True:
        if pos >= len(source) or (len(quote) == 1 and source[pos] == "\n"):
            raise CelSyntaxError("this string is not closed", start)
        if source.startswith(quote, pos):
            pos += len(quote)
            break
        char = source[pos]
        if char == "\\" and not raw:
            pos, decoded = _escape(source, pos)
            out.append(decoded)
            continue
        out.append(char)
        pos += 1
    kind = "bytes" if "b" in prefix else "string"
    return Token(kind, source[start:pos], start, pos, "".join(out))


def _escape(source: str, pos: int) -> tuple[int, str]:
    """Decode the escape at `pos` (a backslash); returns the new position and the text."""
    if pos + 1 >= len(source):
        raise CelSyntaxError("a backslash ends the string", pos)
    code = source[pos + 1]
    if code in _ESCAPES:
        return pos + 2, _ESCAPES[code]
    widths = {"x": 2, "X": 2, "u": 4, "U": 8}
    if code in widths:
        digits = source[pos + 2 : pos + 2 + widths[code]]
        if len(digits) == widths[code] and all(c in "0123456789abcdefABCDEF" for c in digits):
            return pos + 2 + len(digits), chr(int(digits, 16))
    elif code in "0123":
        digits = source[pos + 1 : pos + 4]
        if len(digits) == 3 and all(c in "01234567" for c in digits):
            return pos + 4, chr(int(digits, 8))
    raise CelSyntaxError(f"unknown escape '\\{code}' in a string", pos)


# --- parser ------------------------------------------------------------------------

# Words CEL reserves; they may still name fields (`x.if`), as the evaluator allows.
RESERVED = frozenset(
    {
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    }
)
_RELOPS = ("<", "<=", ">=", ">", "==", "!=", "in")


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.pos = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.token
        if token.kind == "op":
            return token.text in texts
        return token.kind == "ident" and token.text == "in" and "in" in texts

    def expect(self, text: str, what: str) -> Token:
        if not self.at(text):
            raise CelSyntaxError(
                f"expected '{text}' {what}, found {_describe(self.token)}", self.token.start
            )
        return self.take()

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CelSyntaxError(
                f"the rule nests deeper than {MAX_DEPTH} levels; split it", self.token.start
            )

    def expr(self) -> Node:
        self.nested()
        cond = self.or_()
        if self.at("?"):
            self.take()
            then = self.or_()
            self.expect(":", "in a conditional `a ? b : c`")
            otherwise = self.expr()
            cond = Ternary(cond.start, otherwise.end, cond, then, otherwise)
        self.depth -= 1
        return cond

    def _binary_level(self, ops: tuple[str, ...], operand: str) -> Node:
        left: Node = getattr(self, operand)()
        while self.at(*ops):
            op = self.take()
            right: Node = getattr(self, operand)()
            left = Binary(left.start, right.end, op.text, left, right, op.start)
        return left

    def or_(self) -> Node:
        return self._binary_level(("||",), "and_")

    def and_(self) -> Node:
        return self._binary_level(("&&",), "relation")

    def relation(self) -> Node:
        return self._binary_level(_RELOPS, "addition")

    def addition(self) -> Node:
        return self._binary_level(("+", "-"), "multiplication")

    def multiplication(self) -> Node:
        return self._binary_level(("*", "/", "%"), "unary")

    def unary(self) -> Node:
        if self.at("!", "-"):
            op = self.take()
            self.nested()
            operand = self.unary()
            self.depth -= 1
            if (
                op.text == "-"
                and isinstance(operand, Literal)
                and operand.kind in ("int", "double")
                and operand.start == op.end
            ):
                assert isinstance(operand.value, int | float)
                return Literal(op.start, operand.end, operand.kind, -operand.value)
            return Unary(op.start, operand.end, op.text, operand)
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                dot = self.take()
                if self.at("?"):
                    raise CelSyntaxError(
                        "optional selection '.?' is not supported; "
                        "use has(...) to test whether a field exists",
                        dot.start,
                    )
                name = self.token
                if name.kind != "ident" or name.text == "in":
                    raise CelSyntaxError(
                        f"expected a field name after '.', found {_describe(name)}", name.start
                    )
                self.take()
                if self.at("("):
                    args, end = self.call_args()
                    node = Call(node.start, end, node, name.text, name.start, args)
                else:
                    node = Select(node.start, name.end, node, name.text, name.start)
            elif self.at("["):
                self.take()
                index = self.expr()
                close = self.expect("]", "to close the index")
                node = Index(node.start, close.end, node, index)
            elif self.at("{"):
                raise CelSyntaxError(
                    "message literals (Name{field: value}) are not supported in rules",
                    self.token.start,
                )
            else:
                return node

    def call_args(self) -> tuple[tuple[Node, ...], int]:
        self.expect("(", "to start the arguments")
        args: list[Node] = []
        while not self.at(")"):
            args.append(self.expr())
            if not self.at(")"):
                self.expect(",", "between arguments")
        close = self.take()
        return tuple(args), close.end

    def primary(self) -> Node:
        token = self.token
        if token.kind in ("int", "uint", "double", "string", "bytes"):
            self.take()
            return Literal(token.start, token.end, token.kind, token.value)  # type: ignore[arg-type]
        if token.kind == "ident":
            if token.text == "in":
                raise CelSyntaxError("expected a value, found 'in'", token.start)
            if token.text in RESERVED:
                raise CelSyntaxError(f"'{token.text}' is a reserved word in CEL", token.start)
            self.take()
            if token.text in ("true", "false"):
                return Literal(token.start, token.end, "bool", token.text == "true")
            if token.text == "null":
                return Literal(token.start, token.end, "null", None)
            if self.at("("):
                args, end = self.call_args()
                return Call(token.start, end, None, token.text, token.start, args)
            return Ident(token.start, token.end, token.text)
        if self.at("."):  # a leading dot names the root scope: `.candidate`
            dot = self.take()
            name = self.token
            if name.kind != "ident":
                raise CelSyntaxError(
                    f"expected a name after '.', found {_describe(name)}", name.start
                )
            self.take()
            if self.at("("):
                args, end = self.call_args()
                return Call(dot.start, end, None, name.text, name.start, args)
            return Ident(dot.start, name.end, name.text)
        if self.at("("):
            self.take()
            inner = self.expr()
            self.expect(")", "to close '('")
            return inner
        if self.at("["):
            open_ = self.take()
            items: list[Node] = []
            while not self.at("]"):
                items.append(self.expr())
                if not self.at("]"):
                    self.expect(",", "between list items")
            close = self.take()
            return ListLit(open_.start, close.end, tuple(items))
        if self.at("{"):
            open_ = self.take()
            entries: list[tuple[Node, Node]] = []
            while not self.at("}"):
                key = self.expr()
                self.expect(":", "after a map key")
                entries.append((key, self.expr()))
                if not self.at("}"):
                    self.expect(",", "between map entries")
            close = self.take()
            return MapLit(open_.start, close.end, tuple(entries))
        if token.kind == "eof":
            raise CelSyntaxError("the rule ends where a value is expected", token.start)
        raise CelSyntaxError(f"expected a value, found {_describe(token)}", token.start)


def _describe(token: Token) -> str:
    if token.kind == "eof":
        return "the end of the rule"
    return f"'{token.text}'"


def parse(source: str) -> Node:
    """Parse one CEL expression. Raises CelSyntaxError with the offset of the problem."""
    parser = _Parser(source)
    if parser.token.kind == "eof":
        raise CelSyntaxError("the rule is empty", 0)
    node = parser.expr()
    if parser.token.kind != "eof":
        token = parser.token
        hint = ""
        if token.kind == "op" and token.text == "=":
            hint = " (compare with ==)"
        elif token.kind == "ident" and token.text in ("and", "or", "not"):
            hint = " (CEL writes and, or, not as &&, ||, !)"
        raise CelSyntaxError(
            f"unexpected {_describe(token)} after a complete expression{hint}", token.start
        )
    return node
