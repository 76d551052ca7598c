"""Benchmark: how long `mlgitops validate` and `mlgitops compile --check` take as processes.

Copies the demo (spec, data, pipelines, policies and its compiled workflows)
into benchmarks/.data/startup/, then runs each command as a new process,
alternating with `python -c pass` (the interpreter's own start-up), and
reports the median of each minus the median of `python -c pass`: the time a
user waits because of mlgitops. Bytecode caching is on, as in an installed
package (see `harness.child_environment`).

What is judged is the warm command, as a user runs it again and again: the
workspace remembers each data file's header, the schedules croniter accepted
and the policy files whose rules compiled (`spec/headers.py`, `spec/schedules.py`,
`policy/memo.py`). The note also gives a cold `validate`, measured in the same
alternation with those forgotten before each run (pyarrow reads the headers,
croniter checks the schedules, the rules are compiled).

    python benchmarks/bench_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import DATA_DIR, Row, Settings, at_most, child_environment, fmt_seconds, timed

from mlgitops.spec.headers import SETTLE_NS  # a file changed more recently is read again

REPO = Path(__file__).resolve().parent.parent
COMMANDS = {"validate": ["validate"], "compile --check": ["compile", "--check"]}
GOAL_S = 0.15
# what a cold start has not got: the remembered headers, schedule verdicts and policy passes
REMEMBERED = (
    ".mlgitops/cache/data-headers.json",
    ".mlgitops/cache/schedule-checks",
    ".mlgitops/cache/policy-checks",
)


def copy_demo(target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy(REPO / "mlops.yaml", target / "mlops.yaml")
    for folder in ("data", "pipelines", "policies"):
        shutil.copytree(REPO / folder, target / folder, ignore=shutil.ignore_patterns("*.py"))
    _mlgitops(target, ["compile"])  # the workflows `compile --check` compares with
    return target


def _mlgitops(root: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "mlgitops"  # the command users run
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "mlgitops.cli"]
    proc = subprocess.run(
        [*command, "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        env=child_environment(),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"mlgitops {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc


def _python_pass() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=child_environment())


def _forget(root: Path) -> None:
    for relative in REMEMBERED:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def run(repeat: int = 15) -> dict[str, dict[str, float]]:
    """Median seconds of each command, of a cold `validate` and of `python -c pass`,
    measured alternately."""
    copied = time.monotonic()
    root = copy_demo(DATA_DIR / "startup")
    # the copies are new files: once settled, the warm-up run remembers their headers
    time.sleep(max(0.0, SETTLE_NS / 1e9 + 0.2 - (time.monotonic() - copied)))
    for args in COMMANDS.values():
        _mlgitops(root, args)  # warm: bytecode written, files in the page cache, headers kept
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cold: list[float] = []
    baseline: list[float] = []
    for _ in range(max(repeat, 1)):
        baseline.append(timed(_python_pass)[0])
        for name, args in COMMANDS.items():
            times[name].append(timed(lambda args=args: _mlgitops(root, args))[0])  # type: ignore[misc]
        _forget(root)
        cold.append(timed(lambda: _mlgitops(root, COMMANDS["validate"]))[0])  # remembers again
    python_s = statistics.median(baseline)
    out = {
        name: {"seconds": statistics.median(values), "python_s": python_s}
        for name, values in times.items()
    }
    out["validate"]["cold_s"] = statistics.median(cold)
    return out


def rows(settings: Settings) -> list[Row]:
    repeat = 2 if settings.quick else max(15, settings.repeat)
    out = []
    for name, result in run(repeat).items():
        extra = result["seconds"] - result["python_s"]
        cold = (
            f"; cold (nothing remembered: pyarrow reads the headers, the rules compile) "
            f"{fmt_seconds(result['cold_s'] - result['python_s'])}"
            if "cold_s" in result
            else ""
        )
        out.append(
            Row(
                f"`mlgitops {name}` on the demo, as a process",
                fmt_seconds(extra),
                f"`python -c pass` {fmt_seconds(result['python_s'])}",
                extra,
                at_most(GOAL_S),
                f"{fmt_seconds(result['seconds'])} wall minus the interpreter's start-up, "
                f"warm{cold}; median of {repeat}",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    for name, result in run(args.repeat).items():
        print(
            f"mlgitops {name}: {result['seconds'] * 1000:.0f} ms "
            f"({(result['seconds'] - result['python_s']) * 1000:.0f} ms over python -c pass)"
        )
        if "cold_s" in result:
            print(
                f"mlgitops {name}, cold: {result['cold_s'] * 1000:.0f} ms "
                f"({(result['cold_s'] - result['python_s']) * 1000:.0f} ms over python -c pass)"
            )


if __name__ == "__main__":
    main()
