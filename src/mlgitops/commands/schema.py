"""`mlgitops schema`: the JSON Schemas of mlops.yaml, pipeline files, policy files and evidence.

Generated from the pydantic models, so the schema editors complete against is
the one `validate` enforces (cross-references and estimator parameters are
checked by `validate` only). The committed copies under schema/ are kept
current by a test.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from rich.text import Text

from ..errors import EXIT_OK, BadInputError
from . import Context, Outcome

Kind = Literal["spec", "pipeline", "policy", "evidence"]
KINDS: tuple[Kind, ...] = ("spec", "pipeline", "policy", "evidence")
DRAFT = "https://json-schema.org/draft/2020-12/schema"
# where each schema is committed, relative to the repository root
SCHEMA_FILES: dict[Kind, str] = {
    "spec": "schema/mlops.schema.json",
    "pipeline": "schema/pipeline.schema.json",
    "policy": "schema/policy.schema.json",
    "evidence": "schema/evidence.schema.json",
}
_TITLES: dict[Kind, tuple[str, str]] = {
    "spec": (
        "mlgitops spec (mlops.yaml)",
        "Datasets, models, gates, policies and drift rules of a repository.",
    ),
    "pipeline": (
        "mlgitops pipeline file",
        "Preprocessing and the scikit-learn estimator of a model.",
    ),
    "policy": (
        "mlgitops policy file",
        "Rules (CEL expressions over a candidate's evidence) and waivers.",
    ),
    "evidence": (
        "mlgitops candidate evidence",
        "Everything policies see about a candidate (evidence.json).",
    ),
}


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "schema",
        parents=[common],
        help="write the JSON Schema of mlops.yaml",
        description="Write a JSON Schema (draft 2020-12) for editor completion.",
    )
    parser.add_argument(
        "--kind",
        choices=KINDS,
        default="spec",
        help="which file the schema describes (default: spec, i.e. mlops.yaml)",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        help="write to this file instead of standard output",
    )
    parser.set_defaults(handler=lambda args, ctx: run(ctx, kind=args.kind, output=args.output))


def run(ctx: Context, *, kind: Kind = "spec", output: Path | None = None) -> Outcome:
    text = schema_text(kind)
    if output is None:
        # no_wrap: the JSON must reach a pipe byte for byte
        return Outcome(EXIT_OK, json.loads(text), [Text(text.rstrip("\n"), no_wrap=True)])
    from ..atomic import write_text

    target = output if output.is_absolute() else ctx.root / output
    if target.is_dir():
        raise BadInputError(
            f"{output} is a directory", hint=f"give a file name, e.g. {SCHEMA_FILES[kind]}"
        )
    write_text(target, text)
    return Outcome(
        EXIT_OK,
        {"ok": True, "kind": kind, "output": str(output)},
        [f"wrote the {kind} schema to {output}"],
    )


def schema_text(kind: Kind) -> str:
    """The schema as committed: indented JSON with a final newline, the same on every run."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def json_schema(kind: Kind) -> dict[str, Any]:
    if kind == "evidence":
        from ..evidence import evidence_json_schema

        body = evidence_json_schema()
    else:
        from ..spec import models as spec_models
        from ..spec.descriptions import describe
        from ..spec.models import PipelineSpec, PolicyFileSpec, Spec

        describe(spec_models)  # field docstrings become the schema's descriptions
        models: dict[str, type[BaseModel]] = {
            "spec": Spec,
            "pipeline": PipelineSpec,
            "policy": PolicyFileSpec,
        }
        model = models[kind]
        # by_alias: files say `class`, not the Python field name
        body = model.model_json_schema(by_alias=True, mode="validation")
    title, description = _TITLES[kind]
    name = Path(SCHEMA_FILES[kind]).name.removesuffix(".schema.json")
    head = {
        "$schema": DRAFT,
        "$id": f"urn:mlgitops:schema:{name}:v1",
        "title": title,
        "description": description,
    }
    return head | {key: value for key, value in body.items() if key not in head}
