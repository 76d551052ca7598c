"""Current data against a reference profile: find the reference, validate the current data
batch by batch, and stream it through drift detection.

`mlgitops drift` and the drift benchmark both run `compare`, so what is measured is
what users run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError, MlgitopsError
from ..registry import Registry, VersionRef

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from ..data.report import DataValidationReport
    from ..data.stream import Batch
    from ..spec.models import DatasetSpec, DriftSpec
    from .detect import Scorer
    from .profile import Profile
    from .report import DriftReport

BATCH_ROWS = 100_000


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
    from .detect import detect_drift

    validation = CurrentValidation(dataset, profile.numeric, profile.categorical)
    files = iter_file_batches(source, root, batch_rows, dictionary=profile.categorical)
    # the next batches are read and validated on a second thread while this one is counted
    batches = prefetch(validation.checked(files))

    def frame_of(table: pa.Table) -> pd.DataFrame:  # what the scorer reads: the training types
        return detection_frame(
            table.to_pandas(ignore_metadata=True), dataset, profile.numeric, profile.categorical
        )

    try:
        report = detect_drift(
            profile, batches, drift, scorer, prediction_note=prediction_note, frame_of=frame_of
        )
    except BadInputError:
        if not validation.failed:
            raise
        report = None  # every batch failed validation: nothing reached detection
    failures = validation.failed_reports()
    return (None, failures) if failures or report is None else (report, [])


def reference_version(registry: Registry, model: str) -> tuple[VersionRef, list[str]]:
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


def onnx_scorer(
    registry: Registry, ref: VersionRef, profile: Profile
) -> tuple[Scorer | None, str | None]:
    """Score batches with the same version's ONNX model, or say why prediction drift is skipped."""
    if profile.prediction is None:
        return None, "the reference profile holds no holdout scores"
    from ..onnx.safety import registry_source
    from ..onnx.score import OnnxScorer

    try:
        scorer = OnnxScorer(
            registry.read_artifact(ref, "model.onnx"),
            source=registry_source(ref.model, ref.version),
        )
    except FileNotFoundError:
        return None, f"v{ref.version} has no model.onnx"
    except MlgitopsError as exc:
        return None, exc.message
    task = profile.task

    def score(frame: pd.DataFrame) -> np.ndarray:
        from .profile import prediction_scores

        labels, proba = scorer.predict(frame)
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

    def checked(self, batches: Iterable[Batch]) -> Iterator[pa.Table]:
        from ..data.validate import validate_table

        for batch in batches:
            spec = self._spec_for(batch.table.schema.names)
            report = validate_table(
                batch.table,
                spec,
                file=batch.file,
                row_offset=batch.row_offset,
                dataset_checks=False,
                threads=1,  # this runs on the prefetch thread, beside detection on the other core
            )
            known = self.reports.get(batch.file)
            self.reports[batch.file] = report if known is None else known.merge(report)
            if not report.passed:
                self.failed = True
            if not self.failed:  # after a failure, keep validating to report every problem
                yield detection_table(batch.table, self.dataset, self.numeric, self.categorical)

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

    def _spec_for(self, names: list[str]) -> DatasetSpec:
        target = self.dataset.target
        if target in names:
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

    from ..data.validate import coerce_frame, parse_declared

    spec = dataset.model_copy(update={"columns": {name: dataset.columns[name] for name in numeric}})
    out = (
        coerce_frame(frame[numeric], spec)
        if numeric
        else pd.DataFrame(index=pd.RangeIndex(len(frame)))
    )
    for name in categorical:
        parsed = parse_declared(frame[name], dataset.columns[name])
        assert parsed.text is not None  # string and category columns parse as text
        text = parsed.text
        if parsed.missing.any():
            text = pc.if_else(pa.array(parsed.missing), pa.scalar(None, type=text.type), text)
        out[name] = text.to_pandas().array
    return out


def detection_table(
    table: pa.RecordBatch, dataset: DatasetSpec, numeric: list[str], categorical: list[str]
) -> pa.Table:
    """The features of a validated batch, for detection: numbers as Arrow numbers, text as
    stored (string or dictionary; blank counts as missing when counted).

    Stored numbers and booleans pass through untouched; only text (CSV) is parsed,
    exactly as `coerce_frame` parses it.
    """
    import numpy as np
    import pyarrow as pa

    from ..data.columns import parse_column

    columns: dict[str, Any] = {}
    for name in numeric:
        array = table.column(name)
        kind = array.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
            columns[name] = array
            continue
        parsed = parse_column(array.to_pandas(), dataset.columns[name])
        if parsed.numbers is not None:
            values = np.where(parsed.invalid, np.nan, parsed.numbers)
        else:
            assert parsed.flags is not None
            values = np.where(parsed.missing | parsed.invalid, np.nan, parsed.flags.astype(float))
        columns[name] = pa.array(values, type=pa.float64())
    for name in categorical:
        columns[name] = table.column(name)
    if not columns:  # keep the row count
        return pa.Table.from_batches([table]).select([])
    return pa.table(columns)
