"""The remembered data headers: a warm check finds exactly what reading the files finds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from builders import write_file, write_spec

from mlgitops.data import read as data_read
from mlgitops.errors import SpecError
from mlgitops.spec import headers, load_project

CACHE = Path(".mlgitops/cache/data-headers.json")
# names a header may hold: markup, quotes, commas, unicode, look-alikes of the index
HOSTILE = ["x", "[/x]", 'q"uo,te', "ünï 名前", "__index_level_0__x", " pad ", "y"]


def _spec(root: Path, csv_columns: list[str], parquet_columns: list[str]) -> None:
    def columns(names: list[str]) -> str:
        return "".join(f"      {json.dumps(name)}: {{type: string}}\n" for name in names)

    write_spec(
        root,
        "version: 1\nproject: demo\ndatasets:\n"
        "  flat:\n    path: data/flat.csv\n    target: y\n    columns:\n"
        + columns(csv_columns)
        + "  parts:\n    source: data/parts/\n    format: parquet\n    target: y\n"
        "    columns:\n"
        + columns(parquet_columns)
        + "models:\n  m:\n    dataset: flat\n    task: classification\n"
        "    estimator: {class: sklearn.linear_model.LogisticRegression}\n",
    )


def _write_csv(root: Path, names: list[str]) -> None:
    quoted = ",".join('"' + name.replace('"', '""') + '"' for name in names)
    write_file(root, "data/flat.csv", quoted + "\n" + ",".join("v" for _ in names) + "\n")


def _write_parquet(root: Path, names: list[str], part: str = "p0") -> None:
    (root / "data/parts").mkdir(parents=True, exist_ok=True)
    table = pa.table({name: ["v"] for name in names})
    pq.write_table(table, root / f"data/parts/{part}.parquet")


def _outcome(root: Path) -> list[str]:
    """What loading says: its problems, or the datasets when there are none."""
    try:
        project = load_project(root, check_estimators=False)
    except SpecError as exc:
        return [str(d) for d in exc.diagnostics]
    return sorted(project.spec.datasets)


def _no_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, display: str) -> list[str]:
        raise AssertionError(f"{display} was read: the remembered header was not used")

    monkeypatch.setattr(data_read, "read_columns", refuse)


@pytest.fixture(autouse=True)
def _settled(monkeypatch: pytest.MonkeyPatch) -> None:
    # files written by a test are seconds old at most: let them count as settled
    monkeypatch.setattr(headers, "SETTLE_NS", 0)


@pytest.mark.parametrize(
    ("csv_header", "parquet_header"),
    [
        (["x", "y"], ["x", "y"]),  # matches
        (HOSTILE, HOSTILE),  # hostile names, all declared
        (["x", "y", "extra"], ["y", "z"]),  # undeclared and missing columns
        (["x"], ["x", "__index_level_0__", "y"]),  # no target; pandas' index left out
    ],
)
def test_warm_check_finds_what_reading_finds(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    csv_header: list[str],
    parquet_header: list[str],
) -> None:
    declared = ["x", "y"] if csv_header != HOSTILE else HOSTILE
    _spec(tmp_path, declared, declared)
    _write_csv(tmp_path, csv_header)
    _write_parquet(tmp_path, parquet_header)
    cold = _outcome(tmp_path)
    assert (tmp_path / CACHE).is_file()
    _no_reads(monkeypatch)
    assert _outcome(tmp_path) == cold
    assert _outcome(tmp_path) == cold  # and again, from what the warm run kept


def test_problems_are_never_remembered(tmp_path: Path) -> None:
    _spec(tmp_path, ["x", "y"], ["x", "y"])
    write_file(tmp_path, "data/flat.csv", '"x,y\n1,2\n')  # a quote left open
    (tmp_path / "data/parts").mkdir(parents=True)
    (tmp_path / "data/parts/p0.parquet").write_bytes(b"not parquet at all")
    cold = _outcome(tmp_path)
    assert any("quote" in line for line in cold) and any("p0.parquet" in line for line in cold)
    assert _outcome(tmp_path) == cold
    remembered = json.loads((tmp_path / CACHE).read_text()) if (tmp_path / CACHE).exists() else {}
    assert not remembered.get("files")


def test_a_changed_file_is_read_again_even_with_its_old_size_and_time(tmp_path: Path) -> None:
    _spec(tmp_path, ["x", "y"], ["x", "y"])
    _write_csv(tmp_path, ["x", "y"])
    _write_parquet(tmp_path, ["x", "y"])
    assert _outcome(tmp_path) == ["flat", "parts"]
    path = tmp_path / "data/flat.csv"
    before = path.stat()
    _write_csv(tmp_path, ["x", "z"])  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old time
    assert path.stat().st_size == before.st_size
    assert _outcome(tmp_path) == _outcome_without_cache(tmp_path)
    assert any("'z'" in line for line in _outcome(tmp_path))


def test_a_new_first_partition_is_read(tmp_path: Path) -> None:
    _spec(tmp_path, ["x", "y"], ["x", "y"])
    _write_csv(tmp_path, ["x", "y"])
    _write_parquet(tmp_path, ["x", "y"], part="p1")
    assert _outcome(tmp_path) == ["flat", "parts"]
    _write_parquet(tmp_path, ["x", "w"], part="p0")  # sorts first: it gives the header now
    assert any("'w'" in line for line in _outcome(tmp_path))


def _outcome_without_cache(root: Path) -> list[str]:
    (root / CACHE).unlink(missing_ok=True)
    return _outcome(root)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        b'{"format_version": 2, "versions": {}, "files": {}}',
        b"[" * 100_000,  # deeper than json may go
        b"{}",
        b'{"format_version": 1, "versions": "x", "files": {}}',
    ],
)
def test_a_broken_cache_is_a_miss(tmp_path: Path, content: bytes) -> None:
    _spec(tmp_path, ["x", "y"], ["x", "y"])
    _write_csv(tmp_path, ["x", "z"])
    _write_parquet(tmp_path, ["x", "y"])
    expected = _outcome(tmp_path)
    (tmp_path / CACHE).write_bytes(content)
    assert _outcome(tmp_path) == expected
    assert json.loads((tmp_path / CACHE).read_text())["format_version"] == 1  # rewritten


@pytest.mark.parametrize(
    "entry",
    [
        {"stamp": [1, 2, 3], "columns": ["x", "y"]},
        {"stamp": [True, 2, 3, 4], "columns": ["x", "y"]},
        {"stamp": [1.0, 2, 3, 4], "columns": ["x", "y"]},
        {"stamp": [1, 2, 3, 4], "columns": ["x", 1]},
        {"stamp": [1, 2, 3, 4], "columns": "xy"},
        {"stamp": [1, 2, 3, 4], "columns": ["x", "y"], "more": 1},
        None,
    ],
)
def test_a_wrong_entry_spoils_the_whole_file(tmp_path: Path, entry: object) -> None:
    _spec(tmp_path, ["x", "y"], ["x", "y"])
    _write_csv(tmp_path, ["x", "z"])
    _write_parquet(tmp_path, ["x", "y"])
    expected = _outcome(tmp_path)
    assert any("'z'" in line for line in expected)
    cache = json.loads((tmp_path / CACHE).read_text())
    cache["files"]["data/flat.csv"]["columns"] = ["x", "y"]  # believed, it would hide 'z'
    cache["files"]["data/other.csv"] = entry
    (tmp_path / CACHE).write_text(json.dumps(cache))
    assert _outcome(tmp_path) == expected


def test_another_version_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _spec(tmp_path, ["x", "y"], ["x", "y"])
    _write_csv(tmp_path, ["x", "y"])
    _write_parquet(tmp_path, ["x", "y"])
    _outcome(tmp_path)
    monkeypatch.setattr(headers, "_versions", lambda: {"mlgitops": "0", "pyarrow": "0"})
    calls = []
    original = data_read.read_columns
    monkeypatch.setattr(
        data_read, "read_columns", lambda path, shown: calls.append(shown) or original(path, shown)
    )
    assert _outcome(tmp_path) == ["flat", "parts"]
    assert sorted(calls) == ["data/flat.csv", "data/parts/p0.parquet"]


def test_a_file_changed_just_now_is_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(headers, "SETTLE_NS", 60_000_000_000)
    _spec(tmp_path, ["x", "y"], ["x", "y"])
    _write_csv(tmp_path, ["x", "y"])
    _write_parquet(tmp_path, ["x", "y"])
    assert _outcome(tmp_path) == ["flat", "parts"]
    assert not (tmp_path / CACHE).exists()


def test_a_linked_workspace_is_neither_read_nor_written(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    outside.mkdir()
    _spec(repo, ["x", "y"], ["x", "y"])
    _write_csv(repo, ["x", "z"])
    _write_parquet(repo, ["x", "y"])
    (repo / ".mlgitops").symlink_to(outside, target_is_directory=True)
    expected = _outcome_without_cache(repo)
    assert not any(outside.rglob("*"))
    # a cache placed outside, claiming the file matches, is not believed
    (outside / "cache").mkdir()
    stamp = (repo / "data/flat.csv").stat()
    claimed = {
        "format_version": 1,
        "versions": headers._versions(),
        "files": {
            "data/flat.csv": {
                "stamp": [stamp.st_size, stamp.st_mtime_ns, stamp.st_ctime_ns, stamp.st_ino],
                "columns": ["x", "y"],
            }
        },
    }
    (outside / "cache" / CACHE.name).write_text(json.dumps(claimed))
    assert _outcome(repo) == expected


def test_a_read_only_workspace_only_loses_the_shortcut(tmp_path: Path) -> None:
    _spec(tmp_path, ["x", "y"], ["x", "y"])
    _write_csv(tmp_path, ["x", "y"])
    _write_parquet(tmp_path, ["x", "y"])
    (tmp_path / ".mlgitops").mkdir()
    (tmp_path / ".mlgitops" / "cache").write_text("a file where the folder would be")
    assert _outcome(tmp_path) == ["flat", "parts"]
