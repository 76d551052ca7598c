"""Benchmark: read and validate a wide data file with mlgitops, and with pandera for comparison.

Generates ROWS x 22 columns (1 id, 8 integer, 8 number of which 4 nullable,
3 category, 2 boolean) as Parquet and CSV under benchmarks/.data/ (gitignored,
reused between runs), then times, as medians of `repeat` runs with the two tools alternating:

- parquet: mlgitops `read_and_validate` (what `mlgitops run` does)  vs  `pandas.read_parquet` + pandera
- csv:     mlgitops `read_and_validate`  vs  `pandas.read_csv(engine="pyarrow")` + pandera
- csv-dirty: the CSV with 0.1% bad cells in three columns (mlgitops only: pandera would
  need the bad columns read as text and re-typed; the point is the cost of finding them)

Both sides run the same checks: column presence and no extra columns, types,
min/max, not-null, allowed categories, finite numbers, unique id, min_rows and
max_null_fraction; pandera with `lazy=True` so it also collects every failure.

    python benchmarks/bench_validation.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from harness import Row, Settings, at_least, at_most, fmt_seconds, timed

from mlgitops.data import read_table, validate_frame
from mlgitops.data.validate import parsed_while_read, read_and_validate
from mlgitops.spec.models import DatasetSpec

DATA_DIR = Path(__file__).parent / ".data"
CATEGORIES = ["basic", "plus", "premium", "enterprise"]
MIN_ROWS = 1_000
MAX_NULL_FRACTION = 0.05
DIRTY_SHARE = 0.001


def dataset_spec(path: str) -> DatasetSpec:
    columns: dict[str, Any] = {"id": {"type": "string"}}
    for i in range(8):
        columns[f"int_{i}"] = {"type": "integer", "min": 0, "max": 10_000}
    for i in range(8):
        columns[f"num_{i}"] = {"type": "number", "min": 0, "nullable": i % 2 == 1}
    for i in range(3):
        columns[f"cat_{i}"] = {"type": "category", "values": CATEGORIES}
    for i in range(2):
        columns[f"flag_{i}"] = {"type": "boolean"}
    return DatasetSpec.model_validate(
        {
            "path": path,
            "target": "flag_0",
            "columns": columns,
            "checks": {
                "min_rows": MIN_ROWS,
                "max_null_fraction": MAX_NULL_FRACTION,
                "unique": ["id"],
            },
        }
    )


def generate(rows: int, directory: Path = DATA_DIR) -> dict[str, Path]:
    """Write (once) the clean Parquet and CSV files and a dirty CSV of `rows` rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    paths = {
        "parquet": directory / f"validation_{rows}.parquet",
        "csv": directory / f"validation_{rows}.csv",
        "csv-dirty": directory / f"validation_{rows}_dirty.csv",
    }
    if all(path.is_file() for path in paths.values()):
        return paths
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays: dict[str, Any] = {
        "id": pc.binary_join_element_wise("C", pa.array(np.arange(rows).astype(str)), "")
    }
    for i in range(8):
        arrays[f"int_{i}"] = pa.array(rng.integers(0, 10_000, rows))
    for i in range(8):
        values = rng.gamma(2.0, 20.0, rows)
        mask = rng.random(rows) < 0.01 if i % 2 == 1 else None
        arrays[f"num_{i}"] = pa.array(values, mask=mask)
    for i in range(3):
        arrays[f"cat_{i}"] = pa.array(
            np.asarray(CATEGORIES, dtype=object)[rng.integers(0, 4, rows)]
        )
    for i in range(2):
        arrays[f"flag_{i}"] = pa.array(rng.random(rows) < 0.3)
    table = pa.table(arrays)
    _write(paths["parquet"], lambda tmp: pq.write_table(table, tmp))
    _write(paths["csv"], lambda tmp: pcsv.write_csv(table, tmp))

    bad = rng.random(rows) < DIRTY_SHARE
    dirty = table.set_column(
        1, "int_0", pc.if_else(pa.array(bad), "n/a?", pc.cast(table["int_0"], pa.string()))
    )
    dirty = dirty.set_column(
        9, "num_0", pc.if_else(pa.array(bad), "1,5", pc.cast(table["num_0"], pa.string()))
    )
    dirty = dirty.set_column(17, "cat_0", pc.if_else(pa.array(bad), "gold", table["cat_0"]))
    _write(paths["csv-dirty"], lambda tmp: pcsv.write_csv(dirty, tmp))
    return paths


