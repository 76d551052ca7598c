"""Single-row HTTP scoring: `mlgitops serve` against MLflow's scoring server.

Both serve the churn-classifier pipeline (HistGradientBoosting over imputed,
scaled and one-hot columns): mlgitops its registered `model.onnx` with
onnxruntime, MLflow the same scikit-learn pipeline fitted by mlgitops's own
training code (`mlflow_model.py`, in benchmarks/.venv-mlflow). Each server is
its own process with one worker; the load is one row per request over
keep-alive connections at a fixed concurrency, from an asyncio client
sending pre-built requests (so the client is not what is measured). Each side
runs in rounds of fixed length; the best round's requests/s and its p50/p99
are reported, with the spread of requests/s over rounds.

    python benchmarks/bench_serve.py [--concurrency 4] [--seconds 5] [--rounds 3]

Goal: at least 5x MLflow's requests/s, and p99 under 5 ms, on /invocations
(the request both servers understand). The Open Inference Protocol endpoint
is measured too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row, Settings, at_least, at_most

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data" / "serve"
MLFLOW_PYTHON = ROOT / "benchmarks" / ".venv-mlflow" / "bin" / "python"
MODEL = "churn-classifier"
ROW = {
    "tenure_months": 3,
    "monthly_charges": 99.19,
    "total_charges": 297.57,
    "contract": "month-to-month",
    "payment_method": "electronic-check",
    "senior_citizen": False,
    "support_calls": 0,
}
GOAL_RATIO = 5.0
GOAL_P99_MS = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}); see {DATA}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # benchmarks may poll; tests never do
    raise RuntimeError(f"{url} did not become ready in {timeout:.0f} s")


@contextlib.contextmanager
def _process(command: list[str], ready_url: str, log: Path, env: dict[str, str]) -> Iterator[None]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=sink, env=env, cwd=ROOT)
        try:
            _wait_ready(ready_url, process)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", **extra})
    return env


def mlgitops_server(port: int) -> contextlib.AbstractContextManager[None]:
    command = [
        sys.executable,
        "-m",
        "mlgitops.cli",
        "-C",
        str(ROOT),
        "serve",
        "--port",
        str(port),
        "--model",
        MODEL,
    ]
    ready = f"http://127.0.0.1:{port}/v2/health/ready"
    return _process(command, ready, DATA / "mlgitops.log", _env())


def mlflow_server(port: int) -> contextlib.AbstractContextManager[None]:
    if not MLFLOW_PYTHON.exists():
        raise FileNotFoundError(f"{MLFLOW_PYTHON} is missing: run `make bench-env` first")
    model_dir = DATA / "mlflow-model"
    subprocess.run(
        [str(MLFLOW_PYTHON), str(ROOT / "benchmarks" / "mlflow_model.py"), str(model_dir)],
        check=True,
        cwd=ROOT,
        env=_env(PYTHONPATH=str(ROOT / "src")),
    )
    command = [
        str(MLFLOW_PYTHON),
        "-m",
        "mlflow",
        "models",
        "serve",
        "-m",
        str(model_dir),
        "--env-manager",
        "local",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-w",
        "1",
    ]
    ready = f"http://127.0.0.1:{port}/ping"
    # MLflow starts `uvicorn` by name: its environment's bin/ goes first on PATH
    path = f"{MLFLOW_PYTHON.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = _env(PYTHONPATH=str(ROOT / "src"), PATH=path)
    return _process(command, ready, DATA / "mlflow.log", env)


# --- the load ---------------------------------------------------------------------------------


def _request(port: int, path: str, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def _connection(
    port: int, request: bytes, stop_at: float, latencies: list[float], failures: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                failures.append(1)
                if len(failures) == 1:
                    print(f"  a request failed: {head.splitlines()[0]!r} {body[:200]!r}")
    finally:
        writer.close()


async def _round(port: int, request: bytes, concurrency: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    failures: list[int] = []
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_connection(port, request, stop_at, latencies, failures) for _ in range(concurrency))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "failed": len(failures),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
    }


def measure(
    port: int, path: str, body: dict[str, Any], *, concurrency: int, seconds: float, rounds: int
) -> dict[str, Any]:
    request = _request(port, path, body)
    asyncio.run(_round(port, request, concurrency, min(seconds, 1.0)))  # warm up
    results = [asyncio.run(_round(port, request, concurrency, seconds)) for _ in range(rounds)]
    best = max(results, key=lambda r: r["rps"])
    rates = [r["rps"] for r in results]
    return {
        **best,
        "rps_spread": (min(rates), max(rates)),
        "failed": sum(int(r["failed"]) for r in results),
    }


SPLIT = {"dataframe_split": {"columns": list(ROW), "data": [list(ROW.values())]}}
OIP = {
    "inputs": [
        {
            "name": name,
            "datatype": "BYTES" if isinstance(value, str) else "FP64",
            "shape": [1, 1],
            "data": [value],
        }
        for name, value in ROW.items()
    ]
}


def run(
    *, concurrency: int = 4, seconds: float = 5.0, rounds: int = 3, mlflow: bool = True
) -> list[dict[str, Any]]:
    """Rows: each endpoint's best round, MLflow's, the ratio and whether the goals are met."""
    rows: list[dict[str, Any]] = []
    port = _free_port()
    options = {"concurrency": concurrency, "seconds": seconds, "rounds": rounds}
    with mlgitops_server(port):
        ours = measure(port, f"/invocations?model={MODEL}", SPLIT, **options)
        oip = measure(port, f"/v2/models/{MODEL}/infer", OIP, **options)
    theirs = None
    if mlflow:
        port = _free_port()
        with mlflow_server(port):
            theirs = measure(port, "/invocations", SPLIT, **options)
    for case, result in (
        ("/invocations (dataframe_split)", ours),
        ("/v2/models/m/infer (OIP)", oip),
    ):
        ratio = result["rps"] / theirs["rps"] if theirs else None
        rows.append(
            {
                "case": f"{case}, 1 row, concurrency {concurrency}",
                "mlgitops": result,
                "mlflow": theirs,
                "ratio": ratio,
                "goal": f">= {GOAL_RATIO:g}x MLflow's requests/s and p99 < {GOAL_P99_MS:g} ms",
                "met": ratio is not None
                and ratio >= GOAL_RATIO
                and result["p99_ms"] < GOAL_P99_MS
                and result["failed"] == 0,
            }
        )
    return rows


def _median_round(results: list[dict[str, float]]) -> dict[str, Any]:
    """Medians over rounds (requests/s, p50, p99), the spread of requests/s, failures summed."""
    rates = [r["rps"] for r in results]
    return {
        "requests": sum(int(r["requests"]) for r in results),
        "failed": sum(int(r["failed"]) for r in results),
        "rps": statistics.median(rates),
        "p50_ms": statistics.median(r["p50_ms"] for r in results),
        "p99_ms": statistics.median(r["p99_ms"] for r in results),
        "rps_spread": (min(rates), max(rates)),
    }


def rows(settings: Settings) -> list[Row]:
    """The harness's rows: requests/s against MLflow's and p99 for each endpoint.

    Both servers are up together and their rounds alternate (ours on each endpoint,
    then MLflow's), `settings.repeat` rounds each; figures are medians over rounds.
    Quick runs skip MLflow (its start-up alone outlasts the smoke test).
    """
    concurrency = 4
    seconds = 0.5 if settings.quick else 5.0
    note: str | None = None
    if settings.quick:
        note = "not run (quick sizes)"
    elif not MLFLOW_PYTHON.exists():
        note = "not run: environment missing (`make bench-env`)"
    endpoints = {
        "/invocations (dataframe_split)": (f"/invocations?model={MODEL}", SPLIT),
        "/v2/models/m/infer (OIP)": (f"/v2/models/{MODEL}/infer", OIP),
    }
    ours: dict[str, list[dict[str, float]]] = {case: [] for case in endpoints}
    theirs: list[dict[str, float]] = []
    with contextlib.ExitStack() as stack:
        port = _free_port()
        stack.enter_context(mlgitops_server(port))
        requests = {case: _request(port, *target) for case, target in endpoints.items()}
        their_port = _free_port()
        if note is None:
            stack.enter_context(mlflow_server(their_port))
            their_request = _request(their_port, "/invocations", SPLIT)
        warm_up = min(seconds, 1.0)
        for request in requests.values():
            asyncio.run(_round(port, request, concurrency, warm_up))
        if note is None:
            asyncio.run(_round(their_port, their_request, concurrency, warm_up))
        for _ in range(max(settings.repeat, 1)):
            for case, request in requests.items():
                ours[case].append(asyncio.run(_round(port, request, concurrency, seconds)))
            if note is None:
                theirs.append(asyncio.run(_round(their_port, their_request, concurrency, seconds)))
    mlflow = _median_round(theirs) if theirs else None
    out = []
    for case, results in ours.items():
        result = _median_round(results)
        broken = result["failed"] > 0  # a failing server measures nothing
        ratio = None if mlflow is None or broken else result["rps"] / mlflow["rps"]
        what = f"serve 1 row over HTTP, {case}, concurrency {concurrency}"
        out.append(
            Row(
                f"{what}: requests/s",
                f"{result['rps']:,.0f} req/s",
                f"MLflow /invocations {mlflow['rps']:,.0f} req/s"
                if mlflow is not None
                else f"MLflow: {note}",
                ratio,
                at_least(GOAL_RATIO),
                _show(result),
            )
        )
        out.append(
            Row(
                f"{what}: p99 latency",
                f"p99 {result['p99_ms']:.2f} ms",
                "" if mlflow is None else f"MLflow p99 {mlflow['p99_ms']:.2f} ms",
                None if broken else result["p99_ms"] / 1000,
                at_most(GOAL_P99_MS / 1000, "s"),
                f"p50 {result['p50_ms']:.2f} ms; median of the rounds' p99",
            )
        )
    return out


def _show(result: dict[str, Any] | None) -> str:
    if result is None:
        return "not run"
    low, high = result["rps_spread"]
    return (
        f"{result['rps']:,.0f} req/s (rounds {low:,.0f}-{high:,.0f}), "
        f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, "
        f"{result['failed']} failed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-mlflow", action="store_true")
    args = parser.parse_args()
    rows = run(
        concurrency=args.concurrency,
        seconds=args.seconds,
        rounds=args.rounds,
        mlflow=not args.skip_mlflow,
    )
    for row in rows:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.1f}x"
        print(row["case"])
        print(f"  mlgitops: {_show(row['mlgitops'])}")
        print(f"  MLflow:   {_show(row['mlflow'])}")
        print(f"  ratio {ratio}; goal {row['goal']}: {'met' if row['met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
