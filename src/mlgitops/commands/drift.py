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
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EXIT_CHECK_FAILED, EXIT_OK, BadInputError, MlgitopsError
from ..registry import Registry, VersionRef
from ..spec import load_project
from . import Annotation, Context, Outcome

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..data.report import DataValidationReport
    from ..data.stream import Batch
    from ..drift.detect import Scorer
    from ..drift.profile import Profile
    from ..drift.report import DriftReport
    from ..github.client import GitHubSettings
    from ..spec.models import DatasetSpec, DriftSpec

BATCH_ROWS = 100_000
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
    batch_rows: int = BATCH_ROWS,
    open_issue: bool = False,
) -> Outcome:
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
    ref, notes = _reference_version(registry, model)
    display = f"models/{model}/versions/{ref.version}/profile.json"
    try:
        raw = registry.read_artifact(ref, "profile.json")
    except FileNotFoundError:
        raise BadInputError(
            f"{display} is missing", hint="run `mlgitops run` to register a version with a profile"
        ) from None
    profile = Profile.from_json(raw, display=display)
    scorer, scorer_note = _scorer(registry, ref, profile)

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


def compare(
    profile: Profile,
    dataset: DatasetSpec,
    source: str | list[Path],
    root: Path,
    drift: DriftSpec,
    scorer: Scorer | None = None,
    *,
    prediction_note: str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> tuple[DriftReport | None, list[DataValidationReport]]:
    """Validate the current data batch by batch and stream it through detection.

    Returns (report, []) for valid data, or (None, the failed validation
    reports) when any batch fails: broken data is never judged as drift.
    """
    from ..data.stream import iter_file_batches, prefetch
    from ..drift.detect import detect_drift

    validation = CurrentValidation(dataset, profile.numeric, profile.categorical)
    # the next batches are read and validated on a second thread while this one is counted
    batches = prefetch(validation.checked(iter_file_batches(source, root, batch_rows)))
    try:
        report = detect_drift(profile, batches, drift, scorer, prediction_note=prediction_note)
    except BadInputError:
        if not validation.failed:
            raise
        report = None  # every batch failed validation: nothing reached detection
    failures = validation.failed_reports()
    return (None, failures) if failures or report is None else (report, [])


def _reference_version(registry: Registry, model: str) -> tuple[VersionRef, list[str]]:
    ref = registry.production_ref(model)
    if ref is not None:
        return ref, []
    latest = registry.latest(model)
    if latest is None:
        raise BadInputError(
            f"{model} has no registered version to compare with",
            hint="no registered version: run `mlgitops run` first",
        )
    return latest, [
        f"{model} has no production version; compared with the latest registered version, v{latest.version}"
    ]


def _scorer(
    registry: Registry, ref: VersionRef, profile: Profile
) -> tuple[Scorer | None, str | None]:
    """Score batches with the same version's ONNX model, or say why prediction drift is skipped."""
    if profile.prediction is None:
        return None, "the reference profile holds no holdout scores"
    try:
        from ..onnx.score import OnnxScorer
    except ImportError:
        return None, "ONNX scoring is not available in this installation"
    try:
        onnx_scorer = OnnxScorer(registry.read_artifact(ref, "model.onnx"))
    except FileNotFoundError:
        return None, f"v{ref.version} has no model.onnx"
    except MlgitopsError as exc:
        return None, exc.message
    task = profile.task

    def score(frame: pd.DataFrame) -> np.ndarray:
        from ..drift.profile import prediction_scores

        labels, proba = onnx_scorer.predict(frame)
        scores = prediction_scores(labels, proba, task)
        if len(scores) != len(frame):
            raise BadInputError("the model gives no class probabilities to compare")
        return scores

    return score, None


class CurrentValidation:
    """Validates each batch against the dataset's columns; passes on the features of valid
    batches (see `detection_frame`) until one fails, then only validates the rest.

    Current data may leave out the target (production rarely has labels). Of
    the dataset checks, the null-fraction limits apply to current data; the
    row minimum and uniqueness are about training sets and are not applied.
    """

    def __init__(self, dataset: DatasetSpec, numeric: list[str], categorical: list[str]) -> None:
        unknown = [name for name in (*numeric, *categorical) if name not in dataset.columns]
        if unknown:
            raise BadInputError(
                f"the reference profile has feature(s) {', '.join(unknown)} that the dataset no longer declares",
                hint="retrain the model (`mlgitops run`) after changing the dataset's columns",
            )
        self.dataset = dataset
        self.numeric = numeric
        self.categorical = categorical
        self.reports: dict[str, DataValidationReport] = {}
        self.failed = False

    def checked(self, batches: Iterable[Batch]) -> Iterator[pd.DataFrame]:
        from ..data.validate import validate_frame

        for batch in batches:
            spec = self._spec_for(batch.frame)
            report = validate_frame(
                batch.frame,
                spec,
                file=batch.file,
                row_offset=batch.row_offset,
                dataset_checks=False,
            )
            known = self.reports.get(batch.file)
            self.reports[batch.file] = report if known is None else known.merge(report)
            if not report.passed:
                self.failed = True
            if not self.failed:  # after a failure, keep validating to report every problem
                yield detection_frame(batch.frame, self.dataset, self.numeric, self.categorical)

    def failed_reports(self) -> list[DataValidationReport]:
        from ..data.validate import check_totals

        totals = self.dataset.model_copy(
            update={
                "checks": self.dataset.checks.model_copy(update={"min_rows": None, "unique": []})
            }
        )
        finished = [check_totals(report, totals) for report in self.reports.values()]
        failed = [report for report in finished if not report.passed]
        self.failed = self.failed or bool(failed)
        return failed

    def _spec_for(self, frame: pd.DataFrame) -> DatasetSpec:
        target = self.dataset.target
        if target in frame.columns:
            return self.dataset
        columns = {name: column for name, column in self.dataset.columns.items() if name != target}
        return self.dataset.model_copy(update={"columns": columns})


def detection_frame(
    frame: pd.DataFrame, dataset: DatasetSpec, numeric: list[str], categorical: list[str]
) -> pd.DataFrame:
    """The features of a validated batch with the values `coerce_frame` gives training.

    Numbers (and booleans) go through `coerce_frame`; categories are parsed the
    same way but stay Arrow strings (missing: null) instead of becoming Python
    objects, which costs ~45 ms per million values per column and doubles the
    cost of counting them.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..data.columns import parse_column
    from ..data.validate import coerce_frame

    spec = dataset.model_copy(update={"columns": {name: dataset.columns[name] for name in numeric}})
    out = (
        coerce_frame(frame[numeric], spec)
        if numeric
        else pd.DataFrame(index=pd.RangeIndex(len(frame)))
    )
    for name in categorical:
        parsed = parse_column(frame[name], dataset.columns[name])
        assert parsed.text is not None  # string and category columns parse as text
        text = parsed.text
        if parsed.missing.any():
            text = pc.if_else(pa.array(parsed.missing), pa.scalar(None, type=text.type), text)
        out[name] = text.to_pandas().array
    return out


# --- outcomes ---------------------------------------------------------------------------


def _drift_outcome(ctx: Context, report: DriftReport, plots: list[Path]) -> Outcome:
    from .. import atomic
    from ..workspace import drift_report_path

    data = report.to_dict()
    data["plots"] = [_show(p, ctx.root) for p in plots]
    atomic.write_text(drift_report_path(ctx.root, str(report.model)), report.to_json())
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
    import json

    from .. import atomic
    from ..workspace import drift_report_path

    headline = f"{model} v{version} vs {source}: the current data failed validation; drift was not computed"
    data = {
        "status": "invalid-data",
        "model": model,
        "version": version,
        "source": source,
        "dataset_drifted": False,
        "data_validation": [_validation_dict(report) for report in failures],
    }
    atomic.write_text(drift_report_path(ctx.root, model), json.dumps(data, indent=2) + "\n")
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