def _write(path: Path, writer: Callable[[Path], None]) -> None:
    # An interrupted run must not leave a half-written file to be reused next time.
    tmp = path.with_name(path.name + ".tmp")
    writer(tmp)
    tmp.replace(path)


def pandera_schema(spec: DatasetSpec) -> Any:
    """The pandera schema equivalent to the dataset spec."""
    import pandas as pd
    import pandera.pandas as pa

    def finite(series: pd.Series) -> pd.Series:
        return series.isna() | pd.Series(np.isfinite(series.to_numpy()), index=series.index)

    def mostly_present(series: pd.Series) -> bool:
        return bool(series.isna().mean() <= MAX_NULL_FRACTION)

    dtypes = {
        "string": str,
        "category": str,
        "integer": "int64",
        "number": "float64",
        "boolean": bool,
    }
    columns = {}
    for name, column in spec.columns.items():
        checks = []
        if column.min is not None:
            checks.append(pa.Check.ge(column.min))
        if column.max is not None:
            checks.append(pa.Check.le(column.max))
        if column.type == "number":
            checks.append(pa.Check(finite, error="finite"))
        if column.values is not None:
            checks.append(pa.Check.isin([str(v) for v in column.values]))
        if column.nullable:
            checks.append(pa.Check(mostly_present, error="max_null_fraction"))
        columns[name] = pa.Column(
            dtypes[column.type],
            checks=checks,
            nullable=column.nullable,
            unique=name in spec.checks.unique,
        )
    enough_rows = pa.Check(lambda frame: len(frame) >= MIN_ROWS, error="min_rows")
    return pa.DataFrameSchema(columns, checks=[enough_rows], strict=True)


def _pandera_failures(schema: Any, frame: Any) -> int:
    import pandera.errors

    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return len(exc.failure_cases)
    return 0


def _ours(path: Path, spec: DatasetSpec) -> tuple[float, float, Any]:
    """What `mlgitops run` does before training (`read_and_validate`), timed in its two parts:
    the read with the declared types, and the checks; a failing CSV is read again as text."""
    display = f"data/{path.name}"
    read_s, frame = timed(partial(read_table, path, display, spec.columns))
    checks_s, report = timed(partial(validate_frame, frame, spec, file=display))
    if not report.passed and parsed_while_read(frame, spec):  # read again as text, as run does
        again_s, (_, report) = timed(partial(read_and_validate, path, display, spec))
        checks_s += again_s
    return read_s, checks_s, report


def _theirs(path: Path, case: str, schema: Any) -> tuple[float, float, int]:
    import pandas as pd

    reader = (
        partial(pd.read_parquet, path)
        if case == "parquet"
        else partial(pd.read_csv, path, engine="pyarrow")
    )
    read_s, frame = timed(reader)
    checks_s, failures = timed(partial(_pandera_failures, schema, frame))
    return read_s, checks_s, failures


def run(rows: int = 1_000_000, repeat: int = 3) -> list[dict[str, Any]]:
    """Every case, ours and pandera's alternately; seconds are medians of `repeat` runs."""
    return [_measure(case, path, rows, repeat) for case, path in generate(rows).items()]


