"""Benchmark: evaluating a holdout with bootstrap intervals, against Evidently's ClassificationPreset.

    python benchmarks/bench_evaluate.py [--rows 1000000] [--resamples 1000] [--repeat 3]

Cases (each a row with its goal):

- intervals: accuracy, precision, recall, f1, roc_auc and log_loss of a binary model
  on ROWS holdout rows, each with a seeded bootstrap interval from RESAMPLES
  resamples (what the evaluate stage computes), against
  `Report([ClassificationPreset()])` on the same rows (Evidently, in
  benchmarks/.venv-evidently: `make bench-env`), which computes the point values
  only. Goals: the same values to 1e-9, and at least 10x faster.
- paired: the same with production beside the candidate (paired resamples of
  both models): what pairing adds to the intervals.
- paired in a run: the demo's churn model run with a production version
  (production's model.onnx scored on the holdout and on the labelled current
  rows, paired bootstrap) against the same run with none; the evaluate stage's
  seconds from `mlgitops run --json`.

Timing lives here, never in the test suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row, Settings, at_least, at_most, fmt_seconds, timed

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
EVIDENTLY_PYTHON = BENCH_DIR / ".venv-evidently" / "bin" / "python"
EVIDENTLY_SCRIPT = BENCH_DIR / "evidently_classification.py"
METRICS = ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"]
TOLERANCE = 1e-9
SPEED_GOAL = 10.0


def holdout(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels and two models' positive-class probabilities (float32, as ONNX gives them)."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=rows)
    y = (rng.random(rows) < 1 / (1 + np.exp(-1.5 * signal))).astype(np.int64)
    candidate = 1 / (1 + np.exp(-(1.4 * signal + rng.normal(0, 0.8, rows))))
    production = 1 / (1 + np.exp(-(1.2 * signal + rng.normal(0, 0.9, rows))))
    as_float32 = lambda p: p.astype(np.float32).astype(np.float64)  # noqa: E731
    return y, as_float32(candidate), as_float32(production)


def _outputs(p: np.ndarray) -> Any:
    from mlgitops.evaluate.bootstrap import Outputs

    return Outputs((p >= 0.5).astype(np.int64), np.c_[1 - p, p])


def _best(repeat: int, work: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def _evidently(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    if not EVIDENTLY_PYTHON.is_file():
        return None, f"not installed ({EVIDENTLY_PYTHON.relative_to(REPO)} is missing)"
    proc = subprocess.run(
        [str(EVIDENTLY_PYTHON), str(EVIDENTLY_SCRIPT), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return None, f"failed: {proc.stderr.strip().splitlines()[-1:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


def intervals_rows(rows: int, resamples: int, repeat: int, evidently: bool) -> list[dict[str, Any]]:
    import pandas as pd

    from mlgitops.evaluate.bootstrap import Truth, interval, resample_metrics

    y, candidate, production = holdout(rows, seed=0)
    truth = Truth("classification", y, ("0", "1"), 1)
    single_s, single = _best(
        repeat, lambda: resample_metrics(truth, [_outputs(candidate)], METRICS, resamples, 0)
    )
    paired_s, _ = _best(
        repeat,
        lambda: resample_metrics(
            truth, [_outputs(candidate), _outputs(production)], METRICS, resamples, 0
        ),
    )
    ours = single.points[0]
    intervals = {m: interval(single.draws[0][m], 0.95) for m in METRICS}
    row: dict[str, Any] = {
        "case": f"{rows:,} rows, {resamples:,} resamples",
        "mlgitops_s": single_s,
        "paired_s": paired_s,
        "binned": single.binned,
        "metrics": ours,
        "intervals": {m: None if i is None else [i.low, i.high] for m, i in intervals.items()},
        "evidently_s": None,
        "ratio": None,
        "max_abs_diff": None,
        "same_values": None,
        "evidently_note": None if evidently else "skipped",
    }
    if evidently:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path = DATA_DIR / f"evaluate_{rows}.parquet"
        pd.DataFrame(
            {"target": y, "prediction": (candidate >= 0.5).astype(np.int64), "proba": candidate}
        ).to_parquet(path, index=False)
        theirs, note = _evidently(path)
        row["evidently_note"] = note
        if theirs is not None:
            diffs = {
                m: abs(ours[m] - theirs["metrics"][m]) for m in METRICS if m in theirs["metrics"]
            }
            row.update(
                evidently_s=theirs["seconds"],
                evidently=theirs["metrics"],
                ratio=theirs["seconds"] / single_s,
                max_abs_diff=max(diffs.values()) if diffs else None,
                same_values=len(diffs) == len(METRICS) and max(diffs.values()) <= TOLERANCE,
            )
    return [row]


def _copy_demo(target: Path, *, registry: bool) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy(REPO / "mlops.yaml", target / "mlops.yaml")
    folders = ["data", "pipelines", "policies"] + (["models"] if registry else [])
    for folder in folders:
        shutil.copytree(REPO / folder, target / folder, ignore=shutil.ignore_patterns("*.py"))


def _evaluate_seconds(root: Path) -> tuple[float, bool]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlgitops.cli",
            "-C",
            str(root),
            "run",
            "churn-classifier",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"mlgitops run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    model = json.loads(proc.stdout)["models"][0]
    stage = next(s for s in model["stages"] if s["name"] == "evaluate")
    if stage["status"] != "ran":  # a later check (a latency policy on a busy machine) may fail
        raise SystemExit(f"the evaluate stage did not run: {stage}")
    evidence = json.loads(
        (root / ".mlgitops" / "candidates" / "churn-classifier" / "evidence.json").read_text()
    )
    return float(stage["seconds"]), evidence.get("comparison") is not None


def run_rows(repeat: int) -> list[dict[str, Any]]:
    """The evaluate stage of the demo's churn model, with and without production to pair."""
    with_s, without_s = [], []
    for _ in range(repeat):
        paired_root = DATA_DIR / "evaluate-paired"
        _copy_demo(paired_root, registry=True)
        seconds, paired = _evaluate_seconds(paired_root)
        if not paired:
            raise SystemExit("the demo run with a registry did not pair with production")
        with_s.append(seconds)
        alone_root = DATA_DIR / "evaluate-alone"
        _copy_demo(alone_root, registry=False)
        seconds, paired = _evaluate_seconds(alone_root)
        if paired:
            raise SystemExit("the demo run without a registry paired with something")
        without_s.append(seconds)
    return [
        {
            "case": "demo churn-classifier run, evaluate stage",
            "with_production_s": min(with_s),
            "without_production_s": min(without_s),
            "added_s": min(with_s) - min(without_s),
        }
    ]


