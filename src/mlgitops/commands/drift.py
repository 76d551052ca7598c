"""`mlgitops drift MODEL [--current PATH]`: compare current data with the model's reference profile.

The reference is the production version's `profile.json` (the latest
registered version when nothing is in production yet). Current data is read
in batches; each batch is validated against the dataset's columns first, and
data that fails validation is reported as broken data, never as drift.

Exit status: 0 no drift, 1 dataset drift or current data that fails
validation (the JSON `status` tells them apart: "drift", "invalid-data"),
2 bad input. In GitHub Actions the verdict is also a step output:
`drifted` (true/false), `drift_share` and `status`.

With `--open-issue` (the compiled workflow's `on_drift: issue`), drift opens the
model's one drift issue on GitHub or updates the open one, and the command then
exits 0: the issue reports the drift. 3 when GitHub fails.
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
    from ..drift.report import DriftReport
    from ..github.client import GitHubSettings

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
        "--open-issue",
        action="store_true",
        help="on drift, open the model's drift issue on GitHub or update the open one "
        "(GITHUB_REPOSITORY, GITHUB_TOKEN); exits 0 once the issue holds the report",
    )
    parser.set_defaults(
        handler=lambda args, ctx: run(
            ctx, args.model, args.current, args.plots_dir, open_issue=args.open_issue
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
) -> Outcome:
    from ..drift.current import compare, onnx_scorer, reference_version
    from ..drift.profile import Profile
    from ..spec.models import DriftSpec

    github = None
    if open_issue:  # GitHub settings first, so a missing token fails before the data is read
        from ..github.client import GitHubSettings

        github = GitHubSettings.from_environ(ctx.environ)
    project = load_project(ctx.root, check_estimators=False)
    model_spec = project.model(model)
    dataset = project.spec.datasets[model_spec.dataset]
    source = current or dataset.current
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
        model_spec.drift or DriftSpec(),
        scorer,
        prediction_note=scorer_note,
        batch_rows=batch_rows,
    )
    if report is None:
        return _invalid_data(ctx, model, ref.version, source, failures)

    report.model, report.version, report.source = model, ref.version, source
    report.notes = notes + report.notes
    plots: list[Path] = []
    if plots_dir is not None:
        from ..drift.plots import plot_top

        out = plots_dir if plots_dir.is_absolute() else ctx.root / plots_dir
        plots = plot_top(report, profile, None, out, top=TOP_PLOTS)
    outcome = _drift_outcome(ctx, report, plots)
    if github is not None:
        _open_issue(outcome, report, github)
    return outcome


# --- outcomes ---------------------------------------------------------------------------


def _drift_outcome(ctx: Context, report: DriftReport, plots: list[Path]) -> Outcome:
    from ..workspace import drift_record_of, write_drift_record

    data = report.to_dict()
    data["plots"] = [_show(p, ctx.root) for p in plots]
    write_drift_record(ctx.root, drift_record_of(report))
    drifted = report.dataset_drifted
    annotations = []
    if drifted:
        annotations.append(
            Annotation(
                "warning",
                f"{report.model}: {report.headline()}: {', '.join(report.drifted_features)}",
            )
        )
    return Outcome(
        exit_code=EXIT_CHECK_FAILED if drifted else EXIT_OK,
        data=data,
        renderables=[report.to_table()],
        summary_markdown=report.to_markdown(),
        annotations=annotations,
        outputs={
            "drifted": "true" if drifted else "false",
            "drift_share": f"{report.drift_share:.4f}",
            "status": data["status"],
        },
    )


def _open_issue(outcome: Outcome, report: DriftReport, settings: GitHubSettings) -> None:
    """On drift, hand the report to the model's drift issue; the drift is then reported, so exit 0."""
    if not report.dataset_drifted:
        outcome.data["issue"] = None
        return
    from ..github import GitHubClient
    from ..github.drift_issue import open_drift_issue

    assert report.model is not None
    issue = open_drift_issue(
        GitHubClient(settings), report.model, report.headline(), report.to_markdown()
    )
    outcome.data["issue"] = {"action": issue.action, "number": issue.number, "url": issue.url}
    outcome.renderables.append(f"{issue.action} drift issue #{issue.number}: {issue.url}")
    outcome.outputs["issue-number"] = str(issue.number)
    outcome.exit_code = EXIT_OK


def _invalid_data(
    ctx: Context, model: str, version: int, source: str, failures: list[DataValidationReport]
) -> Outcome:
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
    )
    markdown = "\n".join([f"### Drift: {model} v{version} vs {source}", "", f"**{headline}.**", ""])
    markdown += "\n".join(report.to_markdown() for report in failures)
    annotations = [note for report in failures for note in report.to_annotations()]
    return Outcome(
        exit_code=EXIT_CHECK_FAILED,
        data=data,
        renderables=[headline, *(report.to_table() for report in failures)],
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
