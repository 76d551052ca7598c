"""Refuse an ONNX model that could reach outside itself, before onnxruntime sees it.

A model is a graph of operators over tensors, and a tensor may name a file
to read its values from ("external data"). onnxruntime resolves such names
against the current directory when a model is loaded from bytes, so a
crafted `model.onnx` could read any file and return it as predictions.
mlgitops only ever writes self-contained models made by skl2onnx, so a model
is accepted only when:

- its bytes parse as an ONNX ModelProto (nothing truncated or foreign) and
  are no larger than `MAX_MODEL_BYTES`;
- no tensor anywhere (initializers, sparse initializers, Constant and other
  node attributes, inside the subgraphs of If/Loop/Scan) has external data;
- every operator, and every opset it imports, is in the default ONNX domain
  or `ai.onnx.ml` (what skl2onnx emits): a custom domain would need a custom
  operator library;
- it holds no model-local functions and no training information.

`check_model` is called before a model is registered and by `OnnxScorer`,
the one place that creates an onnxruntime session, so every load checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import BadInputError
from ..registry import REGISTRY_DIR

MAX_MODEL_BYTES = 256 * 1024 * 1024  # skl2onnx models of this project are KB to a few MB
ALLOWED_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml"})
_HINT = (
    "register the model again with `mlgitops run` (it writes self-contained models), "
    "or restore the file from git"
)


class UnsafeModelError(BadInputError):
    """An ONNX model that is damaged, too large or could reach outside itself (exit 2)."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}", hint=_HINT)


def registry_source(model: str, version: int) -> str:
    """How a registered model's file is named in messages."""
    return f"{REGISTRY_DIR}/{model}/versions/{version}/model.onnx"


def check_model(data: bytes, source: str) -> Any:
    """The parsed ModelProto of `data`, or UnsafeModelError naming `source` and the problem.

    External data is never loaded: parsing bytes reads only the bytes.
    """
    import onnx

    if len(data) > MAX_MODEL_BYTES:
        raise UnsafeModelError(
            source,
            f"the model is {len(data):,} bytes, over the limit of {MAX_MODEL_BYTES:,}",
        )
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(data)
    except Exception:  # protobuf's DecodeError and friends: no common base worth importing
        raise UnsafeModelError(
            source, "not an ONNX model (the bytes are truncated or damaged)"
        ) from None
    if not data or not proto.HasField("graph") or proto.ir_version <= 0:
        raise UnsafeModelError(source, "not an ONNX model (no graph or no IR version)")
    problem = _problem(proto)
    if problem is not None:
        raise UnsafeModelError(source, problem)
    return proto


def _problem(proto: Any) -> str | None:
    """What makes the model unsafe, or None."""
    if len(proto.functions):
        return "the model defines its own functions; only plain graphs are accepted"
    if len(proto.training_info):
        return "the model holds training information; only inference graphs are accepted"
    for opset in proto.opset_import:
        if opset.domain not in ALLOWED_DOMAINS:
            return f"the model imports the operator domain {_shown(opset.domain)}; " + _DOMAINS
    for where, graph in _graphs(proto.graph, "graph"):
        for node in graph.node:
            if node.domain not in ALLOWED_DOMAINS:
                return (
                    f"{where}: node {_shown(node.name or node.op_type)} is in the operator "
                    f"domain {_shown(node.domain)}; " + _DOMAINS
                )
        for kind, tensor in _tensors(graph):
            if tensor.data_location == tensor.EXTERNAL or len(tensor.external_data):
                return (
                    f"{where}: {kind} {_shown(tensor.name)} refers to external data; "
                    "only self-contained models are accepted"
                )
    return None


_DOMAINS = "only " + ", ".join(repr(d) for d in sorted(ALLOWED_DOMAINS)) + " are accepted"


def _graphs(graph: Any, where: str) -> Iterator[tuple[str, Any]]:
    """The graph and every subgraph inside it (If branches, Loop and Scan bodies), with a
    path that says where each sits."""
    yield where, graph
    for node in graph.node:
        for attribute in node.attribute:
            inner = f"{where} > {node.op_type} {_shown(node.name)}.{attribute.name}"
            if attribute.HasField("g"):
                yield from _graphs(attribute.g, inner)
            for index, sub in enumerate(attribute.graphs):
                yield from _graphs(sub, f"{inner}[{index}]")


def _tensors(graph: Any) -> Iterator[tuple[str, Any]]:
    """Every tensor one graph holds itself (its subgraphs are walked by `_graphs`)."""
    for tensor in graph.initializer:
        yield "initializer", tensor
    for sparse in graph.sparse_initializer:
        yield "sparse initializer", sparse.values
        yield "sparse initializer", sparse.indices
    for node in graph.node:
        for attribute in node.attribute:
            kind = f"{node.op_type} attribute"
            if attribute.HasField("t"):
                yield kind, attribute.t
            for tensor in attribute.tensors:
                yield kind, tensor
            if attribute.HasField("sparse_tensor"):
                yield kind, attribute.sparse_tensor.values
                yield kind, attribute.sparse_tensor.indices
            for sparse in attribute.sparse_tensors:
                yield kind, sparse.values
                yield kind, sparse.indices


def _shown(text: str) -> str:
    """A name from the model, quoted and cut: it is the model author's text."""
    return repr(text[:60] + ("…" if len(text) > 60 else ""))
