"""Turn pydantic validation errors into diagnostics at their line and column.

Pydantic's locations name union members and validators ('str', 'list[str]');
its messages name model classes ("instance of ColumnSpec"). Neither means
anything to someone editing YAML, so both are rewritten here.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .. import yamlio
from ..errors import Diagnostic
from ..text import suggest

# What a type error says was expected, by pydantic error type.
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "none_required": "an empty value",
}
# Types whose pydantic message names internals or is vague; the rest read well as they are.
_REWRITE = {
    "dict_type",
    "model_type",
    "model_attributes_type",
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
}


def describe(value: Any) -> str:
    """How a YAML value reads in a message."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 40 else f"'{value[:37]}...'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return type(value).__name__


def shape_diagnostics(
    cls: type[BaseModel],
    exc: ValidationError,
    doc: yamlio.LocatedDocument,
    prefix: yamlio.Loc,
    data: Any,
) -> list[Diagnostic]:
    """One diagnostic per place; union members' errors at one place become one message."""
    by_place: dict[yamlio.Loc, list[ErrorDetails]] = {}
    for error in exc.errors(include_url=False):
        by_place.setdefault(real_loc(data, tuple(error["loc"])), []).append(error)
    out: list[Diagnostic] = []
    for loc, errors in by_place.items():
        out.append(_diagnostic(cls, loc, _pick(errors), errors, doc, prefix))
    return out


def _pick(errors: list[ErrorDetails]) -> ErrorDetails:
    """Of a union's errors, the one from the member whose type matched the input."""
    for error in errors:
        if error["type"] not in _EXPECTED:
            return error
    return errors[0]


def _diagnostic(
    cls: type[BaseModel],
    loc: yamlio.Loc,
    error: ErrorDetails,
    errors: list[ErrorDetails],
    doc: yamlio.LocatedDocument,
    prefix: yamlio.Loc,
) -> Diagnostic:
    kind = error["type"]
    where = (*prefix, *loc)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = _field_names_at(cls, loc[:-1])
        message = f"unknown key '{key}'{suggest(key, known)}"
        if known:
            message += f"; allowed: {', '.join(sorted(known))}"
        return doc.diagnostic(where, message, key=True)
    if kind == "missing":
        # point at the mapping that lacks the key
        mark = doc.mark(where[:-1], key=True)
        return Diagnostic(
            doc.file,
            mark.line,
            mark.col,
            yamlio.format_loc(where),
            f"required key '{loc[-1]}' is missing",
        )
    types_expected = [_EXPECTED[e["type"]] for e in errors if e["type"] in _EXPECTED]
    if kind in _EXPECTED and (len(errors) > 1 or kind in _REWRITE):
        expected = " or ".join(dict.fromkeys(types_expected))
        return doc.diagnostic(where, f"expected {expected}, not {describe(error.get('input'))}")
    if kind == "too_short":  # pydantic says "List should have at least 1 item after validation"
        ctx = error.get("ctx") or {}
        least = int(ctx.get("min_length", 1))
        return doc.diagnostic(
            where,
            f"needs at least {least} {'entry' if least == 1 else 'entries'}, "
            f"has {ctx.get('actual_length', 0)}",
        )
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in ("literal_error", "enum"):
        expected = str((error.get("ctx") or {}).get("expected", ""))
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
        given = error.get("input")
        hint = suggest(given, choices) if isinstance(given, str) else ""
        message += hint or f", not {describe(given)}"
    return doc.diagnostic(where, message)


def real_loc(data: Any, loc: tuple[Any, ...]) -> yamlio.Loc:
    """Drop the parts pydantic adds for union members and validators ('str', 'list[str]', ...)."""
    out: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        exists = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if exists:
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and "[" not in part:
            if index == len(loc) - 1:
                out.append(part)  # a missing key
            elif part.isidentifier():
                out.append(part)  # a missing key below which nothing more exists
                node = None
    return tuple(out)


def _field_names_at(cls: type[BaseModel], loc: yamlio.Loc) -> list[str]:
    """The keys allowed at `loc` under model `cls` (aliases where set)."""
    current: Any = cls
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    model = _as_model(current)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _step(annotation: Any, part: str | int) -> Any:
    model = _as_model(annotation)
    if model is not None and isinstance(part, str):
        for name, f in model.model_fields.items():
            if part in (name, f.alias):
                return f.annotation
        return None
    for arg in _union_args(annotation):
        origin = typing.get_origin(arg)
        if origin is dict and isinstance(part, str):
            return typing.get_args(arg)[1]
        if origin is list and isinstance(part, int):
            return typing.get_args(arg)[0]
    return None


def _union_args(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _as_model(annotation: Any) -> type[BaseModel] | None:
    for arg in _union_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None
