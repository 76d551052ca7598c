"""Score a data file in batches with an ONNX model, writing predictions as they come.

Memory stays bounded by the batch, whatever the file's size: each batch is
validated against the model's features, scored with onnxruntime and appended
to the output file (CSV lines, or one Parquet row group per batch). The output
is written beside its final name and appears there only once every row is
scored and valid; a file with a bad cell anywhere writes nothing. A row's
prediction does not depend on its batch, so a CSV output holds the same bytes
whatever the batch size.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import BadInputError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from ..data.report import DataValidationReport
    from ..data.stream import Batch
    from ..spec.models import DatasetSpec
    from .score import OnnxScorer

OUTPUT_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class ScoredFile:
    """What scoring a file found: its validation, the first rows, and every row without an output."""

    report: DataValidationReport | None  # None only for a file without rows (never read here)
    rows: int
    head: pd.DataFrame  # the first `head_rows` scored rows
    every_row: pd.DataFrame | None  # all scored rows, kept only when no output file is written


def score_batches(
    scorer: OnnxScorer,
    batches: Iterable[Batch],
    features: DatasetSpec,
    *,
    keep: Sequence[str] = (),
    classes: Sequence[Any] | None = None,
    output: Path | None = None,
    head_rows: int = 10,
) -> ScoredFile:
    """Validate, score and write `batches` (one file's); `features` declares the model's columns.

    Scoring stops at the first invalid batch, validation goes on (so the
    report counts every bad row, as for a whole file) and no output appears.
    """
    import pandas as pd

    from ..data.validate import coerce_frame, validate_frame

    report: DataValidationReport | None = None
    head: list[pd.DataFrame] = []
    kept_rows = 0
    every_row: list[pd.DataFrame] = []
    rows = 0
    with _Output(output) as writer:
        for batch in batches:
            kept = _kept_columns(batch, keep)
            # scored files may carry more columns (ids, the target): only the features count
            frame = batch.frame[[name for name in batch.frame.columns if name in features.columns]]
            checked = validate_frame(
                frame,
                features,
                file=batch.file,
                row_offset=batch.row_offset,
                dataset_checks=False,
            )
            report = checked if report is None else report.merge(checked)
            if not report.passed:
                continue  # nothing more is scored; the rest is still validated
            scored = _scored(scorer, coerce_frame(frame, features), kept, classes)
            writer.append(scored)
            rows += len(scored)
            if kept_rows < head_rows:
                head.append(scored.head(head_rows - kept_rows))
                kept_rows += len(head[-1])
            if output is None:
                every_row.append(scored)
        if report is not None and not report.passed:
            writer.discard()
    first = pd.concat(head, ignore_index=True) if head else pd.DataFrame()
    everything = (
        (pd.concat(every_row, ignore_index=True) if every_row else first)
        if output is None
        else None
    )
    return ScoredFile(report, rows, first, everything)


def _scored(
    scorer: OnnxScorer, coerced: pd.DataFrame, kept: pd.DataFrame, classes: Sequence[Any] | None
) -> pd.DataFrame:
    import pandas as pd

    labels, proba = scorer.predict(coerced)
    scored = pd.DataFrame({"prediction": labels})
    if len(kept.columns):
        scored = pd.concat([kept.reset_index(drop=True), scored], axis=1)
    if proba is not None:
        for index, name in enumerate(classes or range(proba.shape[1])):
            scored[f"proba_{name}"] = proba[:, index]
    return scored


def _kept_columns(batch: Batch, keep: Sequence[str]) -> pd.DataFrame:
    """The columns to carry beside the predictions, as read (ids stay text).

    Whole numbers stay whole in every batch (pandas would turn a batch's
    integers with a missing value into floats, 3 into 3.0).
    """
    import pandas as pd
    import pyarrow as pa

    names = [str(name) for name in batch.table.schema.names]
    missing = [name for name in keep if name not in names]
    if missing:
        from ..text import suggest

        raise BadInputError(
            f"--keep {missing[0]}: {batch.file} has no such column" + suggest(missing[0], names),
            hint="name a column of the scored file's header",
        )
    reserved = [name for name in keep if name == "prediction" or str(name).startswith("proba_")]
    if reserved:
        raise BadInputError(
            f"--keep {reserved[0]}: that name is taken by the predictions' own columns",
            hint="rename the column in the file, or keep another one",
        )
    wanted = list(dict.fromkeys(keep))
    if not wanted:
        return pd.DataFrame(index=range(batch.table.num_rows))

    def nullable(kind: pa.DataType) -> Any:
        if pa.types.is_integer(kind):
            return pd.Int64Dtype()
        if pa.types.is_boolean(kind):
            return pd.BooleanDtype()
        return None

    table = pa.Table.from_batches([batch.table]).select(wanted)
    frame: pd.DataFrame = table.to_pandas(ignore_metadata=True, types_mapper=nullable)
    return frame


class _Output:
    """The output file, written beside its name and renamed into place on success."""

    def __init__(self, path: Path | None) -> None:
        if path is not None and path.suffix.lower() not in OUTPUT_SUFFIXES:
            raise BadInputError(f"--output {path}: use a .csv or .parquet file name")
        self.path = path
        self.temp: Path | None = None
        self.handle: IO[bytes] | None = None
        self.parquet: Any = None  # pyarrow.parquet.ParquetWriter
        self.started = False  # the CSV header or the Parquet schema is written
        self.discarded = False

    def __enter__(self) -> _Output:
        return self

    def append(self, scored: pd.DataFrame) -> None:
        if self.path is None:
            return
        if self.temp is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
            )
            self.temp = Path(name)
            self.handle = os.fdopen(fd, "wb")
        assert self.handle is not None
        if self.path.suffix.lower() == ".csv":
            text = scored.to_csv(index=False, header=not self.started, lineterminator="\n")
            self.handle.write(text.encode("utf-8"))
            self.started = True
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.started:
            first = pa.Table.from_pandas(scored, preserve_index=False)
            self.parquet = pq.ParquetWriter(self.handle, first.schema)
            self.parquet.write_table(first)
            self.started = True
            return
        # later batches take the first one's types (a batch of missing ids is not a new type)
        schema = self.parquet.schema
        self.parquet.write_table(pa.Table.from_pandas(scored, schema=schema, preserve_index=False))

    def discard(self) -> None:
        self.discarded = True

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if self.temp is None or self.handle is None:
            return
        try:
            if self.parquet is not None:
                self.parquet.close()
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            if error is None and not self.discarded:
                assert self.path is not None
                # mkstemp makes a private file; give it the mode a plain open() would
                mask = os.umask(0)
                os.umask(mask)
                self.temp.chmod(0o666 & ~mask)
                self.temp.replace(self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                self.temp.unlink()
