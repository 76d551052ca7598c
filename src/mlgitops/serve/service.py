"""One server's parts, put together from a repository: which models, how each loads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInputError
from ..registry import Registry
from ..spec import load_project
from .app import MAX_BODY_BYTES, ASGIApp, create_app
from .loaded import ServedModel, load_production
from .metrics import ServeMetrics
from .store import ModelStore


@dataclass(frozen=True)
class Service:
    models: list[str]
    store: ModelStore
    metrics: ServeMetrics
    app: ASGIApp


def served_models(root: Path, wanted: list[str]) -> list[str]:
    """The models to serve: those named (each must exist and be in production), or every
    model of mlops.yaml that has a production version."""
    project = load_project(root, check_estimators=False)
    registry = Registry(root)
    if wanted:
        for name in wanted:
            project.model(name)  # an unknown name is bad input, with "did you mean"
            if registry.production(name) is None:
                raise BadInputError(
                    f"{name} has no production version (models/{name}/production.yaml)",
                    hint="promote a version first, or serve other models with --model",
                )
        return list(dict.fromkeys(wanted))
    names = [name for name in project.spec.models if registry.production(name) is not None]
    if not names:
        raise BadInputError(
            "no model has a production version: nothing to serve",
            hint="promote a version (merge its promotion pull request) first",
        )
    return names


def load_model(root: Path, name: str) -> ServedModel:
    """`name`'s production version, verified; mlops.yaml is read afresh (its columns may
    have changed with the same pull)."""
    project = load_project(root, check_estimators=False)
    model = project.model(name)
    return load_production(Registry(root), name, project.spec.datasets[model.dataset])


def build_service(
    root: Path, wanted: list[str], *, max_body_bytes: int = MAX_BODY_BYTES
) -> Service:
    """Every model verified and loaded (a failure here is raised: nothing half-served)."""
    models = served_models(root, wanted)
    metrics = ServeMetrics()
    store = ModelStore(lambda name: load_model(root, name), metrics)
    store.load(models)
    return Service(
        models, store, metrics, create_app(store, metrics, max_body_bytes=max_body_bytes)
    )
