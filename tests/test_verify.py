"""`mlgitops verify`: the registry is whole, or every problem is named at its file, line and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from builders import REPO_ROOT

from mlgitops.cli import main
from mlgitops.verify import verify_registry

MODEL = "churn-classifier"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "models", tmp_path / "models")
    return tmp_path


def problems(root: Path) -> list[str]:
    return [str(p) for p in verify_registry(root).problems]


def test_the_demo_registry_is_whole(root: Path) -> None:
    report = verify_registry(root)
    assert report.passed and report.pointers[MODEL] == 1 and report.versions >= 3


def test_a_dangling_pointer_names_the_file_line_and_field(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pointer = root / f"models/{MODEL}/production.yaml"
    pointer.write_text(pointer.read_text().replace("version: 1", "version: 4"))
    assert problems(root) == [
        f"models/{MODEL}/production.yaml:1:10: version: points at version 4, which does not "
        f"exist in models/{MODEL}/versions (versions: 1); point it at a registered version, "
        "or restore it from git"
    ]
    assert main(["-C", str(root), "verify"], environ={}) == 1
    assert "points at version 4" in capsys.readouterr().out


def test_an_edited_artifact_a_wrong_digest_and_a_broken_pointer_are_all_reported(
    root: Path,
) -> None:
    card = root / f"models/{MODEL}/versions/1/card.md"
    card.write_text(card.read_text() + "edited\n")
    other = sorted(p for p in (root / "models").iterdir() if p.name != MODEL)
    broken = other[0] / "production.yaml"
    broken.write_text("version: [1\n")
    found = problems(root)
    assert any(
        p.startswith(f"models/{MODEL}/versions/1/manifest.json:")
        and ": sha256.card.md: " in p
        and "does not match its recorded sha256" in p
        for p in found
    ), found
    assert any(f"models/{MODEL}/production.yaml" in p and "do not check out" in p for p in found)
    assert any(p.startswith(f"{broken.relative_to(root)}:") for p in found), found


def test_a_pointer_whose_digest_is_not_the_versions_model(root: Path) -> None:
    pointer = root / f"models/{MODEL}/production.yaml"
    text = pointer.read_text()
    manifest = json.loads((root / f"models/{MODEL}/versions/1/manifest.json").read_text())
    pointer.write_text(text.replace(manifest["sha256"]["model.onnx"], "f" * 64))
    (problem,) = problems(root)
    assert (
        f"models/{MODEL}/production.yaml:" in problem and ": sha256: names ffffffffffff…" in problem
    )


def test_a_locked_data_file_that_changed_or_went_is_named_with_what_to_do(root: Path) -> None:
    from mlgitops import atomic, lock

    data = root / "data"
    data.mkdir()
    (data / "day=1.csv").write_text("a,b\n1,2\n")
    (data / "day=2.csv").write_text("a,b\n3,4\n")
    files = tuple(
        lock.LockedFile(url=f"data/{name}", size=(data / name).stat().st_size, sha256=digest)
        for name, digest in (
            (name, atomic.sha256_file(data / name)) for name in ("day=1.csv", "day=2.csv")
        )
    )
    remote = lock.LockedFile(url="s3://bucket/day=3.csv", size=9, sha256="0" * 64)
    entry = lock.LockEntry(source="data/", format="csv", files=(*files, remote), rows=2)
    lock.write_lock(root, lock.Lockfile(datasets={"events": entry}))
    assert problems(root) == []  # the remote file is checked where it is read, not here

    (data / "day=1.csv").write_text("a,b\n1,9\n")
    (data / "day=2.csv").unlink()
    found = problems(root)
    assert len(found) == 2
    assert found[0].startswith("mlops.lock:") and "datasets.events.files[0].url" in found[0]
    assert "data/day=1.csv does not match its locked sha256" in found[0]
    assert "data/day=2.csv is missing" in found[1]
    assert all("run `mlgitops snapshot`" in problem for problem in found)
