"""The model's input contract, shared by training and ONNX scoring.

A served model reads one ONNX tensor per column: float32 for numeric columns,
strings for categorical ones. ONNX string tensors cannot hold None, so a
missing category is the empty string, which the categorical imputer treats as
missing. Training sees exactly these values (numeric ones rounded to float32),
so scikit-learn and onnxruntime are fed the same numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

MISSING_CATEGORY = ""
# Column types (spec/models.py ColumnType) fed to the model as numbers.
NUMERIC_TYPES = frozenset({"integer", "number", "boolean"})


def numeric_values(series: pd.Series) -> np.ndarray:
    """float32 values, NaN where missing (booleans become 0/1)."""
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return values.astype(np.float32)


def categorical_values(series: pd.Series) -> np.ndarray:
    """str values (an object array), MISSING_CATEGORY where missing."""
    import pandas as pd

    raw = series.astype(object).to_numpy()
    missing = pd.isna(raw)
    out = np.empty(len(raw), dtype=object)
    out[missing] = MISSING_CATEGORY
    out[~missing] = [str(v) for v in raw[~missing]]
    return out


def model_inputs(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """The feature columns as the model reads them, in `numeric + categorical` order."""
    import pandas as pd

    columns: dict[str, np.ndarray] = {}
    for name in numeric:
        # float64 holding float32-exact values: scikit-learn computes in float64 on what ONNX sees
        columns[name] = numeric_values(frame[name]).astype(np.float64)
    for name in categorical:
        columns[name] = categorical_values(frame[name])
    return pd.DataFrame(columns, index=frame.index)
