"""The ONNX part of a candidate's evidence: parity, size, digest and latency."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from ..evidence import OnnxEvidence
from .latency import measure_latency
from .parity import ParityReport, check_parity

if TYPE_CHECKING:
    import pandas as pd

    from ..train.fit import TrainResult


def onnx_evidence(
    onnx_bytes: bytes,
    result: TrainResult,
    *,
    opset: int,
    tolerance: float,
    latency_frame: pd.DataFrame | None = None,
) -> tuple[OnnxEvidence, ParityReport]:
    """Check parity on every training and holdout row and time the model (on the holdout unless
    `latency_frame` is given); `OnnxEvidence.passed` is the parity verdict."""
    parity = check_parity(onnx_bytes, result, tolerance)
    latency = measure_latency(onnx_bytes, result.X_test if latency_frame is None else latency_frame)
    evidence = OnnxEvidence(
        opset=opset,
        size_bytes=len(onnx_bytes),
        sha256=hashlib.sha256(onnx_bytes).hexdigest(),
        tolerance=tolerance,
        rows_checked=parity.rows_checked,
        label_agreement=parity.label_agreement,
        max_abs_diff=parity.max_abs_diff,
        worst_rows=parity.worst_rows,
        passed=parity.passed,
        latency=latency,
    )
    return evidence, parity
