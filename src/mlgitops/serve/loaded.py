"""A production version ready to score: digests verified, ONNX checked, inputs mapped.

Everything a request needs is read once here, so a request only looks values
up. The model's declared column names (the user's, with spaces or dots) map
to the ONNX model's own inputs by position: the converter creates one input
per feature in feature order, and may rename inputs whose names hold
characters ONNX names cannot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import BadInputError, CheckFailedError
from ..registry import PRODUCTION, REGISTRY_DIR, Registry
from ..spec.models import ColumnSpec, DatasetSpec

PLATFORM = "onnx_onnxv1"
# ONNX TensorProto element types -> Open Inference Protocol datatypes
_DATATYPES = {
    1: "FP32",
    2: "UINT8",
    3: "INT8",
    6: "INT32",
    7: "INT64",
    8: "BYTES",
    9: "BOOL",
    11: "FP64",
}


@dataclass(frozen=True)
class InputColumn:
    name: str  # as declared in mlops.yaml
    onnx_name: str  # the ONNX model's input
    is_string: bool
    spec: ColumnSpec

    @property
    def datatype(self) -> str:
        return "BYTES" if self.is_string else "FP32"


@dataclass(frozen=True)
class OutputTensor:
    name: str
    datatype: str
    shape: tuple[int, ...]  # -1 for the batch dimension


@dataclass(frozen=True)
class ServedModel:
    name: str
    version: int
    sha256: str
    task: str
    classes: tuple[str, ...]
    inputs: tuple[InputColumn, ...]
    outputs: tuple[OutputTensor, ...]
    scorer: Any  # OnnxScorer

    @property
    def by_name(self) -> Mapping[str, InputColumn]:
        return {column.name: column for column in self.inputs}

    def score(self, feeds: dict[str, np.ndarray]) -> list[tuple[OutputTensor, np.ndarray]]:
        """Each output with its values, as the ONNX model returns them."""
        labels, proba = self.scorer.run(feeds)
        values = [labels] if proba is None else [labels, proba]
        return list(zip(self.outputs, values, strict=False))


def load_production(registry: Registry, name: str, dataset: DatasetSpec) -> ServedModel:
    """Verify and load `name`'s production version; CheckFailedError when it must not serve."""
    pointer = registry.production(name)
    if pointer is None:
        raise BadInputError(
            f"{name} has no production version ({REGISTRY_DIR}/{name}/{PRODUCTION})",
            hint="promote a version first, or leave the model out with --model",
        )
    ref, _ = registry.verify_production(name, pointer)
    onnx_bytes = registry.read_artifact(ref, "model.onnx")
    if hashlib.sha256(onnx_bytes).hexdigest() != pointer.sha256:  # the bytes we load, not the file
        raise CheckFailedError(f"{REGISTRY_DIR}/{name}: model.onnx changed while it was read")
    features = registry.evidence(ref).features
    return build_served(name, ref.version, pointer.sha256, onnx_bytes, features, dataset)


def build_served(
    name: str,
    version: int,
    sha256: str,
    onnx_bytes: bytes,
    features: list[str],
    dataset: DatasetSpec,
) -> ServedModel:
    from ..onnx.safety import check_model, registry_source
    from ..onnx.score import OnnxScorer

    where = f"{name} v{version}"
    source = registry_source(name, version)
    proto = check_model(onnx_bytes, source)  # refuses external data, foreign operators, damage
    scorer = OnnxScorer(onnx_bytes, source=source)
    if len(scorer.inputs) != len(features):
        raise CheckFailedError(
            f"{where}: the ONNX model reads {len(scorer.inputs)} inputs, its evidence names "
            f"{len(features)} features",
            hint="register the model again with `mlgitops run`",
        )
    undeclared = [f for f in features if f not in dataset.columns]
    if undeclared:
        raise CheckFailedError(
            f"{where}: feature(s) {', '.join(undeclared)} are not declared in mlops.yaml",
            hint="declare the columns again, or promote a version trained on today's columns",
        )
    inputs = tuple(
        InputColumn(feature, onnx_name, is_string, dataset.columns[feature])
        for feature, (onnx_name, is_string) in zip(features, scorer.inputs, strict=True)
    )
    outputs = tuple(
        OutputTensor(
            out.name,
            _DATATYPES.get(out.type.tensor_type.elem_type, "BYTES"),
            tuple(d.dim_value if d.dim_value > 0 else -1 for d in out.type.tensor_type.shape.dim),
        )
        for out in proto.graph.output
    )
    # the scorer returns probabilities only where the model has them
    outputs = outputs[: 2 if scorer.has_proba else 1]
    return ServedModel(
        name=name,
        version=version,
        sha256=sha256,
        task=scorer.task,
        classes=tuple(scorer.classes),
        inputs=inputs,
        outputs=outputs,
        scorer=scorer,
    )
