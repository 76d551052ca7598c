"""`mlgitops init`: the scaffold validates, trains, compiles, and never overwrites by surprise."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mlgitops import yamlio
from mlgitops.cli import main
from mlgitops.commands.schema import KINDS, SCHEMA_FILES, json_schema, schema_text
from mlgitops.scaffold import EXAMPLE_ROWS, project_name


def _init(root: Path, *extra: str) -> int:
    root.mkdir(parents=True, exist_ok=True)
    return main(["init", "-C", str(root), *extra], environ={})


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    root = tmp_path / "churn-repo"
    assert _init(root) == 0
    return root


def test_init_then_validate(scaffold: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["validate", "-C", str(scaffold)], environ={}) == 0
    assert capsys.readouterr().out.startswith("mlops.yaml is valid: 1 dataset(s), 1 model(s)")


def test_scaffold_layout(scaffold: Path) -> None:
    spec = (scaffold / "mlops.yaml").read_text(encoding="utf-8")
    assert spec.startswith("# yaml-language-server: $schema=schema/mlops.schema.json\n")
    assert "project: churn-repo\n" in spec
    assert (scaffold / "models" / ".gitkeep").read_text() == ""
    rows = (scaffold / "data" / "customers.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == EXAMPLE_ROWS + 1
    assert rows[0] == "customer_id,tenure_months,monthly_charges,contract,churned"
    for kind in KINDS:
        assert (scaffold / SCHEMA_FILES[kind]).read_text(encoding="utf-8") == schema_text(kind)


def test_scaffold_matches_its_schemas(scaffold: Path) -> None:
    for kind, relative in (
        ("spec", "mlops.yaml"),
        ("pipeline", "pipelines/churn.yaml"),
        ("policy", "policies/production.yaml"),
    ):
        data = yamlio.load_file(scaffold / relative, relative).data
        jsonschema.Draft202012Validator(json_schema(kind)).validate(data)  # type: ignore[arg-type]


def test_scaffold_is_the_same_every_time(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "repo", tmp_path / "b" / "repo"
    assert _init(first) == 0
    assert _init(second) == 0
    assert _snapshot(first) == _snapshot(second)


def test_init_refuses_to_overwrite(scaffold: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (scaffold / "mlops.yaml").write_text("# mine\n", encoding="utf-8")
    before = _snapshot(scaffold)
    capsys.readouterr()
    assert _init(scaffold) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: mlops.yaml already exists (and ")
    assert "nothing was written" in err
    assert "hint: run 'mlgitops init --force' to overwrite them" in err
    assert "Traceback" not in err
    assert _snapshot(scaffold) == before


def test_one_existing_file_blocks_every_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    (root / "policies").mkdir(parents=True)
    (root / "policies" / "production.yaml").write_text("policy: mine\n", encoding="utf-8")
    (root / "README.md").write_text("hello\n", encoding="utf-8")
    assert _init(root) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        "error: policies/production.yaml already exists; nothing was written"
    )
    assert sorted(_snapshot(root)) == ["README.md", "policies/production.yaml"]


def test_force_overwrites(scaffold: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (scaffold / "mlops.yaml").write_text("# mine\n", encoding="utf-8")
    capsys.readouterr()
    assert _init(scaffold, "--force", "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    assert "mlops.yaml" in payload["overwritten"]
    assert (
        (scaffold / "mlops.yaml").read_text(encoding="utf-8").startswith("# yaml-language-server:")
    )


def test_workflows_are_compiled_when_the_compiler_exists(
    scaffold: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("mlgitops.ci")
    workflows = sorted(p.name for p in (scaffold / ".github" / "workflows").glob("*.yml"))
    assert workflows
    capsys.readouterr()
    assert main(["compile", "--check", "-C", str(scaffold)], environ={}) == 0


def test_scaffold_trains_and_passes_its_gates(
    scaffold: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example is not only valid: its model trains, converts and is registered."""
    capsys.readouterr()
    assert main(["run", "--json", "-C", str(scaffold)], environ={}) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True
    assert [model["passed"] for model in result["models"]] == [True]
    assert (scaffold / "models" / "churn-classifier").is_dir()


@pytest.mark.parametrize(
    ("directory", "expected"),
    [
        ("My Repo", "my-repo"),
        ("churn_models", "churn_models"),
        ("...", "my-project"),
        ("Ünïcode!", "n-code"),
    ],
)
def test_project_name(directory: str, expected: str) -> None:
    assert project_name(directory) == expected


def test_init_ignores_its_caches_and_pins_its_version(scaffold: Path) -> None:
    from mlgitops import __version__

    assert (scaffold / ".gitignore").read_text(encoding="utf-8") == (
        "# mlgitops' caches and scratch files\n.mlgitops/\n"
    )
    spec = (scaffold / "mlops.yaml").read_text(encoding="utf-8")
    assert f"  install: pip install mlgitops=={__version__}" in spec


def test_an_existing_gitignore_gains_the_line_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitignore").write_text("*.pyc", encoding="utf-8")
    assert _init(root) == 0
    assert (root / ".gitignore").read_text(encoding="utf-8") == "*.pyc\n.mlgitops/\n"
    assert _init(root, "--force") == 0
    assert (root / ".gitignore").read_text(encoding="utf-8") == "*.pyc\n.mlgitops/\n"
