"""A crafted registry, workspace or repository layout never makes mlgitops read or write
outside the repository (or a version), and every case is a located error with its exit code.

Each case runs the real CLI on a copy of the demo with its committed registry. Beside the
repository lies a directory with a secret file; a case passes when the command exits with
the documented code, names the file (and field) at fault, prints no traceback, never shows
the secret, and leaves everything outside the repository exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from builders import REPO_ROOT, copy_demo

from mlgitops.cli import main
from mlgitops.errors import BadInputError
from mlgitops.registry import Registry

SECRET = "SENTINEL-3b1f9c-outside-the-repository"
SECRET_SHA256 = hashlib.sha256(f"{SECRET}\n".encode()).hexdigest()
MODEL = "churn-classifier"
VERSION_DIR = f"models/{MODEL}/versions/1"
MANIFEST = f"{VERSION_DIR}/manifest.json"
# from models/churn-classifier/versions/1 up to the directory holding the repository
TRAVERSAL = "../../../../../outside/secret.txt"


@dataclass(frozen=True)
class World:
    repo: Path
    outside: Path

    @property
    def secret(self) -> Path:
        return self.outside / "secret.txt"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str
    data: dict[str, Any]

    def messages(self) -> str:
        """Everything the command said about what went wrong, as one text."""
        parts = [self.err, str(self.data.get("error", "")), str(self.data.get("hint", ""))]
        parts += [str(p) for p in self.data.get("problems", [])]
        parts += [
            f"{p['file']}:{p['line']}:{p['col']}: {p['path']}: {p['message']}"
            for p in self.data.get("problems", [])
            if isinstance(p, dict)
        ]
        parts += [str(m.get("message", "")) for m in self.data.get("models", [])]
        parts += [str(m.get("production_digest", "")) for m in self.data.get("models", [])]
        return "\n".join(parts)


@pytest.fixture
def world(tmp_path: Path) -> World:
    repo = copy_demo(tmp_path / "repo")
    shutil.copytree(REPO_ROOT / "models", repo / "models")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    return World(repo, outside)


def _outside_state(world: World) -> dict[str, bytes | str]:
    """Every path beside the repository, with its bytes (or where its link points)."""
    state: dict[str, bytes | str] = {}
    base = world.repo.parent
    for path in sorted(base.rglob("*")):
        if path == world.repo or world.repo in path.parents:
            continue
        key = path.relative_to(base).as_posix()
        if path.is_symlink():
            state[key] = f"link -> {path.readlink()}"
        elif path.is_file():
            state[key] = path.read_bytes()
        else:
            state[key] = "dir"
    return state


def cli(
    world: World, capsys: pytest.CaptureFixture[str], *args: str, json_output: bool = True
) -> Result:
    before = _outside_state(world)
    code = main(
        ["-C", str(world.repo), *args, *(["--json"] if json_output else [])],
        environ={},
    )
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, err
    assert SECRET not in out + err
    assert _outside_state(world) == before, "something outside the repository changed"
    data = json.loads(out) if json_output and out.strip() else {}
    return Result(code, out, err, data)


def edit_manifest(world: World, edit: Callable[[dict[str, Any]], Any]) -> None:
    path = world.repo / MANIFEST
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(edit(doc) or doc, indent=2), encoding="utf-8")


def add_entry(name: str) -> Callable[[dict[str, Any]], None]:
    """A manifest entry whose digest is the secret's: reading it would 'verify'."""

    def edit(doc: dict[str, Any]) -> None:
        doc["sha256"][name] = SECRET_SHA256

    return edit


def predict_args(world: World) -> list[str]:
    return ["predict", MODEL, str(world.repo / "data/churn_current.csv")]


# --- 1. manifest names that are paths -------------------------------------------------------

HOSTILE_NAMES = {
    "traversal": TRAVERSAL,
    "absolute": "/etc/passwd",
    "backslash": "..\\..\\secret.txt",
    "dot-file": ".bashrc",
    "sub-path": "sub/card.md",
    "dot-dot": "..",
    "nul": "card.md\x00.txt",
    "control": "card\x1b[31m.md",
    "look-alike-slash": "..\u2215secret.txt",
}


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_verify_refuses_a_manifest_name_that_is_not_a_plain_file_name(
    world: World, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    if name == "/etc/passwd":
        name = str(world.secret)  # an absolute path to the secret itself
    edit_manifest(world, add_entry(name))
    result = cli(world, capsys, "verify")
    assert result.code == 1
    problems = [p for p in result.data["problems"] if p["file"] == MANIFEST]
    assert [p["path"] for p in problems] == [f"sha256[{json.dumps(name)}]"], result.data
    assert "is not a plain file name" in problems[0]["message"]
    assert problems[0]["line"] > 1  # the line of the entry, not just the file


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["predict"], 2),
        (["release", "--verify-only"], 1),
        (["status"], 0),
        (["serve", "--port", "0", "--model", MODEL], 2),  # refused before it listens
    ],
    ids=["predict", "release", "status", "serve"],
)
def test_a_traversal_in_the_manifest_is_never_read_by_any_command(
    world: World, capsys: pytest.CaptureFixture[str], args: list[str], code: int
) -> None:
    edit_manifest(world, add_entry(TRAVERSAL))
    if args == ["predict"]:
        args = predict_args(world)
    result = cli(world, capsys, *args)
    assert result.code == code
    messages = result.messages()
    assert f"{MANIFEST}:" in messages and f"sha256[{json.dumps(TRAVERSAL)}]" in messages
    if args == ["status"]:
        row = next(m for m in result.data["models"] if m["model"] == MODEL)
        assert row["production_state"] == "broken"
    if args[0] == "release":
        assert result.data["published"] is False
        assert not (world.repo.parent / ".bashrc").exists()


