"""Convert a trained pipeline to ONNX bytes that are the same in every process.

One typed input per feature column (float for numeric, string for
categorical), probabilities as a plain tensor (no ZipMap). skl2onnx orders
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


def convert(result: TrainResult, opset: int) -> bytes:
    """ONNX bytes of `result.pipeline` at `opset` (the ai.onnx domain)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    from ..train.pipeline import convertible_part

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
    return normalise(
        proto,
        {
            META_TASK: result.task,
            META_CLASSES: json.dumps(result.classes),
            META_PROBA: json.dumps(has_proba and result.task == "classification"),
        },
    )


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
