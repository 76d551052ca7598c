"""What a rule can read: the shapes of `candidate`, `production` and `spec`.

Shapes come from JSON Schemas: `evidence_json_schema()` for the evidence and
the `ModelSpec` schema (plus `name`) for `spec`, read from their committed copy. Every number is a double,
because evaluation turns every evidence number into a double (see
`evaluate.normalise`): the evaluator does not mix ints and doubles in
arithmetic, and one numeric type makes `rows * 0.9` work.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..registries import METRIC_NAMES

ROOTS = ("candidate", "production", "spec")


@dataclass(frozen=True, eq=False)
class Shape:
    """The static type of a value a rule reads or computes."""

    kind: str  # object map list string double int uint bool bytes null dyn timestamp duration type
    fields: Mapping[str, Shape] = field(default_factory=dict)  # object
    item: Shape | None = None  # list item, map value
    keys: tuple[str, ...] | None = None  # map: the keys it may hold (None: any)
    keys_label: str = ""  # what the keys are, for messages ("metric name")
    nullable: bool = False


DYN = Shape("dyn")
BOOL = Shape("bool")
INT = Shape("int")
UINT = Shape("uint")
DOUBLE = Shape("double")
STRING = Shape("string")
BYTES = Shape("bytes")
NULL = Shape("null")
TYPE = Shape("type")
TIMESTAMP = Shape("timestamp")
DURATION = Shape("duration")


def list_of(item: Shape) -> Shape:
    return Shape("list", item=item)


def map_of(item: Shape) -> Shape:
    return Shape("map", item=item)


def from_json_schema(
    schema: Mapping[str, Any], defs: Mapping[str, Any], *, _depth: int = 0
) -> Shape:
    if _depth > 30:  # self-referencing schemas do not occur; stop rather than loop
        return DYN
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return from_json_schema(defs[name], defs, _depth=_depth + 1)
    if "anyOf" in schema:
        members = [m for m in schema["anyOf"] if m.get("type") != "null"]
        nullable = len(members) != len(schema["anyOf"])
        inner = from_json_schema(members[0], defs, _depth=_depth + 1) if len(members) == 1 else DYN
        return dataclasses.replace(inner, nullable=nullable)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties")
        if properties:
            return Shape(
                "object",
                fields={
                    name: from_json_schema(sub, defs, _depth=_depth + 1)
                    for name, sub in properties.items()
                },
            )
        extra = schema.get("additionalProperties", True)
        value = from_json_schema(extra, defs, _depth=_depth + 1) if isinstance(extra, dict) else DYN
        return map_of(value)
    if kind == "array":
        items = schema.get("items")
        return list_of(
            from_json_schema(items, defs, _depth=_depth + 1) if isinstance(items, dict) else DYN
        )
    simple = {"string": STRING, "number": DOUBLE, "integer": DOUBLE, "boolean": BOOL, "null": NULL}
    if isinstance(kind, str) and kind in simple:
        return simple[kind]
    return DYN


def with_keys(shape: Shape, path: tuple[str, ...], keys: tuple[str, ...], label: str) -> Shape:
    """`shape` where the map at `path` may only hold `keys`."""
    if not path:
        return dataclasses.replace(shape, keys=keys, keys_label=label)
    head, rest = path[0], path[1:]
    fields = dict(shape.fields)
    fields[head] = with_keys(fields[head], rest, keys, label)
    return dataclasses.replace(shape, fields=fields)


def with_field(shape: Shape, name: str, value: Shape) -> Shape:
    return dataclasses.replace(shape, fields={**shape.fields, name: value})


def with_keys_at(shape: Shape, path: tuple[str, ...], keys: tuple[str, ...], label: str) -> Shape:
    """Like `with_keys`, where "*" in `path` steps into a map's values or a list's items."""
    if not path:
        return dataclasses.replace(shape, keys=keys, keys_label=label)
    head, rest = path[0], path[1:]
    if head == "*":
        assert shape.item is not None
        return dataclasses.replace(shape, item=with_keys_at(shape.item, rest, keys, label))
    fields = dict(shape.fields)
    fields[head] = with_keys_at(fields[head], rest, keys, label)
    return dataclasses.replace(shape, fields=fields)


# Maps in the evidence keyed by metric name, and by slice column.
_METRIC_MAPS = (
    ("metrics",),
    ("metric_intervals",),
    ("comparison",),
    ("comparison_current",),
    ("slices", "*", "*", "metrics"),
    ("slices", "*", "*", "intervals"),
    ("slices", "*", "*", "gap_to_overall"),
    ("slices", "*", "*", "gap_to_production"),
    ("slice_gaps", "*"),
)
_COLUMN_MAPS = (("slices",), ("slice_gaps",))


# The evidence and ModelSpec schemas as committed next to this module: building them from the
# models on each `validate` (importing the evidence models first) took a fifth of its time.
# tests/policy/test_shapes_snapshot.py keeps the file equal to `live_rule_schemas()`.
RULE_SCHEMAS_FILE = Path(__file__).with_name("rule_schemas.json")


def live_rule_schemas() -> dict[str, Any]:
    """The schemas rules are checked against, built from the models."""
    from ..evidence import evidence_json_schema
    from ..spec.models import ModelSpec

    return {"evidence": evidence_json_schema(), "model": ModelSpec.model_json_schema(by_alias=True)}


def rule_schemas() -> dict[str, Any]:
    """`live_rule_schemas()` as committed."""
    loaded: dict[str, Any] = json.loads(RULE_SCHEMAS_FILE.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def rule_roots(slice_columns: tuple[str, ...] = ()) -> Mapping[str, Shape]:
    """The three names every rule can read, with their shapes.

    `slice_columns` are the columns the models reading the rule slice by
    (`evaluation.slices`): `candidate.slices.<column>` may name only those.
    """
    schemas = rule_schemas()
    evidence = schemas["evidence"]
    candidate = from_json_schema(evidence, evidence.get("$defs", {}))
    for path in _METRIC_MAPS:
        candidate = with_keys_at(candidate, path, METRIC_NAMES, "metric name")
    for path in _COLUMN_MAPS:
        candidate = with_keys_at(candidate, path, slice_columns, "slice column")
    model = schemas["model"]
    spec = from_json_schema(model, model.get("$defs", {}))
    spec = with_keys(with_field(spec, "name", STRING), ("gates",), METRIC_NAMES, "metric name")
    return {
        "candidate": candidate,
        "production": dataclasses.replace(candidate, nullable=True),
        "spec": spec,
    }


def model_rule_roots(
    metrics: tuple[str, ...], label: str, slice_columns: tuple[str, ...] = ()
) -> Mapping[str, Shape]:
    """`rule_roots()` for one model: its evidence holds only the metrics it computes."""
    roots = rule_roots(slice_columns)
    candidate = with_keys(roots["candidate"], ("metrics",), metrics, label)
    return {
        **roots,
        "candidate": candidate,
        "production": dataclasses.replace(candidate, nullable=True),
    }
