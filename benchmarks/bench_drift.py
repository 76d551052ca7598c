"""Benchmark: drift detection against a stored profile, side by side with Evidently.

Cases:

- `1M x 22`: reference and current data of ROWS rows x 22 columns (14 continuous,
  one of them with 5% nulls; 3 integer; 2 boolean; 3 categorical) as Parquet.
  Three columns are shifted in the current data (num_0 by 0.5 std, int_0 by
  +15 on 0..100, cat_0's shares), one by a negligible 0.02 std (num_1), the
  rest are drawn from the same distributions. mlgitops: read `profile.json`,
  stream the current file in 100,000-row batches through validation and
  detection (the path `mlgitops drift` runs). Evidently 0.7.23:
  `Report([DataDriftPreset()]).run(current, reference)` on the same two files,
  in its own virtualenv (it needs pandas < 3): benchmarks/.venv-evidently,
  made with `python -m venv benchmarks/.venv-evidently &&
  benchmarks/.venv-evidently/bin/pip install -r benchmarks/requirements-evidently.txt`.
  Prints both times, the ratio and both verdicts per column.
- `10M x 20 memory`: MEMORY_ROWS rows x 20 numeric columns in one Parquet file,
  streamed through validation and detection in a fresh process; reports the
  peak resident memory of that process (`resource.getrusage`).

Files are generated once under benchmarks/.data/ (gitignored) and reused.

    python benchmarks/bench_drift.py [--rows 1000000] [--memory-rows 10000000]
                                     [--repeat 3] [--skip-evidently] [--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from harness import Row, Settings, at_least, at_most, fmt_seconds, timed

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
EVIDENTLY_PYTHON = BENCH_DIR / ".venv-evidently" / "bin" / "python"
EVIDENTLY_SCRIPT = BENCH_DIR / "evidently_drift.py"
CATEGORIES = ["basic", "plus", "premium", "enterprise", "trial"]
SHIFTED = ("num_0", "int_0", "cat_0")
NEGLIGIBLE = ("num_1",)
CHUNK_ROWS = 1_000_000
GIB = 1024**3


# --- data ---------------------------------------------------------------------------


def _chunk(rng: np.random.Generator, rows: int, *, current: bool) -> dict[str, Any]:
    shift = 1.0 if current else 0.0
    columns: dict[str, Any] = {}
    for i in range(14):
        kind = i % 4
        if kind == 0:
            values = rng.normal(10 * i, 1 + i, rows)
        elif kind == 1:
            values = rng.lognormal(1, 0.6, rows)
        elif kind == 2:
            values = rng.exponential(5, rows)
        else:
            values = rng.uniform(0, 100, rows)
        columns[f"num_{i}"] = values
    columns["num_0"] = columns["num_0"] + shift * 0.5  # num_0 has std 1
    columns["num_1"] = columns["num_1"] + shift * 0.02 * float(np.std(columns["num_1"]))
    columns["num_3"][rng.random(rows) < 0.05] = np.nan
    columns["int_0"] = rng.integers(0, 101, rows) + (15 if current else 0)
    columns["int_1"] = rng.poisson(3, rows)
    columns["int_2"] = rng.integers(0, 11, rows)
    columns["flag_0"] = rng.random(rows) < 0.3
    columns["flag_1"] = rng.random(rows) < 0.6
    shares = [0.1, 0.2, 0.3, 0.2, 0.2] if current else [0.4, 0.3, 0.1, 0.1, 0.1]
    columns["cat_0"] = np.array(CATEGORIES, dtype=object)[rng.choice(5, rows, p=shares)]
    for i in (1, 2):
        columns[f"cat_{i}"] = np.array(CATEGORIES, dtype=object)[rng.integers(0, 5, rows)]
    return columns


def write_table(
    path: Path, rows: int, seed: int, *, current: bool, columns: list[str] | None = None
) -> Path:
    """Write `rows` rows in 1M-row chunks (row groups), so generation memory stays bounded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp")
    writer = None
    for start in range(0, rows, CHUNK_ROWS):
        data = _chunk(rng, min(CHUNK_ROWS, rows - start), current=current)
        table = pa.table({name: data[name] for name in (columns or list(data))})
        writer = writer or pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    tmp.replace(path)
    return path