def run(
    rows: int = 1_000_000,
    resamples: int = 1000,
    repeat: int = 3,
    *,
    evidently: bool = True,
    demo: bool = True,
) -> list[dict[str, Any]]:
    """One dict per case, each with its goals; seconds are the best of `repeat` runs."""
    out = intervals_rows(rows, resamples, repeat, evidently)
    row = out[0]
    row["goals"] = {
        "same values as Evidently to 1e-9": row["same_values"],
        f"at least {SPEED_GOAL:g}x faster than Evidently": (
            None if row["ratio"] is None else row["ratio"] >= SPEED_GOAL
        ),
    }
    if demo:
        out += run_rows(repeat)
    return out


def rows(settings: Settings) -> list[Row]:
    """The harness's rows: bootstrap intervals against Evidently's point values (time, values).

    Ours and Evidently's run alternately, `settings.repeat` times each; Evidently's
    time is what its script measures around the report (its imports excluded).
    """
    from mlgitops.evaluate.bootstrap import Truth, resample_metrics

    size, resamples = (20_000, 100) if settings.quick else (1_000_000, 1000)
    y, candidate, _ = holdout(size, seed=0)
    truth = Truth("classification", y, ("0", "1"), 1)
    path = DATA_DIR / f"evaluate_{size}.parquet"
    note: str | None = None if settings.evidently else "skipped (--skip-evidently)"
    if note is None and not EVIDENTLY_PYTHON.is_file():
        note = "not run: environment missing (`make bench-env`)"
    if note is None:
        import pandas as pd

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(
            {"target": y, "prediction": (candidate >= 0.5).astype(np.int64), "proba": candidate}
        ).to_parquet(path, index=False)
    ours_s, theirs_s = [], []
    single, theirs = None, None
    for _ in range(max(settings.repeat, 1)):
        seconds, single = timed(
            lambda: resample_metrics(truth, [_outputs(candidate)], METRICS, resamples, 0)
        )
        ours_s.append(seconds)
        if note is None:
            theirs, note = _evidently(path)
            if theirs is not None:
                theirs_s.append(float(theirs["seconds"]))
    assert single is not None
    ours_median = statistics.median(ours_s)
    ratio, diff = None, None
    if note is None and theirs is not None:
        their_median = statistics.median(theirs_s)
        ratio = their_median / ours_median
        common = [m for m in METRICS if m in theirs["metrics"]]
        diffs = [abs(single.points[0][m] - theirs["metrics"][m]) for m in common]
        diff = max(diffs) if len(common) == len(METRICS) else None  # a missing metric: unmeasured
        their_text = f"Evidently ClassificationPreset {fmt_seconds(their_median)}"
    else:
        their_text = f"Evidently: {note}"
    case = f"{size:,} rows, {len(METRICS)} metrics, {resamples:,} bootstrap resamples"
    return [
        Row(
            f"evaluate {case}",
            fmt_seconds(ours_median),
            their_text,
            ratio,
            at_least(SPEED_GOAL),
            "mlgitops computes every interval; Evidently the point values only",
        ),
        Row(
            f"evaluate metric values differing from Evidently's, {size:,} rows",
            "-" if diff is None else f"{diff:.2g}",
            "",
            diff,
            at_most(TOLERANCE, ""),
            "largest absolute difference over " + ", ".join(METRICS),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    for row in run(
        args.rows,
        args.resamples,
        args.repeat,
        evidently=not args.skip_evidently,
        demo=False,
    ):
        print(json.dumps(row, indent=2, default=str), flush=True)
    if not args.skip_demo:
        for row in run_rows(args.repeat):
            print(json.dumps(row, indent=2, default=str), flush=True)


if __name__ == "__main__":
    main()
