"""Benchmark: what a snapshot of many partitions costs — hashing them, and re-snapshotting unchanged.

Generates COUNT daily Parquet partitions (`events/day=YYYY-MM-DD/part-0.parquet`,
about SIZE bytes each: full 1,000 x 1 MiB ≈ 1 GB; quick 20 x 64 KiB) under
benchmarks/.data/ (gitignored, reused between runs), then measures:

- hashing: `storage.hash_file` over every partition against `sha256sum` on the
  same files, alternating (both read from the page cache: the files are read once
  before timing). The row's value is our throughput over sha256sum's (goal ≥ 0.8×).
- unchanged re-snapshot: `data.snapshot.snapshot_datasets` (what `mlgitops
  snapshot` runs) over the same folder with its lock and hash state already
  written, so no file is hashed again (checked): a listing identical to the one the
  locked window came from keeps the entry without reading a file. Goal: under 0.5 s.
- listing + metadata check: the storage layer's share of that, `storage.list_files`
  of the folder and the size/mtime comparison with the recorded state that lets a
  digest be reused instead of re-hashed (as DVC's state does). Goal: under 0.5 s.
- training memory: the peak RSS that `locked_frame` (what `run` trains on) adds to a
  fresh process for a short train window against a window of the whole source.
  Goal: the short window needs at most a quarter of the whole source's memory.

    python benchmarks/bench_snapshot.py [--count 1000] [--size 1048576] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
from pathlib import Path

from harness import Row, Settings, at_least, at_most, fmt_seconds, median_seconds, paired

from mlgitops.data.snapshot import snapshot_datasets
from mlgitops.data.storage import StoredFile, hash_file, list_files
from mlgitops.lock import read_lock, write_lock
from mlgitops.spec.models import DatasetSpec

FOLDER = "events"
_FULL = (1_000, 1 << 20)
_QUICK = (20, 64 << 10)
_ROW_BYTES = 17  # an int64 timestamp, a float64 and a boolean, uncompressed
_ARG_BATCH = 200  # paths per sha256sum call (well under ARG_MAX)


def generate(count: int, size: int, directory: Path) -> Path:
    """Write (once) `count` Parquet partitions of about `size` bytes under `directory`; returns it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = directory / f"snapshot_{count}x{size}"
    done = root / ".complete"
    if done.is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    rng = np.random.default_rng(10)
    rows = max(size // _ROW_BYTES, 1)
    first = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for index in range(count):
        day = first + dt.timedelta(days=index)
        start = np.datetime64(day.replace(tzinfo=None), "us")
        table = pa.table(
            {
                "ts": pa.array(
                    start + np.arange(rows) * np.timedelta64(86_400_000_000 // rows, "us")
                ),
                "amount": pa.array(rng.standard_normal(rows)),
                "churned": pa.array(rng.random(rows) < 0.2),
            }
        )
        path = root / FOLDER / f"day={day:%Y-%m-%d}" / "part-0.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, compression="none")
    done.write_text("ok\n")
    return root


def hash_all(root: Path, files: list[StoredFile]) -> list[str]:
    return [hash_file(f.url, {}, root=root) for f in files]


def sha256sum_all(root: Path, files: list[StoredFile]) -> list[str]:
    digests = []
    for start in range(0, len(files), _ARG_BATCH):
        batch = [f.url for f in files[start : start + _ARG_BATCH]]
        out = subprocess.run(
            ["sha256sum", "--", *batch], cwd=root, capture_output=True, text=True, check=True
        ).stdout
        digests += [line.split()[0] for line in out.splitlines()]
    return digests


def unchanged_resnapshot(root: Path, state: dict[str, tuple[int, str | None, str]]) -> int:
    """List the folder and reuse every digest whose (size, mtime) is the recorded one; returns the
    number of files that would need hashing again (0 when nothing changed)."""
    rehash = 0
    for stored in list_files(FOLDER, {}, root=root):
        seen = state.get(stored.url)
        if seen is None or seen[:2] != (stored.size, stored.mtime):
            rehash += 1
    return rehash


def events_dataset(count: int, train_days: int | None = None) -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "source": f"{FOLDER}/",
            "format": "parquet",
            "timestamp": "ts",
            "target": "churned",
            "columns": {
                "ts": {"type": "datetime"},
                "amount": {"type": "number"},
                "churned": {"type": "boolean"},
            },
            "windows": {"train": {"days": train_days or count + 1}},
        }
    )


def resnapshot(root: Path, datasets: dict[str, DatasetSpec]) -> tuple[str, int]:
    """Snapshot `events` again; (its status, files hashed)."""
    _, changes, state = snapshot_datasets(root, datasets, ["events"])
    return changes[0].status, state.hashed


def rows(settings: Settings) -> list[Row]:
    count, size = _QUICK if settings.quick else _FULL
    return measure(count, size, settings.repeat, settings.data_dir)