def dataset_columns(names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        if name.startswith("num_"):
            out[name] = {"type": "number", "nullable": name == "num_3"}
        elif name.startswith("int_"):
            out[name] = {"type": "integer", "min": 0}
        elif name.startswith("flag_"):
            out[name] = {"type": "boolean"}
        else:
            out[name] = {"type": "category", "values": CATEGORIES}
    return out


def build_profile_file(reference: Path, names: list[str], out: Path) -> tuple[Path, float]:
    """Profile the reference file as training would (coerced frame); returns (path, seconds)."""
    import pyarrow.parquet as pq

    from mlgitops.data.validate import coerce_frame
    from mlgitops.drift.profile import build_profile
    from mlgitops.spec.models import DatasetSpec

    spec = DatasetSpec.model_validate(
        {"path": "reference.parquet", "target": names[0], "columns": dataset_columns(names)}
    )
    frame = coerce_frame(pq.read_table(reference).to_pandas(), spec)
    started = time.perf_counter()
    numeric = [n for n in names if not n.startswith("cat_")]
    categorical = [n for n in names if n.startswith("cat_")]
    profile = build_profile(frame, numeric, categorical, None, "classification")
    seconds = time.perf_counter() - started
    out.write_bytes(profile.to_json_bytes())
    return out, seconds


# --- the measured path: what `mlgitops drift` runs ------------------------------------------


def detect(profile_path: Path, current: Path, names: list[str]) -> Any:
    from mlgitops.drift.current import compare
    from mlgitops.drift.profile import Profile
    from mlgitops.spec.models import DatasetSpec, DriftSpec

    profile = Profile.from_json(profile_path.read_bytes())
    spec = DatasetSpec.model_validate(
        {"path": current.name, "target": names[0], "columns": dataset_columns(names)}
    )
    report, failed = compare(profile, spec, current.name, current.parent, DriftSpec())
    if report is None:
        raise SystemExit(f"benchmark data failed validation: {failed[0].failures[0].message}")
    return report


def _child(profile_path: str, current: str, names: str) -> None:
    """In a fresh process: peak memory of one detection, and over the imports alone."""
    import pandas  # noqa: F401  - the imports a real run pays for, before the baseline
    import pyarrow.parquet  # noqa: F401
    import scipy.stats  # noqa: F401

    import mlgitops.commands.drift
    import mlgitops.drift.detect  # noqa: F401

    baseline = peak_rss_bytes()
    started = time.perf_counter()
    report = detect(Path(profile_path), Path(current), names.split(","))
    seconds = time.perf_counter() - started
    peak = peak_rss_bytes()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "baseline_bytes": baseline,
                "peak_bytes": peak,
                "rows": report.rows,
                "drifted": report.drifted_features,
            }
        )
    )


