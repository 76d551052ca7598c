"""The model card (`card.md`), rendered with Jinja2 from the candidate's evidence."""

from __future__ import annotations

from typing import Any

from ..evidence import CandidateEvidence
from ..spec import Project
from .templates import environment


def render_card(
    project: Project,
    evidence: CandidateEvidence,
    policy: dict[str, Any] | None,
    production: CandidateEvidence | None,
    plots: list[str] | None = None,
) -> str:
    """The card; `plots` names the diagnostics PNGs stored beside it."""
    from ..evaluate.markdown import evaluation_context

    model = project.spec.models[evidence.model]
    dataset = project.spec.datasets[model.dataset]
    template = environment().get_template("card.md.j2")
    return (
        template.render(
            evidence=evidence,
            model=model,
            dataset=dataset,
            dataset_name=model.dataset,
            pipeline=project.pipelines[evidence.model],
            policy=policy,
            production=production,
            project=project.spec.project,
            plots=plots or [],
            **evaluation_context(evidence),
        ).rstrip()
        + "\n"
    )
