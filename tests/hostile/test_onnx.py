"""Hostile ONNX models in the registry: external data, foreign operators, functions, damage.

A crafted `model.onnx` whose tensors name an external file would make onnxruntime
read that file (relative to the working directory, when a model is loaded from
bytes) and return it as predictions. Each crafted model is refused with a located
error before any session exists: at registration, and by every load (predict,
serve, release --verify-only); the sentinel file's content appears nowhere.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from serve.support import demo_repository

from mlgitops.cli import main
from mlgitops.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED
from mlgitops.onnx import safety
from mlgitops.onnx.safety import UnsafeModelError, check_model
from mlgitops.onnx.score import session_options
from mlgitops.registry import Registry

MODEL = "churn-classifier"
SECRET = "SENTINEL-SECRET-0123456789abcdef"  # 32 bytes: 8 float32 values


def _external(tensor: TensorProto, location: str) -> TensorProto:
    """`tensor` with its values moved to `location` (never written: the file is the secret)."""
    tensor.ClearField("float_data")
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "32")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def _floats(name: str) -> TensorProto:
    return helper.make_tensor(name, TensorProto.FLOAT, [8], [0.0] * 8)


def _unused_output(proto: Any, node: Any) -> None:
    proto.graph.node.append(node)


def external_initializer(proto: Any) -> None:
    proto.graph.initializer.append(_external(_floats("stolen"), "secret.txt"))


def external_initializer_beside_the_repository(proto: Any) -> None:
    proto.graph.initializer.append(_external(_floats("stolen"), "../secret.txt"))


def external_constant(proto: Any) -> None:
    value = _external(_floats("stolen"), "secret.txt")
    _unused_output(proto, helper.make_node("Constant", [], ["leak"], value=value))


def external_sparse_initializer(proto: Any) -> None:
    values = _external(_floats("stolen_values"), "secret.txt")
    indices = helper.make_tensor("stolen_indices", TensorProto.INT64, [8], list(range(8)))
    proto.graph.sparse_initializer.append(helper.make_sparse_tensor(values, indices, [8]))


def external_data_in_a_subgraph(proto: Any) -> None:
    out = helper.make_tensor_value_info("leak", TensorProto.FLOAT, [8])
    branch = helper.make_graph(
        [helper.make_node("Identity", ["stolen"], ["leak"])],
        "branch",
        [],
        [out],
        [_external(_floats("stolen"), "secret.txt")],
    )
    cond = helper.make_tensor("cond", TensorProto.BOOL, [], [True])
    proto.graph.initializer.append(cond)
    _unused_output(
        proto,
        helper.make_node(
            "If", ["cond"], ["leaked"], name="choose", then_branch=branch, else_branch=branch
        ),
    )


def custom_domain_operator(proto: Any) -> None:
    proto.opset_import.append(helper.make_opsetid("com.example.files", 1))
    _unused_output(
        proto, helper.make_node("ReadFile", [], ["leak"], domain="com.example.files", name="read")
    )


def local_function(proto: Any) -> None:
    proto.functions.append(
        helper.make_function(
            "", "Twice", ["x"], ["y"], [helper.make_node("Add", ["x", "x"], ["y"])], []
        )
    )


CRAFTED: dict[str, tuple[Callable[[Any], None], str]] = {
    "external initializer": (external_initializer, "initializer 'stolen' refers to external data"),
    "external data beside the repository": (
        external_initializer_beside_the_repository,
        "initializer 'stolen' refers to external data",
    ),
    "Constant attribute": (external_constant, "Constant attribute 'stolen' refers to external"),
    "sparse initializer": (external_sparse_initializer, "sparse initializer 'stolen_values'"),
    "If subgraph": (
        external_data_in_a_subgraph,
        "graph > If 'choose'.else_branch: initializer 'stolen' refers to external data",
    ),
    "custom domain": (custom_domain_operator, "operator domain 'com.example.files'"),
    "local function": (local_function, "the model defines its own functions"),
}


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = demo_repository(tmp_path / "demo")
    # the sentinel, in the working directory (where onnxruntime looks) and beside the repository
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def production_bytes(root: Path) -> bytes:
    """The demo's production churn model (version 1)."""
    return (Registry(root).ref(MODEL, 1).path / "model.onnx").read_bytes()


def crafted(root: Path, craft: Callable[[Any], None]) -> bytes:
    """The demo's production churn model with one hostile change."""
    proto = onnx.load_model_from_string(production_bytes(root))
    craft(proto)
    return bytes(proto.SerializeToString())


def plant(root: Path, model_bytes: bytes) -> int:
    """A version 2 holding `model_bytes`, written as a crafted registry would be (with a
    matching manifest), and made production."""
    registry = Registry(root)
    source = registry.ref(MODEL, 1).path
    target = source.parent / "2"
    shutil.copytree(source, target)
    (target / "model.onnx").write_bytes(model_bytes)
    digests = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(target.iterdir())
        if p.name != "manifest.json"
    }
    manifest = {"model": MODEL, "version": 2, "sha256": digests}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    registry.set_production(MODEL, 2)
    return 2


