"""`mlgitops run [MODEL…]`: validate-data → train → test → convert → policy → register."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from ..errors import EXIT_CHECK_FAILED, EXIT_OK
from ..execute.results import RunRecord
from ..spec import load_project
from ..spec.checks import project_checks
from ..tables import FitTable
from . import Annotation, Context, Outcome

if TYPE_CHECKING:
    from ..execute.driver import ModelRun


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "run", parents=[common], help="run the pipeline for some or all models"
    )
    parser.add_argument("models", nargs="*", metavar="MODEL", help="models to run (default: all)")
    parser.add_argument(
        "--dry", action="store_true", help="show the plan and which stages are cached; run nothing"
    )
    parser.add_argument("--no-cache", action="store_true", help="ignore the stage cache")
    parser.add_argument(
        "--no-register", action="store_true", help="leave passing candidates unregistered"
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx,
            args.models,
            dry=args.dry,
            use_cache=not args.no_cache,
            register_candidates=not args.no_register,
        )
    )


def run(
    ctx: Context,
    models: list[str],
    *,
    dry: bool = False,
    use_cache: bool = True,
    register_candidates: bool = True,
    today: dt.date | None = None,
) -> Outcome:
    project = load_project(ctx.root, extra_checks=project_checks())
    for name in models:
        project.model(name)  # an unknown name is bad input, with a suggestion
    names = list(models) or list(project.spec.models)
    today = today or ctx.today()
    if dry:
        return _dry(ctx, project, names, today)
    from ..data.snapshot import ensure_locked
    from ..execute.driver import run_models
    from ..provenance import uncommitted_inputs

    locked = ensure_locked(
        ctx.root,
        dict(project.spec.datasets),
        [project.spec.models[name].dataset for name in names],
        in_ci=ctx.environ.get("GITHUB_ACTIONS") == "true",
    )

    dirty = uncommitted_inputs(project, names, ctx.environ)
    runs = run_models(
        project,
        names,
        today=today,
        use_cache=use_cache,
        register=register_candidates,
        reporter=ctx.reporter,
        environ=ctx.environ,
        dirty_inputs=dirty,
    )
    results = [r.record for r in runs]
    failed = [r for r in runs if not r.passed]
    data = {
        "ok": not failed,
        "models": [r.model_dump(mode="json") for r in results],
        "locked": locked,
    }
    renderables: list[Any] = [
        *(Text(line) for line in locked),
        summary_table(results),
        *_artifact_lines(ctx, results),
    ]
    for failure in failed:
        renderables.append(
            Text.assemble(
                (failure.record.model, "bold red"), f" failed at {failure.record.failed_stage}:"
            )
        )
        renderables.extend(Text(f"  - {problem}") for problem in failure.record.problems)
    annotations = [note for r in failed for note in r.annotations] or [
        Annotation(
            "error", f"{r.record.model} failed at {r.record.failed_stage}: {p}", file="mlops.yaml"
        )
        for r in failed
        for p in r.record.problems[:10]
    ]
    warnings = _uncommitted_warnings(dirty)
    data["warnings"] = warnings
    renderables.extend(Text(f"warning: {line}", style="yellow") for line in warnings)
    annotations.extend(Annotation("warning", line) for line in warnings)
    return Outcome(
        EXIT_CHECK_FAILED if failed else EXIT_OK,
        data,
        renderables,
        summary_markdown=summary_markdown(runs),
        annotations=annotations,
    )


def _uncommitted_warnings(dirty: dict[str, list[str]]) -> list[str]:
    """One line per model trained on inputs git does not hold as they are."""
    return [
        f"{model} trained on uncommitted inputs: {', '.join(paths)} (its lineage says so; "
        "commit them before promoting, promote refuses otherwise)"
        for model, paths in dirty.items()
        if paths
    ]


def _dry(ctx: Context, project: Any, names: list[str], today: dt.date) -> Outcome:
    from ..execute.cache import StageCache
    from ..execute.driver import cached_stages, plan_models
    from ..registry import Registry
    from ..workspace import cache_dir

    registry = Registry(ctx.root)
    cache = StageCache(cache_dir(ctx.root))
    table = Table(title="plan (nothing runs)")
    for column in ("model", "stage", "key", "cached"):
        table.add_column(column)
    rows = []
    for plan in plan_models(project, names, registry, today):
        done = cached_stages(plan, cache, registry)
        for stage in plan.stages:
            cached = done[stage.name]
            rows.append(
                {"model": plan.model, "stage": stage.name, "key": stage.key, "cached": cached}
            )
            table.add_row(Text(plan.model), stage.name, stage.key[:12], "yes" if cached else "no")
    return Outcome(EXIT_OK, {"ok": True, "plan": rows}, [table])


def _artifact_lines(ctx: Context, results: list[RunRecord]) -> list[Text]:
    """Where each registered version's files are, and what .mlgitops/ holds."""
    from ..registry import REGISTRY_DIR

    lines = []
    for r in results:
        if r.registered and r.version is not None:
            folder = f"{REGISTRY_DIR}/{r.model}/versions/{r.version}/"
            names = {p.name for p in (ctx.root / folder).glob("*") if p.is_file()}
            first = [name for name in ("model.onnx", "card.md") if name in names]
            more = f", +{len(names) - len(first)} more" if len(names) > len(first) else ""
            lines.append(Text(f"  {folder}  {', '.join(first)}{more}"))
    if lines:
        lines.insert(0, Text("registered versions (commit them):"))
        lines.append(
            Text("caches and candidates: .mlgitops/ (never committed: it is in .gitignore)")
        )
    return lines


