"""The JSON Schemas: committed copies are current, valid draft 2020-12, and agree with the loader."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mlgitops import yamlio
from mlgitops.cli import main
from mlgitops.commands.schema import KINDS, SCHEMA_FILES, Kind, json_schema, schema_text

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "project"
BROKEN = HERE / "broken"


def _yaml(path: Path) -> Any:
    """A YAML file as JSON would hold it (YAML dates become strings, as editors see them)."""
    return _jsonable(yamlio.load_file(path, path.name).data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _validator(kind: Kind) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_is_current(kind: Kind) -> None:
    committed = (REPO / SCHEMA_FILES[kind]).read_text(encoding="utf-8")
    assert committed == schema_text(kind), (
        f"{SCHEMA_FILES[kind]} is stale: run `mlgitops schema --kind {kind} --output {SCHEMA_FILES[kind]}`"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind: Kind) -> None:
    schema = json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:mlgitops:schema:")


@pytest.mark.parametrize("kind", KINDS)
def test_every_object_forbids_unknown_keys(kind: Kind) -> None:
    def objects(node: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if isinstance(node, dict):
            if "properties" in node:
                found.append(node)
            for value in node.values():
                found += objects(value)
        elif isinstance(node, list):
            for value in node:
                found += objects(value)
        return found

    models = objects(json_schema(kind))
    assert models
    assert all(model.get("additionalProperties") is False for model in models)


def test_schema_uses_yaml_keys_and_descriptions() -> None:
    defs = json_schema("spec")["$defs"]
    estimator = defs["EstimatorSpec"]
    assert estimator["required"] == ["class"]
    assert "class_path" not in estimator["properties"]
    assert estimator["properties"]["class"]["description"].startswith("Import path of the class")
    assert "accuracy" in defs["ModelSpec"]["properties"]["metrics"]["items"]["enum"]
    assert defs["DriftSpec"]["properties"]["method"]["enum"][0] == "auto"


def test_schema_command_prints_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"], environ={}) == 0
    assert capsys.readouterr().out == schema_text("spec")


def test_schema_command_writes_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["schema", "--kind", "evidence", "--output", "out/evidence.json", "-C", str(tmp_path)],
            environ={},
        )
        == 0
    )
    assert (tmp_path / "out" / "evidence.json").read_text(encoding="utf-8") == schema_text(
        "evidence"
    )
    assert "wrote the evidence schema to out/evidence.json" in capsys.readouterr().out


def test_schema_command_refuses_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "--output", str(tmp_path)], environ={}) == 2
    assert "is a directory" in capsys.readouterr().err


def test_fixture_files_validate() -> None:
    _validator("spec").validate(_yaml(FIXTURE / "mlops.yaml"))
    _validator("pipeline").validate(_yaml(FIXTURE / "pipelines" / "churn.yaml"))
    _validator("policy").validate(_yaml(FIXTURE / "policies" / "production.yaml"))


def test_repository_demo_validates() -> None:
    spec = REPO / "mlops.yaml"
    if not spec.is_file():
        pytest.skip("the demo spec is not there yet")
    _validator("spec").validate(_yaml(spec))
    for pipeline in sorted((REPO / "pipelines").glob("*.yaml")):
        _validator("pipeline").validate(_yaml(pipeline))
    for policy in sorted((REPO / "policies").glob("*.yaml")):
        _validator("policy").validate(_yaml(policy))


@pytest.mark.parametrize(
    "case",
    [
        "unknown-key-top-level",
        "unknown-key-nested",
        "unknown-key-model",
        "wrong-type",
        "bad-task",
        "version-2",
        "unknown-metric",
        "estimator-class-path-key",
        "runs-on-wrong-type",
        "runs-on-empty-list",
        "invalid-model-name",
        "missing-required-key",
    ],
)
def test_schema_rejects_what_the_loader_rejects(case: str) -> None:
    errors = list(_validator("spec").iter_errors(_yaml(BROKEN / case / "mlops.yaml")))
    assert errors


def test_pipeline_and_policy_schemas_reject_broken_files() -> None:
    assert list(
        _validator("pipeline").iter_errors(
            _yaml(BROKEN / "pipeline-file-errors" / "pipelines" / "churn.yaml")
        )
    )
    assert list(
        _validator("policy").iter_errors(
            _yaml(BROKEN / "policy-bad-fields" / "policies" / "production.yaml")
        )
    )


def test_evidence_schema_matches_evidence_module() -> None:
    from mlgitops.evidence import evidence_json_schema

    committed = json.loads((REPO / SCHEMA_FILES["evidence"]).read_text(encoding="utf-8"))
    expected = evidence_json_schema()
    assert committed["$defs"] == expected.get("$defs")
    assert committed["properties"] == expected["properties"]
