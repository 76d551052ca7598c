"""Reading current data in batches: CSV and Parquet, a file or a glob, malformed files."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgitops.data.read import read_table
from mlgitops.data.stream import iter_batches, iter_file_batches, prefetch
from mlgitops.errors import EXIT_BAD_INPUT, DataFileError

FrameMaker = Callable[..., pd.DataFrame]


def write_parts(root: Path, frame: pd.DataFrame, parts: int, suffix: str) -> list[Path]:
    (root / "current").mkdir(parents=True, exist_ok=True)
    paths = []
    for index, part in enumerate(np.array_split(np.arange(len(frame)), parts)):
        path = root / "current" / f"day-{index:02d}{suffix}"
        chunk = frame.iloc[part]
        if suffix == ".csv":
            chunk.to_csv(path, index=False)
        else:
            chunk.to_parquet(path, index=False)
        paths.append(path)
    return paths


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_glob_streams_every_file_in_order_with_row_offsets(
    tmp_path: Path, frame_maker: FrameMaker, suffix: str
) -> None:
    frame = frame_maker(9000, seed=1)
    paths = write_parts(tmp_path, frame, 3, suffix)
    batches = list(iter_file_batches(f"current/*{suffix}", tmp_path, batch_rows=1000))
    assert {b.file for b in batches} == {f"current/day-0{i}{suffix}" for i in range(3)}
    assert len(batches) >= 6  # several batches per file: memory is bounded by the batch size
    for path in paths:
        display = path.relative_to(tmp_path).as_posix()
        mine = [b for b in batches if b.file == display]
        assert [b.row_offset for b in mine] == list(
            np.cumsum([0] + [len(b.frame) for b in mine[:-1]])
        )
        assert max(len(b.frame) for b in mine) <= 2000
        whole = read_table(path, display)  # the whole-file reader sees the same rows and types
        streamed = pd.concat([b.frame for b in mine], ignore_index=True)
        pd.testing.assert_frame_equal(streamed, whole)
    assert (
        sum(len(f) for f in iter_batches(f"current/*{suffix}", tmp_path, batch_rows=1000)) == 9000
    )


def test_a_list_of_paths_and_a_single_file(tmp_path: Path, frame_maker: FrameMaker) -> None:
    paths = write_parts(tmp_path, frame_maker(300, seed=2), 2, ".parquet")
    assert sum(len(f) for f in iter_batches(paths, tmp_path)) == 300
    assert sum(len(f) for f in iter_batches("current/day-01.parquet", tmp_path)) == 150
    assert sum(len(f) for f in iter_batches([Path("current/day-00.parquet")], tmp_path)) == 150


def test_csv_trailing_blank_lines_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "current.csv"
    path.write_text("a,b\n1,x\n2,y\n\n\n", encoding="utf-8")
    frames = list(iter_batches("current.csv", tmp_path))
    assert sum(len(f) for f in frames) == 2 and frames[0]["a"].tolist() == ["1", "2"]


@pytest.mark.parametrize(
    ("files", "argument", "message"),
    [
        ({}, "current/*.parquet", "no files match 'current/*.parquet'"),
        ({}, "current.csv", "current.csv: file not found"),
        ({"current.json": "{}"}, "current.json", "unknown data file type '.json'"),
        (
            {"current.parquet": "not parquet"},
            "current.parquet",
            "current.parquet: not a readable Parquet file",
        ),
        (
            {"current.csv": "a,b\n1,2\n3\n4,5\n"},
            "current.csv",
            "current.csv: 1 row does not have the header's 2 fields",
        ),
        (
            {"current.csv": "a,b\n"},
            "current.csv",
            "current.csv: has a header line but no data rows",
        ),
        ({"current.csv": ""}, "current.csv", "current.csv: the file is empty"),
    ],
)
def test_unreadable_input_is_bad_input(
    tmp_path: Path, files: dict[str, str], argument: str, message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        list(iter_batches(argument, tmp_path))
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert message in caught.value.message
    assert caught.value.hint


def test_not_utf8_csv_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "current.csv").write_bytes(b"a,b\n1,x\n2,caf\xe9\n")
    with pytest.raises(DataFileError, match=r"current\.csv:3: not UTF-8"):
        list(iter_batches("current.csv", tmp_path))


def test_prefetch_yields_everything_in_order() -> None:
    assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))


def test_prefetch_hands_errors_to_the_consumer() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise DataFileError("data/x.csv: cannot be parsed as CSV")

    seen: list[int] = []
    with pytest.raises(DataFileError, match="cannot be parsed"):
        for item in prefetch(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_closing_prefetch_stops_the_producer() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        count = 0
        while True:
            produced.append(count)
            yield count
            count += 1

    stream = prefetch(endless(), depth=2)
    assert next(stream) == 0
    stream.close()  # sets the stop event and joins the producer
    producers = [t for t in threading.enumerate() if t.name == "mlgitops-prefetch"]
    for producer in producers:
        producer.join(timeout=60)  # a bound for a broken close, not a measurement
    assert not any(producer.is_alive() for producer in producers)
    # the producer is gone, so this count is final: bounded read-ahead, then nothing
    assert len(produced) <= 5