def _checks_cell(result: RunRecord) -> str:
    """Gates, then ONNX parity, a line each."""
    gates = _gates_cell(result)
    lines = [f"gates {part}" for part in gates.split(", ")] if gates != "–" else ["no gates"]
    return "\n".join([*lines, f"onnx {_parity_cell(result)}"])


def _gates_cell(result: RunRecord) -> str:
    if not result.gates:
        return "–" if result.failed_stage not in ("validate-data", "train") else "not run"
    counts: dict[str, int] = {}
    for gate in result.gates:
        counts[gate.status] = counts.get(gate.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in counts.items())


def _parity_cell(result: RunRecord) -> str:
    if not result.onnx:
        return "not run"
    verdict = "ok" if result.onnx.passed else "FAILED"
    return f"{verdict} ({result.onnx.max_abs_diff:.1e})"


def _metrics_cell(result: RunRecord, separator: str = ", ") -> str:
    return separator.join(f"{k} {_metric(v)}" for k, v in result.metrics.items()) or "–"


def _metric(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"


def _status_cell(result: RunRecord) -> str:
    if not result.passed:
        return f"failed: {result.failed_stage}"
    cached = all(s.status in ("cached", "skipped") for s in result.stages)
    if result.registered == "new":
        return f"registered v{result.version}"
    if result.registered == "existing":
        return f"v{result.version}" + (" (cached)" if cached else " (unchanged)")
    return "passed (not registered)"


# what a cell in the result column means, shown under the table when it appears
LEGEND = {
    "(cached)": "(cached): nothing it reads changed; every stage came from the cache",
    "(unchanged)": "(unchanged): stages re-ran, but the trained model is the same version",
}
# least important first: what goes when 80 columns cannot hold everything
_DROP_ORDER = ("time",)


def summary_table(results: list[RunRecord]) -> FitTable:
    """One row a model; a metric or gate count a line, so it reads in 80 columns."""
    table = Table(title="mlgitops run", title_justify="left")
    table.add_column("model", no_wrap=True)
    table.add_column("result")
    table.add_column("metrics")
    table.add_column("checks")
    table.add_column("time", justify="right", no_wrap=True)
    legend: list[str] = []
    for r in results:
        style = "green" if r.passed else "red"
        status = _status_cell(r)
        legend += [text for mark, text in LEGEND.items() if mark in status and text not in legend]
        table.add_row(
            Text(r.model),
            Text(status.replace(" (", "\n("), style=style),
            Text(_metrics_cell(r, "\n")),
            Text(_checks_cell(r)),
            f"{r.seconds:.1f}s",
        )
    if legend:
        table.caption = "\n".join(legend)
        table.caption_justify = "left"
    return FitTable(table, _DROP_ORDER)


def summary_markdown(runs: list[ModelRun]) -> str:
    from ..text import md

    results = [r.record for r in runs]
    lines = [
        "## mlgitops run",
        "",
        "| model | result | metrics | gates | ONNX parity | time |",
        "|---|---|---|---|---|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.model} | {_status_cell(r)} | {_metrics_cell(r)} | {_gates_cell(r)} | "
            f"{_parity_cell(r)} | {r.seconds:.1f}s |"
        )
    for run in runs:
        r = run.record
        lines += [
            "",
            f"### {r.model}",
            "",
            "| stage | status | time | detail |",
            "|---|---|---:|---|",
        ]
        lines += [
            # a stage's detail quotes data (column names, values): text, never markup
            f"| {s.name} | {s.status} | {s.seconds:.2f}s | {md(s.detail, limit=1000)} |"
            for s in r.stages
        ]
        if run.evaluation_markdown:
            lines += ["", run.evaluation_markdown]
        if run.markdown:
            lines += ["", run.markdown.rstrip()]
    return "\n".join(lines) + "\n"