def _measure(case: str, path: Path, rows: int, repeat: int) -> dict[str, Any]:
    spec = dataset_spec(path.name)
    schema = pandera_schema(spec) if case != "csv-dirty" else None
    ours: list[tuple[float, float, Any]] = []
    theirs: list[tuple[float, float, int]] = []
    for _ in range(max(repeat, 1)):  # alternate, so both sides see the same load
        ours.append(_ours(path, spec))
        if schema is not None:
            theirs.append(_theirs(path, case, schema))
    report = ours[-1][2]
    row: dict[str, Any] = {
        "benchmark": "validation",
        "case": case,
        "rows": rows,
        "columns": report.columns,
        "mlgitops_read_s": median(r for r, _, _ in ours),
        "mlgitops_validate_s": median(c for _, c, _ in ours),
        "mlgitops_total_s": median(r + c for r, c, _ in ours),
        "mlgitops_failing_checks": len(report.failures),
        "pandera_read_s": None,
        "pandera_validate_s": None,
        "pandera_total_s": None,
        "pandera_failure_cases": None,
        "ratio_validate": None,
        "ratio_total": None,
    }
    if not theirs:
        return row
    row.update(
        pandera_read_s=median(r for r, _, _ in theirs),
        pandera_validate_s=median(c for _, c, _ in theirs),
        pandera_total_s=median(r + c for r, c, _ in theirs),
        pandera_failure_cases=theirs[-1][2],
    )
    row["ratio_validate"] = row["pandera_validate_s"] / row["mlgitops_validate_s"]
    row["ratio_total"] = row["pandera_total_s"] / row["mlgitops_total_s"]
    return row


def rows(settings: Settings) -> list[Row]:
    """The harness's rows: read + checks against pandas + pandera, and the checks against the read."""
    size = 20_000 if settings.quick else 1_000_000
    # reads of the same file vary by +-50 % on a shared machine: at least 5 pairs per median
    repeat = settings.repeat if settings.quick else max(settings.repeat, 5)
    results = {r["case"]: r for r in run(size, repeat)}
    out = []
    for case, label, goal in (("parquet", "Parquet", 3.0), ("csv", "CSV", 2.0)):
        r = results[case]
        out.append(
            Row(
                f"validate {size:,} rows x 22, {label} (read + checks)",
                fmt_seconds(r["mlgitops_total_s"]),
                f"pandas + pandera {fmt_seconds(r['pandera_total_s'])}",
                r["ratio_total"],
                at_least(goal),
                f"checks {fmt_seconds(r['mlgitops_validate_s'])} vs pandera's "
                f"{fmt_seconds(r['pandera_validate_s'])}",
            )
        )
    parquet = results["parquet"]
    out.append(
        Row(
            f"validation checks vs the Parquet read, {size:,} rows",
            f"checks {fmt_seconds(parquet['mlgitops_validate_s'])}",
            f"read {fmt_seconds(parquet['mlgitops_read_s'])}",
            parquet["mlgitops_validate_s"] / parquet["mlgitops_read_s"],
            at_most(1.0, "x"),
            "checks time over read time",
        )
    )
    dirty = results["csv-dirty"]
    out.append(
        Row(
            f"validate {size:,} rows CSV with 0.1% bad cells: checks failing",
            fmt_seconds(dirty["mlgitops_total_s"]),
            "",
            float(dirty["mlgitops_failing_checks"]),
            at_least(3, ""),
            "three columns hold bad cells; each must be reported",
        )
    )
    return out


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:,.0f} ms"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def format_table(results: list[dict[str, Any]]) -> str:
    head = (
        f"{'case':<10} {'mlgitops read':>14} {'validate':>10} {'total':>10} {'failed':>7}   "
        f"{'pandera read':>13} {'validate':>10} {'total':>10} {'failed':>7}   "
        f"{'pandera/mlgitops validate':>26} {'total':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        failed = "-" if r["pandera_failure_cases"] is None else str(r["pandera_failure_cases"])
        lines.append(
            f"{r['case']:<10} {_seconds(r['mlgitops_read_s']):>14} {_seconds(r['mlgitops_validate_s']):>10} "
            f"{_seconds(r['mlgitops_total_s']):>10} {r['mlgitops_failing_checks']:>7}   "
            f"{_seconds(r['pandera_read_s']):>13} {_seconds(r['pandera_validate_s']):>10} "
            f"{_seconds(r['pandera_total_s']):>10} {failed:>7}   "
            f"{_ratio(r['ratio_validate']):>26} {_ratio(r['ratio_total']):>7}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = run(args.rows, args.repeat)
    print(f"{args.rows:,} rows x {results[0]['columns']} columns; medians of {args.repeat} runs")
    print(format_table(results))


if __name__ == "__main__":
    main()
