"""Score a validated frame with an ONNX model in onnxruntime.

The model describes its own inputs: a float input is a numeric column, a
string input a categorical one, and its metadata names the declared column
each input reads (`names.onnx_input_names`; a model without it reads the
columns of its inputs' names). Columns become feeds the way training saw them
(`train/inputs.py`): float32 with NaN for missing numbers, str with "" for
missing categories.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BadInputError
from ..train.inputs import MISSING_CATEGORY, categorical_values, numeric_values
from .convert import META_CLASSES, META_COLUMNS, META_PROBA, META_TASK
from .safety import check_model

if TYPE_CHECKING:
    import pandas as pd

Feeds = dict[str, np.ndarray]


# Frames of at most this many cells (rows x columns) take `small_frame_feeds`: beyond it, one
# numpy conversion per column is cheaper than a Python object per cell.
SMALL_FRAME_CELLS = 1024
# ... and of at most this many columns per model input: `to_numpy` reads every column, so a
# frame of many more columns than the model reads is cheaper taken one read column at a time.
SMALL_FRAME_WIDTH = 4

# Where onnxruntime would look for external data: a path that cannot exist (a child of the
# null device), so that even a model `check_model` missed cannot read a file.
_NO_EXTERNAL_DATA = str(Path(os.devnull) / "external-data-is-refused")


def session_options() -> Any:
    """One thread, and no file reached: no profile written, ONNX format only (what
    `check_model` read), external data looked for where none can be."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_profiling = False
    options.add_session_config_entry("session.load_model_format", "ONNX")
    options.add_session_config_entry(
        "session.model_external_initializers_file_folder_path", _NO_EXTERNAL_DATA
    )
    return options


class OnnxScorer:
    """One onnxruntime session on one thread (steadier single-row latency).

    The one place a session is created: the model is checked first (`safety.check_model`),
    and `source` names its file in errors.
    """

    def __init__(self, onnx_bytes: bytes, *, source: str = "model.onnx") -> None:
        import onnxruntime as ort

        check_model(onnx_bytes, source)
        try:
            self._session = ort.InferenceSession(
                onnx_bytes, sess_options=session_options(), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise BadInputError(
                f"{source}: onnxruntime cannot load the model: {' '.join(str(exc).split())[:300]}",
                hint="convert the model again; the file may be damaged",
            ) from None
        self.inputs: list[tuple[str, bool]] = [
            (i.name, i.type == "tensor(string)") for i in self._session.get_inputs()
        ]
        self.outputs: list[str] = [o.name for o in self._session.get_outputs()]
        meta = self._session.get_modelmeta().custom_metadata_map
        by_input = {v: k for k, v in json.loads(meta.get(META_COLUMNS, "{}")).items()}
        # (declared column, input name, is string), in input order
        self.columns: list[tuple[str, str, bool]] = [
            (by_input.get(name, name), name, is_string) for name, is_string in self.inputs
        ]
        self._features = tuple(column for column, _, _ in self.columns)
        self.task: str = meta.get(
            META_TASK, "classification" if len(self.outputs) > 1 else "regression"
        )
        self.classes: list[str] = json.loads(meta.get(META_CLASSES, "[]"))
        self.has_proba: bool = self.task == "classification" and json.loads(
            meta.get(META_PROBA, "true")
        )

    @property
    def features(self) -> list[str]:
        """The declared columns the model reads, in input order."""
        return list(self._features)

    def feeds(self, frame: pd.DataFrame) -> Feeds:
        """One [n, 1] array per model input, from the frame's declared columns."""
        if self._is_small(frame):
            small = small_frame_feeds(frame, self.columns)
            if small is not None:
                return small
        missing = [name for name in self._features if name not in frame.columns]
        if missing:
            raise BadInputError(
                f"the data lacks column(s) the model reads: {', '.join(missing)}",
                hint="score a file with every feature column of the model",
            )
        return frame_feeds(frame, self.columns)

    def _is_small(self, frame: pd.DataFrame) -> bool:
        width = len(frame.columns)
        cells = len(frame.index) * width
        return cells <= SMALL_FRAME_CELLS and width <= SMALL_FRAME_WIDTH * len(self.columns)

    def run(self, feeds: Feeds) -> tuple[np.ndarray, np.ndarray | None]:
        """(labels or predictions, probabilities or None) for prepared feeds."""
        outputs: list[Any] = self._session.run(self.outputs, feeds)
        if self.task == "regression":
            return np.asarray(outputs[0], dtype=np.float64).reshape(-1), None
        labels = np.asarray(outputs[0]).reshape(-1)
        # estimators without predict_proba output decision scores there, which are not probabilities
        proba = (
            np.asarray(outputs[1], dtype=np.float64)
            if self.has_proba and len(outputs) > 1
            else None
        )
        return labels, proba

    def predict(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        return self.run(self.feeds(frame))


def frame_feeds(frame: pd.DataFrame, columns: Sequence[tuple[str, str, bool]]) -> Feeds:
    """The feeds of `columns` (declared column, input name, is string), one column at a time."""
    feeds: Feeds = {}
    for column, name, is_string in columns:
        series = frame[column]
        values = categorical_values(series) if is_string else numeric_values(series)
        feeds[name] = values.reshape(-1, 1)
    return feeds


def small_frame_feeds(
    frame: pd.DataFrame, columns: Sequence[tuple[str, str, bool]]
) -> Feeds | None:
    """`frame_feeds` for a frame of a few cells, read in one `to_numpy`, or None to leave it
    to `frame_feeds`.

    Taking a column out of a frame costs pandas tens of microseconds, more than scoring one
    row. Here every cell becomes a Python object once, and a cell is taken only when its
    type makes its feed value certain: a plain int, float or bool for a number, a str, int,
    float or bool for a category, None, NaN or pd.NA for a missing one. Any other cell
    (a timestamp, a numpy scalar, text where a number is read), a missing column, or a name
    given to two columns hands the whole frame to the general path, which decides (and
    refuses) as it always does.
    """
    import pandas as pd

    where = []
    for column, _, _ in columns:
        try:
            at = frame.columns.get_loc(column)
        except KeyError:  # a missing column: `frame_feeds`'s caller names them all
            return None
        if not isinstance(at, int):
            return None
        where.append(at)
    cells = frame.to_numpy(dtype=object)
    feeds: Feeds = {}
    for (_, name, is_string), at in zip(columns, where, strict=True):
        values = cells[:, at]
        if is_string:
            texts = np.empty((len(values), 1), dtype=object)
            for row, value in enumerate(values):
                kind = type(value)
                if kind is str:
                    texts[row, 0] = value
                elif value is None or value is pd.NA or (kind is float and value != value):
                    texts[row, 0] = MISSING_CATEGORY
                elif kind in _PLAIN_NUMBERS:
                    texts[row, 0] = str(value)
                else:
                    return None
            feeds[name] = texts
        else:
            numbers = []
            for value in values:
                if type(value) in _PLAIN_NUMBERS:
                    numbers.append(value)
                elif value is None or value is pd.NA:
                    numbers.append(math.nan)
                else:
                    return None
            try:
                exact = np.array(numbers, dtype=np.float64)
            except OverflowError:  # an int beyond float64: the general path raises its own error
                return None
            # float64 first, as `numeric_values` does: an int rounds once to float64, then to float32
            feeds[name] = exact.astype(np.float32).reshape(-1, 1)
    return feeds


_PLAIN_NUMBERS = frozenset({int, float, bool})
