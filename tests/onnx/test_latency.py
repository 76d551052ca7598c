from __future__ import annotations

import hashlib
import time

from train.datasets import HGB, churn, model_spec, pipeline_spec

from mlgitops.evidence import OnnxEvidence
from mlgitops.onnx.convert import convert
from mlgitops.onnx.evidence import onnx_evidence
from mlgitops.onnx.latency import measure_latency
from mlgitops.train.fit import TrainResult, train_model


def _churn_hgb() -> tuple[TrainResult, bytes]:
    frame, dataset = churn()
    result = train_model(
        frame,
        dataset,
        model_spec("classification", features={"exclude": ["customer_id"]}),
        pipeline_spec(HGB, {"max_iter": 50}),
    )
    return result, convert(result, 17)


def test_latency_is_measured_quickly() -> None:
    result, onnx_bytes = _churn_hgb()
    started = time.perf_counter()
    latency = measure_latency(onnx_bytes, result.X_test)
    elapsed = time.perf_counter() - started
    assert 0 < latency.single_row_p50_ms <= latency.single_row_p99_ms < 50
    assert latency.batch_size == 10_000
    assert latency.batch_rows_per_second > 10_000
    assert elapsed < 2.0  # budget ~1 s; slack for a busy machine


def test_onnx_evidence_records_parity_size_digest_and_latency() -> None:
    result, onnx_bytes = _churn_hgb()
    evidence, parity = onnx_evidence(onnx_bytes, result, opset=17, tolerance=1e-4)
    assert evidence.passed and parity.passed
    assert evidence.sha256 == hashlib.sha256(onnx_bytes).hexdigest()
    assert evidence.size_bytes == len(onnx_bytes)
    assert (evidence.opset, evidence.tolerance) == (17, 1e-4)
    assert evidence.rows_checked == 600
    assert evidence.label_agreement == 1.0
    assert evidence.max_abs_diff == parity.max_abs_diff < 1e-5
    assert evidence.worst_rows == parity.worst_rows and len(evidence.worst_rows) == 10
    assert OnnxEvidence.model_validate_json(evidence.model_dump_json()) == evidence
