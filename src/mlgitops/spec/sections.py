"""What of mlops.yaml is usable for reference checks, even when the whole is not.

When the spec as a whole has shape errors (already reported), each dataset and
model is validated on its own; an entry that still fails is validated again
with its malformed parts left out, so that, say, a bad `drift.on_drift` does
not hide a dangling `dataset`. Reference checks compare against every name
*written* (not only the well-formed ones), so leaving parts out never invents
a "not found" error.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..registries import METRIC_NAMES
from .models import DatasetSpec, ModelSpec, Spec
from .shape_errors import real_loc

M = TypeVar("M", bound=BaseModel)
_MAX_ROUNDS = 5


@dataclass(frozen=True)
class Sections:
    """The well-formed datasets and models, and the names written in the file."""

    datasets: dict[str, DatasetSpec]
    models: dict[str, ModelSpec]
    dataset_names: list[str]
    model_names: list[str]
    column_names: dict[str, list[str] | None]  # dataset -> columns written; None when malformed
    metric_names: dict[
        str, list[str] | None
    ]  # model -> metrics written; None when any is malformed
    allow_packages: list[str] | None  # None when malformed: estimators cannot be checked


def sections_of(spec: Spec | None, data: dict[str, Any]) -> Sections:
    """The usable sections of a spec (`spec` when it validated, else salvaged from `data`)."""
    raw_datasets = _mapping(data.get("datasets"))
    raw_models = _mapping(data.get("models"))
    columns = {
        name: _names(_mapping_or_none(entry, "columns")) for name, entry in raw_datasets.items()
    }
    metrics = {
        name: _metric_names(_mapping(entry).get("metrics", []))
        for name, entry in raw_models.items()
    }
    if spec is not None:
        return Sections(
            dict(spec.datasets),
            dict(spec.models),
            list(spec.datasets),
            list(spec.models),
            columns,
            metrics,
            list(spec.allow_packages),
        )
    try:
        allow: list[str] | None = TypeAdapter(list[str]).validate_python(
            data.get("allow_packages", [])
        )
    except ValidationError:
        allow = None
    datasets = _salvaged(DatasetSpec, raw_datasets)
    models = _salvaged(ModelSpec, raw_models)
    return Sections(datasets, models, list(raw_datasets), list(raw_models), columns, metrics, allow)


def _salvaged(cls: type[M], entries: dict[str, Any]) -> dict[str, M]:
    out: dict[str, M] = {}
    for name, value in entries.items():
        entry = salvage(cls, value)
        if entry is not None:
            out[name] = entry
    return out


def salvage(cls: type[M], value: Any) -> M | None:
    """`value` validated as `cls`, leaving out malformed parts; None when a required part is bad."""
    if not isinstance(value, dict):
        return None
    try:  # most entries are valid: copy only when parts must be left out
        return cls.model_validate(value, by_name=False)
    except ValidationError:
        pass
    current = copy.deepcopy(value)
    for _ in range(_MAX_ROUNDS):
        try:
            return cls.model_validate(current, by_name=False)
        except ValidationError as exc:
            if not _leave_out(current, [real_loc(current, tuple(e["loc"])) for e in exc.errors()]):
                return None
    return None


def _leave_out(entry: dict[str, Any], locs: list[tuple[str | int, ...]]) -> bool:
    """Delete the second-level part (or else the top-level key) holding each error."""
    targets: set[tuple[str | int, ...]] = set()
    for loc in locs:
        target = next(
            (t for t in (loc[:2], loc[:1]) if t and len(t) <= len(loc) and _exists(entry, t)), None
        )
        if target is None:
            return False  # an error on the entry itself, or a required key missing
        targets.add(target)
    # deepest and highest index first, so earlier deletions do not shift later ones
    for target in sorted(
        targets, key=lambda t: (len(t), t[-1] if isinstance(t[-1], int) else -1), reverse=True
    ):
        parent: Any = entry
        for part in target[:-1]:
            parent = parent[part]
        if _exists(entry, target):
            del parent[target[-1]]
    return True


def _exists(entry: Any, loc: tuple[str | int, ...]) -> bool:
    node = entry
    for part in loc:
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            continue
        if not (isinstance(node, dict) and part in node):
            return False
        node = node[part]
    return True


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _mapping_or_none(entry: Any, key: str) -> dict[str, Any] | None:
    value = _mapping(entry).get(key)
    return value if isinstance(value, dict) else None


def _names(mapping: dict[str, Any] | None) -> list[str] | None:
    return None if mapping is None else list(mapping)


def _metric_names(value: Any) -> list[str] | None:
    """The metrics written, or None when any is malformed (a typo there would make gates look unlisted)."""
    if not isinstance(value, list) or not all(item in METRIC_NAMES for item in value):
        return None
    return list(value)
