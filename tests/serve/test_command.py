"""`mlgitops serve` as users start it: a process on loopback that stops cleanly on SIGTERM;
names with spaces and dots work end to end."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests
from builders import write_spec
from serve.support import CHURN, infer_body

from mlgitops.cli import build_parser, main


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mlgitops.cli", "-C", str(root), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_listens_on_loopback_scores_logs_and_stops_on_sigterm(demo_root: Path) -> None:
    process = start(demo_root, "--model", CHURN, "--json")
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # the server says where it listens once it does
        assert line.startswith(f"serving {CHURN} v1 on http://127.0.0.1:"), line
        url = line.split(" on ")[1].split()[0]
        response = requests.post(f"{url}/v2/models/{CHURN}/infer", json=infer_body(), timeout=30)
        assert response.status_code == 200 and response.json()["model_version"] == "1"
        access = json.loads(process.stderr.readline())
        assert (access["status"], access["model"], access["path"]) == (
            200,
            CHURN,
            f"/v2/models/{CHURN}/infer",
        )
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert json.loads(out) == {"ok": True, "url": url, "models": {CHURN: 1}}
    assert "Traceback" not in err


def test_the_default_address_is_this_machine_only() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.watch) == ("127.0.0.1", 8080, False)


def test_serve_refuses_a_tampered_model_before_opening_the_port(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from serve.support import demo_repository

    root = demo_repository(tmp_path / "demo")
    onnx_file = root / f"models/{CHURN}/versions/1/model.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes()[:-1])
    assert main(["-C", str(root), "serve", "--port", "0"], environ={}) == 1
    err = capsys.readouterr().err
    assert "model.onnx does not match its recorded sha256" in err and "Traceback" not in err


def test_serve_bad_arguments_exit_2(demo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(demo_root), "serve", "--model", "churn-clasifier"], environ={}) == 2
    assert "did you mean 'churn-classifier'" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert main(["-C", str(demo_root), "serve", "--port", port], environ={}) == 2
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err


def test_column_names_with_spaces_and_dots_are_served_under_their_declared_names(
    tmp_path: Path,
) -> None:
    """skl2onnx renames such inputs (`monthly charges.usd` -> `monthly_charges_usd`); the
    server maps declared names to the ONNX model's own inputs."""
    from mlgitops.onnx.convert import convert
    from mlgitops.serve import server as http
    from mlgitops.serve.app import create_app
    from mlgitops.serve.loaded import build_served
    from mlgitops.serve.metrics import ServeMetrics
    from mlgitops.serve.replay import record_replay, replay
    from mlgitops.serve.store import ModelStore
    from mlgitops.spec import load_project
    from mlgitops.train.fit import train_model

    rng = np.random.default_rng(0)
    rows = 400
    frame = pd.DataFrame(
        {
            "monthly charges.usd": np.round(rng.uniform(20, 120, rows), 2),
            "tenure-months": rng.integers(0, 72, rows).astype(float),
            "contract type": rng.choice(["monthly", "yearly"], rows).astype(object),
        }
    )
    score = frame["monthly charges.usd"] / 50 - frame["tenure-months"] / 30
    frame["churned"] = ((score + rng.normal(0, 0.3, rows)) > score.median()).astype(bool)
    (tmp_path / "data").mkdir()
    frame.to_csv(tmp_path / "data/odd.csv", index=False)
    write_spec(
        tmp_path,
        """
        version: 1
        project: odd-names
        datasets:
          odd:
            path: data/odd.csv
            target: churned
            columns:
              "monthly charges.usd": {type: number, min: 0}
              "tenure-months": {type: integer, min: 0}
              "contract type": {type: category, values: [monthly, yearly]}
              churned: {type: boolean}
        models:
          odd:
            dataset: odd
            task: classification
            estimator:
              class: sklearn.linear_model.LogisticRegression
            metrics: [accuracy]
        """,
    )
    project = load_project(tmp_path, check_estimators=False)
    dataset = project.spec.datasets["odd"]
    trained = train_model(frame, dataset, project.spec.models["odd"], project.pipelines["odd"])
    onnx_bytes = convert(trained, 17)
    model = build_served("odd", 1, "x" * 64, onnx_bytes, list(trained.features), dataset)
    first = model.inputs[0]
    assert (first.name, first.onnx_name) == ("monthly charges.usd", "monthly_charges_usd")
    metrics = ServeMetrics()
    store = ModelStore(lambda name: model, metrics)
    store.load(["odd"])
    with http.background(create_app(store, metrics)) as address, requests.Session() as session:
        meta = session.get(f"{address.url}/v2/models/odd", timeout=30).json()
        assert [i["name"] for i in meta["inputs"]] == list(trained.features)
        row = {"monthly charges.usd": 110.0, "tenure-months": 1, "contract type": "monthly"}
        scored = session.post(
            f"{address.url}/invocations", json={"dataframe_records": [row]}, timeout=30
        )
        assert scored.status_code == 200, scored.text
        assert scored.json()["predictions"] in (["True"], ["False"])
        bad = session.post(
            f"{address.url}/invocations",
            json={"dataframe_records": [row | {"tenure-months": -1}]},
            timeout=30,
        )
        assert "column 'tenure-months', row 0: -1 is below the minimum 0" in bad.json()["error"]
        # rows recorded from scikit-learn replay through those names
        record = record_replay(trained, dataset, 1e-4)
        check = replay(session, address.url, "odd", 1, record)
        assert check.passed and check.rows == 16, check.message
