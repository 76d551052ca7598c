"""The Evidently side of bench_drift.py; runs in benchmarks/.venv-evidently (pandas < 3).

    benchmarks/.venv-evidently/bin/python benchmarks/evidently_drift.py REFERENCE.parquet CURRENT.parquet

Reads both files, then times `Report([DataDriftPreset()]).run(current, reference)`
with Evidently's defaults and prints one JSON line: seconds, the memory it
added over the loaded frames (peak RSS growth), and per column the method,
score and verdict Evidently reports.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import warnings
from pathlib import Path
from typing import Any


def peak_rss_bytes() -> int:
    """Peak resident memory of this process image (VmHWM on Linux; getrusage elsewhere)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def main(reference_path: str, current_path: str) -> None:
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    warnings.filterwarnings("ignore")
    reference = pd.read_parquet(reference_path)
    current = pd.read_parquet(current_path)
    baseline = peak_rss_bytes()
    started = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
    seconds = time.perf_counter() - started
    peak = peak_rss_bytes()
    columns: dict[str, Any] = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if not config["type"].endswith("ValueDrift"):
            continue
        method, threshold, score = config["method"], config["threshold"], float(metric["value"])
        # p-value tests drift below the threshold, distances at or above it
        drifted = score < threshold if "p_value" in method else score >= threshold
        columns[config["column"]] = {
            "method": method,
            "score": score,
            "threshold": threshold,
            "drifted": drifted,
        }
    print(json.dumps({"seconds": seconds, "extra_bytes": peak - baseline, "columns": columns}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