def measure(count: int, size: int, repeat: int, data_dir: Path) -> list[Row]:
    root = generate(count, size, data_dir)
    files = list_files(FOLDER, {}, root=root)
    total = sum(f.size for f in files)
    label = f"{len(files):,} partitions, {total / 1e6:,.0f} MB"
    have_sha256sum = shutil.which("sha256sum") is not None
    hash_all(root, files)  # warm the page cache: both sides then read from memory

    if have_sha256sum:
        ours, theirs, our_digests, their_digests = paired(
            repeat, lambda: hash_all(root, files), lambda: sha256sum_all(root, files)
        )
        if our_digests != their_digests:
            raise AssertionError("hash_file and sha256sum disagree on a file's digest")
        hashing = Row(
            what=f"snapshot hashing, {label}",
            ours=f"{fmt_seconds(ours)} ({total / ours / 1e6:,.0f} MB/s)",
            theirs=f"sha256sum {fmt_seconds(theirs)} ({total / theirs / 1e6:,.0f} MB/s)",
            value=theirs / ours,
            goal=at_least(0.8),
            note="throughput relative to sha256sum on the same files, page cache warm",
        )
    else:
        hashing = Row(
            what=f"snapshot hashing, {label}",
            ours="-",
            theirs="sha256sum not installed",
            value=None,
            goal=at_least(0.8),
        )

    datasets = {"events": events_dataset(count)}
    (root / "mlops.lock").unlink(missing_ok=True)  # a first snapshot: every file hashed
    shutil.rmtree(root / ".mlgitops", ignore_errors=True)
    lock, _, first = snapshot_datasets(root, datasets, ["events"])  # locks and records the state
    write_lock(root, lock)
    if read_lock(root) != lock:
        raise AssertionError("the lock written is not the lock read back")
    seconds, (status, hashed) = median_seconds(repeat, lambda: resnapshot(root, datasets))
    if (status, hashed) != ("unchanged", 0):
        raise AssertionError(f"an unchanged re-snapshot was {status!r} and hashed {hashed} files")
    snapshot_row = Row(
        what=f"unchanged re-snapshot, {label}",
        ours=fmt_seconds(seconds),
        theirs="",
        value=seconds,
        goal=at_most(0.5),
        note=f"snapshot_datasets with the lock and state in place: 0 of {len(files):,} files hashed "
        f"(the first snapshot hashed {first.hashed:,}); the same listing keeps the window",
    )

    state = {f.url: (f.size, f.mtime, d) for f, d in zip(files, hash_all(root, files), strict=True)}
    seconds, rehash = median_seconds(repeat, lambda: unchanged_resnapshot(root, state))
    if rehash:
        raise AssertionError(f"an unchanged listing found {rehash} changed files")
    metadata_row = Row(
        what=f"listing + metadata check, {label}",
        ours=fmt_seconds(seconds),
        theirs="",
        value=seconds,
        goal=at_most(0.5),
        note="storage.list_files + size/mtime comparison with the last hash (no file read)",
    )
    return [hashing, snapshot_row, metadata_row, training_memory(root, count)]


def training_memory(root: Path, count: int) -> Row:
    """Peak memory of what `run` reads to train: a short train window against the whole
    source, each locked by a snapshot and read by `locked_frame` in a fresh process."""
    short = max(count // 30, 2)
    peaks = {days: _train_read_peak(root, count, days) for days in (short, count + 1)}
    window, whole = peaks[short], peaks[count + 1]
    return Row(
        what=f"training memory, a {short}-day window of {count:,} daily partitions",
        ours=f"{window / 2**20:,.0f} MiB",
        theirs=f"the whole source {whole / 2**20:,.0f} MiB",
        value=window / whole,
        goal=at_most(0.25, unit=""),
        note="peak RSS above the process's start (locked_frame in its own process): "
        "memory follows the window, not the source",
    )


def _train_read_peak(root: Path, count: int, days: int) -> int:
    """Bytes of peak RSS that reading a `days` window's locked rows adds to a process."""
    import json
    import sys
    import tempfile

    lock, _, _ = snapshot_datasets(root, {"events": events_dataset(count, days)}, ["events"])
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(lock.datasets["events"].model_dump_json())
    script = (
        "import sys, json\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import bench_snapshot as b\n"
        "from mlgitops.lock import LockEntry\n"
        "from mlgitops.data.snapshot import locked_frame\n"
        "def rss(key):\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith(key): return int(line.split()[1]) * 1024\n"
        "import pandas, pyarrow.parquet, mlgitops.data.windows, mlgitops.data.storage\n"
        "entry = LockEntry.model_validate_json(Path(sys.argv[1]).read_text())\n"
        "start = rss('VmRSS:')\n"
        "frame = locked_frame(entry, b.events_dataset(int(sys.argv[3]), int(sys.argv[4])), "
        "Path(sys.argv[2]))\n"
        "assert len(frame) == entry.rows\n"
        "print(json.dumps(rss('VmHWM:') - start))\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, handle.name, str(root), str(count), str(days)],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(handle.name).unlink()
    return int(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=_FULL[0])
    parser.add_argument("--size", type=int, default=_FULL[1])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from harness import DATA_DIR

    for row in measure(args.count, args.size, args.repeat, DATA_DIR):
        print(f"{row.what}: {row.ours} | {row.theirs or '-'} | {row.note}")


if __name__ == "__main__":
    main()
