"""The Evidently side of bench_evaluate.py; runs in benchmarks/.venv-evidently (pandas < 3).

    benchmarks/.venv-evidently/bin/python benchmarks/evidently_classification.py ROWS.parquet

ROWS.parquet holds `target` (0/1), `prediction` (0/1) and `proba` (of class 1).
Times `Report([ClassificationPreset()]).run(current)` with Evidently's defaults
for a binary classification with probabilities, and prints one JSON line:
seconds, and the metric values Evidently reports (accuracy, precision, recall,
f1, roc_auc, log_loss).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from typing import Any


def main(path: str) -> None:
    import pandas as pd
    from evidently import BinaryClassification, DataDefinition, Dataset, Report
    from evidently.presets import ClassificationPreset

    warnings.filterwarnings("ignore")
    frame = pd.read_parquet(path)
    definition = DataDefinition(
        classification=[
            BinaryClassification(target="target", prediction_probas="proba", pos_label=1)
        ],
        numerical_columns=["proba"],
        categorical_columns=["target"],
    )
    started = time.perf_counter()
    data = Dataset.from_pandas(frame, data_definition=definition)
    # threshold 0.5 on the probability gives the same labels as `prediction`
    snapshot = Report([ClassificationPreset(probas_threshold=0.5)]).run(current_data=data)
    seconds = time.perf_counter() - started
    values: dict[str, Any] = {}
    wanted = {
        "Accuracy": "accuracy",
        "Precision": "precision",
        "Recall": "recall",
        "F1Score": "f1",
        "RocAuc": "roc_auc",
        "LogLoss": "log_loss",
    }
    for metric in snapshot.dict()["metrics"]:
        kind = metric["config"]["type"].rsplit(":", 1)[-1].rsplit(".", 1)[-1]
        if kind in wanted and isinstance(metric["value"], int | float):
            values[wanted[kind]] = float(metric["value"])
    print(json.dumps({"seconds": seconds, "metrics": values}))


if __name__ == "__main__":
    main(sys.argv[1])
