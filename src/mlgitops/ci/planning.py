"""What the plan jobs compute: the models to run, as matrices for the workflows.

CI: the models a change affects (`affected.py`), each entry carrying a digest
of the model's inputs that keys its stage cache. Drift: the models whose
schedule fired, or the one dispatched by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import BadInputError
from ..plan import ModelPlan, digest
from ..spec import Project
from ..text import suggest
from .affected import affected_models
from .matrix import MatrixGroup, ci_groups, drift_groups, drift_models, matrix_outputs


@dataclass(frozen=True)
class MatrixPlan:
    entries: dict[str, dict[str, Any]]  # model -> matrix entry, in spec order
    reasons: dict[str, str]  # model -> why it runs
    groups: list[MatrixGroup]

    @property
    def include(self) -> list[dict[str, Any]]:
        return list(self.entries.values())

    def outputs(self) -> dict[str, str]:
        return matrix_outputs(self.groups, self.entries)


def ci_plan(
    project: Project,
    base: str | None,
    today: dt.date | None = None,
    environ: Mapping[str, str] | None = None,
) -> MatrixPlan:
    today = today or dt.datetime.now(dt.UTC).date()
    affected = affected_models(project, base, environ)
    names = list(affected.reasons)
    entries = {
        plan.model: {"model": plan.model, "inputs_sha256": inputs_digest(plan)}
        for plan in _plans(project, names, today)
    }
    return MatrixPlan(entries, affected.reasons, ci_groups(project.spec))


def _plans(project: Project, names: list[str], today: dt.date) -> list[ModelPlan]:
    from ..execute.driver import plan_models
    from ..registry import Registry

    return plan_models(project, names, Registry(project.root), today)


def inputs_digest(plan: ModelPlan) -> str:
    """The CI stage cache's key: the plan's stage keys, so it changes exactly when a stage's
    inputs do (and an older entry of the same model is restored by prefix)."""
    return digest([(stage.name, stage.key) for stage in plan.stages])


def drift_plan(project: Project, schedule: str | None, model: str | None) -> MatrixPlan:
    """Models with a drift section: the dispatched `model`, else those on `schedule`, else all."""
    spec = project.spec
    candidates = drift_models(spec)
    if model:
        if model not in candidates:
            where = (
                "has no drift section" if model in spec.models else "is not a model in mlops.yaml"
            )
            raise BadInputError(
                f"'{model}' {where}{suggest(model, candidates)}",
                hint=f"models with drift checks: {', '.join(candidates) or 'none'}",
            )
        reasons = {model: "dispatched by hand"}
    elif schedule:
        reasons = {
            name: f"schedule '{schedule}'"
            for name in candidates
            if (drift := spec.models[name].drift) is not None and drift.schedule == schedule
        }
    else:
        reasons = dict.fromkeys(candidates, "every model with a drift section")
    entries: dict[str, dict[str, Any]] = {}
    for name in reasons:
        drift = spec.models[name].drift
        assert drift is not None  # candidates all have one
        entries[name] = {"model": name, "on_drift": drift.on_drift}
    return MatrixPlan(entries, reasons, drift_groups(spec))
