"""Every endpoint of `mlgitops serve` and its errors, over a real socket."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
import requests
from serve.support import CHURN, CHURN_ROW, Running, infer_body

from mlgitops.registry import Registry
from mlgitops.serve.replay import REPLAY_FILE, ReplayRecord, compare, infer_request


def get(served: Running, path: str) -> requests.Response:
    return requests.get(served.url + path, timeout=30)


def post(served: Running, path: str, body: Any) -> requests.Response:
    return requests.post(served.url + path, json=body, timeout=30)


def error_of(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    return str(body["error"])


def recorded(root: Path, model: str) -> ReplayRecord:
    ref = Registry(root).production_ref(model)
    assert ref is not None
    return ReplayRecord.model_validate_json((ref.path / REPLAY_FILE).read_bytes())


# --- health and metadata ---------------------------------------------------------------------


def test_health_and_server_metadata(served: Running) -> None:
    assert get(served, "/v2/health/live").json() == {"live": True}
    ready = get(served, "/v2/health/ready")
    assert (ready.status_code, ready.json()) == (200, {"ready": True})
    meta = get(served, "/v2").json()
    assert meta["name"] == "mlgitops" and meta["extensions"] == []


def test_model_metadata_names_inputs_outputs_and_the_production_version(
    served: Running, demo_root: Path
) -> None:
    meta = get(served, f"/v2/models/{CHURN}").json()
    assert (meta["name"], meta["versions"], meta["platform"]) == (CHURN, ["1"], "onnx_onnxv1")
    inputs = {i["name"]: (i["datatype"], i["shape"]) for i in meta["inputs"]}
    assert list(inputs) == list(CHURN_ROW)
    assert inputs["tenure_months"] == ("FP32", [-1, 1])
    assert inputs["contract"] == ("BYTES", [-1, 1])
    assert [(o["name"], o["datatype"], o["shape"]) for o in meta["outputs"]] == [
        ("label", "BYTES", [-1]),
        ("probabilities", "FP32", [-1, 2]),
    ]
    pointer = Registry(demo_root).production(CHURN)
    assert pointer is not None and meta["parameters"]["sha256"] == pointer.sha256
    assert meta["parameters"]["classes"] == ["False", "True"]
    assert "reload_failed" not in meta["parameters"]
    assert get(served, f"/v2/models/{CHURN}/versions/1").json() == meta
    regression = get(served, "/v2/models/house-price").json()
    assert [(o["name"], o["datatype"]) for o in regression["outputs"]] == [("variable", "FP32")]


def test_model_ready_and_its_versions_form(served: Running) -> None:
    assert get(served, f"/v2/models/{CHURN}/ready").json() == {"name": CHURN, "ready": True}
    assert get(served, f"/v2/models/{CHURN}/versions/1/ready").json()["ready"] is True


def test_unknown_model_and_version_are_404(served: Running) -> None:
    for path in ("/v2/models/nope", "/v2/models/nope/ready"):
        assert "no model 'nope'" in error_of(get(served, path), 404)
    assert "no model 'nope'" in error_of(post(served, "/v2/models/nope/infer", infer_body()), 404)
    message = error_of(get(served, f"/v2/models/{CHURN}/versions/7"), 404)
    assert "serves version 1" in message and "'7'" in message
    error_of(post(served, f"/v2/models/{CHURN}/versions/7/infer", infer_body()), 404)
    assert "no such path" in error_of(get(served, "/v3/anything"), 404)
    assert "method not allowed" in error_of(get(served, f"/v2/models/{CHURN}/infer"), 405)


# --- scoring: Open Inference Protocol ------------------------------------------------------------


def test_infer_scores_as_scikit_learn_did_at_registration(served: Running, demo_root: Path) -> None:
    for model in ("churn-classifier", "house-price", "penguin-species"):
        record = recorded(demo_root, model)
        response = post(served, f"/v2/models/{model}/infer", infer_request(record))
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["model_name"], body["model_version"]) == (model, "1")
        assert body["id"] == "mlgitops-release-replay"
        outputs = body["outputs"]
        assert outputs[0]["shape"][0] == len(record.rows)
        check = compare(
            model, 1, record, outputs[0]["data"], outputs[1]["data"] if len(outputs) > 1 else None
        )
        assert check.passed, check.message


def test_infer_single_row_and_chosen_outputs(served: Running) -> None:
    body = infer_body() | {"outputs": [{"name": "probabilities"}]}
    response = post(served, f"/v2/models/{CHURN}/versions/1/infer", body)
    assert response.status_code == 200, response.text
    (output,) = response.json()["outputs"]
    assert (output["name"], output["datatype"], output["shape"]) == (
        "probabilities",
        "FP32",
        [1, 2],
    )
    assert abs(sum(output["data"]) - 1) < 1e-5
    # a flat shape and nested data are the same tensor
    flat = infer_body()
    for tensor in flat["inputs"]:
        tensor["shape"], tensor["data"] = [1], [tensor["data"]]
    again = post(served, f"/v2/models/{CHURN}/infer", flat).json()["outputs"][1]["data"]
    assert again == output["data"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (infer_body(tenure_months=-3), "column 'tenure_months', row 0: -3 is below the minimum 0"),
        (infer_body(tenure_months=2.5), "column 'tenure_months', row 0: 2.5 is not a whole number"),
        (
            infer_body(monthly_charges="cheap"),
            "column 'monthly_charges', row 0: 'cheap' is not a number",
        ),
        (infer_body(contract="weekly"), "column 'contract', row 0: 'weekly' is not one of"),
        (infer_body(support_calls=10**400), "column 'support_calls', row 0: 1000"),
        (infer_body(monthly_charges=1e39), "is not a finite number in float32's range"),
        (infer_body(contract=None), "column 'contract', row 0: None is missing"),
        (
            infer_body(senior_citizen="maybe"),
            "column 'senior_citizen', row 0: 'maybe' is not a boolean",
        ),
        (infer_body(tenure_monts=3), "no input 'tenure_monts' (did you mean 'tenure_months'?)"),
        ({"inputs": infer_body()["inputs"][1:]}, "column 'tenure_months' is missing"),
        ({"inputs": []}, "'inputs' must be a non-empty list"),
        ([1, 2], "the body must be a JSON object"),
        (
            {"inputs": [{**infer_body()["inputs"][0], "datatype": "BYTES"}]},
            "datatype 'BYTES' does not fit",
        ),
        (
            {"inputs": [{**infer_body()["inputs"][0], "shape": [2, 1]}]},
            "shape [2, 1] does not fit its 1 values",
        ),
        (infer_body() | {"outputs": [{"name": "nope"}]}, "'outputs' must list outputs by name"),
    ],
)
def test_infer_refuses_bad_input_with_400_naming_the_problem(
    served: Running, body: Any, expected: str
) -> None:
    message = error_of(post(served, f"/v2/models/{CHURN}/infer", body), 400)
    assert message.startswith(f"{CHURN} v1: ") and expected in message


def test_a_body_that_is_not_json_is_400(served: Running) -> None:
    response = requests.post(
        served.url + f"/v2/models/{CHURN}/infer", data=b"{not json", timeout=30
    )
    assert "the body is not JSON" in error_of(response, 400)
    deep = b"[" * 30_000 + b"]" * 30_000  # under the limit, deeper than the parser recurses
    response = requests.post(served.url + f"/v2/models/{CHURN}/infer", data=deep, timeout=30)
    assert "the body is not JSON" in error_of(response, 400)


def test_a_body_over_the_limit_is_413_declared_or_streamed(served: Running) -> None:
    big = json.dumps({"inputs": [], "padding": "x" * 70_000}).encode()
    response = requests.post(served.url + f"/v2/models/{CHURN}/infer", data=big, timeout=30)
    assert "over the limit of 65,536 bytes" in error_of(response, 413)

    def chunks() -> Any:  # no Content-Length: the server counts what arrives
        for _ in range(20):
            yield b" " * 8192

    response = requests.post(served.url + f"/v2/models/{CHURN}/infer", data=chunks(), timeout=30)
    assert "over the limit" in error_of(response, 413)


# --- scoring: MLflow's /invocations ---------------------------------------------------------------


def test_invocations_dataframe_split_and_records_agree(served: Running) -> None:
    split = {"dataframe_split": {"columns": list(CHURN_ROW), "data": [list(CHURN_ROW.values())]}}
    records = {"dataframe_records": [CHURN_ROW | {"customer_id": "C1"}]}  # extra columns ignored
    one = post(served, f"/invocations?model={CHURN}", split)
    two = post(served, f"/invocations?model={CHURN}", records)
    assert one.status_code == two.status_code == 200, one.text + two.text
    assert one.json() == two.json()
    body = one.json()
    assert body["predictions"][0] in ("True", "False") and body["model_version"] == "1"
    assert body["classes"] == ["False", "True"] and len(body["probabilities"][0]) == 2
    infer = post(served, f"/v2/models/{CHURN}/infer", infer_body()).json()
    assert body["probabilities"][0] == infer["outputs"][1]["data"]


def test_invocations_errors(served: Running) -> None:
    split = {"dataframe_split": {"columns": list(CHURN_ROW), "data": [list(CHURN_ROW.values())]}}
    assert "name one with ?model=NAME" in error_of(post(served, "/invocations", split), 400)
    assert "no model 'x'" in error_of(post(served, "/invocations?model=x", split), 404)
    both = split | {"dataframe_records": []}
    assert "exactly one of" in error_of(post(served, f"/invocations?model={CHURN}", both), 400)
    short = {"dataframe_records": [{k: v for k, v in CHURN_ROW.items() if k != "contract"}]}
    message = error_of(post(served, f"/invocations?model={CHURN}", short), 400)
    assert "column 'contract' is missing" in message
    ragged = {"dataframe_split": {"columns": list(CHURN_ROW), "data": [[1, 2]]}}
    assert "data[0] must be a list of 7 values" in error_of(
        post(served, f"/invocations?model={CHURN}", ragged), 400
    )


# --- metrics and the access log ------------------------------------------------------------------


def test_metrics_count_requests_errors_and_latency_per_model_and_version(served: Running) -> None:
    post(served, f"/v2/models/{CHURN}/infer", infer_body())
    post(served, f"/v2/models/{CHURN}/infer", infer_body(tenure_months=-1))
    post(served, '/v2/models/evil"label/infer', infer_body())
    text = get(served, "/metrics").text
    assert 'mlgitops_requests_total{model="churn-classifier",protocol="v2",version="1"}' in text
    assert (
        'mlgitops_request_errors_total{model="churn-classifier",protocol="v2",status="400",version="1"}'
        in text
    )
    assert 'mlgitops_request_seconds_bucket{le="0.005",model="churn-classifier"' in text
    assert 'mlgitops_model_version{model="churn-classifier"} 1.0' in text
    assert 'mlgitops_unrouted_requests_total{status="404"}' in text
    assert "evil" not in text  # request text never becomes a label


def test_access_log_is_one_json_line_per_request_without_payloads(
    served: Running, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="mlgitops.serve.access"):
        post(served, f"/v2/models/{CHURN}/infer", infer_body(payment_method="secret-value-42"))
    lines = [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "mlgitops.serve.access"
    ]
    (line,) = [entry for entry in lines if entry["path"].endswith("/infer")]
    assert (line["method"], line["status"], line["model"], line["version"]) == (
        "POST",
        400,
        CHURN,
        "1",
    )
    assert line["bytes_in"] > 0 and line["ms"] >= 0 and line["client"] == "127.0.0.1"
    assert "secret-value-42" not in caplog.text


def test_the_server_listens_where_it_was_told(served: Running) -> None:
    host, port = served.url.removeprefix("http://").split(":")
    assert host == "127.0.0.1"
    with socket.create_connection((host, int(port)), timeout=5):
        pass


ODD_VALUES: list[Any] = [
    {"a": 1},
    [1, [2]],
    "",
    "x" * 10_000,
    "[/red]markup",
    "\u0000\u202e",
    -0.0,
    True,
    1e308,
    -(10**30),
]


def test_no_value_in_any_column_makes_a_500(served: Running) -> None:
    statuses = set()
    for column in CHURN_ROW:
        for value in ODD_VALUES:
            for body in (
                infer_body(**{column: value}),
                {"dataframe_records": [CHURN_ROW | {column: value}]},
            ):
                path = (
                    f"/v2/models/{CHURN}/infer"
                    if "inputs" in body
                    else f"/invocations?model={CHURN}"
                )
                response = post(served, path, body)
                statuses.add(response.status_code)
                assert response.status_code in (200, 400), (column, value, response.text)
    assert statuses == {200, 400}  # some odd values are fine (-0.0, True where boolean)
