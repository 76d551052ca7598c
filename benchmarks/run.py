"""The benchmark harness: mlgitops beside the tools users would otherwise use, in one run.

    python benchmarks/run.py            # full sizes (1M-row data, 10M-row memory check)
    python benchmarks/run.py --quick    # smaller sizes, for a first look
    python benchmarks/run.py --skip-evidently
    python benchmarks/run.py --skip-mlflow

Compared side by side:
- data validation: mlgitops vs pandera, 1M rows x 22 columns, Parquet and CSV
- drift: mlgitops vs Evidently's DataDriftPreset on 1M current rows x 22 columns
  (Evidently runs in benchmarks/.venv-evidently: `make bench-env` creates it),
  and peak memory streaming 10M rows x 20 columns
- scoring: onnxruntime (the registered model.onnx) vs scikit-learn's own predict_proba
- compile: loading and compiling a 1,000-model spec
- run: an unchanged re-run of the demo against its first run
- serve: single-row HTTP scoring, `mlgitops serve` vs `mlflow models serve` of the same
  pipeline (MLflow runs in benchmarks/.venv-mlflow: `make bench-env` creates it)

Ratios are "how many times faster mlgitops is" (the other tool's time over
ours) except where the row says otherwise. Timing goals live here, never in
the test suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_compile
import bench_drift
import bench_predict
import bench_run
import bench_serve
import bench_validation

Row = tuple[str, str, str, str, str, str, str]


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}x"


def validation_rows(rows: int, repeat: int) -> list[Row]:
    out = []
    for r in bench_validation.run(rows, repeat):
        if r["pandera_total_s"] is None:
            continue
        out.append(
            (
                "validate data",
                f"{rows:,} rows, {r['case']}",
                _ms(r["mlgitops_total_s"]),
                "pandera",
                _ms(r["pandera_total_s"]),
                _ratio(r["ratio_total"]),
                "read + validate",
            )
        )
    return out


def drift_rows(rows: int, memory_rows: int | None, repeat: int, evidently: bool) -> list[Row]:
    out = []
    for r in bench_drift.run(rows, repeat, evidently=evidently, memory_rows=memory_rows):
        if "peak_rss_mb" in r:
            verdict = "met" if r["within_1_gib"] else "NOT met"
            out.append(
                (
                    "drift memory",
                    r["case"],
                    f"{r['peak_rss_mb']:,.0f} MiB peak",
                    "goal",
                    "1,024 MiB",
                    "-",
                    f"<= 1 GiB: {verdict}",
                )
            )
            continue
        if r["ratio"] is None:
            note = r.get("evidently_note") or "not run"
            out.append(("drift", r["case"], _ms(r["mlgitops_s"]), "Evidently", note, "-", ""))
            continue
        agree = "verdicts agree" if r["verdicts_agree"] else "VERDICTS DIFFER"
        goal = "met" if r["ratio"] >= 100 else "NOT met"
        out.append(
            (
                "drift",
                r["case"],
                _ms(r["mlgitops_s"]),
                "Evidently DataDriftPreset",
                _ms(r["evidently_s"]),
                _ratio(r["ratio"]),
                f">= 100x: {goal}; {agree}",
            )
        )
    return out


def predict_rows() -> list[Row]:
    return [
        (
            "score",
            f"{r['estimator']}, {r['size']}",
            _ms(r["onnx_predict_ms"] / 1000),
            "scikit-learn predict_proba",
            _ms(r["sklearn_ms"] / 1000),
            _ratio(r["ratio_predict"]),
            "onnxruntime from a DataFrame",
        )
        for r in bench_predict.run()
    ]


def compile_rows(models: int, repeat: int) -> list[Row]:
    (r,) = bench_compile.run(models, repeat)
    total = r["load_s"] + r["compile_s"]
    goal = "met" if total < 1.0 else "NOT met"
    return [
        (
            "compile",
            f"{models:,} models, load + compile",
            _ms(total),
            "goal",
            "1 s",
            "-",
            f"< 1 s: {goal}; heavy imports: {r['heavy_imports']}",
        ),
        (
            "compile",
            f"{models:,} models, `compile --check` process",
            _ms(r["cli_check_s"]),
            "",
            "",
            "-",
            "",
        ),
    ]


def run_rows(repeat: int) -> list[Row]:
    (r,) = bench_run.run(repeat)
    goal = "met" if r["met"] else "NOT met"
    return [
        (
            "run",
            "demo, unchanged re-run",
            _ms(r["mlgitops_s"]),
            "first run",
            _ms(r["baseline_s"]),
            f"{r['ratio']:.2f} of it",
            f"< 0.25: {goal}",
        )
    ]


def serve_rows(mlflow: bool) -> list[Row]:
    out = []
    for r in bench_serve.run(mlflow=mlflow):
        ours, theirs = r["mlgitops"], r["mlflow"]
        verdict = "met" if r["met"] else "NOT met"
        out.append(
            (
                "serve",
                r["case"],
                f"{ours['rps']:,.0f} req/s, p99 {ours['p99_ms']:.1f} ms",
                "mlflow models serve",
                "not run"
                if theirs is None
                else f"{theirs['rps']:,.0f} req/s, p99 {theirs['p99_ms']:.1f} ms",
                _ratio(r["ratio"]),
                f"{r['goal']}: {verdict}",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes (100k rows, no 10M check)"
    )
    parser.add_argument(
        "--skip-evidently", action="store_true", help="leave out the Evidently comparison"
    )
    parser.add_argument(
        "--skip-mlflow", action="store_true", help="leave out the MLflow serving comparison"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = 100_000 if args.quick else 1_000_000
    memory_rows = None if args.quick else 10_000_000

    from rich.console import Console
    from rich.table import Table

    table = Table(title="mlgitops benchmarks (other tool's time / mlgitops's time)")
    for column in ("what", "case", "mlgitops", "compared with", "their time", "ratio", "note"):
        table.add_column(column, overflow="fold")
    console = Console(stderr=True)
    for title, collect in (
        ("validation", lambda: validation_rows(rows, args.repeat)),
        ("scoring", predict_rows),
        ("compile", lambda: compile_rows(1000, args.repeat)),
        ("run", lambda: run_rows(args.repeat)),
        ("drift", lambda: drift_rows(rows, memory_rows, args.repeat, not args.skip_evidently)),
        ("serve", lambda: serve_rows(not args.skip_mlflow)),
    ):
        console.print(f"running the {title} benchmark…")
        for row in collect():
            table.add_row(*row)
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
