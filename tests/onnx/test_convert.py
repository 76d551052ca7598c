from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import onnx
import pytest
from train.datasets import HGB, LOGISTIC, RIDGE, churn, diabetes, iris, model_spec, pipeline_spec

from mlgitops.errors import BadInputError
from mlgitops.onnx.convert import GRAPH_NAME, META_CLASSES, META_TASK, convert
from mlgitops.train.fit import train_model

TESTS = Path(__file__).resolve().parents[1]
CHURN_MODEL = {"features": {"exclude": ["customer_id"]}}


def test_one_typed_input_per_column_and_probabilities_as_a_tensor() -> None:
    frame, dataset = churn()
    result = train_model(
        frame,
        dataset,
        model_spec("classification", **CHURN_MODEL),
        pipeline_spec(HGB, {"max_iter": 30}),
    )
    model = onnx.load_from_string(convert(result, 15))
    inputs = {
        i.name: (i.type.tensor_type.elem_type, [d.dim_value for d in i.type.tensor_type.shape.dim])
        for i in model.graph.input
    }
    float_type, string_type = onnx.TensorProto.FLOAT, onnx.TensorProto.STRING
    assert inputs == {
        "tenure_months": (float_type, [0, 1]),
        "monthly_charges": (float_type, [0, 1]),
        "total_charges": (float_type, [0, 1]),
        "paperless": (float_type, [0, 1]),
        "contract": (string_type, [0, 1]),
        "region": (string_type, [0, 1]),
    }
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]
    assert "ZipMap" not in {node.op_type for node in model.graph.node}
    opsets = [(o.domain, o.version) for o in model.opset_import]
    assert opsets == sorted(opsets)
    assert ("", 15) in opsets
    assert model.graph.name == GRAPH_NAME
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta[META_TASK] == "classification"
    assert json.loads(meta[META_CLASSES]) == ["False", "True"]


def test_regression_converts_with_one_output() -> None:
    frame, dataset = diabetes()
    result = train_model(frame, dataset, model_spec("regression"), pipeline_spec(RIDGE))
    model = onnx.load_from_string(convert(result, 17))
    assert len(model.graph.output) == 1
    assert {p.key: p.value for p in model.metadata_props}[META_TASK] == "regression"


def test_an_estimator_without_a_converter_is_reported() -> None:
    frame, dataset = iris()
    result = train_model(
        frame,
        dataset,
        model_spec("classification"),
        pipeline_spec("sklearn.neighbors.NearestCentroid"),
    )
    with pytest.raises(
        BadInputError, match=r"skl2onnx cannot convert sklearn\.neighbors\.NearestCentroid"
    ):
        convert(result, 17)


_CONVERT_IN_A_FRESH_PROCESS = """
import hashlib
from mlgitops.onnx.convert import convert
from mlgitops.train.fit import train_model
from train.datasets import HGB, LOGISTIC, churn, model_spec, pipeline_spec
frame, dataset = churn(rows=300)
model = model_spec("classification", features={"exclude": ["customer_id"]})
for class_path in (LOGISTIC, HGB):
    result = train_model(frame, dataset, model, pipeline_spec(class_path, categorical={"encode": "ordinal"}))
    print(hashlib.sha256(convert(result, 17)).hexdigest())
"""


def test_bytes_are_the_same_in_processes_with_different_hash_seeds() -> None:
    digests = []
    for seed in ("1", "2"):
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        }
        done = subprocess.run(
            [sys.executable, "-c", _CONVERT_IN_A_FRESH_PROCESS],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.split())
    assert len(digests[0]) == 2
    assert digests[0] == digests[1]
    # and the same bytes in this process
    frame, dataset = churn(rows=300)
    result = train_model(
        frame,
        dataset,
        model_spec("classification", **CHURN_MODEL),
        pipeline_spec(LOGISTIC, categorical={"encode": "ordinal"}),
    )
    assert hashlib.sha256(convert(result, 17)).hexdigest() == digests[0][0]
