"""How models become matrix legs: grouped by runner labels, at most 256 per matrix.

The compiler and `mlgitops plan` both call `matrix_groups`, so the jobs in a
workflow and the matrices the plan job writes always agree: group N of the
workflow reads the plan's outputs `matrix_N` and `has_models_N`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..spec import Spec
from .workflow import MAX_MATRIX_LEGS, RunsOn


@dataclass(frozen=True)
class MatrixGroup:
    index: int  # 1-based
    job_id: str
    runs_on: RunsOn
    models: tuple[str, ...]

    @property
    def matrix_output(self) -> str:
        return f"matrix_{self.index}"

    @property
    def has_models_output(self) -> str:
        return f"has_models_{self.index}"

    @property
    def runs_on_json(self) -> str:
        """The labels as a JSON list, for `runs-on: ${{ fromJSON(…) }}` in a called workflow."""
        return json.dumps([self.runs_on] if isinstance(self.runs_on, str) else list(self.runs_on))


def labels(runs_on: str | list[str]) -> RunsOn:
    """Runner labels in a hashable form."""
    return runs_on if isinstance(runs_on, str) else tuple(runs_on)


def runs_on(spec: Spec, model: str) -> RunsOn:
    return labels(spec.models[model].runs_on or spec.ci.runs_on)


def matrix_groups(
    spec: Spec, models: Iterable[str], job_prefix: str, max_legs: int = MAX_MATRIX_LEGS
) -> list[MatrixGroup]:
    """Split `models` (in spec order) by runner labels, then into chunks of `max_legs`."""
    by_runner: dict[RunsOn, list[str]] = {}
    for model in models:
        by_runner.setdefault(runs_on(spec, model), []).append(model)
    chunks = [
        (labels, tuple(names[i : i + max_legs]))
        for labels, names in by_runner.items()
        for i in range(0, len(names), max_legs)
    ]
    single = len(chunks) == 1
    return [
        MatrixGroup(index, job_prefix if single else f"{job_prefix}-{index}", labels, names)
        for index, (labels, names) in enumerate(chunks, start=1)
    ]


def matrix_outputs(
    groups: Sequence[MatrixGroup], entries: Mapping[str, dict[str, Any]]
) -> dict[str, str]:
    """Step outputs for the selected models (`entries`: model -> matrix entry).

    `matrix`/`has_models` cover every selected model (for people and scripts);
    `matrix_N`/`has_models_N` are what group N's job reads.
    """
    outputs = {
        "matrix": _compact({"include": list(entries.values())}),
        "has_models": "true" if entries else "false",
    }
    for group in groups:
        include = [entries[m] for m in group.models if m in entries]
        outputs[group.matrix_output] = _compact({"include": include})
        outputs[group.has_models_output] = "true" if include else "false"
    return outputs


def job_outputs(groups: Sequence[MatrixGroup], step_id: str) -> dict[str, str]:
    """The plan job's outputs: each group's matrix and flag, from the plan step `step_id`."""
    outputs: dict[str, str] = {}
    for group in groups:
        for name in (group.matrix_output, group.has_models_output):
            outputs[name] = f"${{{{ steps.{step_id}.outputs.{name} }}}}"
    return outputs


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def ci_groups(spec: Spec) -> list[MatrixGroup]:
    """The CI workflow's matrix jobs: every model may be affected by a change."""
    return matrix_groups(spec, spec.models, "model")


def drift_models(spec: Spec) -> list[str]:
    return [name for name, model in spec.models.items() if model.drift is not None]


def drift_groups(spec: Spec) -> list[MatrixGroup]:
    """The drift workflow's matrix jobs: models with a drift section."""
    return matrix_groups(spec, drift_models(spec), "model")
