"""The values a rule read, for messages: `candidate.metrics.roc_auc = 0.912`.

A rule's result alone ("failed") does not say why; the values of the
evidence fields it names do. They are found from the syntax tree and read
from the same data the evaluator saw.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import syntax
from .checker import MACROS
from .shapes import ROOTS

FieldPath = tuple[str, ...]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_LIST_ITEMS = 8
MAX_MAP_ITEMS = 5
MAX_DEPTH = 2  # nesting shown before collapsing to {n keys} or [...]


def referenced_paths(tree: syntax.Node) -> list[FieldPath]:
    """Field paths rooted at candidate/production/spec, in order of appearance, without repeats."""
    found: list[FieldPath] = []

    def walk(node: syntax.Node, scope: frozenset[str]) -> None:
        chain = _chain(node)
        if chain is not None:
            if chain[0] not in scope and chain not in found:
                found.append(chain)
            return
        if (
            isinstance(node, syntax.Call)
            and node.name in MACROS
            and node.target is not None
            and node.args
            and isinstance(node.args[0], syntax.Ident)
        ):
            walk(node.target, scope)
            for arg in node.args[1:]:
                walk(arg, scope | {node.args[0].name})
            return
        for child in syntax.children(node):
            walk(child, scope)

    walk(tree, frozenset())
    return found


def _chain(node: syntax.Node) -> FieldPath | None:
    if isinstance(node, syntax.Ident):
        return (node.name,) if node.name in ROOTS else None
    if isinstance(node, syntax.Select):
        base = _chain(node.operand)
        return None if base is None else (*base, node.field)
    if (
        isinstance(node, syntax.Index)
        and isinstance(node.index, syntax.Literal)
        and node.index.kind == "string"
    ):
        base = _chain(node.operand)
        return None if base is None else (*base, str(node.index.value))
    return None


def show_path(path: FieldPath) -> str:
    out = path[0]
    for part in path[1:]:
        out += f".{part}" if _IDENTIFIER.match(part) else f"['{part}']"
    return out


@dataclass(frozen=True)
class Lookup:
    """Reading one path: its value, or where the reading stopped and why."""

    path: FieldPath
    found: bool
    value: Any = None
    stopped_at: FieldPath = ()  # the prefix that was null, or lacked the next key
    reason: str = ""  # "null" | "missing" | "not a map"
    keys: tuple[str, ...] = ()  # what the map at `stopped_at` does hold


def lookup(variables: Mapping[str, Any], path: FieldPath) -> Lookup:
    value: Any = variables.get(path[0])
    for depth, key in enumerate(path[1:], start=1):
        prefix = path[:depth]
        if value is None:
            return Lookup(path, False, stopped_at=prefix, reason="null")
        if not isinstance(value, Mapping):
            return Lookup(path, False, stopped_at=prefix, reason="not a map")
        if key not in value:
            return Lookup(
                path, False, stopped_at=prefix, reason="missing", keys=tuple(map(str, value))
            )
        value = value[key]
    return Lookup(path, True, value)


def describe(
    variables: Mapping[str, Any], paths: list[FieldPath], *, found_only: bool = False
) -> tuple[str, dict[str, Any]]:
    """`a = 1; b = 'x'` for the message, and {path: value} for JSON (found values only).

    `found_only` leaves out paths that could not be read (when the message
    already explains why).
    """
    parts: list[str] = []
    found: dict[str, Any] = {}
    for path in paths:
        result = lookup(variables, path)
        if result.found:
            if result.value is not None and any(_extends(other, path) for other in paths):
                continue  # `spec.drift != null && spec.drift.schedule ...`: the longer path says it
            found[show_path(path)] = result.value
            part = f"{show_path(path)} = {format_value(result.value)}"
        elif found_only:
            continue
        elif result.reason == "null":
            part = f"{show_path(result.stopped_at)} = null"
        else:
            part = f"{show_path(path)} is missing"
        if part not in parts:
            parts.append(part)
    return "; ".join(parts), found


def _extends(longer: FieldPath, prefix: FieldPath) -> bool:
    return len(longer) > len(prefix) and longer[: len(prefix)] == prefix


def explain_failure(
    variables: Mapping[str, Any], paths: list[FieldPath], kind: str, error: str
) -> str | None:
    """Why a rule could not be evaluated, when a path it reads explains the evaluator's error.

    A missing key is a KeyError naming the key; reading through null is a
    TypeError ("no such overload"). Other errors are left to the evaluator.
    """
    for path in paths:
        result = lookup(variables, path)
        if result.found:
            continue
        where, full = show_path(result.stopped_at), show_path(path)
        missing_key = path[len(result.stopped_at)]
        if result.reason == "missing" and kind == "KeyError" and error.strip("'\"") == missing_key:
            held = ", ".join(result.keys) if result.keys else "nothing"
            return f"{full} does not exist ({where} holds: {held}); guard the rule with has({full})"
        if result.reason == "null" and kind == "TypeError":
            hint = (
                " (start the rule with `production == null || ...` to pass when there is none)"
                if result.stopped_at == ("production",)
                else f" (test `{where} != null` first)"
            )
            return f"{where} is null, so {full} cannot be read{hint}"
        if result.reason == "not a map" and kind == "TypeError":
            return f"{where} is not a map, so {full} cannot be read"
    return None


def format_value(value: Any, depth: int = 0) -> str:
    """A short CEL-like rendering: 0.912, 'text', [a, b], {k: v}, null, true."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return "'" + text.replace("'", "\\'") + "'"
    if isinstance(value, list | tuple):
        if depth >= MAX_DEPTH and value:
            return "[...]"
        items = [format_value(item, depth + 1) for item in value[:MAX_LIST_ITEMS]]
        if len(value) > MAX_LIST_ITEMS:
            items.append(f"... {len(value) - MAX_LIST_ITEMS} more")
        return "[" + ", ".join(items) + "]"
    if isinstance(value, Mapping):
        if (depth >= MAX_DEPTH or len(value) > MAX_MAP_ITEMS) and value:
            return "{" + f"{len(value)} key{'s' if len(value) != 1 else ''}" + "}"
        return "{" + ", ".join(f"{k}: {format_value(v, depth + 1)}" for k, v in value.items()) + "}"
    return str(value)
