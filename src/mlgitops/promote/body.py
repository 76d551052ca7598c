"""The promotion pull request's title and body (Markdown, rendered from templates/pr_body.md.j2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..drift.report import DriftReport
from ..evidence import CandidateEvidence
from ..execute.templates import environment
from ..policy.report import PolicyReport
from ..registries import HIGHER_IS_BETTER
from ..review import escape
from ..review.fit import GITHUB_LIMIT, Section, fit

MAX_BODY_CHARS = GITHUB_LIMIT  # GitHub rejects longer pull request bodies


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
    """The body, fitted to `limit` characters: when it is too long the longest sections are
    shortened first, each keeping its heading and a note where it was cut, so no section
    (why, drift, metrics, gates, policy, ONNX, lineage, card, or any added later) is lost."""
    template = environment().get_template("pr_body.md.j2")
    text = template.render(
        **_context(inputs), card=without_images(inputs.card).strip(), end_marker=END_MARKER
    )
    return fit(body_sections(text, _where(inputs)), limit, what="pull request body")


END_MARKER = "<!-- /mlgitops:promote -->"  # the footer follows; like the marker, invisible


def body_sections(text: str, where: Callable[[str], str]) -> list[Section]:
    """The rendered body cut at its `### ` headings (outside code blocks and `<details>`):
    the part before the first heading and the footer after `END_MARKER` are never cut.
    `where(heading)` says where the whole of a section can be read."""
    sections: list[Section] = []
    title, lines = "", list[str]()
    fence = ""
    depth = 0  # open <details>: only the template's own, user text reaches it escaped

    def close() -> None:
        body = "\n".join(lines).strip("\n")
        if title:
            sections.append(Section(title, body, where=where(title)))
        elif body:
            sections.append(Section("", body, essential=True))

    for line in text.splitlines():
        stripped = line.strip()
        if fence:
            fence = "" if stripped.startswith(fence) and not stripped.strip(fence[0]) else fence
        elif stripped.startswith(("```", "~~~")):
            fence = stripped[: len(stripped) - len(stripped.lstrip(stripped[0]))]
        elif stripped in ("<details>", "</details>"):
            depth += 1 if stripped == "<details>" else -1
        elif depth == 0 and (line.startswith("### ") or stripped == END_MARKER):
            close()
            title, lines = ("", [line]) if stripped == END_MARKER else (line, [])
            continue
        lines.append(line)
    close()
    return sections


def _where(inputs: BodyInputs) -> Callable[[str], str]:
    folder = f"models/{inputs.model}/versions/{inputs.version}/"

    def where(heading: str) -> str:
        if heading == "### Model card":
            return f"read all of it in {escape.code(folder + 'card.md')}"
        return f"the whole record is in {escape.code(folder)}"

    return where


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
        "why_markdown": inputs.why_markdown or escape.text(inputs.why or "", None),
        "drift_markdown": inputs.drift.to_markdown().strip() if inputs.drift else "",
        "data_change_markdown": inputs.data_change_markdown,
        "metrics": metric_rows(evidence, inputs.production),
        "policy_markdown": inputs.policy.to_markdown().strip() if inputs.policy else "",
        "size": _size(evidence.onnx.size_bytes),
        "tuning_markdown": _tuning(inputs),
        "libraries": ", ".join(
            f"{escape.text(name)} {escape.text(version)}"
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