# --- 7. manifests of the wrong shape ----------------------------------------------------------

SHAPES: dict[str, tuple[str, str]] = {
    # id: (manifest text, field named in the error)
    "empty-object": ("{}", "model"),
    "list": ("[]", ""),
    "string": ('"manifest"', ""),
    "not-json": ('{"model": "churn-classifier",', ""),
    "model-a-number": ('{"model": 7, "version": 1, "sha256": {}}', "model"),
    "version-a-string": ('{"model": "churn-classifier", "version": "1", "sha256": {}}', "version"),
    "version-true": ('{"model": "churn-classifier", "version": true, "sha256": {}}', "version"),
    "sha256-a-list": ('{"model": "churn-classifier", "version": 1, "sha256": []}', "sha256"),
    "digest-a-number": (
        '{"model": "churn-classifier", "version": 1, "sha256": {"model.onnx": 12}}',
        "sha256.model.onnx",
    ),
    "unknown-key": (
        '{"model": "churn-classifier", "version": 1, "sha256": {}, "files": []}',
        "files",
    ),
}


@pytest.mark.parametrize(("text", "field"), SHAPES.values(), ids=SHAPES.keys())
def test_a_manifest_of_the_wrong_shape_is_a_located_error(
    world: World, capsys: pytest.CaptureFixture[str], text: str, field: str
) -> None:
    (world.repo / MANIFEST).write_text(text, encoding="utf-8")
    result = cli(world, capsys, *predict_args(world))
    assert result.code == 2
    error = result.data["error"]
    assert error.startswith(f"{MANIFEST}:"), error
    assert f": {field}: " in error if field else "unexpected" not in error
    verified = cli(world, capsys, "verify")
    assert verified.code == 1
    assert any(p["file"] == MANIFEST and p["path"] == field for p in verified.data["problems"])


# --- 1. a version copied to another place does not check out there ---------------------------


@pytest.mark.parametrize(
    ("source", "field", "says"),
    [
        (f"models/{MODEL}/versions/1", "version", "names version 1"),
        ("models/house-price/versions/1", "model", 'names model "house-price"'),
    ],
    ids=["other-version", "other-model"],
)
def test_a_copied_version_does_not_verify(
    world: World, capsys: pytest.CaptureFixture[str], source: str, field: str, says: str
) -> None:
    shutil.copytree(world.repo / source, world.repo / f"models/{MODEL}/versions/2")
    result = cli(world, capsys, "verify")
    assert result.code == 1
    shown = f"models/{MODEL}/versions/2/manifest.json"
    problem = {p["path"]: p for p in result.data["problems"] if p["file"] == shown}[field]
    assert says in problem["message"]
    assert f"lies in models/{MODEL}/versions/2" in problem["message"]
    result = cli(world, capsys, *predict_args(world), "--version", "2")
    assert result.code == 2 and result.data["error"].startswith(f"{shown}:")


# --- 7. version directories that only look like numbers --------------------------------------


