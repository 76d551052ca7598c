"""Builders for the serving tests: a demo repository with its registry, servers on loopback."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnx
from builders import REPO_ROOT, copy_demo

from mlgitops import yamlio
from mlgitops.registry import Registry
from mlgitops.serve import server
from mlgitops.serve.service import Service, build_service

CHURN = "churn-classifier"
# one row of the churn model's features, as declared in the demo's mlops.yaml
CHURN_ROW: dict[str, Any] = {
    "tenure_months": 3,
    "monthly_charges": 99.19,
    "total_charges": None,
    "contract": "month-to-month",
    "payment_method": "electronic-check",
    "senior_citizen": False,
    "support_calls": 0,
}
DATATYPES = {
    "tenure_months": "INT64",
    "monthly_charges": "FP64",
    "total_charges": "FP64",
    "contract": "BYTES",
    "payment_method": "BYTES",
    "senior_citizen": "BOOL",
    "support_calls": "INT64",
}


def demo_repository(target: Path) -> Path:
    """The demo (spec, data) with the committed registry: three models in production."""
    root = copy_demo(target)
    shutil.copytree(REPO_ROOT / "models", root / "models")
    return root


def infer_body(row: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    values = {**(row or CHURN_ROW), **changes}
    return {
        "inputs": [
            {
                "name": name,
                "datatype": DATATYPES.get(name, "FP64"),
                "shape": [1, 1],
                "data": [value],
            }
            for name, value in values.items()
        ]
    }


@dataclass
class Running:
    url: str
    service: Service


@contextlib.contextmanager
def running(root: Path, models: list[str] | None = None, **options: Any) -> Iterator[Running]:
    service = build_service(root, models or [], **options)
    with server.background(service.app) as address:
        yield Running(address.url, service)


def add_version(root: Path, model: str, *, source: int = 1, edit: Any = None) -> int:
    """Register a copy of version `source` whose model.onnx differs in its bytes
    (a doc string) but scores the same, or as `edit(proto)` changes it."""
    registry = Registry(root)
    ref = registry.ref(model, source)
    files = {
        p.name: p.read_bytes()
        for p in ref.path.iterdir()
        if p.is_file() and p.name != "manifest.json"
    }
    proto = onnx.load_model_from_string(files["model.onnx"])
    proto.doc_string = f"copy of version {ref.version}"
    if edit is not None:
        edit(proto)
    files["model.onnx"] = proto.SerializeToString()
    return registry.register(model, files).version


def scale_tree_weights(proto: Any, factor: float = 3.0) -> None:
    """Change what a tree-ensemble model outputs (its leaf weights)."""
    for node in proto.graph.node:
        for attribute in node.attribute:
            if attribute.name in ("class_weights", "target_weights"):
                values = [v * factor for v in attribute.floats]
                del attribute.floats[:]
                attribute.floats.extend(values)


def point_production(root: Path, model: str, version: int, sha256: str) -> None:
    """Write production.yaml by hand, as a merge would, naming any digest."""
    path = root / "models" / model / "production.yaml"
    path.write_text(
        yamlio.dump(
            {"version": version, "sha256": sha256, "promoted_at": "2026-12-01T00:00:00+00:00"}
        ),
        encoding="utf-8",
    )


def manifest_digest(root: Path, model: str, version: int, name: str = "model.onnx") -> str:
    manifest = json.loads(
        (root / "models" / model / "versions" / str(version) / "manifest.json").read_text()
    )
    return str(manifest["sha256"][name])