def peak_rss_bytes() -> int:
    """This process's peak resident memory.

    Linux's `getrusage` carries the parent's peak across fork and exec, so a
    child started by a large parent would report the parent's memory; the
    kernel's VmHWM belongs to this process image alone. Elsewhere, getrusage.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _in_child(profile_path: Path, current: Path, names: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(profile_path), str(current), ",".join(names)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


# --- cases ----------------------------------------------------------------------------


def run(
    rows: int = 1_000_000,
    repeat: int = 3,
    *,
    evidently: bool = True,
    memory_rows: int | None = 10_000_000,
) -> list[dict[str, Any]]:
    """One dict per case; seconds are medians of `repeat` runs, the tools alternating."""
    results = [_versus_evidently(rows, repeat, evidently)]
    if memory_rows:
        results.append(_memory(memory_rows))
    return results


def _evidently(reference: Path, current: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [str(EVIDENTLY_PYTHON), str(EVIDENTLY_SCRIPT), str(reference), str(current)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"Evidently failed: {proc.stderr.strip().splitlines()[-1:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _versus_evidently(rows: int, repeat: int, evidently: bool) -> dict[str, Any]:
    import pyarrow.parquet as pq

    reference = write_table(
        DATA_DIR / f"drift_reference_{rows}.parquet", rows, seed=1, current=False
    )
    current = write_table(DATA_DIR / f"drift_current_{rows}.parquet", rows, seed=2, current=True)
    names = list(pq.read_schema(reference).names)
    profile_path, profile_s = build_profile_file(
        reference, names, DATA_DIR / f"drift_profile_{rows}.json"
    )
    note = None
    if not evidently:
        note = "skipped"
    elif not EVIDENTLY_PYTHON.is_file():
        note = f"not installed ({EVIDENTLY_PYTHON.relative_to(BENCH_DIR.parent)} is missing: `make bench-env`)"
    detect(profile_path, current, names)  # warm: imports and the file in the page cache
    times, reads, theirs_runs = [], [], []
    report = None
    for _ in range(max(repeat, 1)):  # alternate: ours, the read alone, Evidently
        seconds, report = timed(lambda: detect(profile_path, current, names))
        times.append(seconds)
        reads.append(timed(lambda: pq.read_table(current))[0])
        if note is None:
            try:
                theirs_runs.append(_evidently(reference, current))
            except RuntimeError as exc:
                note = str(exc)
    assert report is not None
    memory = _in_child(profile_path, current, names)
    ours = {
        f.feature: {"method": f.method, "statistic": f.statistic, "drifted": f.drifted}
        for f in report.features
    }
    row: dict[str, Any] = {
        "benchmark": "drift",
        "case": f"{rows:,} x {len(names)} parquet",
        "rows": rows,
        "columns": len(names),
        "profile_bytes": profile_path.stat().st_size,
        "profile_build_s": profile_s,
        "mlgitops_s": statistics.median(times),
        "read_s": statistics.median(reads),
        "mlgitops_extra_mb": (memory["peak_bytes"] - memory["baseline_bytes"]) / 2**20,
        "mlgitops_peak_mb": memory["peak_bytes"] / 2**20,
        "mlgitops": ours,
        "shifted": list(SHIFTED),
        "negligible": list(NEGLIGIBLE),
        "evidently_s": None,
        "evidently_extra_mb": None,
        "evidently": None,
        "ratio": None,
        "verdicts_agree": None,
        "disagreements": None,
        "evidently_note": note,
    }
    if note is None and theirs_runs:
        theirs = theirs_runs[-1]
        row.update(
            evidently_s=statistics.median(t["seconds"] for t in theirs_runs),
            evidently_extra_mb=theirs["extra_bytes"] / 2**20,
            evidently=theirs["columns"],
        )
        row["ratio"] = row["evidently_s"] / row["mlgitops_s"]
        row["disagreements"] = [
            n for n in ours if ours[n]["drifted"] != theirs["columns"][n]["drifted"]
        ]
        row["verdicts_agree"] = not row["disagreements"]
    return row


def rows(settings: Settings) -> list[Row]:
    """The harness's rows: against Evidently (time and verdicts), against the read, memory."""
    size = 20_000 if settings.quick else 1_000_000
    memory_rows = 200_000 if settings.quick else 10_000_000
    versus, memory = run(
        size, settings.repeat, evidently=settings.evidently, memory_rows=memory_rows
    )
    case = f"{size:,} x {versus['columns']} Parquet"
    evidently_note = versus["evidently_note"]
    out = [
        Row(
            f"drift, {case}",
            fmt_seconds(versus["mlgitops_s"]),
            f"Evidently DataDriftPreset {fmt_seconds(versus['evidently_s'])}"
            if evidently_note is None
            else f"Evidently: {evidently_note}",
            versus["ratio"],
            at_least(200),
            f"mlgitops reads, validates and compares the file; Evidently compares frames "
            f"already in memory; memory +{versus['mlgitops_extra_mb']:,.0f} MiB vs "
            + (
                f"+{versus['evidently_extra_mb']:,.0f} MiB"
                if versus["evidently_extra_mb"] is not None
                else "-"
            ),
        ),
        Row(
            f"drift verdicts differing from Evidently's, {case}",
            "-"
            if versus["disagreements"] is None
            else f"{len(versus['disagreements'])} of {versus['columns']}",
            "",
            None if versus["disagreements"] is None else float(len(versus["disagreements"])),
            at_most(0, ""),
            ", ".join(versus["disagreements"] or []) or "same verdict on every column",
        ),
        Row(
            f"drift vs the Parquet read, {case}",
            fmt_seconds(versus["mlgitops_s"]),
            f"read {fmt_seconds(versus['read_s'])}",
            versus["mlgitops_s"] / versus["read_s"],
            at_most(3, "x"),
            "drift time over pyarrow's read of the same file",
        ),
        Row(
            f"drift peak memory, {memory['rows']:,} x {memory['columns']} Parquet",
            f"{memory['peak_rss_mb']:,.0f} MiB",
            "",
            memory["peak_rss_mb"],
            at_most(1024, "MiB"),
            f"{fmt_seconds(memory['mlgitops_s'])}; +{memory['extra_mb']:,.0f} MiB over the imports",
        ),
    ]
    return out


