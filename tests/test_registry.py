"""The registry: atomic versions, digests verified before use, production pointers."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from builders import tiny_onnx

from mlgitops.errors import BadInputError, CheckFailedError
from mlgitops.registry import Registry

MODEL = tiny_onnx()
ARTIFACTS = {"model.onnx": MODEL, "metrics.json": b'{"accuracy": 0.9}\n'}


def test_register_numbers_versions_and_records_digests(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    first = registry.register("m", ARTIFACTS)
    second = registry.register("m", ARTIFACTS)
    assert (first.version, second.version) == (1, 2)
    assert registry.versions("m") == [1, 2]
    digests = registry.verify(second)
    assert digests["model.onnx"] == hashlib.sha256(MODEL).hexdigest()
    assert registry.read_artifact(first, "model.onnx") == MODEL


def test_tampered_artifact_is_refused(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    ref = registry.register("m", ARTIFACTS)
    (ref.path / "model.onnx").write_bytes(b"evil")
    with pytest.raises(CheckFailedError, match="does not match its recorded sha256"):
        registry.verify(ref)
    with pytest.raises(CheckFailedError):
        registry.read_artifact(ref, "model.onnx")


def test_failed_registration_leaves_registry_unchanged(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    registry.register("m", ARTIFACTS)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    class Exploding(dict[str, bytes]):
        def items(self):  # type: ignore[no-untyped-def, override]
            yield "model.onnx", b"partial"
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        registry.register("m", Exploding())
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before
    assert registry.versions("m") == [1]


def test_production_pointer_round_trip(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    ref = registry.register("m", ARTIFACTS)
    when = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    pointer = registry.set_production("m", ref.version, pull_request=12, now=when)
    assert registry.production("m") == pointer
    text = (tmp_path / "models/m/production.yaml").read_text()
    assert (
        "version: 1" in text and "pull_request: 12" in text and "2026-11-02T09:30:00+00:00" in text
    )
    assert registry.production_ref("m") == ref


def test_broken_production_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "models/m").mkdir(parents=True)
    (tmp_path / "models/m/production.yaml").write_text("version: one\n")
    with pytest.raises(BadInputError, match=r"models/m/production\.yaml"):
        Registry(tmp_path).production("m")


def test_missing_version_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="has no version 3"):
        Registry(tmp_path).ref("m", 3)
