"""`mlgitops drift MODEL [--current PATH]`: compare current data with the model's reference profile.

The reference is the production version's `profile.json` (the latest
registered version when nothing is in production yet). Current data is read
in batches; each batch is validated against the dataset's columns first, and
data that fails validation is reported as broken data, never as drift.

Three triggers are measured: data (the features), prediction (the model's
scores) and performance (production scored on the labelled current rows
against its own holdout metric, `drift.performance`); `drift.triggers` says
which count (default: data). Each has its own verdict in the table, the JSON
(`triggers`), the step outputs and the issue.

Exit status: 0 no drift, 1 a counted trigger fired or current data that fails
validation (the JSON `status` tells them apart: "drift", "invalid-data"),
2 bad input. In GitHub Actions the verdict is also a step output:
`drifted` (true/false), `drift_share`, `status`, `triggered` (the counted
triggers that fired, comma-separated) and `data_drift`, `prediction_drift`,
`performance_drift` (true/false/none).

With `--open-issue` (the compiled workflow's `on_drift: issue`), drift opens the
model's one drift issue on GitHub or updates the open one, and the command then
exits 0: the issue reports the drift. 3 when GitHub fails.

The report of the dataset's own `current` data is kept in `.mlgitops/drift/`,
where `status`, `run` and `promote` read it. A check of other data
(`--current PATH`) is ad hoc: it is kept apart (`.mlgitops/drift/adhoc/`) and
changes nothing they read. `--markdown` prints the report as Markdown.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EXIT_CHECK_FAILED, EXIT_OK, BadInputError
from ..registry import Registry
from ..spec import load_project
from . import Annotation, Context, Outcome

if TYPE_CHECKING:
    from ..data.report import DataValidationReport
    from ..drift.performance import PerformanceResult
    from ..drift.report import DriftReport
    from ..github.client import GitHubSettings
    from ..registry import VersionRef
    from ..spec.models import DatasetSpec, DriftSpec, ModelSpec

TOP_PLOTS = 5


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "drift", parents=[common], help="compare current data with the model's reference profile"
    )
    parser.add_argument("model", metavar="MODEL")
    parser.add_argument(
        "--current",
        metavar="PATH",
        default=None,
        help="current data: a .csv/.parquet file or a glob, relative to the repository root "
        "(default: the dataset's `current`)",
    )
    parser.add_argument(
        "--plots",
        metavar="DIR",
        type=Path,
        default=None,
        dest="plots_dir",
        help=f"write PNG plots of the {TOP_PLOTS} most drifted features into DIR",
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the report as Markdown (as the step summary and pull request show it)",
    )
    parser.add_argument(
        "--open-issue",
        action="store_true",
        help="on drift, open the model's drift issue on GitHub or update the open one "
        "(GITHUB_REPOSITORY, GITHUB_TOKEN); exits 0 once the issue holds the report",
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx,
            args.model,
            args.current,
            args.plots_dir,
            open_issue=args.open_issue,
            markdown=args.markdown,
        )
    )


def run(
    ctx: Context,
    model: str,
    current: str | None,
    plots_dir: Path | None,
    *,
    batch_rows: int = 100_000,
    open_issue: bool = False,
    markdown: bool = False,
) -> Outcome:
    from ..drift.current import compare, onnx_scorer, reference_version
    from ..drift.profile import Profile
    from ..spec.models import DriftSpec as DriftDefaults

    github = None
    if open_issue:  # GitHub settings first, so a missing token fails before the data is read
        from ..github.client import GitHubSettings

        github = GitHubSettings.from_environ(ctx.environ)
    project = load_project(ctx.root, check_estimators=False)
    model_spec = project.model(model)
    dataset = project.spec.datasets[model_spec.dataset]
    source = current or dataset.current
    window = None
    if not source and dataset.source is not None:
        from ..data.current_window import current_rows

        window = current_rows(dataset, model_spec.dataset, ctx.root)
        if window is None:
            return _no_data(model, dataset.where)
        source = window.rows_file
    if not source:
        raise BadInputError(
            f"dataset '{model_spec.dataset}' names no current data",
            hint=f"set datasets.{model_spec.dataset}.current in mlops.yaml (a path or glob) or pass --current PATH",
        )
    registry = Registry(ctx.root)
    ref, notes = reference_version(registry, model)
    display = f"models/{model}/versions/{ref.version}/profile.json"
    try:
        raw = registry.read_artifact(ref, "profile.json")
    except FileNotFoundError:
        raise BadInputError(
            f"{display} is missing", hint="run `mlgitops run` to register a version with a profile"
        ) from None
    profile = Profile.from_json(raw, display=display)
    scorer, scorer_note = onnx_scorer(registry, ref, profile)

    report, failures = compare(
        profile,
        dataset,
        source,
        ctx.root,
        model_spec.drift or DriftDefaults(),
        scorer,
        prediction_note=scorer_note,
        batch_rows=batch_rows,
    )
    adhoc = current is not None and current != dataset.current
    if report is None:
        return _invalid_data(ctx, model, ref.version, source, failures, adhoc=adhoc)

    report.model, report.version = model, ref.version
    report.source = dataset.where if window is not None else source
    if window is not None:
        notes = [
            *notes,
            f"current window: {window.rows:,} rows of {len(window.files)} file(s), "
            f"{window.start} .. {window.end}",
        ]
    report.notes = notes + report.notes
    scored = window.labelled_file if window is not None else source
    performance = _performance(ctx.root, registry, ref, dataset, model_spec, scored)
    plots: list[Path] = []
    if plots_dir is not None:
        from ..drift.plots import plot_top

        out = plots_dir if plots_dir.is_absolute() else ctx.root / plots_dir
        shown = [f.feature for f in report.features[:TOP_PLOTS] if f.feature in profile.numeric]
        values = _current_values(source, ctx.root, dataset, shown, batch_rows)
        plots = plot_top(report, profile, None, out, top=TOP_PLOTS, current_values=values)
    outcome = _drift_outcome(
        ctx,
        report,
        plots,
        model_spec.drift or DriftDefaults(),
        performance,
        adhoc=adhoc,
        markdown=markdown,
        window=window.to_dict() if window is not None else None,
    )
    if github is not None:
        _open_issue(outcome, report, github)
    return outcome


def _performance(
    root: Path,
    registry: Registry,
    ref: VersionRef,
    dataset: DatasetSpec,
    model: ModelSpec,
    source: str,
) -> PerformanceResult | None:
    """Production on the labelled current rows, when the model monitors performance."""
    if model.drift is None or model.drift.performance is None:
        return None
    from ..drift.performance import measure_performance
    from ..errors import MlgitopsError

    try:
        evidence = registry.evidence(ref)
    except (MlgitopsError, FileNotFoundError, ValueError):
        evidence = None
    try:
        onnx = registry.read_artifact(ref, "model.onnx")
    except (MlgitopsError, FileNotFoundError):
        onnx = None
    return measure_performance(root, dataset, model, source, onnx, evidence)


# --- outcomes ---------------------------------------------------------------------------


# values kept per plotted feature: enough for a smooth plot, bounded memory on any input
PLOT_VALUES = 200_000


def _current_values(
    source: str, root: Path, dataset: Any, features: list[str], batch_rows: int
) -> dict[str, Any]:
    """The current values of the plotted numeric features, read again (only with --plots)."""
    import numpy as np

    from ..data.stream import iter_file_batches
    from ..data.validate import coerce_frame

    if not features:
        return {}
    spec = dataset.model_copy(update={"columns": {n: dataset.columns[n] for n in features}})
    parts: dict[str, list[Any]] = {name: [] for name in features}
    kept = 0
    for batch in iter_file_batches(source, root, batch_rows):
        frame = coerce_frame(batch.frame[features], spec)
        for name in features:
            parts[name].append(frame[name].to_numpy(dtype=np.float64, na_value=np.nan))
        kept += len(frame)
        if kept >= PLOT_VALUES:
            break
    return {name: np.concatenate(chunks)[:PLOT_VALUES] for name, chunks in parts.items() if chunks}


def _drift_outcome(
    ctx: Context,
    report: DriftReport,
    plots: list[Path],
    drift: DriftSpec,
    performance: PerformanceResult | None,
    *,
    adhoc: bool,
    markdown: bool,
    window: dict[str, Any] | None = None,
) -> Outcome:
    from rich.table import Table
    from rich.text import Text

    from ..drift.performance import fired, trigger_verdicts, triggers_markdown
    from ..tables import FitTable
    from ..workspace import drift_record_of, write_drift_record

    verdicts = trigger_verdicts(report, performance, drift)
    triggered = fired(verdicts)
    drifted = bool(triggered)
    data = report.to_dict()
    data["status"] = "drift" if drifted else "no-drift"
    data["drifted"] = drifted
    data["triggered"] = triggered
    data["triggers"] = {v.name: v.to_dict() for v in verdicts}
    data["performance"] = performance.to_dict() if performance is not None else None
    data["plots"] = [_show(p, ctx.root) for p in plots]
    # the retrain job reads this record: it says why (every trigger)
    record = drift_record_of(report).model_copy(
        update={
            "status": data["status"],
            "triggered": triggered,
            "triggers": data["triggers"],
            "performance": data["performance"],
            "current_window": window,
        }
    )
    data["current_window"] = window
    path = write_drift_record(ctx.root, record, adhoc=adhoc)
    data["adhoc"] = adhoc
    data["saved"] = _show(path, ctx.root)
    annotations = []
    if drifted:
        annotations.append(
            Annotation(
                "warning",
                f"{report.model}: drift ({', '.join(triggered)}): {report.headline()}"
                + (
                    f"; {performance.line()}"
                    if performance is not None and "performance" in triggered
                    else ""
                ),
            )
        )
    table = Table(title="Drift triggers")
    for column in ("trigger", "counts", "verdict", "detail"):
        table.add_column(column)
    for v in verdicts:
        verdict = "not computed" if v.fired is None else ("DRIFT" if v.fired else "ok")
        style = "bold red" if v.fired and v.counted else ("green" if v.fired is False else "yellow")
        table.add_row(
            Text(v.name),
            "yes" if v.counted else "no",
            Text(verdict, style=style),
            Text(v.detail),
        )
    report_markdown = report.to_markdown()
    heading, _, rest = report_markdown.partition("\n")
    report_markdown = f"{heading}\n\n{triggers_markdown(verdicts)}{rest}"
    renderables: list[Any] = (
        [Text(report_markdown.rstrip(), no_wrap=True)]
        if markdown
        else [FitTable(table, ("counts",)), FitTable(report.to_table(), ("method",))]
    )
    renderables += [Text(f"plot: {_show(p, ctx.root)}") for p in plots]
    if adhoc:
        renderables.append(
            Text(
                f"ad hoc (--current): kept apart in {data['saved']}; status and promotion "
                "still read the last check of the dataset's current data"
            )
        )
    return Outcome(
        exit_code=EXIT_CHECK_FAILED if drifted else EXIT_OK,
        data=data,
        renderables=renderables,
        summary_markdown=report_markdown,
        annotations=annotations,
        outputs={
            "drifted": "true" if drifted else "false",
            "drift_share": f"{report.drift_share:.4f}",
            "status": data["status"],
            "triggered": ",".join(triggered),
            **{
                f"{v.name}_drift": "none" if v.fired is None else ("true" if v.fired else "false")
                for v in verdicts
            },
        },
    )


def _no_data(model: str, source: str) -> Outcome:
    """An empty current window: nothing to compare, never drift."""
    from rich.text import Text

    message = f"{model}: the current window of {source} holds no rows: no current data"
    return Outcome(
        exit_code=EXIT_OK,
        data={"model": model, "status": "no-data", "drifted": False, "source": source},
        renderables=[Text(message)],
        summary_markdown=f"{message}\n",
        outputs={"drifted": "false", "status": "no-data", "triggered": ""},
    )


def _open_issue(outcome: Outcome, report: DriftReport, settings: GitHubSettings) -> None:
    """On drift, hand the report to the model's drift issue; the drift is then reported, so exit 0."""
    if not outcome.data.get("drifted"):
        outcome.data["issue"] = None
        return
    from ..github import GitHubClient
    from ..github.drift_issue import open_drift_issue

    assert report.model is not None
    triggered = ", ".join(outcome.data.get("triggered") or [])
    issue = open_drift_issue(
        GitHubClient(settings),
        report.model,
        f"{report.headline()} (drift: {triggered})",
        outcome.summary_markdown or report.to_markdown(),
    )
    outcome.data["issue"] = {"action": issue.action, "number": issue.number, "url": issue.url}
    outcome.renderables.append(f"{issue.action} drift issue #{issue.number}: {issue.url}")
    outcome.outputs["issue-number"] = str(issue.number)
    outcome.exit_code = EXIT_OK


