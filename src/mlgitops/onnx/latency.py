"""How fast the ONNX model scores: single rows (p50/p99) and a large batch (rows/s).

Timed is onnxruntime's run on prepared feeds, the model's own cost; turning a
frame into feeds is the caller's and is left out. The measurement is bounded
to well under a second.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from ..errors import BadInputError
from ..evidence import LatencyEvidence
from .score import Feeds, OnnxScorer

if TYPE_CHECKING:
    import pandas as pd

SINGLE_ROW_RUNS = 200
BATCH_SIZE = 10_000
_WARMUP_RUNS = 10
_BATCH_RUNS = 3
_BATCH_BUDGET_SECONDS = 0.3


def measure_latency(
    onnx_bytes: bytes,
    frame: pd.DataFrame,
    *,
    runs: int = SINGLE_ROW_RUNS,
    batch_size: int = BATCH_SIZE,
) -> LatencyEvidence:
    """Single-row latency over `runs` rows of `frame` (cycled), and throughput on `batch_size` rows
    (the frame repeated or cut to that size)."""
    if len(frame) == 0:
        raise BadInputError(
            "cannot measure latency on an empty frame", hint="pass the holdout rows"
        )
    scorer = OnnxScorer(onnx_bytes)
    rows = scorer.feeds(frame.iloc[np.resize(np.arange(len(frame)), min(runs, len(frame)))])
    n_rows = len(next(iter(rows.values())))
    singles = [{name: values[i : i + 1] for name, values in rows.items()} for i in range(n_rows)]
    for i in range(_WARMUP_RUNS):
        scorer.run(singles[i % n_rows])
    timings = np.empty(runs)
    for i in range(runs):
        feeds = singles[i % n_rows]
        start = time.perf_counter_ns()
        scorer.run(feeds)
        timings[i] = time.perf_counter_ns() - start
    p50, p99 = np.percentile(timings, [50, 99]) / 1e6

    batch = scorer.feeds(frame.iloc[np.resize(np.arange(len(frame)), batch_size)])
    best = _best_batch_seconds(scorer, batch)
    return LatencyEvidence(
        single_row_p50_ms=round(float(p50), 4),
        single_row_p99_ms=round(float(p99), 4),
        batch_rows_per_second=round(batch_size / best, 1),
        batch_size=batch_size,
    )


def _best_batch_seconds(scorer: OnnxScorer, batch: Feeds) -> float:
    """The fastest of a few runs (the least disturbed by other work on the machine)."""
    best = float("inf")
    budget_end = time.perf_counter() + _BATCH_BUDGET_SECONDS
    for _ in range(_BATCH_RUNS):
        start = time.perf_counter()
        scorer.run(batch)
        best = min(best, time.perf_counter() - start)
        if time.perf_counter() > budget_end:
            break
    return max(best, 1e-9)
