from __future__ import annotations

import hashlib
import itertools

from train.datasets import HGB, churn, model_spec, pipeline_spec

from mlgitops.evidence import OnnxEvidence
from mlgitops.onnx.convert import convert
from mlgitops.onnx.evidence import onnx_evidence
from mlgitops.onnx.latency import Timer, measure_latency
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


def test_latency_records_rounds_and_their_spread() -> None:
    result, onnx_bytes = _churn_hgb()
    latency = measure_latency(onnx_bytes, result.X_test, rounds=3, runs_per_round=50)
    assert 0 < latency.single_row_p50_ms <= latency.single_row_p99_ms
    assert latency.single_row_p99_worst_round_ms is not None
    assert latency.single_row_p99_ms <= latency.single_row_p99_worst_round_ms
    assert (latency.rounds, latency.runs_per_round) == (3, 50)
    assert latency.batch_size == 10_000 and latency.batch_rows_per_second > 0


STEP_NS = 20_000  # every timer call advances a steady clock by 20 µs: each run takes 20 µs
STALL_NS = 40_000_000  # a preemption: 40 ms


def _timer(stalled_calls: set[int]) -> Timer:
    """A clock that ticks steadily, and jumps by a preemption at the chosen calls."""
    calls = itertools.count()
    now = 0

    def timer() -> int:
        nonlocal now
        call = next(calls)
        now += STEP_NS + (STALL_NS if call in stalled_calls else 0)
        return now

    return timer


def _end_of_run(round_: int, run: int, runs_per_round: int) -> int:
    """The timer call that ends single-row run `run` of round `round_` (two calls per run)."""
    return 2 * (round_ * runs_per_round + run) + 1


def test_stalled_runs_do_not_move_the_recorded_latency() -> None:
    result, onnx_bytes = _churn_hgb()
    rounds, runs = 5, 100
    steady = measure_latency(
        onnx_bytes, result.X_test, rounds=rounds, runs_per_round=runs, timer=_timer(set())
    )
    # preemptions in four rounds of five, two of them in one round
    stalls = {
        _end_of_run(0, 10, runs),
        _end_of_run(1, 99, runs),
        _end_of_run(2, 0, runs),
        _end_of_run(2, 50, runs),
        _end_of_run(4, 70, runs),
    }
    noisy = measure_latency(
        onnx_bytes, result.X_test, rounds=rounds, runs_per_round=runs, timer=_timer(stalls)
    )
    assert steady.single_row_p99_ms == noisy.single_row_p99_ms == STEP_NS / 1e6
    assert steady.single_row_p50_ms == noisy.single_row_p50_ms
    assert steady.batch_rows_per_second == noisy.batch_rows_per_second
    # the spread keeps the evidence of the noise
    assert steady.single_row_p99_worst_round_ms == STEP_NS / 1e6
    assert noisy.single_row_p99_worst_round_ms is not None
    assert noisy.single_row_p99_worst_round_ms > 100 * noisy.single_row_p99_ms


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


def test_stalls_in_every_round_do_not_move_it_unless_they_hit_the_same_run() -> None:
    result, onnx_bytes = _churn_hgb()
    rounds, runs = 5, 100
    # a loaded machine: several preemptions in every round, never at the same run twice
    stalls = {
        _end_of_run(r, (r * 17 + k * 29) % runs, runs) for r in range(rounds) for k in range(4)
    }
    noisy = measure_latency(
        onnx_bytes, result.X_test, rounds=rounds, runs_per_round=runs, timer=_timer(stalls)
    )
    assert noisy.single_row_p99_ms == STEP_NS / 1e6
    # the same run stalled in every round is a slow row, and the p99 says so
    slow_row = {_end_of_run(r, 42, runs) for r in range(rounds)} | {
        _end_of_run(r, 43, runs) for r in range(rounds)
    }
    slow = measure_latency(
        onnx_bytes, result.X_test, rounds=rounds, runs_per_round=runs, timer=_timer(slow_row)
    )
    assert slow.single_row_p99_ms > 100 * STEP_NS / 1e6
