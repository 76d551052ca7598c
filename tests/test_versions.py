"""Installed versions read from METADATA agree with importlib.metadata."""

from __future__ import annotations

import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from mlgitops.versions import installed_version


@pytest.mark.parametrize(
    "name", ["pyarrow", "croniter", "scikit-learn", "pydantic", "mlgitops", "PyYAML", "pyyaml"]
)
def test_the_version_is_importlib_metadatas(name: str) -> None:
    assert installed_version(name) == metadata.version(name)


def test_a_missing_distribution_has_none() -> None:
    assert installed_version("no-such-distribution-here") is None


def _dist_info(folder: Path, dirname: str, metadata_text: str | None) -> None:
    info = folder / dirname
    info.mkdir(parents=True)
    if metadata_text is not None:
        (info / "METADATA").write_text(metadata_text, encoding="utf-8")


def _both_ways(name: str) -> tuple[str | None, str | None]:
    installed_version.cache_clear()
    try:
        expected: str | None = metadata.version(name)
    except Exception:  # not installed, no Version header, no METADATA (the finder decides)
        expected = None
    return installed_version(name), expected


@pytest.mark.parametrize(
    ("dirname", "text", "asked"),
    [
        (
            "Odd.Name_here-1.2.dist-info",
            "Metadata-Version: 2.1\nName: odd-name\nVersion: 1.2\n",
            "odd-name.here",
        ),
        ("odd_name-3.0rc1.dist-info", "Name: odd\nVersion:  3.0rc1 \n\nVersion: 9\n", "ODD-NAME"),
        # the header is missing: only the description below the blank line names a version
        ("quiet-1.0.dist-info", "Name: quiet\n\nVersion: 7.7\n", "quiet"),
        ("empty-1.0.dist-info", "", "empty"),
        ("nometa-1.0.dist-info", None, "nometa"),
        ("legacy-2.0.egg-info", None, "legacy"),
        ("folded-1.0.dist-info", "Name: folded\nVersion: 1.0\n  .post1\n", "folded"),
        ("described-1.0.dist-info", "Description: a\n  b\nVersion: 1.0\n", "described"),
        ("defect-1.0.dist-info", "Name: defect\nno header here\nVersion: 1.0\n", "defect"),
        ("cased-1.0.dist-info", "version: 5\nVersion: 6\n", "cased"),
        ("spaced-1.0.dist-info", "Version : 5\nVersion:\t6\n", "spaced"),
    ],
)
def test_crafted_layouts_agree_with_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dirname: str, text: str | None, asked: str
) -> None:
    _dist_info(tmp_path, dirname, text)
    if dirname.endswith(".egg-info"):
        (tmp_path / dirname).rmdir()
        (tmp_path / dirname).write_text("Name: legacy\nVersion: 2.0\n", encoding="utf-8")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    found, expected = _both_ways(asked)
    assert found == expected


def test_the_first_folder_on_the_path_wins_and_two_candidates_defer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, both = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    _dist_info(first, "croniter-0.0.1.dist-info", "Name: croniter\nVersion: 0.0.1\n")
    _dist_info(second, "croniter-0.0.2.dist-info", "Name: croniter\nVersion: 0.0.2\n")
    _dist_info(both, "croniter-0.0.3.dist-info", "Name: croniter\nVersion: 0.0.3\n")
    _dist_info(both, "Croniter-0.0.4.dist-info", "Name: croniter\nVersion: 0.0.4\n")
    monkeypatch.setattr(sys, "path", [str(first), str(second), *sys.path])
    assert _both_ways("croniter") == ("0.0.1", "0.0.1")
    monkeypatch.setattr(sys, "path", [str(both), str(first), *sys.path])
    found, expected = _both_ways("croniter")
    assert found == expected


def test_a_missing_path_entry_and_a_zip_entry_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "packages.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped-4.5.dist-info/METADATA", "Name: zipped\nVersion: 4.5\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "gone"), str(archive), *sys.path])
    assert _both_ways("zipped") == ("4.5", "4.5")
    assert _both_ways("pydantic")[0] == _both_ways("pydantic")[1]
