"""The data change of a promotion: files added, gone and changed, rows and time range before and
after, digests shortened; file names are user data and never markup."""

from __future__ import annotations

import datetime as dt

from mlgitops.lock import LockedFile, LockEntry, entry_digest
from mlgitops.review.data_change import describe_change, render_data_change

DAY = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _file(url: str, digit: str, size: int = 100) -> LockedFile:
    return LockedFile(url=url, size=size, sha256=digit * 64)


def _entry(files: list[LockedFile], rows: int, days: int) -> LockEntry:
    return LockEntry(
        source="data/events/",
        format="parquet",
        files=tuple(files),
        rows=rows,
        start=DAY,
        end=DAY + dt.timedelta(days=days),
    )


def test_files_rows_and_time_range_before_and_after() -> None:
    old = _entry([_file("data/events/a.parquet", "a"), _file("data/events/b.parquet", "b")], 900, 9)
    new = _entry(
        [
            _file("data/events/b.parquet", "c"),  # its bytes changed
            _file("data/events/<img src=x>`|*.parquet", "d"),  # hostile, but a real file name
        ],
        1_200,
        19,
    )
    change = describe_change("events", old, new)
    assert [f.url for f in change.added] == ["data/events/<img src=x>`|*.parquet"]
    assert [f.url for f in change.gone] == ["data/events/a.parquet"]
    assert [f.url for f in change.changed] == ["data/events/b.parquet"]
    assert change.new_rows == 300 and not change.unchanged
    text = render_data_change(change)
    assert "| rows | 900 | 1,200 (+300) |" in text
    assert "| time range | 2026-11-01T00:00:00Z → 2026-11-10T00:00:00Z |" in text
    assert "2026-11-20T00:00:00Z |" in text
    assert f"`{entry_digest(old)[:12]}`" in text and entry_digest(old) not in text
    assert "Files: 1 added, 1 gone, 1 changed." in text
    # the hostile name is text, never HTML: its angle brackets are entities, the rest escaped
    assert "- data/events/&lt;img src=x&gt;\\`\\|\\*.parquet (100 bytes, `dddddddddddd`)" in text
    assert "<img" not in text


def test_a_first_snapshot_and_an_unchanged_one() -> None:
    new = _entry([_file("data/events/a.parquet", "a")], 10, 1)
    first = render_data_change(describe_change("events", None, new))
    assert "| files | no snapshot | 1 |" in first and "(+10)" in first
    same = describe_change("events", new, new)
    assert same.unchanged
    assert render_data_change(same).startswith("The snapshot of dataset `events` is unchanged")