def run_cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["-C", str(root), *args], environ={"GITHUB_ACTIONS": "true"})
    out, err = capsys.readouterr()
    printed = out + err
    assert "Traceback" not in printed
    assert SECRET not in printed and "SENTINEL" not in printed
    return code, printed


LOCATION = f"models/{MODEL}/versions/2/model.onnx: "


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_predict_refuses_the_crafted_model_before_scoring(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    craft, problem = CRAFTED[case]
    plant(demo, crafted(demo, craft))
    output = tmp_path / "scored.csv"
    code, printed = run_cli(
        demo, capsys, "predict", MODEL, "data/churn_current.csv", "--output", str(output)
    )
    assert code == EXIT_BAD_INPUT, printed
    assert f"error: {LOCATION}" in printed and problem in printed
    assert "hint: register the model again" in printed
    assert f"::error::{LOCATION}" in printed
    assert not output.exists()


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_release_verify_only_refuses_the_crafted_model(
    demo: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    craft, problem = CRAFTED[case]
    plant(demo, crafted(demo, craft))
    code, printed = run_cli(demo, capsys, "release", MODEL, "--verify-only", "--json")
    data = json.loads(printed.partition("\n::")[0])
    assert code == EXIT_CHECK_FAILED
    [row] = data["models"]
    assert row["status"] == "failed" and row["message"].startswith(LOCATION)
    assert problem in row["message"]


@pytest.mark.parametrize("case", ["external initializer", "If subgraph", "custom domain"])
def test_serve_refuses_to_load_the_crafted_model(demo: Path, case: str) -> None:
    from mlgitops.serve.service import build_service

    plant(demo, crafted(demo, CRAFTED[case][0]))
    with pytest.raises(UnsafeModelError) as caught:
        build_service(demo, [MODEL])
    assert caught.value.message.startswith(LOCATION)
    assert CRAFTED[case][1] in caught.value.message
    assert caught.value.exit_code == EXIT_BAD_INPUT


@pytest.mark.parametrize("case", ["external initializer", "Constant attribute", "local function"])
def test_registration_refuses_the_crafted_model_and_writes_nothing(demo: Path, case: str) -> None:
    registry = Registry(demo)
    files = {p.name: p.read_bytes() for p in registry.ref(MODEL, 1).path.iterdir()}
    files.pop("manifest.json")
    files["model.onnx"] = crafted(demo, CRAFTED[case][0])
    with pytest.raises(UnsafeModelError, match=f"to register for {MODEL}: .*{CRAFTED[case][1]}"):
        registry.register(MODEL, files)
    assert registry.versions(MODEL) == [1]
    assert sorted(p.name for p in registry.ref(MODEL, 1).path.parent.iterdir()) == ["1"]


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda data: data[: len(data) // 2], "the bytes are truncated or damaged"),
        (lambda data: b"\xff\xfe" + b"garbage" * 10, "not an ONNX model"),
        (lambda data: b"", "not an ONNX model"),
    ],
)
def test_damaged_bytes_are_refused_by_predict(
    demo: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[bytes], bytes],
    problem: str,
) -> None:
    plant(demo, damage(production_bytes(demo)))
    code, printed = run_cli(demo, capsys, "predict", MODEL, "data/churn_current.csv")
    assert code == EXIT_BAD_INPUT and f"error: {LOCATION}" in printed and problem in printed


def test_an_oversize_model_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_MODEL_BYTES", 1000)
    with pytest.raises(UnsafeModelError, match=r"big.onnx: the model is 2,000 bytes, over the"):
        check_model(b"\x00" * 2000, "big.onnx")


def test_the_production_models_pass() -> None:
    from builders import REPO_ROOT

    for path in sorted((REPO_ROOT / "models").glob("*/versions/*/model.onnx")):
        assert check_model(path.read_bytes(), str(path)).graph.node


def _identity_of_external_data() -> bytes:
    """y = the external tensor: onnxruntime returns the file's bytes as floats."""
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [8])
    graph = helper.make_graph(
        [helper.make_node("Identity", ["stolen"], ["y"])],
        "leak",
        [],
        [out],
        [_external(_floats("stolen"), "secret.txt")],
    )
    return bytes(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    )


def test_the_session_options_alone_keep_onnxruntime_from_reading_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnxruntime as ort

    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    data = _identity_of_external_data()
    # the threat is real: default options, no optimisation, and the file comes back
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    plain = ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
    assert np.asarray(plain.run(None, {})[0]).tobytes() == SECRET.encode()
    # ours, even without the check in front of them
    ours = session_options()
    ours.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    with pytest.raises(Exception, match=r"[Ee]xternal data") as caught:
        ort.InferenceSession(data, sess_options=ours, providers=["CPUExecutionProvider"])
    assert SECRET not in str(caught.value)
