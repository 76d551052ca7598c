"""The labelled rows of a dataset's current data: what "today's data" is scored on."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MlgitopsError

if TYPE_CHECKING:
    import pandas as pd

    from ..spec.models import DatasetSpec


@dataclass(frozen=True)
class LabelledRows:
    frame: pd.DataFrame | None  # validated and coerced, the target present on every row
    files: list[str] = field(default_factory=list)
    note: str | None = None  # why there are none


def labelled_current_rows(
    root: Path, dataset: DatasetSpec, source: str | None = None
) -> LabelledRows:
    """The current rows whose target is filled in, or why there are none.

    Current data that fails validation gives no rows (and a note): broken data
    is `mlgitops drift`'s to report, and a comparison on it would mislead.
    """
    import pandas as pd

    from ..data.read import read_table
    from ..data.stream import resolve_files
    from ..data.validate import coerce_frame, validate_frame

    source = source or dataset.current
    if source is None:
        return LabelledRows(None, note="the dataset names no current data")
    try:
        files = resolve_files(source, root)
    except MlgitopsError as exc:
        return LabelledRows(None, note=f"current data: {exc.message}")
    frames, names = [], []
    for path, display in files:
        try:
            frame = read_table(path, display)
        except MlgitopsError as exc:
            return LabelledRows(None, note=f"current data: {exc.message}")
        names.append(display)
        if dataset.target not in frame.columns:
            continue  # production rows without labels
        report = validate_frame(frame, dataset, file=display, dataset_checks=False)
        if not report.passed:
            return LabelledRows(None, names, note=f"current data {display} fails validation")
        frames.append(coerce_frame(frame, dataset, file=display))
    if not frames:
        return LabelledRows(None, names, note="the current data holds no labels")
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame[dataset.target].notna()].reset_index(drop=True)
    if frame.empty:
        return LabelledRows(None, names, note="the current data holds no labelled rows")
    return LabelledRows(frame, names)
