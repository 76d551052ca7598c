"""Convert a trained pipeline to ONNX bytes that are the same in every process.

One typed input per feature column (float for numeric, string for
categorical), named by `names.onnx_input_names` and recorded in the model's
metadata, probabilities as a plain tensor (no ZipMap). skl2onnx orders
`opset_import` by Python's hash seed, so the model is normalised before it is
serialised: the registry stores a digest of these bytes.
"""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError

if TYPE_CHECKING:
    from ..train.fit import TrainResult

GRAPH_NAME = "mlgitops"
# metadata_props keys, so a model file says what its probability columns are
META_TASK = "mlgitops.task"
META_CLASSES = "mlgitops.classes"
META_PROBA = "mlgitops.probabilities"  # "true" when the second output holds probabilities
META_COLUMNS = "mlgitops.columns"  # JSON {column: input name}, when any input is renamed


def convert(result: TrainResult, opset: int) -> bytes:
    """ONNX bytes of `result.pipeline` at `opset` (the ai.onnx domain)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    from ..train.pipeline import convertible_part
    from .names import onnx_input_names

    model = convertible_part(result.pipeline)
    estimator = model.steps[-1][1]
    numeric = set(result.numeric)
    initial_types = [
        (name, FloatTensorType([None, 1]) if name in numeric else StringTensorType([None, 1]))
        for name in result.features
    ]
    has_proba = hasattr(estimator, "predict_proba")
    options = {id(estimator): {"zipmap": False}} if has_proba else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # skl2onnx warns about opsets newer than it was tested with
            proto = convert_sklearn(
                model, initial_types=initial_types, target_opset=opset, options=options
            )
    except Exception as exc:  # skl2onnx raises many types; all mean "cannot convert"
        raise BadInputError(
            f"skl2onnx cannot convert {result.estimator} at opset {opset}: "
            f"{' '.join(str(exc).split())[:500]}",
            hint="choose an estimator skl2onnx supports or another onnx.opset",
        ) from None
    columns = onnx_input_names(result.features)
    _rename_inputs(proto, [columns[name] for name in result.features])
    metadata = {
        META_TASK: result.task,
        META_CLASSES: json.dumps(result.classes),
        META_PROBA: json.dumps(has_proba and result.task == "classification"),
    }
    if any(column != name for column, name in columns.items()):
        # only then: a model whose inputs are its columns' names keeps the same bytes
        metadata[META_COLUMNS] = json.dumps(columns, ensure_ascii=False)
    return normalise(proto, metadata)


def _rename_inputs(proto: Any, names: list[str]) -> None:
    """Give the graph's inputs (declared in feature order) the names of our own rule.

    skl2onnx keeps a column's name as its input's name when it is an identifier
    and makes one up otherwise; the names it makes up are its own business.
    """
    graph = proto.graph
    renames = {
        given.name: wanted
        for given, wanted in zip(graph.input, names, strict=True)
        if given.name != wanted
    }
    if not renames:
        return
    used = {out for node in graph.node for out in node.output} | {i.name for i in graph.initializer}
    clash = sorted(used & set(renames.values()))
    if clash:  # a made-up inner name equal to one of ours: never silently rewire the graph
        raise BadInputError(
            f"an ONNX input name is taken inside the converted graph: {', '.join(clash)}",
            hint="rename that column in the data and in mlops.yaml",
        )
    for given in graph.input:
        given.name = renames.get(given.name, given.name)
    for node in graph.node:
        for index, name in enumerate(node.input):
            if name in renames:
                node.input[index] = renames[name]


def normalise(proto: Any, metadata: dict[str, str]) -> bytes:
    """Serialise with every process-dependent detail fixed."""
    opsets = sorted((entry.domain, entry.version) for entry in proto.opset_import)
    del proto.opset_import[:]
    for domain, version in opsets:
        entry = proto.opset_import.add()
        entry.domain, entry.version = domain, version
    proto.graph.name = GRAPH_NAME
    proto.doc_string = ""
    del proto.metadata_props[:]
    for key, value in sorted(metadata.items()):
        prop = proto.metadata_props.add()
        prop.key, prop.value = key, value
    data: bytes = proto.SerializeToString(deterministic=True)
    return data
