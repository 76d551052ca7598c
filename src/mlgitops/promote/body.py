"""The promotion pull request's title and body (Markdown, rendered from templates/pr_body.md.j2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from ..drift.report import DriftReport
from ..evidence import CandidateEvidence
from ..execute.templates import environment
from ..policy.report import PolicyReport
from ..registries import HIGHER_IS_BETTER

MAX_BODY_CHARS = 65_536  # GitHub rejects longer pull request bodies
_MARGIN = 512  # room for the truncation note


def marker(model: str) -> str:
    """An HTML comment that marks the body as this model's promotion (invisible on GitHub)."""
    return f"<!-- mlgitops:promote:{model} -->"


@dataclass(frozen=True)
class BodyInputs:
    model: str
    version: int
    registered: Literal["new", "existing"]
    evidence: CandidateEvidence
    production: CandidateEvidence | None  # the production version's evidence, at the base branch
    production_version: int | None
    policy: PolicyReport | None
    drift: DriftReport | None
    card: str
    # why, when it is not drift: production.yaml's `reason` ("rollback", "the spec changed in …")
    why: str | None = None
    why_markdown: str = ""  # the Why section's text for `why` (Markdown, already escaped)
    data_change_markdown: str = ""  # review/data_change.py: the snapshot this promotion commits


ROLLBACK = "rollback"


def title(inputs: BodyInputs) -> str:
    if inputs.why == ROLLBACK:
        return f"Roll back {inputs.model} to version {inputs.version}"
    why = " after drift" if inputs.drift is not None and inputs.drift.dataset_drifted else ""
    return f"Promote {inputs.model} to version {inputs.version}{why}"


def reason(inputs: BodyInputs) -> str:
    """One line for production.yaml's `reason`."""
    if inputs.why:
        return inputs.why
    if inputs.drift is not None and inputs.drift.dataset_drifted:
        return f"drift: {inputs.drift.headline()}"
    return "manual promotion"


def render_body(inputs: BodyInputs, *, limit: int = MAX_BODY_CHARS) -> str:
    """The body; the model card is cut short when the whole would pass `limit` characters."""
    context = _context(inputs)
    template = environment().get_template("pr_body.md.j2")
    without_card = template.render(**context, card="")
    budget = limit - len(without_card) - _MARGIN
    card = without_images(inputs.card).strip()
    if len(card) > budget:
        card = _truncate(card, max(budget, 0), inputs)
    body = template.render(**context, card=card).rstrip() + "\n"
    return body if len(body) <= limit else body[: limit - 1] + "\n"


def without_images(card: str) -> str:
    """The card without its PNG links: they resolve beside card.md, not in a pull request,
    whose body draws the same charts in Mermaid."""
    return re.sub(
        r"<!-- mlgitops:images -->.*?<!-- /mlgitops:images -->\n*", "", card, flags=re.DOTALL
    )


def _context(inputs: BodyInputs) -> dict[str, Any]:
    from ..evaluate.markdown import evaluation_context

    evidence = inputs.evidence
    return {
        **evaluation_context(evidence),
        "marker": marker(inputs.model),
        "model": inputs.model,
        "version": inputs.version,
        "registered": inputs.registered,
        "production_version": inputs.production_version,
        "evidence": evidence,
        "drift": inputs.drift,
        "why": inputs.why,
        "why_markdown": inputs.why_markdown or inputs.why or "",
        "drift_markdown": inputs.drift.to_markdown().strip() if inputs.drift else "",
        "data_change_markdown": inputs.data_change_markdown,
        "metrics": metric_rows(evidence, inputs.production),
        "policy_markdown": inputs.policy.to_markdown().strip() if inputs.policy else "",
        "size": _size(evidence.onnx.size_bytes),
        "tuning_markdown": _tuning(inputs),
        "libraries": ", ".join(
            f"{name} {version}"
            for name, version in sorted(evidence.lineage.library_versions.items())
        )
        or "not recorded",
    }


@dataclass(frozen=True)
class MetricRow:
    metric: str
    candidate: float
    production: float | None
    change: str


def metric_rows(
    candidate: CandidateEvidence, production: CandidateEvidence | None
) -> list[MetricRow]:
    """Candidate against production on the same rows when the evaluate stage paired them;
    otherwise against production's own holdout metric (the template says which)."""
    rows = []
    paired = candidate.comparison or {}
    for name, value in candidate.metrics.items():
        if name in paired:
            rows.append(
                MetricRow(
                    name,
                    value,
                    paired[name].production,
                    _change(name, value, paired[name].production),
                )
            )
            continue
        before = production.metrics.get(name) if production is not None else None
        change = "–" if production is None else _change(name, value, before)
        rows.append(MetricRow(name, value, before, change))
    return rows


def _change(metric: str, value: float, before: float | None) -> str:
    if before is None:
        return "new metric"
    delta = value - before
    if abs(delta) < 1e-12:
        return "= unchanged"
    better = (delta > 0) == (metric in HIGHER_IS_BETTER)
    relative = f" ({delta / abs(before):+.1%})" if before else ""
    return f"{'▲ better' if better else '▼ worse'} {delta:+.4g}{relative}"


def _tuning(inputs: BodyInputs) -> str:
    if inputs.evidence.tuning is None:
        return ""
    from ..tune.report import tuning_markdown

    production = dict(inputs.production.training.params) if inputs.production else None
    return tuning_markdown(inputs.evidence.tuning, production, level=3).strip()


def _size(size: int) -> str:
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MiB ({size:,} bytes)"
    if size >= 1 << 10:
        return f"{size / (1 << 10):.1f} KiB ({size:,} bytes)"
    return f"{size:,} bytes"


def _truncate(card: str, budget: int, inputs: BodyInputs) -> str:
    cut = card[:budget]
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    if cut.count("```") % 2:  # close a code block cut in half, or it swallows the rest
        cut += "\n```"
    return (
        cut.rstrip() + f"\n\n… the card is cut short here; read all of it in "
        f"`models/{inputs.model}/versions/{inputs.version}/card.md`."
    )
