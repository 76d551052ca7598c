"""Benchmark: compile a large spec into workflows.

Writes a spec of MODELS models (default 1,000) over 10 small datasets, 20
pipeline files and 5 policy files, with drift checks on 7 schedules and every
10th model on self-hosted GPU runners, under benchmarks/.data/ (gitignored).
Then times, as medians of `repeat` runs:

- load:    `load_project(root, check_estimators=False)` (what `compile` loads)
- compile: `compile_workflows(project)` (plan -> workflow objects -> YAML text)
- plan:    `ci_plan(project, None)`, the CI matrix with every model (hashes inputs)
- cli:     `mlgitops compile --check` in a fresh process (startup, imports, load,
           compile, compare with the files on disk)

and reports whether the `compile` process imported any heavy library.

    python benchmarks/bench_compile.py [--models 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import Row, Settings, at_most, child_environment, fmt_seconds, median_seconds

from mlgitops.ci import compile_workflows
from mlgitops.ci.planning import ci_plan
from mlgitops.spec import load_project

DATA_DIR = Path(__file__).parent / ".data"
HEAVY = ("sklearn", "skl2onnx", "onnxruntime", "pandas", "scipy", "matplotlib")
SCHEDULES = [
    f"0 {hour} * * {day}" for day, hour in zip(range(7), (6, 7, 8, 9, 10, 11, 12), strict=True)
]


def write_spec(root: Path, models: int) -> Path:
    if root.exists():
        shutil.rmtree(root)
    for folder in ("data", "pipelines", "policies"):
        (root / folder).mkdir(parents=True)
    lines = ["version: 1", "project: bench", "datasets:"]
    for d in range(10):
        (root / "data" / f"set{d}.csv").write_text("a,b,y\n1,2,0\n2,3,1\n3,4,0\n", encoding="utf-8")
        lines += [
            f"  set{d}:",
            f"    path: data/set{d}.csv",
            "    target: y",
            "    columns:",
            "      a: {type: number, min: 0}",
            "      b: {type: integer}",
            "      y: {type: boolean}",
            f"    current: data/set{d}.csv",
        ]
    for p in range(20):
        (root / "pipelines" / f"p{p}.yaml").write_text(
            "preprocess:\n  numeric: {impute: median, scale: standard}\nestimator:\n"
            f"  class: sklearn.linear_model.LogisticRegression\n  params: {{C: {1 + p / 10}}}\n",
            encoding="utf-8",
        )
    for q in range(5):
        (root / "policies" / f"q{q}.yaml").write_text(
            f"policy: q{q}\nrules:\n  - name: floor\n    rule: candidate.metrics.accuracy >= 0.{q + 5}\n",
            encoding="utf-8",
        )
    lines.append("models:")
    for m in range(models):
        lines += [
            f"  model-{m:04d}:",
            f"    dataset: set{m % 10}",
            "    task: classification",
            f"    pipeline: pipelines/p{m % 20}.yaml",
            "    metrics: [accuracy, roc_auc]",
            "    gates: {accuracy: {min: 0.5}}",
            f"    policies: [policies/q{m % 5}.yaml]",
            f"    drift: {{schedule: '{SCHEDULES[m % 7]}', on_drift: {('promote', 'issue', 'fail')[m % 3]}}}",
        ]
        if m % 10 == 0:
            lines.append("    runs_on: [self-hosted, gpu]")
    (root / "mlops.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The median of `repeat` runs (the name is kept for callers)."""
    return median_seconds(repeat, fn)


def run(models: int = 1000, repeat: int = 5) -> list[dict[str, Any]]:
    """Time loading, compiling and planning a spec of `models` models; one dict of results."""
    root = write_spec(DATA_DIR / f"compile-{models}", models)
    load_s, project = best_of(repeat, lambda: load_project(root, check_estimators=False))
    compile_s, workflows = best_of(repeat, lambda: compile_workflows(project))
    plan_s, plan = best_of(repeat, lambda: ci_plan(project, None))
    out = root / ".github" / "workflows"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in workflows.items():
        (out / name).write_text(text, encoding="utf-8")
    mlgitops = Path(sys.executable).parent / "mlgitops"
    env = child_environment()
    cli_s, result = best_of(
        repeat,
        lambda: subprocess.run(
            [str(mlgitops), "compile", "--check", "-C", str(root)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        ),
    )
    probe = (
        "import sys; from mlgitops.cli import main; main(['compile', '--check', '-C', sys.argv[1]]); "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    heavy = subprocess.run(
        [sys.executable, "-c", probe, str(root)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    return [
        {
            "benchmark": "compile",
            "models": models,
            "matrix_jobs": len(plan.groups),
            "workflow_files": len(workflows),
            "yaml_kib": sum(len(text) for text in workflows.values()) / 1024,
            "load_s": load_s,
            "compile_s": compile_s,
            "plan_s": plan_s,
            "cli_check_s": cli_s,
            "cli_exit": result.returncode,
            "heavy_imports": heavy.stdout.strip().splitlines()[-1] if heavy.stdout.strip() else "?",
        }
    ]


def rows(settings: Settings) -> list[Row]:
    models = 100 if settings.quick else 1000
    (r,) = run(models, max(settings.repeat, 5) if not settings.quick else 1)
    total = r["load_s"] + r["compile_s"]
    heavy = [] if r["heavy_imports"] in ("[]", "?") else [r["heavy_imports"]]
    return [
        Row(
            f"compile {models:,} models (load + compile, in process)",
            fmt_seconds(total),
            "",
            total,
            at_most(0.4),
            f"load {fmt_seconds(r['load_s'])}, compile {fmt_seconds(r['compile_s'])}; "
            f"`compile --check` as a process {fmt_seconds(r['cli_check_s'])} (exit {r['cli_exit']})",
        ),
        Row(
            f"heavy modules imported by `compile --check`, {models:,} models",
            r["heavy_imports"],
            "",
            float(len(heavy)) if r["heavy_imports"] != "?" else None,
            at_most(0, ""),
            "sklearn, skl2onnx, onnxruntime, pandas, scipy and matplotlib stay off the compile path",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    (row,) = run(args.models, args.repeat)
    print(
        f"models: {row['models']} ({row['matrix_jobs']} CI matrix jobs, {row['workflow_files']} "
        f"workflow files, {row['yaml_kib']:.0f} KiB of YAML)"
    )
    print(f"load spec (no estimator checks): {row['load_s'] * 1000:8.1f} ms")
    print(f"compile_workflows:               {row['compile_s'] * 1000:8.1f} ms")
    print(f"load + compile:                  {(row['load_s'] + row['compile_s']) * 1000:8.1f} ms")
    print(f"ci_plan (all models, hashing):   {row['plan_s'] * 1000:8.1f} ms")
    print(
        f"`mlgitops compile --check` (new process, exit {row['cli_exit']}): "
        f"{row['cli_check_s'] * 1000:8.1f} ms"
    )
    print(f"heavy modules imported by compile: {row['heavy_imports']}")


if __name__ == "__main__":
    main()
