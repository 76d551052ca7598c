"""The benchmark harness: every benchmark in one table, each row with its goal.

    python benchmarks/run.py                # full sizes; writes docs/benchmarks.md
    python benchmarks/run.py --quick        # small sizes: a smoke test, goals not judged
    python benchmarks/run.py --only drift   # the modules whose name contains 'drift'

It prints the table and ends with `goals met: N/M`; it exits 1 when a goal is
missed (or a row could not be measured, or a module failed), 2 on bad
arguments. Every pair of tools is measured alternately and reported as
medians of `--repeat` runs (at least 3 for a full run).

Each module runs in a fresh Python process of its own (this script with
`--child NAME --emit-json FILE`), so what one benchmark leaves behind (threads,
caches, a fragmented heap, imported libraries) cannot slow the next.

Adding a row: write `benchmarks/bench_<x>.py` with a `rows(settings)` function
(the contract is in `harness.py`) and add its name to `BENCHMARKS` below.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BENCH_DIR, Goal, Row, Settings, fmt_value

# The registry: one module per area, in the order of the table.
BENCHMARKS = [
    "bench_validation",
    "bench_drift",
    "bench_startup",
    "bench_compile",
    "bench_predict",
    "bench_run",
    "bench_tune",
    "bench_evaluate",
    "bench_serve",
    "bench_snapshot",
]
REPO = BENCH_DIR.parent
REPORT = REPO / "docs" / "benchmarks.md"
LIBRARIES = ("numpy", "pyarrow", "pandas", "scipy", "pydantic", "scikit-learn", "onnxruntime")
OTHER_TOOLS = ("pandera",)
EVIDENTLY_PYTHON = BENCH_DIR / ".venv-evidently" / "bin" / "python"


@dataclass(frozen=True)
class Result:
    module: str
    rows: list[Row]
    seconds: float


def main(argv: Sequence[str] | None = None, registry: Sequence[str] = BENCHMARKS) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes; goals not judged")
    parser.add_argument("--repeat", type=int, default=None, help="runs per measurement (>= 3)")
    parser.add_argument("--only", action="append", default=[], help="modules whose name has this")
    parser.add_argument("--skip-evidently", action="store_true", help="no Evidently comparison")
    parser.add_argument(
        "--goal",
        action="append",
        default=[],
        metavar="TEXT=LIMIT",
        help="replace the limit of the goals of rows whose name contains TEXT",
    )
    parser.add_argument("--output", type=Path, default=None, help=f"default: {REPORT}")
    parser.add_argument("--note", default="", help="a line about the conditions, for the report")
    # the child side: run one module in this process and write its rows as JSON
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--emit-json", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--search-path", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    if not args.quick and repeat < 3:
        parser.error("a full run reports medians of at least 3 runs: --repeat 3 or more")
    try:
        overrides = [_override(text) for text in args.goal]
    except ValueError as exc:
        parser.error(str(exc))
    settings = Settings(quick=args.quick, repeat=repeat, evidently=not args.skip_evidently)
    if args.child is not None:
        if args.emit_json is None:
            parser.error("--child needs --emit-json FILE")
        return run_child(args.child, args.search_path, settings, args.emit_json)
    modules = [m for m in registry if not args.only or any(o in m for o in args.only)]
    if not modules:
        parser.error(f"no benchmark matches {args.only}; known: {', '.join(registry)}")

    started = dt.datetime.now(dt.UTC)
    load_before = _load()
    results, failed = [], []
    for name in modules:
        print(f"running {name} (its own process) ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        rows = run_in_child(name, settings)
        if rows is None:
            failed.append(name)
            continue
        results.append(
            Result(name, [_apply(row, overrides) for row in rows], time.perf_counter() - began)
        )
    all_rows = [row for result in results for row in result.rows]
    _check_rows(all_rows)
    met = sum(row.met() for row in all_rows)
    judged = not args.quick
    summary = (
        f"goals met: {met}/{len(all_rows)}"
        if judged
        else f"goals met: {met}/{len(all_rows)} (quick sizes: not judged)"
    )
    table = markdown_table(all_rows, judged=judged)
    print(table)
    command = "python benchmarks/run.py " + shlex.join(
        list(argv if argv is not None else sys.argv[1:])
    )
    output = args.output if args.output is not None else (None if args.quick else REPORT)
    if output is not None:
        report = render_report(
            table, summary, command.strip(), args.note, started, load_before, _load(), results
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(report, encoding="utf-8")
        tmp.replace(output)
        print(f"wrote {_shown(output)}", file=sys.stderr)
    if failed:
        summary += f"; FAILED (no rows): {', '.join(failed)}"
    print(summary)
    if failed:
        return 1
    return 0 if not judged or met == len(all_rows) else 1


def run_in_child(name: str, settings: Settings) -> list[Row] | None:
    """Run one benchmark module in a fresh interpreter; its rows, or None when it failed.

    The child's output (progress, a traceback) goes to our stderr as it comes,
    so a long benchmark shows it is alive and the table on stdout stays clean.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ValueError(f"no benchmark module {name!r}")
    with tempfile.TemporaryDirectory(prefix="mlgitops-bench-") as tmp:
        out = Path(tmp) / "rows.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--child", name]
        command += ["--emit-json", str(out), "--search-path", str(Path(spec.origin).parent)]
        command += ["--repeat", str(settings.repeat)]
        command += ["--quick"] if settings.quick else []
        command += [] if settings.evidently else ["--skip-evidently"]
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO
        ) as child:
            assert child.stdout is not None
            for line in child.stdout:
                sys.stderr.write(f"  {line}")
            code = child.wait()
        if code != 0 or not out.is_file():
            print(f"{name} failed (exit {code}): see its output above", file=sys.stderr)
            return None
        return [row_from_json(item) for item in json.loads(out.read_text(encoding="utf-8"))]