def _invalid_data(
    ctx: Context,
    model: str,
    version: int,
    source: str,
    failures: list[DataValidationReport],
    *,
    adhoc: bool,
) -> Outcome:
    from rich.text import Text

    from ..tables import FitTable
    from ..workspace import DriftRecord, write_drift_record

    headline = f"{model} v{version} vs {source}: the current data failed validation; drift was not computed"
    data = {
        "status": "invalid-data",
        "model": model,
        "version": version,
        "source": source,
        "dataset_drifted": False,
        "data_validation": [_validation_dict(report) for report in failures],
    }
    write_drift_record(
        ctx.root,
        DriftRecord(
            status="invalid-data",
            model=model,
            version=version,
            source=source,
            dataset_drifted=False,
            data_validation=data["data_validation"],
        ),
        adhoc=adhoc,
    )
    markdown = "\n".join([f"### Drift: {model} v{version} vs {source}", "", f"**{headline}.**", ""])
    markdown += "\n".join(report.to_markdown() for report in failures)
    annotations = [note for report in failures for note in report.to_annotations()]
    return Outcome(
        exit_code=EXIT_CHECK_FAILED,
        data=data,
        renderables=[
            Text(headline),
            *(FitTable(report.to_table(), ("check",)) for report in failures),
        ],
        summary_markdown=markdown,
        annotations=annotations,
        outputs={"drifted": "false", "drift_share": "0", "status": "invalid-data"},
    )


def _validation_dict(report: DataValidationReport) -> dict[str, Any]:
    return {
        "file": report.file,
        "rows": report.rows,
        "passed": report.passed,
        "failures": [
            {
                "column": f.column,
                "check": f.check,
                "failing_rows": f.failing_rows,
                "examples": [{"row": e.row, "value": e.value} for e in f.examples],
                "message": f.message,
            }
            for f in report.failures
        ],
    }


def _show(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