def _memory(rows: int) -> dict[str, Any]:
    names = [f"num_{i}" for i in range(14)] + [
        "int_0",
        "int_1",
        "int_2",
        "flag_0",
        "flag_1",
        "cat_0",
    ]
    current = write_table(
        DATA_DIR / f"drift_memory_{rows}.parquet", rows, seed=3, current=True, columns=names
    )
    reference = write_table(
        DATA_DIR / "drift_memory_reference.parquet", 200_000, seed=4, current=False, columns=names
    )
    profile_path, _ = build_profile_file(reference, names, DATA_DIR / "drift_memory_profile.json")
    measured = _in_child(profile_path, current, names)
    return {
        "benchmark": "drift",
        "case": f"{rows:,} x {len(names)} parquet, peak memory",
        "rows": measured["rows"],
        "columns": len(names),
        "file_bytes": current.stat().st_size,
        "mlgitops_s": measured["seconds"],
        "peak_rss_mb": measured["peak_bytes"] / 2**20,
        "extra_mb": (measured["peak_bytes"] - measured["baseline_bytes"]) / 2**20,
        "within_1_gib": measured["peak_bytes"] <= GIB,
    }


# --- printing ---------------------------------------------------------------------------


def format_results(results: list[dict[str, Any]]) -> str:
    lines = []
    for row in results:
        lines.append(f"== {row['case']}")
        if "peak_rss_mb" in row:
            lines.append(
                f"   {row['rows']:,} rows in {row['mlgitops_s']:.1f} s; peak RSS {row['peak_rss_mb']:,.0f} MB "
                f"(+{row['extra_mb']:,.0f} MB over the imports); within 1 GiB: {row['within_1_gib']}"
            )
            continue
        lines.append(
            f"   profile: {row['profile_bytes'] / 1024:.0f} KB, built in {row['profile_build_s']:.2f} s "
            "(training time)"
        )
        lines.append(
            f"   mlgitops : {row['mlgitops_s']:.3f} s, +{row['mlgitops_extra_mb']:.0f} MB "
            f"(peak {row['mlgitops_peak_mb']:.0f} MB)"
        )
        if row["evidently_s"] is None:
            lines.append(f"   evidently: {row['evidently_note']}")
        else:
            lines.append(
                f"   evidently: {row['evidently_s']:.1f} s, +{row['evidently_extra_mb']:.0f} MB"
            )
            lines.append(
                f"   ratio    : mlgitops is {row['ratio']:.0f}x faster; verdicts agree: {row['verdicts_agree']}"
            )
        lines.append(f"   {'column':<8} {'mlgitops':<34} {'evidently':<34}")
        for name, mine in row["mlgitops"].items():
            theirs = (row["evidently"] or {}).get(name)
            tag = (
                " (shifted)"
                if name in row["shifted"]
                else " (0.02 std)"
                if name in row["negligible"]
                else ""
            )
            lines.append(f"   {name:<8} {_verdict(mine):<34} {_verdict(theirs):<34}{tag}")
    return "\n".join(lines)


def _verdict(result: dict[str, Any] | None) -> str:
    if result is None:
        return "-"
    word = "DRIFT" if result["drifted"] else "ok"
    statistic = result.get("statistic", result.get("score"))
    return f"{word:<5} {result['method'][:18]:<18} {statistic:.4g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    results = run(
        args.rows,
        args.repeat,
        evidently=not args.skip_evidently,
        memory_rows=None if args.skip_memory else args.memory_rows,
    )
    print(json.dumps(results, indent=2) if args.json else format_results(results))


if __name__ == "__main__":
    main()
