"""The committed schemas rules are checked against equal the ones built from the models.

Regenerate after changing the evidence or ModelSpec: `MLGITOPS_UPDATE_GOLDEN=1`.
"""

from __future__ import annotations

import json
import os
from typing import Any

from mlgitops.policy import shapes


def _shapes(schemas: dict[str, Any]) -> list[str]:
    return [
        repr(shapes.from_json_schema(schema, schema.get("$defs", {})))
        for schema in (schemas["evidence"], schemas["model"])
    ]


def test_committed_rule_schemas_are_current() -> None:
    live = shapes.live_rule_schemas()
    if os.environ.get("MLGITOPS_UPDATE_GOLDEN") == "1":
        text = json.dumps(live, indent=1, ensure_ascii=False) + "\n"
        shapes.RULE_SCHEMAS_FILE.write_text(text, encoding="utf-8")
    # shapes, not bytes: descriptions (present once a schema was exported) are not read
    assert _shapes(shapes.rule_schemas()) == _shapes(live), (
        f"{shapes.RULE_SCHEMAS_FILE.name} is stale; run with MLGITOPS_UPDATE_GOLDEN=1"
    )


def test_rule_roots_from_the_committed_schemas() -> None:
    live = shapes.live_rule_schemas()
    for columns in ((), ("segment", "région")):
        roots = shapes.rule_roots(columns)
        candidate = shapes.from_json_schema(live["evidence"], live["evidence"]["$defs"])
        for path in shapes._METRIC_MAPS:
            candidate = shapes.with_keys_at(candidate, path, shapes.METRIC_NAMES, "metric name")
        for path in shapes._COLUMN_MAPS:
            candidate = shapes.with_keys_at(candidate, path, columns, "slice column")
        assert repr(roots["candidate"]) == repr(candidate)
        spec = shapes.from_json_schema(live["model"], live["model"]["$defs"])
        spec = shapes.with_keys(
            shapes.with_field(spec, "name", shapes.STRING),
            ("gates",),
            shapes.METRIC_NAMES,
            "metric name",
        )
        assert repr(roots["spec"]) == repr(spec)
