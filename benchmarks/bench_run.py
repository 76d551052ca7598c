"""Benchmark: `mlgitops run` on the demo, first run against an unchanged re-run.

Copies the demo (spec, data, pipelines, policies; no registry, no cache) into
benchmarks/.data/run/, then times in fresh processes:

- first:  `mlgitops run` with an empty stage cache (trains, converts, registers)
- rerun:  `mlgitops run` again with nothing changed (every stage cached)

and prints the ratio (the goal: a re-run under a quarter of the first run).

    python benchmarks/bench_run.py [--repeat 3]
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

from harness import Row, Settings, at_most, child_environment, fmt_seconds

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).parent / ".data" / "run"
QUICK_MODEL = "churn-classifier"


def _copy_demo(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy(REPO / "mlops.yaml", target / "mlops.yaml")
    for folder in ("data", "pipelines", "policies"):
        shutil.copytree(REPO / folder, target / folder, ignore=shutil.ignore_patterns("*.py"))


def _timed_run(root: Path, models: list[str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mlgitops.cli", "-C", str(root), "run", "--json", *models],
        capture_output=True,
        text=True,
        check=False,
        env=child_environment(),
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"mlgitops run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return seconds, json.loads(proc.stdout)


def run(repeat: int = 3, models: list[str] | None = None) -> list[dict[str, Any]]:
    """Medians of `repeat` first runs and re-runs; `models`: only these (default: all)."""
    firsts, reruns = [], []
    for _ in range(repeat):
        _copy_demo(DATA_DIR)
        first, _ = _timed_run(DATA_DIR, models or [])
        rerun, data = _timed_run(DATA_DIR, models or [])
        stages = {s["status"] for m in data["models"] for s in m["stages"]}
        if not stages <= {"cached", "skipped"}:
            raise SystemExit(f"the re-run was not fully cached: {stages}")
        firsts.append(first)
        reruns.append(rerun)
    first, rerun = statistics.median(firsts), statistics.median(reruns)
    return [
        {
            "benchmark": "run (demo, 3 models)",
            "case": "unchanged re-run vs first run",
            "mlgitops_s": rerun,
            "baseline": "first run",
            "baseline_s": first,
            "ratio": rerun / first,
            "goal": "< 0.25",
            "met": rerun / first < 0.25,
        }
    ]


def rows(settings: Settings) -> list[Row]:
    models = [QUICK_MODEL] if settings.quick else None  # quick: the smallest model only
    (r,) = run(1 if settings.quick else settings.repeat, models)
    return [
        Row(
            f"unchanged re-run of the demo (`mlgitops run`, {QUICK_MODEL if models else '3 models'})",
            fmt_seconds(r["mlgitops_s"]),
            f"first run {fmt_seconds(r['baseline_s'])}",
            r["ratio"],
            at_most(0.25, "of the first run"),
            "every stage cached",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for row in run(args.repeat):
        print(
            f"first run {row['baseline_s']:.2f} s, unchanged re-run {row['mlgitops_s']:.2f} s, "
            f"ratio {row['ratio']:.3f} (goal {row['goal']}: {'met' if row['met'] else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