@pytest.mark.parametrize(
    "name", ["²", "٢", "02"], ids=["superscript-two", "arabic-two", "zero-two"]
)
def test_a_version_directory_named_like_a_number_is_refused_not_read_as_one(
    world: World, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    shutil.copytree(world.repo / VERSION_DIR, world.repo / f"models/{MODEL}/versions/{name}")
    result = cli(world, capsys, "status")
    assert result.code == 2
    assert result.data["error"].startswith(f"models/{MODEL}/versions/{name} is not a version")
    result = cli(world, capsys, "verify")
    assert result.code == 1
    assert any(p["file"] == f"models/{MODEL}/versions/{name}" for p in result.data["problems"])
    assert result.data["versions_checked"] == 4  # the four real versions only


# --- 4. symbolic links that lead out of the repository ----------------------------------------


def _link(world: World, relative: str, target: Path) -> None:
    path = world.repo / relative
    if path.is_dir() and not path.is_symlink():
        shutil.copytree(path, target, dirs_exist_ok=True)
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def _link_versions(world: World) -> None:
    _link(world, f"models/{MODEL}/versions", world.outside / "versions")


def _link_model(world: World) -> None:
    _link(world, f"models/{MODEL}", world.outside / "model")


def _link_registry(world: World) -> None:
    _link(world, "models", world.outside / "models")


def _link_card(world: World) -> None:
    _link(world, f"{VERSION_DIR}/card.md", world.secret)
    edit_manifest(world, lambda doc: doc["sha256"].update({"card.md": SECRET_SHA256}))


def _link_onnx(world: World) -> None:
    _link(world, f"{VERSION_DIR}/model.onnx", world.secret)
    edit_manifest(world, lambda doc: doc["sha256"].update({"model.onnx": SECRET_SHA256}))


def _link_pointer(world: World) -> None:
    _link(world, f"models/{MODEL}/production.yaml", world.secret)


def _link_workspace(world: World) -> None:
    (world.outside / "workspace").mkdir()
    _link(world, ".mlgitops", world.outside / "workspace")


def _link_candidate(world: World) -> None:
    (world.outside / "candidate").mkdir()
    _link(world, f".mlgitops/candidates/{MODEL}", world.outside / "candidate")


def _link_workflows(world: World) -> None:
    (world.outside / "workflows").mkdir()
    _link(world, ".github/workflows", world.outside / "workflows")


def _link_workflow_file(world: World) -> None:
    _link(world, ".github/workflows/mlgitops-ci.yml", world.secret)


def _link_current_data(world: World) -> None:
    shutil.copy(world.repo / "data/churn_current.csv", world.outside / "current.csv")
    _link(world, "data/churn_current.csv", world.outside / "current.csv")


def _link_output(world: World) -> None:
    (world.outside / "dist").mkdir()
    _link(world, "dist", world.outside / "dist")


LINKS: dict[str, tuple[Callable[[World], None], list[str], int, str]] = {
    # id: (make the link, command, exit code, what the message names)
    "versions-dir": (_link_versions, ["PREDICT"], 2, f"models/{MODEL}/versions (the registry)"),
    "model-dir": (_link_model, ["PREDICT"], 2, f"models/{MODEL} (the registry)"),
    "registry-dir": (_link_registry, ["PREDICT"], 2, "models (the registry)"),
    "artifact": (_link_card, ["release", "--verify-only"], 1, f"{VERSION_DIR}/card.md"),
    "model-onnx": (_link_onnx, ["PREDICT"], 2, f"{VERSION_DIR}/model.onnx"),
    "production-yaml": (_link_pointer, ["PREDICT"], 2, f"models/{MODEL}/production.yaml"),
    "workspace": (_link_workspace, ["status"], 2, ".mlgitops (the mlgitops workspace)"),
    "candidate": (_link_candidate, ["status"], 2, f".mlgitops/candidates/{MODEL}"),
    "workflows-dir": (_link_workflows, ["compile"], 2, ".github/workflows (the workflows)"),
    "workflow-file": (_link_workflow_file, ["compile", "--check"], 2, "mlgitops-ci.yml"),
    "current-data": (_link_current_data, ["drift", MODEL], 2, "data/churn_current.csv"),
    "release-output": (
        _link_output,
        ["release", "--no-publish", "--output", "dist/release"],
        2,
        "dist (--output)",
    ),
}


@pytest.mark.parametrize(("make", "args", "code", "names"), LINKS.values(), ids=LINKS.keys())
def test_a_link_out_of_the_repository_is_refused(
    world: World,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[World], None],
    args: list[str],
    code: int,
    names: str,
) -> None:
    make(world)
    if args == ["PREDICT"]:
        args = predict_args(world)
    result = cli(world, capsys, *args)
    assert result.code == code, result.data
    messages = result.messages()
    assert names in messages, messages
    assert "symbolic link" in messages or "outside the repository" in messages
    assert "unexpected" not in messages


def test_run_never_registers_through_a_linked_versions_directory(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    model = "penguin-species"
    _link(world, f"models/{model}/versions", world.outside / "versions")
    result = cli(world, capsys, "run", model)
    assert result.code == 2
    assert result.data["error"].startswith(f"models/{model}/versions (the registry) is a symbolic")


def test_registering_refuses_a_linked_versions_directory_before_writing(world: World) -> None:
    """What `run` does last: the registration refuses the link before writing anything."""
    _link_versions(world)
    before = _outside_state(world)
    with pytest.raises(BadInputError, match=rf"models/{MODEL}/versions \(the registry\) is a sym"):
        Registry(world.repo).register(MODEL, {"model.onnx": b"onnx"})
    assert _outside_state(world) == before


# --- 9. a tampered production version is marked in the table ---------------------------------


def test_the_status_table_marks_a_tampered_production_version(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    card = world.repo / f"{VERSION_DIR}/card.md"
    card.write_text(card.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    table = cli(world, capsys, "status", json_output=False)
    assert table.code == 0
    # the cell wraps at 80 columns: read the model's row down to the next model
    rows = table.out.split("house-price")
    cell = " ".join(
        line.split("│")[2].strip() for line in rows[0].splitlines() if line.count("│") > 2
    )
    assert "v1 (tampered: digest differs)" in cell, table.out
    assert "tampered" not in rows[1]
    data = cli(world, capsys, "status").data
    row = next(m for m in data["models"] if m["model"] == MODEL)
    assert row["production_state"] == "tampered"
    assert "card.md does not match its recorded sha256" in row["production_digest"]