def run_child(name: str, search_path: str | None, settings: Settings, out: Path) -> int:
    """The child's side: import one module, measure, write its rows as JSON to `out`."""
    if search_path:
        sys.path.insert(0, search_path)
    rows = importlib.import_module(name).rows(settings)
    _check_rows(rows)
    out.write_text(json.dumps([dataclasses.asdict(row) for row in rows]), encoding="utf-8")
    return 0


def row_from_json(item: dict[str, object]) -> Row:
    goal = item.pop("goal")
    assert isinstance(goal, dict)
    return Row(**item, goal=Goal(**goal))  # type: ignore[arg-type]


def _override(text: str) -> tuple[str, float]:
    name, sep, limit = text.rpartition("=")
    if not sep or not name:
        raise ValueError(f"--goal takes TEXT=LIMIT, not {text!r}")
    try:
        return name, float(limit)
    except ValueError:
        raise ValueError(f"--goal {text!r}: the limit must be a number") from None


def _apply(row: Row, overrides: list[tuple[str, float]]) -> Row:
    for text, limit in overrides:
        if text in row.what:
            row = replace(row, goal=Goal(row.goal.op, limit, row.goal.unit))
    return row


def _check_rows(rows: list[Row]) -> None:
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, Row):
            raise TypeError(f"a benchmark returned {type(row).__name__}, not a Row")
        if row.what in seen:
            raise ValueError(f"two rows are named {row.what!r}")
        seen.add(row.what)


def markdown_table(rows: list[Row], *, judged: bool = True) -> str:
    lines = [
        "| row | mlgitops | other tool | measured | goal | met |",
        "|---|--:|--:|--:|---|---|",
    ]
    for row in rows:
        verdict = ("met" if row.met() else "**MISSED**") if judged else "(not judged)"
        if row.value is None and judged:
            verdict = "**NOT MEASURED**"
        cells = [
            row.what,
            row.ours,
            row.theirs or "—",
            fmt_value(row.value, row.goal.unit),
            row.goal.text(),
            verdict + (f" — {row.note}" if row.note else ""),
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def render_report(
    table: str,
    summary: str,
    command: str,
    note: str,
    started: dt.datetime,
    load_before: str,
    load_after: str,
    results: list[Result],
) -> str:
    timings = ", ".join(f"{r.module} {r.seconds:,.0f} s" for r in results)
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/run.py`); do not edit by hand. Each row says what it",
        "measures, mlgitops's figure, the other tool's where there is one, the number the goal",
        "judges and the goal. Pairs are run alternately and every figure is the median of the",
        "runs. Ratios are the other tool's time over mlgitops's (how many times faster).",
        "Each benchmark module runs in a fresh process of its own.",
        "",
        f"- command: `{command}`",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; harness time: {timings}",
        f"- machine: {_machine()}",
        f"- load average (1, 5, 15 min): before {load_before}; after {load_after}",
        f"- Python {platform.python_version()}; {_versions()}",
    ]
    if note:
        lines.append(f"- conditions: {note}")
    lines += ["", table, "", f"**{summary}**", ""]
    return "\n".join(lines)


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kib / 2**20:.0f} GiB memory"
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{memory}"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for name in ("mlgitops", *LIBRARIES, *OTHER_TOOLS):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    parts.append(f"evidently {_evidently_version()}")
    return ", ".join(parts)


def _evidently_version() -> str:
    if not EVIDENTLY_PYTHON.is_file():
        return "(not installed: `make bench-env`)"
    probe = "from importlib.metadata import version as v; print(v('evidently'), 'with pandas', v('pandas'))"
    proc = subprocess.run(
        [str(EVIDENTLY_PYTHON), "-c", probe], capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() or "(unknown)"


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


Collect = Callable[[Settings], list[Row]]

if __name__ == "__main__":
    sys.exit(main())
