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
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BadInputError
from ..train.inputs import categorical_values, numeric_values
from .convert import META_CLASSES, META_COLUMNS, META_PROBA, META_TASK
from .safety import check_model

if TYPE_CHECKING:
    import pandas as pd

Feeds = dict[str, np.ndarray]


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
        return [column for column, _, _ in self.columns]

    def feeds(self, frame: pd.DataFrame) -> Feeds:
        """One [n, 1] array per model input, from the frame's declared columns."""
        missing = [name for name in self.features if name not in frame.columns]
        if missing:
            raise BadInputError(
                f"the data lacks column(s) the model reads: {', '.join(missing)}",
                hint="score a file with every feature column of the model",
            )
        feeds: Feeds = {}
        for column, name, is_string in self.columns:
            series = frame[column]
            values = categorical_values(series) if is_string else numeric_values(series)
            feeds[name] = values.reshape(-1, 1)
        return feeds

    def run(self, feeds: Feeds) -> tuple[np.ndarray, np.ndarray | None]:
        """(labels or predictions, probabilities or None) for prepared feeds."""
        outputs: list[Any] = self._session.run(None, feeds)
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
