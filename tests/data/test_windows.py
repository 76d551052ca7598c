"""Windows over a source: counted back from the newest timestamp, label delay cut first, and
clear errors naming the file and column for what cannot be read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from mlgitops.data.snapshot import HashState, locked_frame, snapshot_entry
from mlgitops.data.windows import current_window, scan_source, train_window
from mlgitops.errors import BadInputError, DataFileError
from mlgitops.spec.models import DatasetSpec
from tests.data.windowed import START, write_days

COLUMNS = {
    "event_time": {"type": "datetime"},
    "tenure": {"type": "integer", "min": 0},
    "charges": {"type": "number", "min": 0},
    "plan": {"type": "category", "values": ["monthly", "yearly"]},
    "churned": {"type": "boolean"},
}


def dataset(windows: dict[str, object] | None = None, **extra: object) -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "source": "data/events/",
            "format": "parquet",
            "timestamp": "event_time",
            "target": "churned",
            "columns": COLUMNS,
            "windows": windows,
            **extra,
        }
    )


def day(n: int) -> str:
    return (START + dt.timedelta(days=n)).date().isoformat()


def all_rows(root: Path) -> pd.DataFrame:
    frames = [pd.read_parquet(p) for p in sorted((root / "data/events").iterdir())]
    return pd.concat(frames, ignore_index=True)


def test_days_count_back_from_the_newest_timestamp_after_the_label_delay(tmp_path: Path) -> None:
    write_days(tmp_path, range(0, 10), rows=10)
    spec = dataset({"train": {"days": 4}, "label_delay": {"days": 2}, "current": {"days": 3}})
    files = scan_source(spec, tmp_path)
    train = train_window(spec, files, "events")
    times = all_rows(tmp_path)["event_time"].dt.tz_localize(None)
    newest = times.max()
    # the delay is cut first: the newest trained row is the newest one 2 days before the newest
    end = times[times <= newest - pd.Timedelta(days=2)].max()
    assert train.window.end == end.to_datetime64()
    # then 4 days back from there
    inside = (times > end - pd.Timedelta(days=4)) & (times <= end)
    assert train.rows == int(inside.sum())
    assert train.window.start == times[inside].min().to_datetime64()
    assert str(train.window.end)[:10] == day(7)
    current = current_window(spec, files)
    assert current is not None and current.end == newest.to_datetime64()
    # the current window counts from the newest row of all, label delay included
    assert current.start == times[times > newest - pd.Timedelta(days=3)].min().to_datetime64()


def test_rows_take_the_newest_rows_and_the_delay_goes_first(tmp_path: Path) -> None:
    write_days(tmp_path, range(0, 5), rows=10)
    spec = dataset({"train": {"rows": 15}, "label_delay": {"rows": 10}})
    train = train_window(spec, scan_source(spec, tmp_path), "events")
    assert train.rows == 15
    assert [f.stored.url for f in train.files] == [
        f"data/events/{day(2)}.parquet",
        f"data/events/{day(3)}.parquet",
    ]


def test_unlabelled_rows_are_never_trained_on(tmp_path: Path) -> None:
    write_days(tmp_path, range(0, 4), rows=10)
    write_days(tmp_path, range(4, 6), rows=10, unlabelled=True)  # labels not in yet
    spec = dataset()
    entry = snapshot_entry("events", spec, tmp_path, None, HashState(tmp_path))
    assert entry.rows == 40 and len(entry.files) == 4
    frame = locked_frame(entry, spec, tmp_path)
    assert len(frame) == 40 and frame["churned"].notna().all()


def test_an_empty_train_window_names_the_dataset(tmp_path: Path) -> None:
    write_days(tmp_path, range(0, 3), rows=10)
    spec = dataset({"label_delay": {"days": 30}})
    with pytest.raises(BadInputError, match="dataset 'events': the train window is empty"):
        train_window(spec, scan_source(spec, tmp_path), "events")


def test_csv_partitions_read_iso_8601_text(tmp_path: Path) -> None:
    write_days(tmp_path, range(0, 6), rows=10, fmt="csv")
    spec = dataset({"train": {"days": 3}}, format="csv")
    entry = snapshot_entry("events", spec, tmp_path, None, HashState(tmp_path))
    assert entry.format == "csv" and entry.start is not None and entry.end is not None
    assert dt.timedelta(days=2) < entry.end - entry.start <= dt.timedelta(days=3)
    frame = locked_frame(entry, spec, tmp_path)
    assert len(frame) == entry.rows and set(frame.columns) == set(COLUMNS)


def test_an_unparseable_timestamp_names_the_file_line_and_column(tmp_path: Path) -> None:
    (path,) = write_days(tmp_path, range(0, 1), rows=5, fmt="csv")
    text = path.read_text().splitlines()
    text[3] = "yesterday" + text[3][text[3].index(",") :]
    path.write_text("\n".join(text) + "\n")
    spec = dataset(format="csv")
    with pytest.raises(DataFileError) as caught:
        scan_source(spec, tmp_path)
    assert caught.value.message == (
        f"data/events/{day(0)}.csv: column 'event_time', line 4: 'yesterday' is not an "
        "ISO 8601 timestamp"
    )


def test_a_missing_timestamp_column_names_the_file(tmp_path: Path) -> None:
    write_days(tmp_path, range(0, 2), rows=5)
    (tmp_path / "data/events" / f"{day(1)}.parquet").unlink()
    pd.DataFrame({"tenure": [1], "churned": [True]}).to_parquet(
        tmp_path / "data/events" / f"{day(1)}.parquet"
    )
    with pytest.raises(DataFileError) as caught:
        scan_source(dataset(), tmp_path)
    assert caught.value.message == (
        f"data/events/{day(1)}.parquet: column 'event_time' (the timestamp) is missing"
    )


def test_partitions_with_different_columns_are_named(tmp_path: Path) -> None:
    write_days(tmp_path, range(0, 2), rows=5)
    extra = tmp_path / "data/events" / f"{day(2)}.parquet"
    frame = pd.read_parquet(tmp_path / "data/events" / f"{day(1)}.parquet")
    frame.assign(region="north").to_parquet(extra, index=False)
    with pytest.raises(DataFileError) as caught:
        scan_source(dataset(), tmp_path)
    assert f"data/events/{day(2)}.parquet" in caught.value.message
    assert f"data/events/{day(0)}.parquet" in caught.value.message
    assert "extra 'region'" in caught.value.message


def test_a_missing_source_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="data/events"):
        scan_source(dataset(), tmp_path)
